"""Published version page and API in one process: `python -m bench.page_worker`; prints JSON.

Builds a 50- and a 2,000-requirement version on its own SQLite database, publishes them (the PDF
engine replaced by a one-page PDF: the PDF has its own bench), then times through Django's test
client, in this run and through the same middleware: a hello-world view, the 50-requirement page,
the 2,000-requirement page (cold once, then warm), the 2,000-requirement API answer, and the
editors' workspace of a 300-requirement draft. Medians. ``BENCH_PAGES_LARGE`` (2000) sets the
large version's size (the smoke test runs it small).
"""

import io
import json
import os
import statistics
import sys
import time

import django


def _median(client, url: str, runs: int, **headers) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url, **headers)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    django.setup()
    from django.conf import settings
    from django.core.cache import caches
    from django.test import Client
    from django.test.utils import override_settings
    from pypdf import PdfWriter

    import core.pdf
    from bench.pdf_worker import populate
    from referential import services

    def one_page_pdf(html, **kwargs):
        writer, out = PdfWriter(), io.BytesIO()
        writer.add_blank_page(width=595, height=842)
        writer.write(out)
        return out.getvalue()

    core.pdf.html_to_pdf = one_page_pdf
    import referential.documents

    referential.documents.html_to_pdf = one_page_pdf
    big, user = populate(int(os.environ.get("BENCH_PAGES_LARGE", "2000")))  # smaller only in the smoke test
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    from referential.models import Referential, ReferentialVersion, Requirement, Section

    small_ref = Referential.objects.create(slug="bench-50", code="Ref#8", title="Référentiel court", audience="Tous")
    small = ReferentialVersion.objects.create(referential=small_ref, number="1.0")
    chapter = Section.objects.create(version=small, title="Chapitre", position=1)
    level = big.requirements.first().level
    Requirement.objects.bulk_create(
        Requirement(version=small, section=chapter, key=f"C {i}", title=f"Exigence {i}", statement="Le service **DOIT** répondre.",
                    level=level, verification_method="Audit", position=i)
        for i in range(1, 51)
    )
    actor = big.requirements.first().actors.first()
    through = Requirement.actors.through
    through.objects.bulk_create(through(requirement_id=pk, actor_id=actor.pk) for pk in small.requirements.values_list("pk", flat=True))
    with override_settings(REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL=False):
        for version in (big, small):
            problems = services.publication_problems(version)
            if problems:
                raise SystemExit(f"{version}: {problems}")
            services.publish_version(version=version, by=user)
    # A draft of 300 requirements in the editors' workspace (not cached: drafts change).
    from core.roles import ensure_role_groups

    draft_ref = Referential.objects.create(slug="bench-300", code="Ref#7", title="Brouillon", audience="Tous")
    draft = ReferentialVersion.objects.create(referential=draft_ref, number="1.0")
    draft_chapters = [Section.objects.create(version=draft, title=f"Chapitre {i}", position=i) for i in range(1, 6)]
    Requirement.objects.bulk_create(
        Requirement(version=draft, section=draft_chapters[i % 5], key=f"D {i}", title=f"Exigence {i}",
                    statement="Le service **DOIT** répondre.", level=level, verification_method="Audit", position=i)
        for i in range(1, 301)
    )
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    editor = user
    editor.groups.add(ensure_role_groups()["editor"])
    TOTP.activate(editor, generate_totp_secret())  # editors work with a second factor (accounts/mfa.py)
    client = Client()
    figures = {}
    with override_settings(ROOT_URLCONF="bench.hello_urls", ALLOWED_HOSTS=["testserver"]):
        figures["hello"] = _median(client, "/bench/hello/", 50)
        figures["page_50"] = _median(client, "/referentiels/bench-50/1.0/", 30)
        caches["default"].clear()
        figures["page_2000_cold"] = _median(client, "/referentiels/bench/1.0/", 1)
        figures["page_2000"] = _median(client, "/referentiels/bench/1.0/", 10)
        figures["api_2000"] = _median(client, "/api/v1/referentials/bench/versions/1.0/", 10, HTTP_ACCEPT="application/json")
        editor_client = Client()
        editor_client.force_login(editor)
        figures["workspace_300"] = _median(editor_client, "/referentiels/bench-300/1.0/edition/", 5)
    print(json.dumps({name: {"wall": wall, "cpu": cpu} for name, (wall, cpu) in figures.items()}))


if __name__ == "__main__":
    sys.exit(main())
