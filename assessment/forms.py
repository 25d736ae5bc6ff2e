import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Result
from .services import MAX_EVIDENCE_BYTES

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class VerifyForm(forms.Form):
    """A PDF or its SHA-256: one of the two."""

    sha256 = forms.CharField(label=_("Empreinte SHA-256"), required=False, max_length=100,
                             help_text=_("64 caractères hexadécimaux, tels qu'imprimés par « sha256sum »."))
    document = forms.FileField(label=_("Ou le fichier PDF de l'attestation"), required=False)

    def clean_sha256(self):
        value = self.cleaned_data["sha256"].strip().lower()
        if value and not SHA256_RE.match(value):
            raise forms.ValidationError(_("Une empreinte SHA-256 s'écrit avec 64 caractères hexadécimaux."))
        return value

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document is not None and document.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError(_("Fichier trop volumineux (20 Mo au plus)."))
        return document

    def clean(self):
        cleaned = super().clean()
        if not self.errors and bool(cleaned.get("sha256")) == bool(cleaned.get("document")):
            raise forms.ValidationError(_("Déposez le fichier PDF ou collez son empreinte (l'un ou l'autre)."))
        return cleaned


class AnswerForm(forms.Form):
    result = forms.ChoiceField(label=_("Résultat"), choices=Result.choices)
    justification = forms.CharField(label=_("Justification"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("Obligatoire pour un écart ou une non-applicabilité."))
    owner = forms.CharField(label=_("Responsable"), required=False, max_length=150)
    planned_date = forms.DateField(label=_("Mise en conformité prévue le"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    revision = forms.IntegerField(widget=forms.HiddenInput)


class EvidenceForm(forms.Form):
    label = forms.CharField(label=_("Intitulé"), required=False, max_length=250)
    document = forms.FileField(label=_("Fichier"), required=False)
    link = forms.URLField(label=_("Ou un lien"), required=False, max_length=500, assume_scheme="https")
    effective_date = forms.DateField(label=_("Date d'effet"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        cleaned = super().clean()
        if not self.errors and bool(cleaned.get("document")) == bool(cleaned.get("link")):
            raise forms.ValidationError(_("Joignez un fichier ou indiquez un lien (l'un ou l'autre)."))
        return cleaned
