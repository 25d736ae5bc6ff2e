"""One self-assessment measurement, in its own process: `python -m bench.assessment_worker SIZE`; prints JSON."""

import json
import statistics
import sys
import time

import django

RUNS = 5


def populate(size: int):
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from accounts.models import Membership, Organisation
    from assessment import services
    from assessment.models import AssessmentAnswer, Evidence
    from referential.models import (
        Actor,
        ConformityThreshold,
        NonConformityLevel,
        Referential,
        ReferentialVersion,
        Requirement,
        Section,
    )

    levels = [
        NonConformityLevel.objects.create(slug=slug, label=slug.capitalize(), definition="Définition.", rank=rank, remediation_delay_days=delay)
        for rank, (slug, delay) in enumerate([("bloquante", None), ("majeure", 180), ("mineure", None)], start=1)
    ]
    actor = Actor.objects.create(slug="operateur", label="Opérateur")
    referential = Referential.objects.create(slug="bench", code="Ref#9", title="Référentiel de mesure", audience="Tous")
    version = ReferentialVersion.objects.create(referential=referential, number="1.0")
    chapters = [Section.objects.create(version=version, title=f"Chapitre {i}", position=i) for i in range(1, 11)]
    rows = Requirement.objects.bulk_create(
        Requirement(version=version, section=chapters[i % 10], key=f"MSS {i + 1}", title=f"Exigence de mesure {i + 1}",
                    statement="L'opérateur **DOIT** chiffrer les échanges.", level=levels[i % 3], position=i)
        for i in range(size)
    )
    Requirement.actors.through.objects.bulk_create(Requirement.actors.through(requirement_id=r.pk, actor_id=actor.pk) for r in rows)
    for level, max_findings in zip(levels, (0, 3, 10)):
        ConformityThreshold.objects.create(version=version, level=level, max_findings=max_findings)
    ReferentialVersion.objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())
    version.refresh_from_db()
    user = get_user_model().objects.create(username="bench")
    user.groups.add(Group.objects.create(name="contributor"))
    organisation = Organisation.objects.create(name="Opérateur de mesure", kind="operator", status="approved")
    Membership.objects.create(user=user, organisation=organisation, email_confirmed_at=timezone.now(), status=Membership.Status.APPROVED)
    assessment = services.start_assessment(version=version, actor=actor, by=user)
    # Every answer filled: mostly conformant, one in ten a gap, one in twenty not applicable; evidence on one in five.
    answers = list(assessment.answers.all())
    for index, answer in enumerate(answers):
        answer.result = "partiel" if index % 10 == 1 else "non_applicable" if index % 20 == 3 else "conforme"
        answer.justification = "Vérifié en recette."
        answer.owner = "Responsable conformité"
        answer.found_on = timezone.localdate() if answer.result == "partiel" else None
    AssessmentAnswer.objects.bulk_update(answers, ["result", "justification", "owner", "found_on"])
    Evidence.objects.bulk_create(
        Evidence(answer=answer, link=f"https://preuves.example.org/{answer.pk}", effective_date=timezone.localdate(), added_by=user)
        for answer in answers[::5]
    )
    return assessment, user


def timed(function):
    from django.db import connection, reset_queries

    durations, cpu, queries = [], [], 0
    for _run in range(RUNS):
        reset_queries()
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        durations.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        queries = len(connection.queries)
    return statistics.median(durations), statistics.median(cpu), queries


def main() -> None:
    size = int(sys.argv[1])
    django.setup()
    from django.conf import settings
    from django.test import Client

    from assessment.queries import assessment_grid

    assessment, user = populate(size)
    settings.DEBUG = True  # connection.queries is recorded only in DEBUG
    client = Client()
    client.force_login(user)
    url = assessment.get_absolute_url()
    client.get(url)  # warm the template cache
    verdict_seconds, verdict_cpu, verdict_queries = timed(lambda: assessment_grid(assessment, with_statements=False).verdict)
    page_seconds, page_cpu, page_queries = timed(lambda: client.get(url))
    print(json.dumps({
        "size": size, "verdict_s": verdict_seconds, "verdict_cpu": verdict_cpu, "verdict_queries": verdict_queries,
        "page_s": page_seconds, "page_cpu": page_cpu, "page_queries": page_queries, "bytes": len(client.get(url).content),
    }))


if __name__ == "__main__":
    main()
