from django.urls import reverse
from rest_framework import serializers

from ..models import Assessment, Result, Submission


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    filename = serializers.CharField(help_text="Nom du fichier ; vide pour un lien.")
    sha256 = serializers.CharField(help_text="Empreinte SHA-256 du fichier ; vide pour un lien.")
    link = serializers.CharField()
    effective_date = serializers.DateField()


class DeadlineSerializer(serializers.Serializer):
    deadline = serializers.DateField(allow_null=True, help_text="Délai de remédiation du niveau, compté depuis la plus tardive de l'entrée en vigueur et de la date de l'écart.")
    overdue = serializers.BooleanField()
    planned_too_late = serializers.BooleanField()


class AnswerSerializer(serializers.Serializer):
    """One row of the grid (``queries.GridRow``)."""

    id = serializers.IntegerField(source="answer.pk")
    requirement_key = serializers.CharField(source="requirement.key")
    requirement_title = serializers.CharField(source="requirement.title")
    level = serializers.CharField(source="requirement.level.slug", allow_null=True, default=None)
    chapter = serializers.CharField(source="section_number")
    result = serializers.ChoiceField(source="answer.result", choices=Result.choices)
    justification = serializers.CharField(source="answer.justification")
    owner = serializers.CharField(source="answer.owner")
    planned_date = serializers.DateField(source="answer.planned_date", allow_null=True)
    found_on = serializers.DateField(source="answer.found_on", allow_null=True)
    to_reconfirm = serializers.BooleanField(source="answer.to_reconfirm")
    revision = serializers.IntegerField(source="answer.revision", help_text="À renvoyer avec une modification : un enregistrement fondé sur une lecture périmée répond 409.")
    tipping = serializers.BooleanField(help_text="Cet écart fait partie de ceux qui emportent le verdict.")
    deadline = DeadlineSerializer(allow_null=True)
    evidence = EvidenceSerializer(many=True)


class AnswerInputSerializer(serializers.Serializer):
    """A PATCH: the fields sent are changed, the others keep their stored value (send "" or null to clear one)."""

    result = serializers.ChoiceField(choices=Result.choices, required=False)
    justification = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    owner = serializers.CharField(required=False, allow_blank=True, max_length=150)
    planned_date = serializers.DateField(required=False, allow_null=True)
    revision = serializers.IntegerField(help_text="La révision de la réponse telle que lue : si elle a changé depuis, 409.")


class LevelCountSerializer(serializers.Serializer):
    level = serializers.CharField()
    findings = serializers.IntegerField()
    max_findings = serializers.IntegerField(allow_null=True, help_text="Nombre d'écarts tolérés ; null si la règle ne fixe pas de seuil.")
    exceeded = serializers.BooleanField()


class VerdictSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=Submission.Verdict.choices)
    conformant = serializers.BooleanField()
    counts = LevelCountSerializer(many=True)
    tipping = serializers.ListField(child=serializers.CharField(), help_text="Clés des écarts qui emportent le verdict.")


class AssessmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    organisation = serializers.CharField(source="organisation.name")
    referential = serializers.CharField(source="version.referential.slug")
    version = serializers.CharField(source="version.number")
    actor = serializers.CharField(source="actor.slug")

    class Meta:
        model = Assessment
        fields = ["id", "url", "organisation", "referential", "version", "actor", "status", "created_at"]

    def get_url(self, assessment) -> str:
        return self.context["request"].build_absolute_uri(reverse("assessment_api:assessment-detail", kwargs={"pk": assessment.pk}))


class ProgressSerializer(serializers.Serializer):
    label = serializers.CharField()
    total = serializers.IntegerField()
    evaluated = serializers.IntegerField()
    by_result = serializers.DictField(child=serializers.IntegerField())


class AssessmentDetailSerializer(AssessmentSerializer):
    verdict = VerdictSerializer(source="grid.verdict")
    complete = serializers.BooleanField(source="grid.complete")
    by_chapter = ProgressSerializer(source="grid.by_chapter", many=True)
    by_level = ProgressSerializer(source="grid.by_level", many=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "verdict", "complete", "by_chapter", "by_level"]


class AssessmentStartSerializer(serializers.Serializer):
    referential = serializers.SlugField()
    version = serializers.CharField()
    actor = serializers.SlugField()


class SubmissionSerializer(serializers.ModelSerializer):
    attestation_url = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["number", "submitted_at", "verdict", "attestation_sha256", "attestation_url"]

    def get_attestation_url(self, submission) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("assessment:attestation", kwargs={"pk": submission.assessment_id, "number": submission.number})
        )


class SubmissionDetailSerializer(SubmissionSerializer):
    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "snapshot"]


class ReviewInputSerializer(serializers.Serializer):
    general = serializers.CharField(required=False, allow_blank=True, default="", help_text="Demande sur l'ensemble.")
    requirements = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict,
        help_text="Demande par exigence : clé de l'exigence → texte.",
    )
