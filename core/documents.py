"""Documents built once per content: a PDF is laid out the first time its content is asked for,
stored with its SHA-256 (like a version's PDF), and served as a file with a strong ETag.

Laying out a PDF costs seconds; rendering its print HTML costs milliseconds. So a request renders
the HTML, fingerprints it (with the engine's code, ``engine_fingerprint``) and serves the stored
file when the fingerprint matches. Otherwise the document is built — by one request at a time:
the row is locked while it is laid out (on SQLite, whose write lock is the whole database's, a
lock of the process instead), and whoever waited finds it built. When an app knows its
content changed it calls ``schedule_rebuild``, which rebuilds a document already stored through
the task interface (``core.tasks.build_document_task``), so that readers do not wait for it.

An app describes its documents with ``Document`` and registers, per kind, how to find one from its
key (``register``), for the task.
"""

import functools
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone

from .models import StoredDocument

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """One document: ``kind`` and ``key`` name it, ``source`` is what determines it (its print HTML),
    ``build`` lays it out (``source`` → bytes), ``filename`` is what the reader downloads."""

    kind: str
    key: str
    source: str
    build: Callable[[str], bytes] = field(compare=False)
    filename: str
    language: str = "fr"
    content_type: str = "application/pdf"

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for part in (self.kind, self.language, engine_fingerprint(), self.source):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()


@functools.cache
def engine_fingerprint() -> str:
    """What lays out every PDF, beside the HTML: the engine's source and WeasyPrint's version. A
    deployment that changes them builds every document again."""
    import pydyf
    import weasyprint

    from . import pdf, pdf_parts, print_text, typography

    digest = hashlib.sha256()
    for module in (pdf, pdf_parts, print_text, typography):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(f"weasyprint {weasyprint.__version__} pydyf {pydyf.__version__}".encode())
    return digest.hexdigest()


_resolvers: dict[str, Callable[[str], Document | None]] = {}


def register(kind: str, resolve: Callable[[str], Document | None]) -> None:
    """Tell how to find the document of ``kind`` with a key (``None`` when it no longer exists)."""
    _resolvers[kind] = resolve


def resolve(kind: str, key: str) -> Document | None:
    return _resolvers[kind](key)


def _current(stored: StoredDocument | None, fingerprint: str) -> bool:
    return stored is not None and stored.fingerprint == fingerprint and bool(stored.file) and bool(stored.sha256)


def stored_document(document: Document) -> StoredDocument:
    """The stored file of ``document``, laid out now (once) when no file holds its content."""
    lookup = {"kind": document.kind, "key": document.key, "language": document.language}
    fingerprint = document.fingerprint
    stored = StoredDocument.objects.filter(**lookup).first()
    if _current(stored, fingerprint):
        return stored
    if stored is None:
        try:
            with transaction.atomic():
                StoredDocument.objects.create(**lookup)
        except IntegrityError:  # another request created it meanwhile
            pass
    if connection.vendor == "sqlite":
        # SQLite's write lock is the whole database's: held through a layout, it would stop every
        # other write for seconds. One layout per document at a time in this process instead, the
        # database locked only to store the file.
        with _layout_lock(lookup):
            stored = StoredDocument.objects.filter(**lookup).first()
            if _current(stored, fingerprint):
                return stored
            return _build(document, lookup, fingerprint, content=document.build(document.source))
    return _build(document, lookup, fingerprint)


_layout_locks: dict[tuple, threading.Lock] = {}
_layout_locks_guard = threading.Lock()


def _layout_lock(lookup: dict) -> threading.Lock:
    with _layout_locks_guard:
        return _layout_locks.setdefault(tuple(sorted(lookup.items())), threading.Lock())


@transaction.atomic
def _build(document: Document, lookup: dict, fingerprint: str, *, content: bytes | None = None) -> StoredDocument:
    # The lock: one layout per document at a time. An UPDATE locks the row on PostgreSQL; a request
    # that waited here then finds the document built. (On SQLite ``content`` comes laid out already.)
    StoredDocument.objects.filter(**lookup).update(key=document.key)
    stored = StoredDocument.objects.select_for_update().get(**lookup)
    if _current(stored, fingerprint):
        return stored
    if content is None:
        content = document.build(document.source)
    old_name = stored.file.name if stored.file else None
    storage = stored.file.storage
    name = f"documents/{document.kind}/{document.key}/{fingerprint[:32]}{Path(document.filename).suffix}"
    # The field puts its ``upload_to`` before the name: the file left by a build that died before
    # its row was written is at that full name.
    if storage.exists(stored.file.field.generate_filename(stored, name)):
        storage.delete(stored.file.field.generate_filename(stored, name))
    stored.file.save(name, ContentFile(content), save=False)
    stored.fingerprint = fingerprint
    stored.sha256 = hashlib.sha256(content).hexdigest()
    stored.size = len(content)
    stored.built_at = timezone.now()
    try:
        stored.save()
    except Exception:
        storage.delete(stored.file.name)
        raise
    if old_name and old_name != stored.file.name:
        transaction.on_commit(lambda: storage.delete(old_name))
    logger.info("Built %s %s (%s bytes)", document.kind, document.key, stored.size)
    return stored


def discard(kind: str, key: str) -> None:
    """The object of the document ``kind`` ``key`` is gone: its stored files go too (a deleted
    draft's minutes must not stay on disk)."""
    for stored in StoredDocument.objects.filter(kind=kind, key=str(key)):
        name, storage = stored.file.name, stored.file.storage
        stored.delete()
        if name:
            transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))


def schedule_rebuild(kind: str, key) -> None:
    """The content of a document changed: rebuild it in the background when one is stored (none is
    built for a document nobody asked for)."""
    if StoredDocument.objects.filter(kind=kind, key=str(key)).exists():
        from .tasks import build_document_task

        transaction.on_commit(lambda: build_document_task.enqueue(kind, str(key)))


def rebuild_when_changed(kind: str, keys: dict[type, Callable[[object], object]]) -> None:
    """Rebuild the stored document ``kind`` when a row it prints is saved or deleted.

    ``keys`` maps each model whose rows the document prints to a function giving, for one of its
    instances, the document's key (``None`` when there is none). Called from an app's ``ready()``.
    """
    from django.db.models.signals import post_delete, post_save

    def changed(sender, instance, **kwargs):
        key = keys[sender](instance)
        if key is not None:
            schedule_rebuild(kind, key)

    for model in keys:
        for signal, verb in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(changed, sender=model, weak=False, dispatch_uid=f"document_{kind}_{model.__name__}_{verb}")


def document_response(
    request: HttpRequest, document: Document, *, cache_control: str, attachment: bool = False
) -> HttpResponse:
    """``document`` served from its stored file, with a strong ETag (its SHA-256): 304 when the
    client already holds it (``If-None-Match``)."""
    stored = stored_document(document)
    etag = f'"{stored.sha256}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        try:
            handle = stored.file.open("rb")
        except FileNotFoundError:
            # A rebuild replaced the file (and deleted this one) between the look-up and the read.
            stored = stored_document(document)
            etag = f'"{stored.sha256}"'
            handle = stored.file.open("rb")
        response = FileResponse(handle, content_type=document.content_type)
        disposition = "attachment" if attachment else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{document.filename}"'
        response["Content-Length"] = str(stored.size)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response
