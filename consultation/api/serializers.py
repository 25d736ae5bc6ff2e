"""JSON shapes of the workshop API: output only (the API is read-only), reading what the views' queries
fetched. Markdown fields come twice: as written (``summary``) and rendered by the project's one
sanitizing renderer (``summary_html``)."""

from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from referential.markdown import render_markdown

from ..models import (
    AgendaItem,
    Answer,
    Comment,
    Consultation,
    Participant,
    RidaItem,
    RidaRequirementLink,
    Workshop,
    WorkshopDocument,
)


def _absolute(context, url: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class ReferentialRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField()


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkshopDocument
        fields = ["title", "reference"]


class AgendaPointSerializer(serializers.ModelSerializer):
    subpoints = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = ["label", "subpoints"]

    def get_subpoints(self, point) -> list[str]:
        return [sub.label for sub in getattr(point, "subpoints", [])]


class ParticipantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Participant
        fields = ["last_name", "first_name", "entity", "function", "is_organiser"]


class RequirementLinkSerializer(serializers.ModelSerializer):
    referential = serializers.CharField(source="referential.slug")
    key = serializers.CharField(source="requirement_key")
    requirement_url = serializers.SerializerMethodField(
        help_text="L'exigence qui porte cette clé dans la version publiée du référentiel (null si aucune version publique ne la porte)."
    )

    class Meta:
        model = RidaRequirementLink
        fields = ["referential", "key", "requirement_url"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_requirement_url(self, link):
        requirement = getattr(link, "requirement", None)
        if requirement is None:
            return None
        kwargs = {"slug": requirement.version.referential.slug, "number": requirement.version.number, "key": requirement.key}
        try:
            return _absolute(self.context, reverse("referential_api:requirement-detail", kwargs=kwargs))
        except NoReverseMatch:
            return None


class ActionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="action_status")
    status_label = serializers.CharField(source="get_action_status_display")

    class Meta:
        model = RidaItem
        fields = ["owner", "due_on", "status", "status_label", "closing_note"]


class RidaItemSerializer(serializers.ModelSerializer):
    # Declared inline: a shared enum component would collide with other apps' fields of the same name.
    nature = serializers.SerializerMethodField(help_text="I (information), D (décision) ou A (action).")
    nature_label = serializers.CharField(source="get_nature_display")
    question_html = serializers.SerializerMethodField()
    answer_html = serializers.SerializerMethodField()
    action = serializers.SerializerMethodField(help_text="Responsable, échéance et statut ; null sauf pour une action (nature A).")
    requirements = RequirementLinkSerializer(source="requirement_links", many=True)

    class Meta:
        model = RidaItem
        fields = ["number", "nature", "nature_label", "object", "question", "question_html", "answer", "answer_html", "action", "requirements"]

    @extend_schema_field({"type": "string", "enum": list(RidaItem.Nature.values)})
    def get_nature(self, item) -> str:
        return item.nature

    def get_question_html(self, item) -> str:
        return str(render_markdown(item.question))

    def get_answer_html(self, item) -> str:
        return str(render_markdown(item.answer))

    @extend_schema_field(ActionSerializer(allow_null=True))
    def get_action(self, item):
        return ActionSerializer(item).data if item.is_action else None


class WorkshopSerializer(serializers.ModelSerializer):
    """A workshop without its minutes; needs ``item_count``, ``open_action_count`` and referentials prefetched."""

    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    # A plain string, not an enum: drf-spectacular would merge it with other apps' "kind" enums.
    kind = serializers.CharField(help_text="Type de réunion : atelier, reunion, webinaire ou autre.")
    kind_label = serializers.CharField(source="get_kind_display")
    referentials = ReferentialRefSerializer(many=True)
    rida_item_count = serializers.IntegerField(source="item_count")
    open_action_count = serializers.IntegerField()

    class Meta:
        model = Workshop
        fields = [
            "id", "url", "number", "title", "held_on", "kind", "kind_label", "organiser", "writer",
            "referentials", "published_at", "rida_item_count", "open_action_count", "html_url", "pdf_url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, workshop) -> str:
        return _absolute(self.context, reverse("consultation_api:workshop-detail", kwargs={"pk": workshop.pk}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, workshop) -> str:
        return _absolute(self.context, workshop.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, workshop) -> str:
        return _absolute(self.context, reverse("consultation:workshop_pdf", kwargs={"pk": workshop.pk}))


class WorkshopDetailSerializer(WorkshopSerializer):
    """A workshop with its minutes; reads ``workshop.minutes`` (``queries.workshop_minutes``)."""

    summary_html = serializers.SerializerMethodField()
    referentials = ReferentialRefSerializer(source="minutes.referentials", many=True)
    documents = DocumentSerializer(source="minutes.documents", many=True)
    agenda = AgendaPointSerializer(source="minutes.agenda", many=True)
    participants = ParticipantSerializer(source="minutes.participants", many=True)
    rida_items = RidaItemSerializer(source="minutes.items", many=True)
    rida_item_count = serializers.IntegerField(source="minutes.total_items")
    open_action_count = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta(WorkshopSerializer.Meta):
        fields = [
            *WorkshopSerializer.Meta.fields,
            "writer_entity", "agenda_intro", "summary", "summary_html", "documents", "agenda", "participants",
            "rida_items", "csv_url", "xlsx_url",
        ]

    def get_summary_html(self, workshop) -> str:
        return str(render_markdown(workshop.summary))

    def get_open_action_count(self, workshop) -> int:
        return len(workshop.minutes.open_actions)

    @extend_schema_field(OpenApiTypes.URI)
    def get_csv_url(self, workshop) -> str:
        return _absolute(self.context, reverse("consultation:rida_csv", kwargs={"pk": workshop.pk}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_xlsx_url(self, workshop) -> str:
        return _absolute(self.context, reverse("consultation:rida_xlsx", kwargs={"pk": workshop.pk}))


# Consultations and comments ------------------------------------------------------------------------
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
        return _absolute(self.context, reverse("referential_api:version-detail", kwargs=kwargs))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, version) -> str:
        return _absolute(self.context, version.get_absolute_url())


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
        return _absolute(self.context, reverse("consultation_api:consultation-detail", kwargs={"pk": consultation.pk}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, consultation) -> str:
        return _absolute(self.context, consultation.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_comments_url(self, consultation) -> str:
        return _absolute(self.context, reverse("consultation_api:consultation-comments", kwargs={"pk": consultation.pk}))

    def get_title(self, consultation) -> str:
        return str(consultation)

    @extend_schema_field({"type": "string", "enum": PHASES})
    def get_phase(self, consultation) -> str:
        from ..queries import consultation_phase

        return consultation_phase(consultation)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_synthesis_url(self, consultation):
        if not consultation.synthesis_is_published:
            return None
        return _absolute(self.context, f"{consultation.get_absolute_url()}synthese/")


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
        from referential.roles import is_editor

        version = requirement.version
        request = self.context.get("request")
        if not (version.is_public or is_editor(getattr(request, "user", None))):
            return None
        kwargs = {"slug": version.referential.slug, "number": version.number, "key": requirement.key}
        return _absolute(self.context, reverse("referential_api:requirement-detail", kwargs=kwargs))


class CommentAnswerSerializer(serializers.ModelSerializer):
    decision = serializers.ChoiceField(choices=Answer.Decision.choices)
    decision_label = serializers.CharField(source="get_decision_display")
    body_html = serializers.SerializerMethodField()
    carried_by = CarriedBySerializer(allow_null=True, help_text="L'exigence de la version suivante qui porte le changement.")

    class Meta:
        model = Answer
        fields = ["decision", "decision_label", "body", "body_html", "carried_by", "answered_at"]

    def get_body_html(self, answer) -> str:
        return str(render_markdown(answer.body))


class CommentSerializer(serializers.ModelSerializer):
    """A comment as ``queries.comment_for`` / ``visible_comments`` load it (relations selected)."""

    url = serializers.SerializerMethodField()
    consultation = serializers.IntegerField(source="consultation_id")
    target = serializers.SerializerMethodField(help_text="Ce que vise le commentaire : une exigence, un chapitre ou la version entière.")
    requirement = serializers.SerializerMethodField()
    section = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Comment.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    body_html = serializers.SerializerMethodField()
    proposed_redline_html = serializers.SerializerMethodField(
        help_text="La rédaction proposée en regard de l'énoncé actuel (<del>/<ins>) ; null sans rédaction proposée ou hors exigence."
    )
    status = serializers.ChoiceField(choices=Comment.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
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
        from referential.roles import is_editor

        user = getattr(self.context.get("request"), "user", None)
        return is_editor(user) or (user is not None and user.is_authenticated and comment.author_id == user.pk)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, comment) -> str:
        return _absolute(self.context, reverse("consultation_api:comment-detail", kwargs={"pk": comment.pk}))

    @extend_schema_field({"type": "string", "enum": TARGETS})
    def get_target(self, comment) -> str:
        return "requirement" if comment.requirement_id else "section" if comment.section_id else "version"

    @extend_schema_field(CommentRequirementSerializer(allow_null=True))
    def get_requirement(self, comment):
        if not comment.requirement_id:
            return None
        requirement, version = comment.requirement, comment.consultation.version
        kwargs = {"slug": version.referential.slug, "number": version.number, "key": requirement.key}
        url = _absolute(self.context, reverse("referential_api:requirement-detail", kwargs=kwargs))
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


class CommentCreateSerializer(serializers.Serializer):
    """What a contributor sends; the target is a requirement key or a chapter id of the consulted
    version, or neither for the whole version."""

    kind = serializers.ChoiceField(choices=Comment.Kind.choices)
    body = serializers.CharField(max_length=Comment.BODY_MAX_LENGTH, help_text="Markdown.")
    proposed_wording = serializers.CharField(max_length=Comment.BODY_MAX_LENGTH, required=False, allow_blank=True, default="")
    requirement = serializers.CharField(required=False, allow_blank=True, default="", help_text="Clé de l'exigence commentée, par exemple « MSS 17 ».")
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
