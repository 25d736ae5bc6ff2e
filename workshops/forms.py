"""Input of the workshop pages: parsing and field errors only; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RidaItem


class RidaUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tableau RIDA (.csv ou .xlsx)"),
        help_text=_(
            "Première ligne : les en-têtes #, Nature, Objet, Question / Remarque, Réponse "
            "(et, pour les actions, Responsable et Échéance). Nature : I, D ou A."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )


class ActionAssignForm(forms.Form):
    """Who carries an action and by when; the service checks the owner against the participants."""

    owner = forms.CharField(label=_("Responsable"), required=False, max_length=150)
    due_on = forms.DateField(label=_("Échéance"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Nouveau statut"), choices=RidaItem.ActionStatus.choices)
    closing_note = forms.CharField(
        label=_("Note de clôture"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire pour abandonner une action."),
    )
