"""One PDF build, in its own process: `python -m bench.pdf_worker SIZE ours|whole|weasyprint`; prints JSON.

``ours`` is documents.build_version_pdf's way (in parts, in several processes, for a large version),
``whole`` the same pipeline in one process, ``weasyprint`` WeasyPrint alone on the same HTML. CPU
counts this process and its children (the part processes); peak memory is per process: this one's,
and the largest of its children's."""

import json
import os
import resource
import sys
import time

import django


def populate(size: int):
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from referential.models import (
        Actor,
        NonConformityLevel,
        Referential,
        ReferentialVersion,
        Requirement,
        Section,
    )

    levels = [
        NonConformityLevel.objects.create(slug=slug, label=slug.capitalize(), definition="Définition.", rank=rank)
        for rank, slug in enumerate(["bloquante", "majeure", "mineure"], start=1)
    ]
    actors = [Actor.objects.create(slug=f"acteur-{i}", label=f"Acteur {i}") for i in range(4)]
    referential = Referential.objects.create(slug="bench", code="Ref#9", title="Référentiel de mesure", audience="Tous")
    version = ReferentialVersion.objects.create(referential=referential, number="1.0")
    chapters = [Section.objects.create(version=version, title=f"Chapitre {i}", position=i) for i in range(1, 11)]
    statement = (
        "L'opérateur **DOIT** garantir que chaque message échangé dans l'espace de confiance est chiffré "
        "de bout en bout avec TLS 1.2 au moins, et conserver la trace de l'échange pendant un an. "
        "Il **PEUT** proposer un format `XDM/1.0/DDM+<libellé> <NOM> <prénom>` pour l'objet."
    )
    Requirement.objects.bulk_create(
        Requirement(
            version=version, section=chapters[i % len(chapters)], key=f"MSS {i + 1}", title=f"Exigence de mesure {i + 1}",
            statement=statement, level=levels[i % 3], verification_method="Audit documentaire", position=i,
        )
        for i in range(size)
    )
    through = Requirement.actors.through
    through.objects.bulk_create(
        through(requirement_id=rid, actor_id=actors[rid % 4].pk)
        for rid in Requirement.objects.values_list("pk", flat=True)
    )
    user = get_user_model().objects.create(username="bench")
    return version, user


def main() -> None:
    size, mode = int(sys.argv[1]), sys.argv[2]
    django.setup()
    version, _ = populate(size)
    import io

    from pypdf import PdfReader

    processes = 1
    before_engine_mib = 0.0
    cpu_before = os.times()
    if mode in ("ours", "whole"):
        from django.template.loader import render_to_string
        from django.utils import translation

        from core.pdf import html_to_pdf
        from core.pdf_parts import processes_for, start_workers
        from referential.documents import version_document_context

        # The same steps as documents.build_version_pdf, timed apart: our part (queries,
        # comparison, templates) and the engine's.
        processes = processes_for(size) if mode == "ours" else 1
        cpu_before = os.times()
        started = time.perf_counter()
        workers = start_workers(processes)  # they import while the HTML is rendered
        with translation.override("fr"):
            html = render_to_string("pdf/version.html", version_document_context(version, preview=False))
        rendered = time.perf_counter()
        before_engine_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        content = html_to_pdf(html, processes=processes, workers=workers)
        finished = time.perf_counter()
        seconds, ours_only = finished - started, rendered - started
    else:
        from django.template.loader import render_to_string
        from django.utils import translation
        from weasyprint import HTML

        from core.pdf import PDF_BASE_URL, StaticFilesOnlyFetcher
        from referential.documents import version_document_context

        with translation.override("fr"):
            html = render_to_string("pdf/version.html", version_document_context(version, preview=False))
        cpu_before = os.times()
        started = time.perf_counter()
        content = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesOnlyFetcher()).write_pdf(
            pdf_variant="pdf/ua-1"
        )
        seconds = time.perf_counter() - started
        ours_only = 0.0
    cpu_after = os.times()
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("user", "system", "children_user", "children_system"))
    # Peaks before pypdf reads the result back (only to count its pages): that is the bench's, not the build's.
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    pages = len(PdfReader(io.BytesIO(content)).pages)
    print(json.dumps({
        "seconds": seconds, "ours_only": ours_only, "pages": pages, "bytes": len(content), "peak_mib": peak_mib,
        "children_peak_mib": children_peak_mib, "cpu": cpu, "processes": processes, "load": os.getloadavg()[0],
        "before_engine_mib": before_engine_mib,
    }))


if __name__ == "__main__":
    main()
