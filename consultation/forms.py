"""Input of the consultation pages: parsing and field errors only; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Answer, Comment, Consultation, InternalNote


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

    def __init__(self, *args, statement: str | None = None, **kwargs):
        """``statement``: the text of the requirement commented on; None for a chapter or the whole
        version, which offer no proposed wording. Left as it was, the wording proposes nothing: the
        service (``submit_comment``) decides that, on normalised text."""
        super().__init__(*args, **kwargs)
        if statement is None:
            del self.fields["proposed_wording"]


class CommentEditForm(forms.Form):
    """A contributor's change of their comment; only a comment on a requirement has a proposed wording."""

    def __init__(self, *args, offers_wording: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not offers_wording:
            del self.fields["proposed_wording"]

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


class AssignForm(forms.Form):
    """Who handles a comment: an editor's id, or nothing to take it back."""

    assignee = forms.IntegerField(label=_("Attribué à"), required=False)


class InternalNoteForm(forms.Form):
    text = forms.CharField(label=_("Note interne"), max_length=InternalNote.TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))


class ApplyWordingForm(forms.Form):
    """Carry a comment's proposed wording into a draft requirement. ``expected_revision`` is the
    requirement's revision when the page was shown: a save in between is refused."""

    requirement = forms.IntegerField(widget=forms.HiddenInput)
    expected_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Décision"), required=False, choices=[("", "—"), *Answer.Decision.choices])
    body = forms.CharField(label=_("Réponse de l'ANS"), required=False, max_length=Comment.BODY_MAX_LENGTH)


class BulkAnswerForm(forms.Form):
    """The same decision and answer for a selection of comments (``comments``: their ids)."""

    comments = forms.TypedMultipleChoiceField(label=_("Commentaires"), coerce=int, choices=())
    decision = forms.ChoiceField(label=_("Décision"), choices=Answer.Decision.choices)
    body = forms.CharField(label=_("Réponse de l'ANS"), max_length=Comment.BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, comment_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].choices = [(pk, pk) for pk in comment_ids]
        self.fields["comments"].error_messages["required"] = _("Sélectionnez au moins un commentaire.")


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
