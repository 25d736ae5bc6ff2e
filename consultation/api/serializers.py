"""JSON shapes of the consultation API: consultations, comments with their answers, and the input of each action."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ChoiceLabel, FieldsBuiltOnce, absolute_url
from core.markdown import render_markdown

from ..models import Answer, Comment, Consultation

#
# Who may read a comment is decided by ``queries.visible_comments``; what of it a reader sees is decided
# here: editors and the author see who wrote it; everyone else sees the organisation's public label only.


PHASES = ["upcoming", "open", "closed"]
TARGETS = ["requirement", "section", "version"]


class ConsultationVersionSerializer(serializers.Serializer):
    referential = serializers.CharField(source="referential.slug")
    code = serializers.CharField(source="referential.code")
    number = serializers.CharField()
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, version) -> str:
        kwargs = {"slug": version.referential.slug, "number": version.number}
        return absolute_url(self.context, reverse("referential_api:version-detail", kwargs=kwargs))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, version) -> str:
        return absolute_url(self.context, version.get_absolute_url())


class ConsultationSerializer(serializers.ModelSerializer):
    """A consultation; its window is given in UTC offsets of Europe/Paris and enforced on the server."""

    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    comments_url = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    version = ConsultationVersionSerializer()
    phase = serializers.SerializerMethodField(help_text="upcoming (à venir), open (ouverte) ou closed (close), à l'heure du serveur.")
    synthesis_url = serializers.SerializerMethodField(help_text="La page de la synthèse ; null tant qu'elle n'est pas publiée.")

    class Meta:
        model = Consultation
        fields = [
            "id", "url", "html_url", "title", "version", "opens_at", "closes_at", "phase",
            "synthesis_published_at", "synthesis_url", "comments_url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, consultation) -> str:
        return absolute_url(self.context, reverse("consultation_api:consultation-detail", kwargs={"pk": consultation.pk}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, consultation) -> str:
        return absolute_url(self.context, consultation.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_comments_url(self, consultation) -> str:
        return absolute_url(self.context, reverse("consultation_api:consultation-comments", kwargs={"pk": consultation.pk}))

    def get_title(self, consultation) -> str:
        return str(consultation)

    @extend_schema_field({"type": "string", "enum": PHASES})
    def get_phase(self, consultation) -> str:
        from consultation.queries import consultation_phase

        return consultation_phase(consultation)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_synthesis_url(self, consultation):
        if not consultation.synthesis_is_published:
            return None
        return absolute_url(self.context, f"{consultation.get_absolute_url()}synthese/")


class CommentRequirementSerializer(serializers.Serializer):
    """The commented requirement, in the consulted version (for the schema; built by CommentSerializer)."""

    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()


class CommentSectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class CarriedBySerializer(serializers.Serializer):
    key = serializers.CharField()
    version = serializers.CharField(source="version.number")
    url = serializers.SerializerMethodField(help_text="null si cette version n'est pas encore publique.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, requirement):
        from core.roles import is_editor

        version = requirement.version
        request = self.context.get("request")
        if not (version.is_public or is_editor(getattr(request, "user", None))):
            return None
        kwargs = {"slug": version.referential.slug, "number": version.number, "key": requirement.key}
        return absolute_url(self.context, reverse("referential_api:requirement-detail", kwargs=kwargs))


class CommentAnswerSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    decision = serializers.ChoiceField(choices=Answer.Decision.choices)
    decision_label = ChoiceLabel(Answer.Decision.choices, source="decision")
    body_html = serializers.SerializerMethodField()
    carried_by = CarriedBySerializer(allow_null=True, help_text="L'exigence de la version suivante qui porte le changement.")

    class Meta:
        model = Answer
        fields = ["decision", "decision_label", "body", "body_html", "carried_by", "answered_at"]

    def get_body_html(self, answer) -> str:
        return str(render_markdown(answer.body))


class CommentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A comment as ``queries.comment_for`` / ``visible_comments`` load it (relations selected)."""

    url = serializers.SerializerMethodField()
    consultation = serializers.IntegerField(source="consultation_id")
    target = serializers.SerializerMethodField(help_text="Ce que vise le commentaire : une exigence, un chapitre ou la version entière.")
    requirement = serializers.SerializerMethodField()
    section = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Comment.Kind.choices)
    kind_label = ChoiceLabel(Comment.Kind.choices, source="kind")
    body_html = serializers.SerializerMethodField()
    proposed_redline_html = serializers.SerializerMethodField(
        help_text="La rédaction proposée en regard de l'énoncé actuel (<del>/<ins>) ; null sans rédaction proposée ou hors exigence."
    )
    status = serializers.ChoiceField(choices=Comment.Status.choices)
    status_label = ChoiceLabel(Comment.Status.choices, source="status")
    organisation = serializers.SerializerMethodField(
        help_text="Le nom de l'organisation pour les éditeurs et l'auteur ; sinon son nom si elle accepte d'être nommée, son type sinon."
    )
    author = serializers.SerializerMethodField(help_text="L'identifiant de l'auteur, pour les éditeurs et l'auteur lui-même ; null sinon.")
    answer = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id", "url", "consultation", "target", "requirement", "section", "kind", "kind_label", "body", "body_html",
            "proposed_wording", "proposed_redline_html", "status", "status_label", "organisation", "author",
            "created_at", "updated_at", "answer",
        ]

    def _sees_author(self, comment) -> bool:
        from core.roles import is_editor

        user = getattr(self.context.get("request"), "user", None)
        return (user is not None and user.is_authenticated and comment.author_id == user.pk) or is_editor(user)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, comment) -> str:
        return absolute_url(self.context, reverse("consultation_api:comment-detail", kwargs={"pk": comment.pk}))

    @extend_schema_field({"type": "string", "enum": TARGETS})
    def get_target(self, comment) -> str:
        return "requirement" if comment.requirement_id else "section" if comment.section_id else "version"

    @extend_schema_field(CommentRequirementSerializer(allow_null=True))
    def get_requirement(self, comment):
        if not comment.requirement_id:
            return None
        requirement, version = comment.requirement, comment.consultation.version
        kwargs = {"slug": version.referential.slug, "number": version.number, "key": requirement.key}
        url = absolute_url(self.context, reverse("referential_api:requirement-detail", kwargs=kwargs))
        return {"key": requirement.key, "title": requirement.title, "url": url}

    @extend_schema_field(CommentSectionSerializer(allow_null=True))
    def get_section(self, comment):
        return CommentSectionSerializer(comment.section).data if comment.section_id else None

    def get_body_html(self, comment) -> str:
        return str(render_markdown(comment.body))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_proposed_redline_html(self, comment):
        redline = getattr(comment, "proposed_redline", None)
        return str(redline) if redline else None

    def get_organisation(self, comment) -> str:
        return comment.organisation.name if self._sees_author(comment) else comment.organisation.public_label

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, comment):
        return comment.author.get_username() if self._sees_author(comment) else None

    @extend_schema_field(CommentAnswerSerializer(allow_null=True))
    def get_answer(self, comment):
        answer = getattr(comment, "answer", None)
        return CommentAnswerSerializer(answer, context=self.context).data if answer is not None else None


TYPED_KEY_MAX_LENGTH = 200


class CommentCreateSerializer(FieldsBuiltOnce, serializers.Serializer):
    """What a contributor sends; the target is a requirement key or a chapter id of the consulted
    version, or neither for the whole version."""

    kind = serializers.ChoiceField(choices=Comment.Kind.choices)
    body = serializers.CharField(max_length=Comment.BODY_MAX_LENGTH, help_text="Markdown.")
    proposed_wording = serializers.CharField(max_length=Comment.BODY_MAX_LENGTH, required=False, allow_blank=True, default="")
    # A stored key is at most 40 characters; typed, it may carry spaces around it. Longer is no key,
    # and the 400 that names an unknown key would echo megabytes back.
    requirement = serializers.CharField(
        max_length=TYPED_KEY_MAX_LENGTH, required=False, allow_blank=True, default="",
        help_text="Clé de l'exigence commentée, par exemple « MSS 17 ».",
    )
    section = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Identifiant du chapitre commenté.")


class CommentUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Comment.Kind.choices, required=False)
    body = serializers.CharField(max_length=Comment.BODY_MAX_LENGTH, required=False, help_text="Markdown.")
    proposed_wording = serializers.CharField(max_length=Comment.BODY_MAX_LENGTH, required=False, allow_blank=True)


class AnswerInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Answer.Decision.choices)
    body = serializers.CharField(max_length=Comment.BODY_MAX_LENGTH, help_text="Markdown.")
    carried_by = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="Clé de l'exigence qui porte le changement dans la version fondée sur la version consultée.",
    )


class HideInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Motif du masquage, gardé dans l'historique.")
