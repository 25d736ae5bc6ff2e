"""JSON shapes of the workshop API: output only (the API is read-only), reading what the views' queries
fetched. Markdown fields come twice: as written (``summary``) and rendered by the project's one
sanitizing renderer (``summary_html``)."""

from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ChoiceLabel, absolute_url
from core.markdown import render_markdown

from ..models import (
    AgendaItem,
    Participant,
    RidaItem,
    RidaRequirementLink,
    Workshop,
    WorkshopDocument,
)


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
        help_text=(
            "L'exigence que la clé désignait quand le lien a été fait, telle qu'elle est dans la version publiée du "
            "référentiel (sa filiation est suivie, même si sa clé a changé) ; null si aucune version publique ne la porte."
        )
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
            return absolute_url(self.context, reverse("referential_api:requirement-detail", kwargs=kwargs))
        except NoReverseMatch:
            return None


class ActionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="action_status")
    status_label = ChoiceLabel(RidaItem.ActionStatus.choices, source="action_status")

    class Meta:
        model = RidaItem
        fields = ["owner", "due_on", "status", "status_label", "closing_note"]


class RidaItemSerializer(serializers.ModelSerializer):
    # Declared inline: a shared enum component would collide with other apps' fields of the same name.
    nature = serializers.SerializerMethodField(help_text="I (information), D (décision) ou A (action).")
    nature_label = ChoiceLabel(RidaItem.Nature.choices, source="nature")
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
    kind_label = ChoiceLabel(Workshop.Kind.choices, source="kind")
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
        return absolute_url(self.context, reverse("workshops_api:workshop-detail", kwargs={"pk": workshop.pk}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, workshop) -> str:
        return absolute_url(self.context, workshop.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, workshop) -> str:
        return absolute_url(self.context, reverse("workshops:workshop_pdf", kwargs={"pk": workshop.pk}))


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
        return absolute_url(self.context, reverse("workshops:rida_csv", kwargs={"pk": workshop.pk}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_xlsx_url(self, workshop) -> str:
        return absolute_url(self.context, reverse("workshops:rida_xlsx", kwargs={"pk": workshop.pk}))
