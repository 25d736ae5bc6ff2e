"""Personas of the assessment tests: contributor_a (operator A) and contributor_b (operator B), each
confirmed in an approved organisation, and a published version with requirements of three levels."""

import datetime

import pytest
from django.utils import timezone

from assessment import services
from referential.models import ReferentialVersion
from tests.consultation.conftest import approved_organisation, join
from tests.factories import (
    ActorFactory,
    LevelFactory,
    RequirementFactory,
    SectionFactory,
    ThresholdFactory,
    VersionFactory,
    freeze,
)

PUBLISHED_AT = datetime.datetime(2026, 1, 15, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def levels(db):
    return {
        "bloquante": LevelFactory(slug="bloquante", label="Bloquante", rank=1, remediation_delay_days=30),
        "majeure": LevelFactory(slug="majeure", label="Majeure", rank=2, remediation_delay_days=180),
        "mineure": LevelFactory(slug="mineure", label="Mineure", rank=3, remediation_delay_days=None),
    }


@pytest.fixture
def operator_role(db):
    return ActorFactory(slug="operateur", label="Opérateur")


@pytest.fixture
def proxy_role(db):
    return ActorFactory(slug="editeur-proxy", label="Éditeur de proxy")


def build_version(levels, operator_role, proxy_role, *, number="1.0", status=ReferentialVersion.Status.PUBLISHED, published_at=PUBLISHED_AT, referential=None):
    """Chapters « Sécurité » (MSS 1 bloquante, MSS 2 majeure) and « Annuaire » (MSS 3 majeure, MSS 4
    mineure, MSS 5 for proxy vendors only); rule: 0 bloquante, 1 majeure, 3 mineures tolerated."""
    fields = {"referential": referential} if referential else {}
    version = VersionFactory(number=number, **fields)
    security = SectionFactory(version=version, title="Sécurité", position=1)
    directory = SectionFactory(version=version, title="Annuaire", position=2)
    RequirementFactory(version=version, section=security, key="MSS 1", title="Chiffrement TLS", level=levels["bloquante"], actors=[operator_role], position=10)
    RequirementFactory(version=version, section=security, key="MSS 2", title="Certificats IGC Santé", level=levels["majeure"], actors=[operator_role], position=20)
    RequirementFactory(version=version, section=directory, key="MSS 3", title="Publication des BAL", level=levels["majeure"], actors=[operator_role], position=30)
    RequirementFactory(version=version, section=directory, key="MSS 4", title="Liste rouge", level=levels["mineure"], actors=[operator_role], position=40)
    RequirementFactory(version=version, section=directory, key="MSS 5", title="Proxy", level=levels["majeure"], actors=[proxy_role], position=50)
    ThresholdFactory(version=version, level=levels["bloquante"], max_findings=0)
    ThresholdFactory(version=version, level=levels["majeure"], max_findings=1)
    ThresholdFactory(version=version, level=levels["mineure"], max_findings=3)
    if status != ReferentialVersion.Status.DRAFT:
        ReferentialVersion.objects.filter(pk=version.pk).update(published_at=published_at)
        freeze(version, status)
    return version


def big_version(levels, actor, size: int, *, number="3.0"):
    """A published version of ``size`` requirements over four chapters, levels in turn, all for ``actor``."""
    from referential.models import Requirement

    version = VersionFactory(number=number)
    sections = [SectionFactory(version=version, title=f"Chapitre {i}", position=i) for i in range(4)]
    ranked = [levels["bloquante"], levels["majeure"], levels["mineure"]]
    rows = Requirement.objects.bulk_create(
        Requirement(version=version, section=sections[i % 4], key=f"EX {i:04d}", title=f"Exigence {i}",
                    statement="L'opérateur **DOIT** respecter cette exigence.", level=ranked[i % 3], position=i)
        for i in range(size)
    )
    Requirement.actors.through.objects.bulk_create(Requirement.actors.through(requirement_id=r.pk, actor_id=actor.pk) for r in rows)
    for level, max_findings in zip(ranked, (0, 5, 20)):
        ThresholdFactory(version=version, level=level, max_findings=max_findings)
    ReferentialVersion.objects.filter(pk=version.pk).update(published_at=PUBLISHED_AT)
    return freeze(version)


@pytest.fixture
def version(levels, operator_role, proxy_role):
    return build_version(levels, operator_role, proxy_role)


@pytest.fixture
def org_a(contributor_a):
    organisation = approved_organisation("Messagerie Santé A")
    join(contributor_a, organisation)
    return organisation


@pytest.fixture
def org_b(contributor_b):
    organisation = approved_organisation("Messagerie Santé B")
    join(contributor_b, organisation)
    return organisation


@pytest.fixture
def assessment(version, operator_role, org_a, contributor_a):
    return services.start_assessment(version=version, actor=operator_role, by=contributor_a)


@pytest.fixture
def other_assessment(version, operator_role, org_b, contributor_b):
    return services.start_assessment(version=version, actor=operator_role, by=contributor_b)


def answer_of(assessment, key):
    return assessment.answers.select_related("requirement__level").get(requirement__key=key)


def answer(assessment, key, result, by, *, justification="Écart connu, plan d'action en cours.", **fields):
    return services.update_answer(answer=answer_of(assessment, key), by=by, result=result, justification=justification, **fields)


def fill_conformant(assessment, by, *, today=None):
    """Every answer conforme, with evidence on the bloquante one: ready to submit."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    for row in assessment.answers.select_related("requirement"):
        services.update_answer(answer=row, by=by, result="conforme", justification="Vérifié en recette.", today=today)
    services.add_evidence(
        answer=answer_of(assessment, "MSS 1"), by=by, effective_date=datetime.date(2026, 2, 1),
        label="Rapport de test TLS", upload=SimpleUploadedFile("tls.txt", b"TLS 1.3 partout"),
    )


def today():
    return timezone.localdate()
