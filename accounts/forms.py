"""Input of the account pages and admin actions: parsing and field errors only; services decide."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.mail import send_templated_mail

from . import throttle
from .models import Organisation
from .services import REFUSAL_REASON_MAX_LENGTH


class SignupForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    # 150 characters: the address is also the username.
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=150,
        help_text=_("Format attendu : nom@domaine.fr. Elle vous servira d'identifiant ; un lien de confirmation y sera envoyé."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        help_text=_("12 caractères au moins sont conseillés ; ni trop courant, ni entièrement numérique, ni proche de votre nom."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirmation = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    organisation_name = forms.CharField(
        label=_("Nom de votre organisation"),
        max_length=200,
        help_text=_("Si votre organisation est déjà inscrite sous ce nom, vous la rejoignez."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    organisation_kind = forms.ChoiceField(
        label=_("Type d'organisation"),
        choices=[("", _("Sélectionnez une option"))] + list(Organisation.Kind.choices),
    )
    agrees_to_be_named = forms.BooleanField(
        label=_("Mon organisation accepte d'être nommée dans les synthèses"),
        required=False,
        help_text=_(
            "Ne vaut que si vous inscrivez votre organisation. Sinon, vos commentaires publiés "
            "sont attribués à son seul type (« Un opérateur »)."
        ),
    )

    def clean(self):
        cleaned_data = super().clean()
        password, confirmation = cleaned_data.get("password"), cleaned_data.get("password_confirmation")
        if password and confirmation and password != confirmation:
            self.add_error("password_confirmation", _("Les deux mots de passe ne sont pas identiques."))
        return cleaned_data


class LoginForm(AuthenticationForm):
    """E-mail (or username, for older accounts such as the editors') and password."""

    username = forms.CharField(
        label=_("Adresse électronique ou identifiant"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True, "spellcheck": "false", "autocapitalize": "none"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Adresse électronique ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["password"].label = _("Mot de passe")


class PasswordResetByMailForm(PasswordResetForm):
    """Django's reset form, its e-mail rendered by the project's mail helper with links to SITE_URL
    (never to the Host header of the request)."""

    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        help_text=_("Format attendu : nom@domaine.fr"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None):
        send_templated_mail(
            template="accounts/email/password_reset",
            to=[to_email],
            context={"user": context["user"], "uid": context["uid"], "token": context["token"], "site_url": settings.SITE_URL},
            language=translation.get_language() or "fr",
        )


# Admin actions ---------------------------------------------------------------------------------


class RefuseOrganisationForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=REFUSAL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Envoyé par courriel aux membres de l'organisation dont l'adresse est confirmée."),
    )


class MergeOrganisationsForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Organisation qui reste"),
        queryset=Organisation.objects.none(),
        help_text=_("Les membres et les commentaires des organisations sélectionnées lui seront rattachés."),
    )

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            Organisation.objects.exclude(status=Organisation.Status.MERGED).exclude(pk__in=[source.pk for source in sources]).order_by("name")
        )
