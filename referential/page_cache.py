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
"""

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Actor, NonConformityLevel, Referential, ReferentialVersion

GENERATION_KEY = "referential:labels-generation"
BODY_TIMEOUT = 7 * 24 * 3600  # seconds; a week without a reader lets the entry go
TEMPLATES = ("_version_body.html", "_toc.html", "_chapter.html", "_requirement.html")


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
    """The current generation of levels', actors' and referentials' labels (0 until one changes)."""
    return cache.get_or_set(GENERATION_KEY, 0, timeout=None)


@receiver([post_save, post_delete], sender=NonConformityLevel)
@receiver([post_save, post_delete], sender=Actor)
@receiver([post_save, post_delete], sender=Referential)
def bump_labels_generation(sender, **kwargs):
    """A label changed somewhere: every cached body is stale (they are rebuilt on the next read)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any new value differs from the keys in use
        cache.set(GENERATION_KEY, 1, timeout=None)


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
    body = cache.get(key)
    if body is None:
        body = render()
        cache.set(key, body, timeout=BODY_TIMEOUT)
    return body
