"""Input of the admin's actions on organisations: parsing and field errors only; services decide. The
sign-in and sign-up forms are allauth's, worded in accounts/allauth_forms.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation
from .services import REFUSAL_REASON_MAX_LENGTH


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
