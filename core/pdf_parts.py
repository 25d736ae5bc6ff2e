"""A large PDF laid out in parts, in parallel processes, and assembled into the same tagged document.

WeasyPrint lays out one document in one process: about 30 s of CPU for a 2,000-requirement
version, three quarters of it in layout. ``parted_html_to_pdf`` cuts the print HTML where the
template marks a part may begin (``<!--pdf:part-->``, before each top-level chapter and annex: each
starts a page, so where one part ends does not change how the next is laid out), lays the body parts
out in worker processes (forked by one "zygote" subprocess; they receive HTML strings only, never
touch the database) and the front matter (cover, history, table of contents) in the calling process,
then writes one PDF.

What a single layout would get from the whole document, each part is told:

- **page numbers**: a part is laid out, then reports its page count and the local page of every
  anchor; the caller answers with the part's first page number and the document's page count, and
  only then are the part's margin boxes (« page 12 / 312 ») made (WeasyPrint makes them after
  pagination, in ``layout_document``: ``_make_margin_boxes`` waits there);
- **running strings** (title, version, footer in the margins), set by the cover, are given to every
  part's first page;
- **the table of contents**: its page numbers (``target-counter``) point into other parts, so the
  front matter is laid out last, with the numbers written in (a style per entry);
- **links** to an anchor of another part (the table of contents' entries): the part gets a stand-in
  anchor so that WeasyPrint writes the link with its named destination; the assembled document's
  name tree holds the real destination only.

Each process writes its part with WeasyPrint (drawing, fonts, PDF/UA tags) and sends its PDF objects,
serialised, before the file is written (``finisher``). The assembly renumbers their references and
makes one catalog, one page tree, one outline (the parts' top-level bookmarks chained), one name
tree, one structure tree (the parts' ``/Document`` elements' kids under one ``/Document``, one
``/ParentTree`` whose page keys follow the global page index) and the front matter's metadata
(``/Info``, XMP, ``/Lang``, ``/MarkInfo``, ``/ViewerPreferences``). Each part embeds its own font
subsets, so the file is a little larger than a single build's.

On 2 cores the build's wall time is about its CPU time over all processes halved, plus what runs on
one core only, so both were cut (2,000 requirements: 39 → 24 s of CPU, 21 → 13 s wall, README):
the zygote imports Django and WeasyPrint once for all the workers, and starts while the caller
renders the HTML (``start_workers``); each part is typeset (French typography) in its worker; the
workers run without Python's cyclic garbage collector and keep each line's Pango layout to draw it
(``_keep_text_layouts``); the assembly compresses at zlib level 6 (``_AssemblyZlib``).
"""

from __future__ import annotations

import fcntl
import gc
import html as html_module
import io
import logging
import os
import pickle
import struct
import subprocess
import sys
import re
import signal
import threading
import zlib
from dataclasses import dataclass, field

import pydyf
import weasyprint.layout as weasyprint_layout
from weasyprint import DEFAULT_OPTIONS, HTML
from weasyprint.pdf import VARIANTS

logger = logging.getLogger(__name__)

PART_MARK = "<!--pdf:part-->"
PDF_VARIANT = "pdf/ua-1"
# The element whose links print their target's page number (the table of contents): only there are
# the page numbers of other parts written in.
PAGE_NUMBERED = "data-pdf-page-numbers"
RUNNING_STRINGS = {"doc-title": "running-title", "doc-version": "running-version", "doc-footer": "running-footer"}
# Annotation keys of part n in the parent tree start at pages + n × this (keys need not be contiguous).
ANNOTATION_KEY_STRIDE = 1_000_000


# --- Pagination hook --------------------------------------------------------------------------------
# ``layout_document`` paginates every page (``make_all_pages``), then makes each page's margin boxes
# (``make_margin_boxes``). A part's hook runs between the two, once, in the thread that lays it out;
# without a hook both functions are WeasyPrint's own.

_local = threading.local()
_make_all_pages = weasyprint_layout.make_all_pages
_make_margin_boxes = weasyprint_layout.make_margin_boxes


def _recording_make_all_pages(context, root_box, html, pages):
    recorded = getattr(_local, "pages", None)
    if recorded is None:
        yield from _make_all_pages(context, root_box, html, pages)
        return
    recorded.clear()
    for page in _make_all_pages(context, root_box, html, pages):
        recorded.append(page)
        yield page


def _hooked_make_margin_boxes(context, page, state):
    hook = getattr(_local, "before_margins", None)
    if hook is not None:
        _local.before_margins = None
        hook(context, list(_local.pages))
    return _make_margin_boxes(context, page, state)


weasyprint_layout.make_all_pages = _recording_make_all_pages
weasyprint_layout.make_margin_boxes = _hooked_make_margin_boxes


@dataclass
class Pagination:
    """What a part tells once laid out: its page count, its anchors' local pages (0-based), the internal
    links it makes."""

    pages: int
    anchors: dict[str, int]
    links: set[str]


@dataclass
class Placement:
    """What a part is told before its margin boxes: first page number, page count of the document,
    running strings, anchors of other parts it links to."""

    first_page: int
    total_pages: int
    strings: dict[str, str]
    foreign_anchors: list[str] = field(default_factory=list)
    part_index: int = 0


def _paginate(page_boxes) -> Pagination:
    anchors: dict[str, int] = {}
    links: set[str] = set()
    for number, page in enumerate(page_boxes):
        for box in page.descendants():
            style = box.style
            anchor = style["anchor"]
            if anchor and anchor not in anchors:
                anchors[anchor] = number
            link = getattr(box, "link", None)
            if link and link[0] == "internal":
                links.add(link[1])
            elif link and link[0] == "url" and link[1][0] == "internal":
                links.add(link[1][1])
    return Pagination(pages=len(page_boxes), anchors=anchors, links=links)


def _place(context, placement: Placement) -> None:
    """Shift the page counters of a laid-out part and give it the document's page count and strings."""
    states = [item[3] for item in context.page_maker[1:]]
    assert len({id(state[1]) for state in states}) == len(states), "page states are shared"
    offset = placement.first_page - 1
    for state in states:
        counters = state[1]
        counters["page"] = [value + offset for value in counters.get("page", [0])]
        counters["pages"] = [placement.total_pages]
    for name, text in placement.strings.items():
        if not context.string_set[name]:
            context.string_set[name][1] = [text]


class _Written(Exception):
    """Raised by the finisher once the part's objects are serialised: the part's own file is not needed."""

    def __init__(self, part: SerialisedPart):
        self.part = part


def _options() -> dict:
    options = DEFAULT_OPTIONS.copy()
    options["pdf_variant"] = PDF_VARIANT
    _, properties = VARIANTS[PDF_VARIANT]
    for key, value in tuple(options.items()):
        if value is None and key in properties:
            options[key] = properties[key]
    return options


# --- One part, laid out and serialised ---------------------------------------------------------------


@dataclass
class SerialisedPart:
    """A part's PDF objects, as bytes (``objects[i]`` is object ``i + 1``; ``None`` for objects the
    assembly replaces) with what the assembly needs of its catalog, pages, outline and structure."""

    objects: list
    page_numbers: list[int]  # the page objects, in order
    replaced: dict[int, str]  # object number → what replaces it in the assembly
    structure_kids: list[int]  # kids of the part's /Document element
    parent_tree: list[tuple[int, bytes]]  # (key, value) of the /ParentTree, keys already global
    outline: tuple[int, int, int] | None  # first, last top-level item, count
    destinations: list[tuple[str, bytes]]  # named destinations of anchors that are the part's own
    catalog: dict[str, bytes]
    info: dict[str, bytes]
    version: bytes
    identifier: bool | bytes


def _number(reference) -> int:
    if isinstance(reference, bytes):
        return int(reference.split()[0])
    return int(str(reference).split()[0])


def _serialise(pdf: pydyf.PDF, placement: Placement, own_anchors: set[str], options: dict) -> SerialisedPart:
    objects = pdf.objects
    catalog = pdf.catalog
    replaced: dict[int, str] = {pdf.pages.number: "pages", catalog.number: "catalog"}
    page_numbers = list(pdf.pages["Kids"][::3])
    page_count = len(page_numbers)
    offset = placement.first_page - 1

    structure_kids: list[int] = []
    parent_tree: list[tuple[int, bytes]] = []
    if "StructTreeRoot" in catalog:
        root = objects[_number(catalog["StructTreeRoot"])]
        replaced[root.number] = "struct_root"
        document = objects[_number(root["K"][0])]
        replaced[document.number] = "struct_document"
        structure_kids = [_number(kid) for kid in document["K"]]
        mapping = objects[_number(root["ParentTree"])]
        replaced[mapping.number] = "parent_tree"
        nums = mapping["Nums"]
        for key, value in zip(nums[::2], nums[1::2]):
            if key < page_count:
                new_key = key + offset
                page = objects[page_numbers[key]]
                page["StructParents"] = new_key
            else:
                new_key = placement.total_pages + placement.part_index * ANNOTATION_KEY_STRIDE + key - page_count
                annotation = objects[_number(value)]
                annotation["StructParent"] = new_key
            parent_tree.append((new_key, pydyf._to_bytes(value)))

    outline = None
    if "Outlines" in catalog:
        outlines = objects[_number(catalog["Outlines"])]
        replaced[outlines.number] = "outlines"
        if "First" in outlines:
            outline = (_number(outlines["First"]), _number(outlines["Last"]), int(outlines.get("Count", 0)))

    destinations: list[tuple[str, bytes]] = []
    names = catalog.get("Names")
    if names is not None and "Dests" in names:
        dests = names["Dests"]
        if not isinstance(dests, pydyf.Dictionary):
            dests = objects[_number(dests)]
            replaced[dests.number] = "dests"
        array = dests["Names"]
        for name, destination in zip(array[::2], array[1::2]):
            if name.string in own_anchors:
                destinations.append((name.string, pydyf._to_bytes(destination)))

    catalog_entries = {
        key: pydyf._to_bytes(value)
        for key, value in catalog.items()
        if key in ("Lang", "ViewerPreferences", "MarkInfo", "Metadata", "PageMode", "PageLabels")
    }
    if placement.part_index and "Metadata" in catalog:
        replaced[_number(catalog["Metadata"])] = "drop"  # the front matter's XMP describes the document

    serialised: list = []
    for index in range(1, len(objects)):
        obj = objects[index]
        if obj.number in replaced:
            serialised.append(None)
        elif isinstance(obj, pydyf.Stream):
            data = obj.data
            head, _, tail = data.partition(b"\nstream\n")
            serialised.append((head, tail))
        else:
            serialised.append(obj.data)
        objects[index] = None  # its bytes replace it: a part's peak memory holds one of the two
    return SerialisedPart(
        objects=serialised,
        page_numbers=page_numbers,
        replaced=replaced,
        structure_kids=structure_kids,
        parent_tree=parent_tree,
        outline=outline,
        destinations=destinations,
        catalog=catalog_entries,
        info={key: pydyf._to_bytes(value) for key, value in pdf.info.items()},
        version=pydyf._to_bytes(options["pdf_version"] or b"1.7"),
        identifier=options["pdf_identifier"],
    )


def lay_out_part(html: str, *, fetcher, report, placement_for) -> SerialisedPart:
    """Lay out ``html``, call ``report(Pagination)``, then ``placement_for()`` → ``Placement`` before the
    margin boxes, and return the part's serialised objects."""
    options = _options()
    placement: Placement | None = None
    own_anchors: set[str] = set()

    def before_margins(context, page_boxes):
        nonlocal placement
        pagination = _paginate(page_boxes)
        own_anchors.update(pagination.anchors)
        report(pagination)
        placement = placement_for()
        _place(context, placement)

    _local.pages = []
    _local.before_margins = before_margins
    try:
        from .pdf import PDF_BASE_URL

        document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).render(**options)
    finally:
        _local.pages = None
        _local.before_margins = None
    if placement is None:  # no page at all: nothing was placed
        raise RuntimeError("PDF part without pages")
    if placement.foreign_anchors and document.pages:
        anchors = document.pages[0].anchors
        for name in placement.foreign_anchors:
            anchors.setdefault(name, (0, 0, 0, 0))

    def finisher(document, pdf):
        # Drawn: the layout is no longer needed while the objects are serialised. No ``gc.collect()``
        # for its cycles: the peak is the layout's, before this point, and a collection costs half a
        # second of a 500-requirement part (the worker's heap, GC disabled, is all young objects).
        document.pages.clear()
        raise _Written(_serialise(pdf, placement, own_anchors, options))

    try:
        document.write_pdf(finisher=finisher, **options)
    except _Written as written:
        return written.part
    raise RuntimeError("the finisher did not run")


# --- Worker processes ---------------------------------------------------------------------------------
# The parts are laid out by the children of one "zygote" process, ``python -c 'from core.pdf_parts import
# _zygote_main; …'`` started with ``subprocess`` (not ``multiprocessing``, which would import the
# caller's main module again in the child, nor a ``fork`` of the caller, a web process with threads).
# The zygote imports Django and WeasyPrint once (about 1 s of CPU), then forks one worker per part: it
# has no thread, so forking it is safe, and the workers start ready instead of each importing the same
# modules. Each worker speaks pickles over its own pair of pipes, which the caller opened and handed
# down (``pass_fds``; never descriptors 0 to 2, which a daemon may have closed: ``_pipe``). The zygote
# dies with its caller and each worker with the zygote (``_die_with_parent``); workers not needed are
# dismissed (their channels closed) before the caller lays a document that cannot be cut out whole.


class Channel:
    """Length-prefixed pickles over two binary files."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    def send(self, value) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(struct.pack(">Q", len(data)) + data)
        self.writer.flush()

    def recv(self):
        header = self.reader.read(8)
        if len(header) < 8:
            raise EOFError("PDF part worker closed its channel")
        (size,) = struct.unpack(">Q", header)
        return pickle.loads(self.reader.read(size))

    def close(self) -> None:
        for stream in (self.writer, self.reader):
            try:
                stream.close()
            except OSError:  # the other end is gone: nothing left to flush
                pass


def _keep_text_layouts() -> None:
    """WeasyPrint (70) drops each line's Pango layout once the line is measured (``deactivate``) and
    makes it again to draw the line (``reactivate``: a new layout, the text set and shaped again), to
    save memory. In a worker, which lays out one part and ends, the layouts are kept (24 MiB more for
    600 requirements) and drawn as they are: 4 % of a part's CPU. A kept layout is what ``reactivate``
    would make: same style and text, no width (the one it was measured in is lifted); a line with
    justification spacing, or drawn in another style, is made again as before."""
    from weasyprint.text import line_break
    from weasyprint.text.ffi import pango

    layout_class = line_break.Layout
    reactivate = layout_class.reactivate

    def keep(self):
        pass

    def reuse(self, style):
        if self.justification_spacing or style is not self.style or getattr(self, "layout", None) is None:
            reactivate(self, style)
        else:
            pango.pango_layout_set_width(self.layout, -1)

    layout_class.deactivate = keep
    layout_class.reactivate = reuse


def _die_with_parent(parent: int) -> None:
    """This process is killed (SIGKILL) when ``parent`` ends (Linux's ``PR_SET_PDEATHSIG``), or now if
    it has ended already. Its pipes alone would tell a worker only once it reads or writes again: after
    its part's layout, tens of seconds for no one, or never for a layout that does not end. (The
    signal follows the thread that forked: ``Workers`` are started, used and closed in one call.)"""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipes will tell
        return
    if os.getppid() != parent:
        os._exit(1)


def _zygote_main() -> None:
    """The workers' parent: imports once, then forks one worker per pair of pipe descriptors given as
    arguments (``caller reader writer reader writer …``, the caller's pid first) and waits for them.
    It dies with its caller, and its workers with it (``_die_with_parent``)."""
    _die_with_parent(int(sys.argv[1]))
    descriptors = [int(argument) for argument in sys.argv[2:]]
    # A caller that ignores SIGCHLD (a server whose children are reaped for it) hands it down through
    # exec: the workers would be reaped unseen and waitpid() below fail.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        os.fstat(2)
    except OSError:  # its caller had no stderr: one that goes nowhere, so that 1 and 2 are never a file of ours
        null = os.open(os.devnull, os.O_WRONLY)
        if null != 2:
            os.dup2(null, 2)
            os.close(null)
    os.dup2(2, 1)  # anything printed goes to stderr
    import django

    django.setup()
    from . import pdf  # noqa: F401  (WeasyPrint, and the project's patch of pydyf)

    _keep_text_layouts()

    # No cyclic garbage collection in the workers: WeasyPrint allocates millions of objects that live
    # until the part is drawn, and the collector kept walking them (a sixth of a part's CPU). What is
    # imported is frozen (never walked again, and shared with the workers, copy-on-write). A worker's
    # memory peaks while its part is drawn (about 280 MiB for 600 requirements) and ends with it.
    gc.collect()
    gc.freeze()
    gc.disable()
    workers = []
    zygote = os.getpid()
    for reader, writer in zip(descriptors[::2], descriptors[1::2]):
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                _die_with_parent(zygote)
                for descriptor in descriptors:
                    if descriptor not in (reader, writer):
                        os.close(descriptor)
                _worker(Channel(os.fdopen(reader, "rb"), os.fdopen(writer, "wb")))
                status = 0
            finally:
                os._exit(status)
        workers.append(pid)
    for descriptor in descriptors:
        os.close(descriptor)
    for pid in workers:
        os.waitpid(pid, 0)


def _worker(channel: Channel) -> None:
    """A worker: receives a part's HTML, reports its pagination, waits for its placement, sends its
    serialised objects."""
    from .pdf import StaticFilesOnlyFetcher

    try:
        html, typeset = channel.recv()
        if typeset is not None:
            html = typeset(html)
        part = lay_out_part(
            html,
            fetcher=StaticFilesOnlyFetcher(),
            report=lambda pagination: channel.send(("pagination", pagination)),
            placement_for=channel.recv,
        )
        channel.send(("part", part))
    except BaseException as error:  # the parent falls back to a single-process build
        channel.send(("error", repr(error)))


def _pipe() -> tuple[int, int]:
    """``os.pipe()`` whose ends are never 0, 1 or 2. In a process started without standard streams (a
    daemon's closed 0, 1, 2), a pipe gets them: handed down, the zygote's stdin (``/dev/null``) and
    its stderr would replace them; kept here, what a library writes to fd 2 (GLib, fontconfig) would
    go into a worker's channel."""
    ends = []
    for descriptor in os.pipe():
        if descriptor <= 2:
            moved = fcntl.fcntl(descriptor, fcntl.F_DUPFD_CLOEXEC, 3)
            os.close(descriptor)
            descriptor = moved
        ends.append(descriptor)
    return ends[0], ends[1]


class Workers:
    """A zygote and a channel to each of the workers it forks; ``close()`` ends them (idempotent).
    Started ahead (``start_workers``), they import while the caller renders its HTML."""

    def __init__(self, count: int):
        from django.conf import settings

        root = str(settings.BASE_DIR)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        env.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE or "config.settings")
        self.channels: list[Channel] = []
        self.process: subprocess.Popen | None = None
        handed: list[int] = []  # the workers' ends, closed here once the zygote holds them
        try:
            for _ in range(count):
                worker_reads, caller_writes = _pipe()
                caller_reads, worker_writes = _pipe()
                handed += [worker_reads, worker_writes]
                self.channels.append(Channel(os.fdopen(caller_reads, "rb"), os.fdopen(caller_writes, "wb")))
            command = "from core.pdf_parts import _zygote_main; _zygote_main()"
            self.process = subprocess.Popen(
                [sys.executable, "-c", command, str(os.getpid()), *map(str, handed)],
                pass_fds=handed, stdin=subprocess.DEVNULL, cwd=root, env=env,
                start_new_session=True,  # its own process group, with its workers: killed together
            )
        except BaseException:
            self.close()
            raise
        finally:
            for descriptor in handed:
                os.close(descriptor)

    def dismiss(self) -> None:
        """Closes every channel: each worker, forked already or still to be, reads the end of its input
        and exits. Returns at once; ``close()`` waits for them (idempotent)."""
        for channel in self.channels:
            channel.close()

    def close(self) -> None:
        """Closes every channel (a worker still waiting reads the end of its input and exits), then
        waits for the zygote, which waits for its workers."""
        self.dismiss()
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a worker still laying out a part no one waits for
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()


def start_workers(processes: int) -> Workers | None:
    """Workers for a document to be printed in ``processes`` parts, started before its HTML is rendered
    (their imports, about 0.6 s, overlap the rendering); ``None`` for a document printed whole. The
    caller passes them to ``html_to_pdf`` and closes them."""
    return Workers(processes) if processes > 1 else None


# --- Split and assemble -------------------------------------------------------------------------------


def split_html(html: str, parts: int) -> tuple[str, list[str]] | None:
    """The front matter's HTML and up to ``parts`` body parts' HTML, cut at ``PART_MARK``s and balanced by
    size; ``None`` when the document has fewer than two places to cut."""
    chunks = html.split(PART_MARK)
    if len(chunks) < 3 or parts < 2:
        return None
    front, *body = chunks
    body_close = body[-1].rfind("</body>")
    tail = body[-1][body_close:]
    body[-1] = body[-1][:body_close]
    head = front[: front.index("<body")]
    body_open = front[front.index("<body") :]
    body_open = body_open[: body_open.index(">") + 1]
    # Elements every page shows (``position: fixed``, such as a draft's watermark) go into every part.
    repeated = "".join(re.findall(r"<div\b[^>]*\bdata-pdf-every-part\b[^>]*>.*?</div>", front, re.DOTALL))
    body_open += repeated
    parts = min(parts, len(body))
    total = sum(len(chunk) for chunk in body)
    groups: list[list[str]] = [[]]
    done = 0
    for index, chunk in enumerate(body):
        behind = done >= total * len(groups) / parts or len(body) - index <= parts - len(groups)
        if groups[-1] and behind and len(groups) < parts:
            groups.append([])
        groups[-1].append(chunk)
        done += len(chunk)
    return front + tail, [head + body_open + "".join(group) + tail for group in groups]


def running_strings(html: str) -> dict[str, str]:
    """The named strings the cover sets (``string-set: … content()``), as its elements' text."""
    strings = {}
    for name, css_class in RUNNING_STRINGS.items():
        match = re.search(rf'<div class="running {css_class}"[^>]*>(.*?)</div>', html, re.DOTALL)
        if match:
            text = re.sub(r"<[^>]+>", "", match.group(1))
            # Collapsed as CSS collapses white space: ASCII only (a narrow no-break space stays).
            strings[name] = re.sub(r"[ \t\n\r\f]+", " ", html_module.unescape(text)).strip()
    return strings


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ") + '"'


def with_page_numbers(html: str, numbers: dict[str, int]) -> str:
    """``html`` whose links to ``numbers``' anchors inside an element marked ``PAGE_NUMBERED``
    show these page numbers (the table of contents' ``leader(".") target-counter(attr(href), page)``,
    written in). Links elsewhere in the front matter (a Markdown link to a chapter in the history's
    change summaries) stay plain links, as a single layout prints them."""
    rules = "".join(
        f'[{PAGE_NUMBERED}] a[href][href="#{name}"]::after {{ content: leader(".") {_css_string(str(number))}; }}\n'
        for name, number in numbers.items()
        if '"' not in name and "\\" not in name
    )
    return html.replace("</head>", f"<style>{rules}</style></head>", 1)


class _AssemblyZlib:
    """``zlib`` as pydyf sees it (``pydyf.zlib``, for good): in a thread writing an assembly, its object
    stream (every dictionary of the document, 5 MB for 2,000 requirements) and cross-reference stream
    are compressed at level 6, not pydyf's 9: 0.8 s of CPU instead of 2.1 s in the calling process, for
    a file 2.5 % larger. Any other thread (a PDF written whole, another assembly) gets what pydyf asks
    for: swapping the module for the assembly's time changed, from another thread, the level of a
    PDF being written (and so its bytes) and could give an assembly level 9 midway."""

    LEVEL = 6

    def __init__(self):
        self.assembling = threading.local()

    def compressobj(self, level=-1, *args, **kwargs):
        if getattr(self.assembling, "active", False):
            level = self.LEVEL
        return zlib.compressobj(level, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(zlib, name)


_ASSEMBLY_ZLIB = _AssemblyZlib()
pydyf.zlib = _ASSEMBLY_ZLIB


class RawObject(pydyf.Object):
    def __init__(self, data: bytes, stream: bool):
        super().__init__()
        self._data = data
        self._stream = stream

    @property
    def data(self):
        return self._data

    @property
    def compressible(self):
        return not self._stream


_REFERENCE = re.compile(rb"\((?:\\.|[^\\()])*\)|(?<![\d.])(\d+) 0 R")


def assemble(parts: list[SerialisedPart]) -> bytes:
    """One PDF of ``parts``, in order (the first one is the front matter: its metadata is the document's)."""
    pdf = pydyf.PDF()  # 1: pages, 2: catalog
    special = {"pages": pdf.pages, "catalog": pdf.catalog}
    for name in ("struct_root", "struct_document", "parent_tree", "outlines", "dests"):
        special[name] = pydyf.Dictionary()
        pdf.add_object(special[name])
    next_number = len(pdf.objects)
    maps = []
    for part in parts:
        mapping = [0] * (len(part.objects) + 1)
        for old, data in enumerate(part.objects, start=1):
            role = part.replaced.get(old)
            if role is None:
                mapping[old] = next_number
                next_number += 1
            elif role != "drop":
                mapping[old] = special[role].number
        maps.append(mapping)

    def renumber(data: bytes, mapping: list[int]) -> bytes:
        def replace(match):
            number = match.group(1)
            if number is None:
                return match.group(0)
            return b"%d 0 R" % mapping[int(number)]

        return _REFERENCE.sub(replace, data)

    kids: list = []
    structure_kids: list[bytes] = []
    parent_tree: list[tuple[int, bytes]] = []
    destinations: dict[str, bytes] = {}
    outline_items: list[tuple[int, int, int]] = []
    patches: dict[int, bytes] = {}
    for part, mapping in zip(parts, maps):
        kids.extend(triple for number in part.page_numbers for triple in (mapping[number], 0, "R"))
        structure_kids.extend(b"%d 0 R" % mapping[number] for number in part.structure_kids)
        parent_tree.extend((key, renumber(value, mapping)) for key, value in part.parent_tree)
        for name, destination in part.destinations:
            destinations.setdefault(name, renumber(destination, mapping))
        if part.outline:
            first, last, count = part.outline
            outline_items.append((mapping[first], mapping[last], count))
    for (_, previous_last, _), (next_first, _, _) in zip(outline_items, outline_items[1:]):
        patches[previous_last] = b"/Next %d 0 R" % next_first
        patches[next_first] = patches.get(next_first, b"") + b"/Prev %d 0 R" % previous_last

    for part, mapping in zip(parts, maps):
        objects = part.objects
        for old in range(1, len(objects) + 1):
            data = objects[old - 1]
            if data is None:
                continue
            objects[old - 1] = None  # renumbered, it replaces the part's bytes: memory holds one copy
            number = mapping[old]
            if isinstance(data, tuple):
                head, tail = data
                obj = RawObject(renumber(head, mapping) + b"\nstream\n" + tail, stream=True)
            else:
                data = renumber(data, mapping)
                if number in patches:
                    data = b"<<" + patches[number] + data[2:]
                obj = RawObject(data, stream=False)
            pdf.add_object(obj)
            assert obj.number == number

    pdf.pages["Kids"] = pydyf.Array(kids)
    pdf.pages["Count"] = len(kids) // 3
    root, document, tree = special["struct_root"], special["struct_document"], special["parent_tree"]
    root.update({"Type": "/StructTreeRoot", "ParentTree": tree.reference, "K": pydyf.Array([document.reference])})
    document.update({"Type": "/StructElem", "S": "/Document", "K": pydyf.Array(structure_kids), "P": root.reference})
    tree["Nums"] = pydyf.Array(item for key, value in sorted(parent_tree) for item in (key, value))
    outlines = special["outlines"]
    if outline_items:
        outlines.update(
            {
                "First": b"%d 0 R" % outline_items[0][0],
                "Last": b"%d 0 R" % outline_items[-1][1],
                "Count": sum(count for _, _, count in outline_items),
            }
        )
    special["dests"]["Names"] = pydyf.Array(
        item for name in sorted(destinations) for item in (pydyf.String(name), destinations[name])
    )
    front = parts[0]
    catalog = pdf.catalog
    catalog["Outlines"] = outlines.reference
    catalog["Names"] = pydyf.Dictionary({"Dests": special["dests"].reference})
    catalog["StructTreeRoot"] = root.reference
    for key, value in front.catalog.items():
        catalog[key] = renumber(value, maps[0])
    pdf.info = pydyf.Dictionary(dict(front.info))
    output = io.BytesIO()
    _ASSEMBLY_ZLIB.assembling.active = True  # the parts' streams are compressed already: this is the object streams'
    try:
        pdf.write(output, front.version, front.identifier, compress=True)
    finally:
        _ASSEMBLY_ZLIB.assembling.active = False
    return output.getvalue()


def parted_html_to_pdf(
    html: str, *, processes: int, fetcher, typeset=None, workers: Workers | None = None
) -> bytes | None:
    """``html`` printed in ``processes`` body parts laid out in worker processes plus the front matter
    laid out here; ``None`` when it cannot be cut (the caller prints it whole). ``typeset`` (a
    module-level function: it is pickled by name) is applied to each part's HTML, in its worker, and to
    the front matter's here: the workers start, importing, while this process typesets and lays out the
    front matter, and the parts are typeset in parallel. Typesetting the whole document then cutting it
    gives the same parts: the marks are comments, where typography starts afresh. ``workers``, started
    ahead for ``processes`` parts, are used (and closed) instead of starting others.
    A failure in a part falls back to ``None`` too, logged."""
    split = split_html(html, processes)
    if split is None:
        if workers is not None:
            workers.dismiss()  # ended before the caller lays the document out whole, waited for after
        return None
    front_html, bodies = split
    if workers is None or len(workers.channels) < len(bodies):
        if workers is not None:
            workers.close()
        workers = Workers(len(bodies))
    try:
        for channel in workers.channels[len(bodies) :]:
            channel.close()  # a worker not needed: it reads the end of its input and exits
        if typeset is not None:
            front_html = typeset(front_html)
        return _assemble_parts(front_html, workers.channels[: len(bodies)], fetcher, bodies=bodies, typeset=typeset)
    finally:
        workers.close()


def _receive(connection, expected: str):
    kind, payload = connection.recv()
    if kind != expected:
        raise RuntimeError(f"PDF part failed: {payload}")
    return payload


def _front_pages(front_html: str, numbers: dict[str, int], fetcher) -> int:
    from .pdf import PDF_BASE_URL

    document = HTML(string=with_page_numbers(front_html, numbers), base_url=PDF_BASE_URL, url_fetcher=fetcher)
    return len(document.render(**_options()).pages)


def _assemble_parts(front_html, channels, fetcher, *, bodies, typeset) -> bytes:
    strings = running_strings(front_html)
    front_links = set(re.findall(r'href="#([^"]+)"', front_html))
    # The front matter's page count, with three-digit page numbers in its table of contents, while the
    # workers import; then each worker gets its part (a send waits until the worker reads it).
    front_pages = _front_pages(front_html, {name: 888 for name in front_links}, fetcher)
    for channel, body in zip(channels, bodies):
        channel.send((body, typeset))
    paginations = [_receive(channel, "pagination") for channel in channels]
    first_pages = []
    page = front_pages + 1
    for pagination in paginations:
        first_pages.append(page)
        page += pagination.pages
    total = page - 1
    where: dict[str, int] = {}
    for first, pagination in zip(first_pages, paginations):
        for name, local in pagination.anchors.items():
            where.setdefault(name, first + local)
    for index, (connection, pagination) in enumerate(zip(channels, paginations), start=1):
        foreign = sorted((pagination.links - set(pagination.anchors)) & set(where))
        connection.send(Placement(first_page=first_pages[index - 1], total_pages=total, strings=strings,
                                  foreign_anchors=foreign, part_index=index))
    numbers = {name: where[name] for name in front_links if name in where}
    front_document_html = with_page_numbers(front_html, numbers)
    front_anchors = sorted(set(numbers))
    laid_out: list[Pagination] = []

    def placement():
        if laid_out[0].pages != front_pages:
            raise RuntimeError("the front matter's page count changed with its page numbers")
        return Placement(first_page=1, total_pages=total, strings={}, foreign_anchors=front_anchors, part_index=0)

    front = lay_out_part(front_document_html, fetcher=fetcher, report=laid_out.append, placement_for=placement)
    parts = [front] + [_receive(channel, "part") for channel in channels]
    return assemble(parts)


def processes_for(size: int) -> int:
    """How many parts (each laid out in a process of its own) a document of ``size`` requirements is
    printed in: 1 under ``PDF_PARTS_MIN_REQUIREMENTS`` or when ``PDF_PROCESSES`` is 1; else one per
    process of ``PDF_PROCESSES`` (0: one per core), more when a part would exceed
    ``PDF_PART_MAX_REQUIREMENTS``: a process's memory grows with its part (about 460 MiB for 1,000
    requirements), and every part is laid out at once (each waits for the others' page counts)."""
    from django.conf import settings

    wanted = getattr(settings, "PDF_PROCESSES", 0) or os.cpu_count() or 1
    if size < getattr(settings, "PDF_PARTS_MIN_REQUIREMENTS", 300) or wanted == 1:
        return 1
    largest = max(1, getattr(settings, "PDF_PART_MAX_REQUIREMENTS", 500))
    return max(wanted, -(-size // largest))
