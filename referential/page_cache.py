"""The body of a published version's page — its table of contents, filters and every requirement —
rendered once per content and language, then read from the configured cache.

A published (or superseded) version's text never changes (``ReferentialVersion.FROZEN_STATUSES``),
so its rendering only depends on:

- the version (its primary key: a version's text is frozen for ever once published);
- the page's language;
- the labels the page prints for levels, actors and the referential, which editors may change:
  every save or deletion of one bumps a *generation* kept in the cache, part of every key;
- the code that renders it (templates, the Markdown render function, French typography): a fingerprint of their
  source, computed once per process, so a deployment that changes them never serves old HTML.

Drafts and versions in consultation (whose page carries each reader's own comment links) are never
cached, nor filtered or searched pages (many keys, each cheap to compute: they show few requirements).

The body also holds the version's conformity rule (its thresholds and note, frozen with the text).

Each process keeps the last bodies it read in memory (``_LOCAL``, bounded in size), under the same
keys: a warm page then reads one small cache entry (the generation) instead of megabytes of pickled
HTML. A key never names two different bodies — the generation starts from a random number whenever
the cache loses it (cleared, evicted, a test's rolled-back database cache), so a body kept in memory
is never served for a version or labels it was not rendered from.
"""

import functools
import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Actor, NonConformityLevel, Referential, ReferentialVersion

GENERATION_KEY = "referential:labels-generation"
BODY_TIMEOUT = 7 * 24 * 3600  # seconds; a week without a reader lets the entry go
LOCAL_LIMIT = 64 * 1024 * 1024  # characters of HTML kept in each process's memory (about 30 large versions)
TEMPLATES = ("_conformity_rule.html", "_version_body.html", "_toc.html", "_chapter.html", "_requirement.html")


@functools.cache
def code_fingerprint() -> str:
    """12 hex characters naming the source of what renders the body (templates, Markdown)."""
    from core import markdown, typography

    digest = hashlib.sha256()
    folder = Path(settings.BASE_DIR) / "templates"
    for name in TEMPLATES:
        digest.update((folder / "referential" / name).read_bytes())
    digest.update((folder / "_level_badge.html").read_bytes())
    digest.update(Path(markdown.__file__).read_bytes())
    digest.update(Path(typography.__file__).read_bytes())
    return digest.hexdigest()[:12]


def labels_generation() -> int:
    """The current generation of levels', actors' and referentials' labels: a random number when the
    cache had none, then bumped by every change of a label."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        start = secrets.randbits(48)
        cache.add(GENERATION_KEY, start, timeout=None)
        generation = cache.get(GENERATION_KEY, start)  # another process's start may have won
    return generation


@receiver([post_save, post_delete], sender=NonConformityLevel)
@receiver([post_save, post_delete], sender=Actor)
@receiver([post_save, post_delete], sender=Referential)
def bump_labels_generation(sender, **kwargs):
    """A label changed somewhere: every cached body is stale (they are rebuilt on the next read)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): a new random start differs from the keys in use
        cache.set(GENERATION_KEY, secrets.randbits(48), timeout=None)


def body_key(version: ReferentialVersion, language: str) -> str | None:
    """The cache key of ``version``'s page body in ``language``; ``None`` when it must not be cached."""
    if version.status not in ReferentialVersion.FROZEN_STATUSES:
        return None
    return f"referential:version-body:{version.pk}:{language}:{labels_generation()}:{code_fingerprint()}"


def cached_body(key: str | None, render: Callable[[], str]) -> str:
    """The body under ``key``, rendered by ``render()`` and kept when missing; rendered every time
    when ``key`` is ``None``."""
    if key is None:
        return render()
    body = _local_get(key)
    if body is None:
        body = cache.get(key)
        if body is None:
            body = render()
            cache.set(key, body, timeout=BODY_TIMEOUT)
        _local_put(key, body)
    return body


_LOCAL: OrderedDict[str, str] = OrderedDict()
_LOCAL_LOCK = threading.Lock()
_local_size = 0


def _local_get(key: str) -> str | None:
    with _LOCAL_LOCK:
        body = _LOCAL.get(key)
        if body is not None:
            _LOCAL.move_to_end(key)
        return body


def _local_put(key: str, body: str) -> None:
    """Keeps ``body`` in this process's memory, the least recently read bodies going past the limit."""
    global _local_size
    if len(body) > LOCAL_LIMIT:
        return
    with _LOCAL_LOCK:
        previous = _LOCAL.pop(key, None)
        _local_size -= len(previous) if previous is not None else 0
        _LOCAL[key] = body
        _local_size += len(body)
        while _local_size > LOCAL_LIMIT:
            _, dropped = _LOCAL.popitem(last=False)
            _local_size -= len(dropped)


def clear_local() -> None:
    """Forgets the bodies kept in this process's memory (tests; the shared cache is untouched)."""
    global _local_size
    with _LOCAL_LOCK:
        _LOCAL.clear()
        _local_size = 0
