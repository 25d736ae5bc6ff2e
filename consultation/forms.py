"""Input of the consultation pages: parsing and field errors only; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Answer, Comment, Consultation


class CommentForm(forms.Form):
    """A contributor's comment. The target (requirement or chapter) travels as a hidden id; the
    services check that it belongs to the consulted version, the window and the author's rights."""

    kind = forms.ChoiceField(label=_("Nature"), choices=Comment.Kind.choices, initial=Comment.Kind.REMARK)
    body = forms.CharField(
        label=_("Commentaire"),
        max_length=Comment.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown accepté (listes, **gras**, liens). 10 000 caractères au plus."),
    )
    proposed_wording = forms.CharField(
        label=_("Rédaction proposée (facultatif)"),
        required=False,
        max_length=Comment.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("L'énoncé tel que vous le proposez ; il sera montré en regard de l'énoncé actuel, changements marqués."),
    )
    requirement = forms.IntegerField(required=False, widget=forms.HiddenInput)
    section = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, statement: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.statement = statement

    def clean_proposed_wording(self):
        wording = self.cleaned_data["proposed_wording"].strip()
        # The field starts filled with the current statement: left as is, it proposes nothing.
        return "" if wording == self.statement.strip() else wording


class CommentEditForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature"), choices=Comment.Kind.choices)
    body = forms.CharField(
        label=_("Commentaire"),
        max_length=Comment.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown accepté. 10 000 caractères au plus."),
    )
    proposed_wording = forms.CharField(
        label=_("Rédaction proposée (facultatif)"),
        required=False,
        max_length=Comment.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label=_("Décision"), choices=Answer.Decision.choices)
    body = forms.CharField(label=_("Réponse de l'ANS"), max_length=Comment.BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    carried_by = forms.CharField(
        label=_("Exigence de la version suivante qui porte le changement (facultatif)"),
        required=False,
        max_length=40,
        help_text=_("Sa clé, par exemple « MSS 19 », dans la version fondée sur celle-ci."),
    )


class HideCommentForm(forms.Form):
    reason = forms.CharField(label=_("Motif du masquage"), max_length=500)


class OpenConsultationForm(forms.ModelForm):
    """Admin: opening a consultation on a draft (through ``open_consultation``)."""

    class Meta:
        model = Consultation
        fields = ["version", "title", "opens_at", "closes_at"]
        help_texts = {
            "opens_at": _("Heure de Paris."),
            "closes_at": _("Heure de Paris. Les commentaires sont refusés à partir de cet instant."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from referential.models import ReferentialVersion

        self.fields["version"].queryset = ReferentialVersion.objects.filter(
            status=ReferentialVersion.Status.DRAFT
        ).select_related("referential")
        self.fields["version"].help_text = _("Seul un brouillon peut être soumis à concertation.")
