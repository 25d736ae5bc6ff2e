"""Input of the notification pages: parsing and field errors only; services decide."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import PERSONAL_EVENTS, EventKind, Topic


class TopicsForm(forms.Form):
    topics = forms.MultipleChoiceField(
        label=_("Me prévenir quand"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    language = forms.ChoiceField(label=_("Langue des courriels"), choices=settings.LANGUAGES)


class FollowByEmailForm(TopicsForm):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("Format attendu : nom@domaine.fr. Un lien de confirmation y sera envoyé : rien d'autre avant que vous l'ouvriez."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(label=_("Langue de tous mes courriels"), choices=settings.LANGUAGES)
    muted = forms.MultipleChoiceField(
        label=_("Ne plus recevoir"),
        choices=[(kind, EventKind(kind).label) for kind in PERSONAL_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Adresse (URL) à appeler"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Format attendu : https://outil.exemple.fr/webhooks. Les adresses privées ou locales sont refusées."),
    )
    secret = forms.CharField(
        label=_("Secret partagé"),
        min_length=16,
        max_length=200,
        help_text=_("16 caractères au moins. Chaque envoi porte l'en-tête X-Referentiels-Signature : sha256= suivi du HMAC-SHA256 du corps avec ce secret."),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
