"""JSON shapes of the referential API. Output serializers only read what the views' queries
prefetched; input serializers only check the shape of the data — the services decide."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ChoiceLabel, absolute_url
from core.markdown import render_markdown

from .. import fixed_labels
from ..compare import KINDS
from ..models import (
    Actor,
    ConformityThreshold,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    VersionReview,
    Requirement,
    Section,
)


def referential_url(context, slug: str) -> str:
    return absolute_url(context, reverse("referential_api:referential-detail", kwargs={"slug": slug}))


def version_url(context, version: ReferentialVersion) -> str:
    kwargs = {"slug": version.referential.slug, "number": version.number}
    return absolute_url(context, reverse("referential_api:version-detail", kwargs=kwargs))


def requirement_url(context, version: ReferentialVersion, key: str) -> str:
    kwargs = {"slug": version.referential.slug, "number": version.number, "key": key}
    return absolute_url(context, reverse("referential_api:requirement-detail", kwargs=kwargs))


class NonConformityLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = NonConformityLevel
        fields = ["slug", "label", "definition", "rank", "remediation_delay_days"]


class ActorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["slug", "label", "description"]


# Versions and referentials ------------------------------------------------------------------------


class VersionRefSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReferentialVersion
        fields = ["number", "status", "url"]

    def get_url(self, version) -> str:
        return version_url(self.context, version)


# A version without its content. Needs ``referential`` and ``based_on`` loaded with it.
class VersionSerializer(serializers.ModelSerializer):

    referential = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    status_label = ChoiceLabel(ReferentialVersion.Status.choices, source="status")
    based_on = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    requirements_url = serializers.SerializerMethodField()
    in_force_from = serializers.DateField(read_only=True, allow_null=True, help_text="Jour d'entrée en vigueur (sinon de publication) ; vide avant publication.")
    in_force = serializers.SerializerMethodField(help_text="Vrai pour la version en vigueur aujourd'hui.")

    class Meta:
        model = ReferentialVersion
        fields = [
            "referential",
            "number",
            "status",
            "status_label",
            "change_summary",
            "based_on",
            "in_force",
            "in_force_from",
            "effective_at",
            "compliance_deadline",
            "requires_recommitment",
            "published_at",
            "url",
            "requirements_url",
        ]

    def get_url(self, version) -> str:
        return version_url(self.context, version)

    def get_in_force(self, version) -> bool:
        # Set by queries.mark_in_force on the versions it reads.
        return getattr(version, "is_in_force", False)

    def get_requirements_url(self, version) -> str:
        kwargs = {"slug": version.referential.slug, "number": version.number}
        return absolute_url(self.context, reverse("referential_api:requirement-list", kwargs=kwargs))


# A referential with the versions the reader may see (``visible``, newest first) and the
# published one (``current``), as ``queries.referentials_with_versions`` shapes them.
class ReferentialSerializer(serializers.ModelSerializer):

    description_html = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    versions_url = serializers.SerializerMethodField()
    current_version = VersionRefSerializer(source="current", read_only=True, allow_null=True)
    versions = VersionRefSerializer(source="visible", many=True, read_only=True)

    class Meta:
        model = Referential
        fields = [
            "slug",
            "code",
            "title",
            "audience",
            "description",
            "description_html",
            "url",
            "versions_url",
            "current_version",
            "versions",
        ]

    def get_description_html(self, referential) -> str:
        return str(render_markdown(referential.description))

    def get_url(self, referential) -> str:
        return referential_url(self.context, referential.slug)

    def get_versions_url(self, referential) -> str:
        return absolute_url(self.context, reverse("referential_api:version-list", kwargs={"slug": referential.slug}))


class ReferentialDetailSerializer(ReferentialSerializer):
    versions = VersionSerializer(source="visible", many=True, read_only=True)


# Requirements -------------------------------------------------------------------------------------


# A requirement as read. ``section_number`` comes from the version outline the view built;
# the version is taken from the context, so no row costs a query.
class RequirementSerializer(serializers.ModelSerializer):
    level = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    level_label = serializers.CharField(
        source="level.label", read_only=True, allow_null=True, default=None,
        help_text="Libellé du niveau, tel que la version l'imprime (figé à sa publication).",
    )
    actors = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    actor_labels = serializers.SerializerMethodField(
        help_text="Libellés des acteurs, tels que la version les imprime (figés à sa publication)."
    )
    statement_html = serializers.SerializerMethodField(help_text="L'énoncé rendu en HTML assaini.")
    section_number = serializers.SerializerMethodField(help_text="Numéro du chapitre, par exemple 2.3.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Requirement
        fields = [
            "key",
            "title",
            "statement",
            "statement_html",
            "level",
            "level_label",
            "actors",
            "actor_labels",
            "verification_method",
            "compliance_deadline",
            "section",
            "section_number",
            "position",
            "revision",
            "url",
        ]
        read_only_fields = fields

    def get_actor_labels(self, requirement) -> list[str]:
        return [actor.label for actor in requirement.actors.all()]

    def get_statement_html(self, requirement) -> str:
        return str(render_markdown(requirement.statement))

    @extend_schema_field(OpenApiTypes.STR)
    def get_section_number(self, requirement) -> str | None:
        return getattr(requirement, "section_number", None)

    def get_url(self, requirement) -> str:
        version = self.context.get("version") or requirement.version
        return requirement_url(self.context, version, requirement.key)


# What an editor sends to add a requirement. Levels and actors by slug, the chapter by id
# (one of this version's chapters). Rules across rows (unique key, frozen version) are the
# service's.
class RequirementCreateSerializer(serializers.ModelSerializer):

    level = serializers.SlugRelatedField(
        slug_field="slug", queryset=NonConformityLevel.objects.all(), allow_null=True, required=False
    )
    actors = serializers.SlugRelatedField(slug_field="slug", queryset=Actor.objects.all(), many=True, required=False)
    section = serializers.PrimaryKeyRelatedField(queryset=Section.objects.none())

    class Meta:
        model = Requirement
        fields = [
            "key",
            "title",
            "statement",
            "level",
            "actors",
            "verification_method",
            "compliance_deadline",
            "section",
            "position",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = self.context.get("version")
        if version is not None:
            self.fields["section"].queryset = Section.objects.filter(version=version)


# What an editor sends to change a requirement: any subset of the fields, plus the
# ``revision`` it read, so that a change saved in between is not silently overwritten.
class RequirementUpdateSerializer(RequirementCreateSerializer):

    revision = serializers.IntegerField(
        min_value=1,
        required=False,
        write_only=True,
        help_text="Révision lue avant la modification (ou en-tête If-Match) ; 409 si quelqu'un a enregistré entre-temps.",
    )

    class Meta(RequirementCreateSerializer.Meta):
        fields = [*RequirementCreateSerializer.Meta.fields, "revision"]


# Version content ----------------------------------------------------------------------------------


# More than ``max_findings`` findings of ``level`` make an actor non-conformant.
class ThresholdSerializer(serializers.ModelSerializer):

    level = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ConformityThreshold
        fields = ["level", "max_findings"]


# A chapter of ``queries.version_outline``: its computed number, its requirements, its sub-chapters.
class SectionNodeSerializer(serializers.Serializer):

    id = serializers.IntegerField(source="section.pk", read_only=True)
    number = serializers.CharField(read_only=True)
    depth = serializers.IntegerField(read_only=True)
    title = serializers.CharField(source="section.title", read_only=True)
    intro = serializers.CharField(source="section.intro", read_only=True)
    intro_html = serializers.SerializerMethodField()
    requirements = RequirementSerializer(many=True, read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["children"] = SectionNodeSerializer(many=True, read_only=True)
        return fields

    def get_intro_html(self, node) -> str:
        return str(render_markdown(node.section.intro))


# A version with its conformity rule and its content: chapters as a numbered tree, each with
# its requirements. Expects ``outline`` (``queries.version_outline``) set on the version.
class VersionDetailSerializer(VersionSerializer):

    referential_url = serializers.SerializerMethodField()
    referential_code = serializers.CharField(
        source="referential.code", read_only=True, help_text="Code du référentiel tel que la version l'imprime."
    )
    referential_title = serializers.CharField(
        source="referential.title", read_only=True, help_text="Titre du référentiel tel que la version l'imprime."
    )
    levels = serializers.SerializerMethodField(
        help_text="Les niveaux de non-conformité tels que la version les imprime (figés à sa publication)."
    )
    conformity_thresholds = ThresholdSerializer(source="thresholds", many=True, read_only=True)
    sections = SectionNodeSerializer(source="outline.roots", many=True, read_only=True)

    class Meta(VersionSerializer.Meta):
        # Not « in_force »: a published version's answer is cached for ever, and which version is
        # in force changes with the calendar (the versions list says it).
        fields = [
            *(name for name in VersionSerializer.Meta.fields if name != "in_force"),
            "referential_url",
            "referential_code",
            "referential_title",
            "levels",
            "conformity_rule_note",
            "conformity_thresholds",
            "sections",
        ]

    def get_referential_url(self, version) -> str:
        return referential_url(self.context, version.referential.slug)

    @extend_schema_field(NonConformityLevelSerializer(many=True))
    def get_levels(self, version) -> list[dict]:
        return NonConformityLevelSerializer(fixed_labels.levels_of(version), many=True).data


# Comparison ---------------------------------------------------------------------------------------


class RequirementRefSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    section_number = serializers.CharField(allow_null=True)
    url = serializers.URLField()


def _requirement_ref(context, version, requirement):
    if requirement is None:
        return None
    return {
        "key": requirement.key,
        "title": requirement.title,
        "section_number": getattr(requirement, "section_number", None),
        "url": requirement_url(context, version, requirement.key),
    }


# One entry of ``compare.Comparison``: how a requirement went from the older version to the newer.
class RequirementChangeSerializer(serializers.Serializer):

    # Declared inline: a shared "KindEnum" component would collide with other apps' "kind" fields.
    kind = serializers.SerializerMethodField(help_text="added, removed, modified, renamed, moved ou unchanged.")
    key = serializers.SerializerMethodField(
        help_text="Clé dans la nouvelle version, ou dans l'ancienne pour une exigence supprimée."
    )
    old_key = serializers.SerializerMethodField()
    new_key = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()
    reused_key = serializers.BooleanField(
        read_only=True,
        help_text=(
            "Clé réutilisée : exigence ajoutée (ou supprimée) dont la clé désigne, dans l'autre version, une "
            "exigence sans lien de filiation avec elle."
        ),
    )
    title_redline = serializers.SerializerMethodField()
    statement_redline = serializers.SerializerMethodField()
    old = serializers.SerializerMethodField()
    new = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "enum": list(KINDS)})
    def get_kind(self, entry) -> str:
        return entry.kind

    def get_key(self, entry) -> str:
        return (entry.new or entry.old).key

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_old_key(self, entry) -> str | None:
        return entry.old.key if entry.old is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_new_key(self, entry) -> str | None:
        return entry.new.key if entry.new is not None else None

    def get_changes(self, entry) -> list[str]:
        return sorted(entry.changes)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_title_redline(self, entry) -> str | None:
        return str(entry.title_redline) if entry.title_redline is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_statement_redline(self, entry) -> str | None:
        return str(entry.statement_redline) if entry.statement_redline is not None else None

    @extend_schema_field(RequirementRefSerializer(allow_null=True))
    def get_old(self, entry):
        return _requirement_ref(self.context, self.context["old_version"], entry.old)

    @extend_schema_field(RequirementRefSerializer(allow_null=True))
    def get_new(self, entry):
        return _requirement_ref(self.context, self.context["new_version"], entry.new)


class ComparisonSerializer(serializers.Serializer):
    referential = serializers.SerializerMethodField()
    old_version = VersionRefSerializer(read_only=True)
    new_version = VersionRefSerializer(read_only=True)
    counts = serializers.SerializerMethodField(help_text="Nombre d'exigences de chaque nature de changement.")
    entries = RequirementChangeSerializer(many=True, read_only=True)

    def get_referential(self, comparison) -> str:
        return comparison.new_version.referential.slug

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
    def get_counts(self, comparison) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for entry in comparison.entries:
            counts[entry.kind] = counts.get(entry.kind, 0) + 1
        return counts


class VersionReviewSerializer(serializers.ModelSerializer):
    """A round of validation of a version (the latest one after an action)."""

    version = serializers.CharField(source="version.number", read_only=True)
    state_label = ChoiceLabel(VersionReview.State.choices, source="state")
    submitted_by = serializers.CharField(source="submitted_by.get_username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.get_username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = VersionReview
        fields = ["version", "state", "state_label", "submitted_by", "submitted_at", "decided_by", "decided_at", "note"]
        read_only_fields = fields


class ReviewNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=5000,
        help_text="Note de la décision ; obligatoire pour demander des modifications.",
    )
