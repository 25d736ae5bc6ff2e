"""A version's PDF in parts against hostile content and hostile processes: the same document as one laid
out whole (text, drawing, table of contents, outline, links), and a build that ends cleanly, whatever
the process it runs in."""

import re

import pytest
from pypdf import PdfReader

import core.pdf_parts
from referential import services
from tests.referential.pdf_reading import build_pdf, outline
from tests.factories import ActorFactory, LevelFactory, RequirementFactory, SectionFactory, VersionFactory

LONG_URL = "https://esante.gouv.fr/" + "/".join(f"segment{n:02d}_sans_espace" for n in range(12)) + "?q=1&r=2"
MARKDOWN = f"""L'opérateur **DOIT** chiffrer : TLS 1.2 au moins ; « toujours » ! Et l\u2019éditeur ? Oui\u202f!

| Champ | Format | Exemple |
|:------|:------:|--------:|
| `XDM/1.0/DDM+<libellé>` | texte | `urn:oid:1.2.250.1.213.1.1.9` |
| Délai | jours | 10:30 |

```
GET /api/v1/versions?page=2 HTTP/1.1
Authorization: Bearer <jeton>
```

Voir [le chapitre 3](#chapitre-3), [le guide]({LONG_URL}) et
{"ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 6} puis ~~barré~~ et _{"x" * 90}_.
"""


@pytest.fixture
def hostile_draft(editor):
    """A published 1.0 and its 1.1 draft (so the change annex is there), whose chapters are: one with
    Markdown tables, code, links to another chapter and long tokens; one nested six deep; one holding
    most of the requirements; one empty. The history's summary links to a chapter."""
    level = LevelFactory(slug="majeure", label="Majeure", rank=2)
    operator = ActorFactory(slug="operateur", label="Opérateur")
    version = VersionFactory(number="1.0", change_summary="Version initiale : voir [le chapitre 2](#chapitre-2).")
    rich = SectionFactory(version=version, title="Formats « d'échange » : l'essentiel", position=1, intro=MARKDOWN)
    nested = [SectionFactory(version=version, title="Imbriqué niveau 1", position=2)]
    for depth in range(2, 7):
        nested.append(SectionFactory(version=version, title=f"Imbriqué niveau {depth}", position=1, parent=nested[-1]))
    giant = SectionFactory(version=version, title="Presque tout", position=3)
    SectionFactory(version=version, title="Vide", position=4)
    sections = [rich, rich, *nested] + [giant] * 30
    link = "voir [le chapitre 1](#chapitre-1)"  # from another part
    for index, section in enumerate(sections):
        RequirementFactory(
            version=version,
            section=section,
            key=f"MSS {index + 1}",
            title=f"Exigence l'« {index + 1} » : {'très ' * (index % 7)}longue ?",
            statement=MARKDOWN if index < 3 else f"L'opérateur **DOIT** tenir le registre n° {index} ; {link}.",
            level=level,
            actors=[operator],
            position=index,
        )
    services.publish_version(version=version, by=editor)
    draft = services.start_draft(
        referential=version.referential, number="1.1", by=editor, change_summary="Voir [l'annexe](#annexe-niveaux)."
    )
    first = draft.requirements.order_by("position").first()
    first.statement = MARKDOWN + "\nReformulée : l'exigence change."
    first.save()
    return draft


def build(version, settings, *, processes: int, preview: bool = False) -> PdfReader:
    return build_pdf(version, settings, processes=processes, min_requirements=1, preview=preview)


def links(reader: PdfReader) -> list:
    """Every link of every page: (page, internal destination's page or URI)."""
    found = []
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if "/Dest" in annotation:
                destination = reader.named_destinations[str(annotation["/Dest"])]
                found.append((number, reader.get_destination_page_number(destination)))
            elif "/A" in annotation:
                found.append((number, str(annotation["/A"].get("/URI"))))
    return found


@pytest.mark.django_db
def test_a_hostile_version_in_parts_is_the_document_laid_out_whole(hostile_draft, settings, assembled):
    whole = build(hostile_draft, settings, processes=1, preview=True)
    assert assembled == []
    parted = build(hostile_draft, settings, processes=3, preview=True)
    assert assembled == [4]

    assert len(parted.pages) == len(whole.pages)
    for number, (page, expected) in enumerate(zip(parted.pages, whole.pages), start=1):
        assert page.extract_text() == expected.extract_text(), f"page {number}"
        assert page.get_contents().get_data() == expected.get_contents().get_data(), f"page {number}"
    assert outline(parted) == outline(whole)
    assert any("Imbriqué niveau 6" in title for _, title, _ in outline(parted))
    assert links(parted) == links(whole)
    assert any(target == LONG_URL for _, target in links(parted))


# A build in a process started without standard streams (a daemon whose 0, 1 and 2 are closed): its
# first pipes get descriptors 0, 1 and 2, which the zygote's own start-up reassigns.
CLOSED_STREAMS_BUILD = """
import json, os, sys
import django
django.setup()
import core.pdf_parts
from core.pdf import html_to_pdf
calls = []
assemble = core.pdf_parts.assemble
core.pdf_parts.assemble = lambda parts: calls.append(len(parts)) or assemble(parts)
chapter = '<!--pdf:part--><section style="break-before: page"><h1>Chapitre {n}</h1><p>Texte {n}</p></section>'
body = "".join(chapter.format(n=n) for n in range(3))
html = '<html lang="fr"><head><title>T</title></head><body><h1>Couverture</h1>' + body + '</body></html>'
workers = core.pdf_parts.start_workers(2)
content = html_to_pdf(html, processes=2, workers=workers)
with open(sys.argv[1], "w") as result:
    json.dump({"assembled": calls, "pdf": content[:5].decode()}, result)
"""


@pytest.mark.parametrize("closed", ["0<&- 1>&- 2>&-", "0<&-", "1>&- 2>&-"])
def test_a_process_without_standard_streams_builds_in_parts(closed, tmp_path, settings):
    import json
    import os
    import shlex
    import subprocess
    import sys

    result = tmp_path / "result.json"
    command = f"exec {closed}; exec {shlex.quote(sys.executable)} -c {shlex.quote(CLOSED_STREAMS_BUILD)} {result}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run(["bash", "-c", command], cwd=settings.BASE_DIR, env=env, timeout=120, check=True)
    assert json.loads(result.read_text()) == {"assembled": [3], "pdf": "%PDF-"}


def test_workers_for_a_document_that_cannot_be_cut_end_before_it_is_laid_out_whole(monkeypatch):
    """A version of many requirements in a single chapter has no place to cut: its workers, started
    while its HTML was rendered, are told to end (their zygote and they hold 100 to 200 MiB) before
    the document is laid out whole in this process, and waited for once it is."""
    from core import pdf

    workers = core.pdf_parts.start_workers(2)
    told_to_end = []
    render = pdf.HTML.write_pdf

    def write_pdf(self, *args, **kwargs):
        told_to_end.append(all(channel.writer.closed and channel.reader.closed for channel in workers.channels))
        return render(self, *args, **kwargs)

    monkeypatch.setattr(pdf.HTML, "write_pdf", write_pdf)
    html = '<html lang="fr"><head><title>T</title></head><body><section>Un seul chapitre</section></body></html>'
    assert pdf.html_to_pdf(html, processes=2, workers=workers).startswith(b"%PDF-")
    assert told_to_end == [True]
    assert workers.process is None  # closed, as html_to_pdf says


def test_an_assembly_compresses_at_its_level_without_changing_another_threads_pdf(monkeypatch):
    """Two builds in one process (threads): the assembly's level-6 compression is the assembling
    thread's alone. Another thread writing a PDF meanwhile compresses at pydyf's level 9, and an
    assembly compresses at level 6 whatever the other thread's assembly does."""
    import threading
    import zlib

    import pydyf

    from core.pdf import StaticFilesOnlyFetcher

    part = core.pdf_parts.lay_out_part(
        '<html lang="fr"><head><title>T</title></head><body><p>Une page</p></body></html>',
        fetcher=StaticFilesOnlyFetcher(),
        report=lambda pagination: None,
        placement_for=lambda: core.pdf_parts.Placement(first_page=1, total_pages=1, strings={}),
    )
    data = ("Exigence MSS 12 : l'opérateur DOIT chiffrer. " * 50 + "".join(map(str, range(400)))).encode()

    def compressed(level: int, module=zlib) -> bytes:
        compressor = module.compressobj(level=level)
        return compressor.compress(data) + compressor.flush()

    assert compressed(6) != compressed(9)
    inside, checked = threading.Event(), threading.Event()
    write = pydyf.PDF.write
    assembly_levels = []

    def waiting_write(self, *args, **kwargs):
        assembly_levels.append(6 if compressed(9, pydyf.zlib) == compressed(6) else 9)
        inside.set()
        checked.wait(10)
        return write(self, *args, **kwargs)

    monkeypatch.setattr(pydyf.PDF, "write", waiting_write)
    assembly = threading.Thread(target=core.pdf_parts.assemble, args=([part],))
    assembly.start()
    try:
        assert inside.wait(10)
        assert compressed(9, pydyf.zlib) == compressed(9)  # what pydyf's write does in this other thread
    finally:
        checked.set()
        assembly.join()
    assert assembly_levels == [6]


def test_a_process_that_ignores_its_children_builds_in_parts_without_an_error_in_its_log(tmp_path, settings):
    """A server that sets SIGCHLD to SIG_IGN (its children reaped for it) hands that down through exec:
    the zygote's waitpid() for its workers failed (ChildProcessError, a traceback in the log per build)."""
    import json
    import os
    import subprocess
    import sys

    result = tmp_path / "result.json"
    script = "import signal; signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n" + CLOSED_STREAMS_BUILD
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    run = subprocess.run(
        [sys.executable, "-c", script, str(result)],
        cwd=settings.BASE_DIR, env=env, timeout=120, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert json.loads(result.read_text()) == {"assembled": [3], "pdf": "%PDF-"}


# A caller killed while its parts are laid out (a request's worker killed at its timeout, a task
# worker stopped by a deploy): its zygote and workers, in a process group of their own, must not lay
# out for no one (a worker stuck in a layout would run for ever).
KILLED_CALLER_BUILD = """
import sys
import django
django.setup()
import core.pdf_parts
from core.pdf import html_to_pdf
paragraphs = "".join(f"<p>Paragraphe {n} : l'opérateur chiffre les échanges, toujours.</p>" for n in range(6000))
body = "".join(
    f'<!--pdf:part--><section style="break-before: page"><h1>Chapitre {n}</h1>{paragraphs}</section>' for n in range(2)
)
html = '<html lang="fr"><head><title>T</title></head><body><h1>Couverture</h1>' + body + '</body></html>'
workers = core.pdf_parts.start_workers(2)
print(workers.process.pid, flush=True)
html_to_pdf(html, processes=2, workers=workers)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_workers_of_a_killed_caller_end_with_it(settings):
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    caller = subprocess.Popen(
        [sys.executable, "-c", KILLED_CALLER_BUILD], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    zygote = int(caller.stdout.readline())
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline:  # forked once the zygote has imported
        time.sleep(0.1)
        with open(f"/proc/{zygote}/task/{zygote}/children") as children:
            workers = [int(pid) for pid in children.read().split()]
    time.sleep(1)  # laying their parts out (about 10 s each)
    caller.kill()
    caller.wait()
    caller.stdout.close()
    try:
        time.sleep(2)
        assert [pid for pid in [zygote, *workers] if _alive(pid)] == []
    finally:
        try:
            os.killpg(zygote, signal.SIGKILL)
        except ProcessLookupError:
            pass
