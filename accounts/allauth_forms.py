"""allauth's forms as this site words them: sign-in by address or username, and sign-up with the
organisation fields — the sign-up form's ``signup`` hands them to ``services.join_organisation``
once allauth has created the account (new organisation, or a *pending* membership of an existing
one)."""

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Organisation


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Adresse électronique ou identifiant")
        login.widget.attrs.update({"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none", "placeholder": ""})
        password = self.fields["password"]
        password.label = _("Mot de passe")
        password.help_text = ""  # the page links to the reset itself
        password.widget.attrs.pop("placeholder", None)


class SignupForm(AllauthSignupForm):
    field_order = [
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
        "organisation_name",
        "organisation_kind",
        "agrees_to_be_named",
    ]

    first_name = forms.CharField(label=_("Prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    organisation_name = forms.CharField(
        label=_("Nom de votre organisation"),
        max_length=200,
        help_text=_(
            "Si votre organisation est déjà inscrite sous ce nom, vous demandez à la rejoindre : "
            "l'ANS valide votre rattachement."
        ),
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = _("Adresse électronique")
        email.max_length = 150  # the address is also the username
        email.help_text = _("Format attendu : nom@domaine.fr. Elle vous servira d'identifiant ; un lien de confirmation y sera envoyé.")
        email.widget.attrs.update({"autocomplete": "email", "spellcheck": "false", "placeholder": ""})
        self.fields["password1"].label = _("Mot de passe")
        self.fields["password1"].help_text = _(
            "12 caractères au moins sont conseillés ; ni trop courant, ni entièrement numérique, ni proche de votre nom."
        )
        self.fields["password1"].widget.attrs.update({"placeholder": ""})
        if "password2" in self.fields:
            self.fields["password2"].label = _("Confirmation du mot de passe")
            self.fields["password2"].widget.attrs.update({"placeholder": ""})
        for name in ("first_name", "last_name", "organisation_name"):
            self.fields[name].widget.attrs.pop("placeholder", None)

    def clean_organisation_name(self):
        name = services.clean_organisation_name(self.cleaned_data["organisation_name"])
        if not name:
            raise forms.ValidationError(self.fields["organisation_name"].error_messages["required"], code="required")
        return name

    def try_save(self, request):
        """allauth's, plus a password hash for a known address: a new account's hashing takes a good
        part of a second, and a sign-up answering faster for a known address would reveal it."""
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)

    def signup(self, request, user) -> None:
        data = self.cleaned_data
        services.join_organisation(
            user=user,
            organisation_name=data["organisation_name"],
            organisation_kind=data["organisation_kind"],
            agrees_to_be_named=data["agrees_to_be_named"],
        )


class AddEmailForm(AllauthAddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = _("Adresse électronique")
        email.help_text = _("Format attendu : nom@domaine.fr. Un lien de confirmation y sera envoyé.")
        email.widget.attrs.update({"autocomplete": "email", "spellcheck": "false", "placeholder": ""})
