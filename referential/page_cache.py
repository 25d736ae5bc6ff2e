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

**Whole pages.** An anonymous reader's page of a published version (a plain ``GET``, no filter, no
message waiting) is the same for every anonymous reader of that address in that language, but for
its CSRF token and CSP nonce: each process keeps it in memory, typeset, with both left as
placeholders (``page_template``) and filled in per request (``page_response``) — one small cache
read (the *pages generation*) and no rendering, no typography. The pages generation is bumped by every
change of a label, a version row or (``consultation.apps``) a consultation, so a status change, a new
PDF or a published synthesis shows at once; signed-in readers, who get their own header and links,
are never served a cached page. Pages with a time-dependent part (a consultation not yet closed) say
so (``not_cacheable``) and are not kept. Pages live only in memory: a deployment restarts the
processes, so no code fingerprint is needed; with ``DEBUG`` (templates read afresh) none are kept.

**Version rows.** ``queries.version_for`` keeps a frozen version's row (with its referential, the
version it is based on and its publisher) under the pages generation too: anyone may read it, and
it only changes through a save. Each caller gets a copy of its own (unpickled), free to dress it.

Each process keeps the last bodies it read in memory (``_LOCAL``, bounded in size), under the same
keys: a warm page then reads one small cache entry (the generation) instead of megabytes of pickled
HTML. A key never names two different bodies — the generation starts from a random number whenever
the cache loses it (cleared, evicted, a test's rolled-back database cache), so a body kept in memory
is never served for a version or labels it was not rendered from.
"""

import functools
import hashlib
import pickle
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Actor, NonConformityLevel, Referential, ReferentialVersion

GENERATION_KEY = "referential:labels-generation"
PAGES_GENERATION_KEY = "referential:pages-generation"
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


def _generation(key: str) -> int:
    generation = cache.get(key)
    if generation is None:
        start = secrets.randbits(48)
        if cache.add(key, start, timeout=None):
            return start
        generation = cache.get(key, start)  # another process's start won
    return generation


def _bump(key: str) -> None:
    """Bumps ``key`` now, for what this transaction reads next, and again once it commits: another
    process that read the rows before the commit and kept what it rendered under the new generation
    loses it then."""
    _incr(key)
    transaction.on_commit(lambda: _incr(key))


def _incr(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not set yet (or evicted): a new random start differs from the keys in use
        cache.set(key, secrets.randbits(48), timeout=None)


def labels_generation() -> int:
    """The current generation of levels', actors' and referentials' labels: a random number when the
    cache had none, then bumped by every change of a label."""
    return _generation(GENERATION_KEY)


def pages_generation() -> int:
    """The current generation of whole pages: bumped with the labels' and by every change of a version
    row or a consultation (``bump_pages_generation``)."""
    return _generation(PAGES_GENERATION_KEY)


@receiver([post_save, post_delete], sender=NonConformityLevel)
@receiver([post_save, post_delete], sender=Actor)
@receiver([post_save, post_delete], sender=Referential)
def bump_labels_generation(sender, **kwargs):
    """A label changed somewhere: every cached body and page is stale (rebuilt on the next read)."""
    _bump(GENERATION_KEY)
    _bump(PAGES_GENERATION_KEY)


def bump_pages_generation(sender=None, **kwargs):
    """A row a kept page or version row shows changed (a frozen version; through ``consultation.apps``,
    a consultation): every whole page and row kept in memory is stale; the bodies (frozen text) are not."""
    _bump(PAGES_GENERATION_KEY)


@receiver([post_save, post_delete], sender=ReferentialVersion)
def version_row_changed(sender, instance, **kwargs):
    """Only frozen rows are kept, and a row becomes frozen through a save: an editor's saves of a draft
    (or of a version in consultation) leave the kept pages alone."""
    if instance.status in ReferentialVersion.FROZEN_STATUSES:
        bump_pages_generation()


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


# Whole pages ---------------------------------------------------------------------------------------

CSRF_PLACE = "@@csrf-token@@"
NONCE_PLACE = "@@csp-nonce@@"
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_UNCACHEABLE = "_page_cache_refused"


def page_key(request: HttpRequest) -> str | None:
    """The key of the whole page answering ``request`` in this process's memory; ``None`` unless the
    request is an anonymous reader's plain ``GET`` (or ``HEAD``), without query string, with no
    message waiting to be shown."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING") or settings.DEBUG:
        return None
    if request.user.is_authenticated:
        return None
    from django.contrib.messages import get_messages

    if len(get_messages(request)):
        return None
    from django.utils.translation import get_language

    return f"referential:version-page:{pages_generation()}:{get_language()}:{request.scheme}://{request.get_host()}{request.path}"


def not_cacheable(request: HttpRequest | None) -> None:
    """Says that the page being rendered for ``request`` has a part that changes with time or reader
    (a consultation's banner before its close): it is not kept."""
    if request is not None:
        setattr(request, _UNCACHEABLE, True)


def cached_page(key: str | None) -> str | None:
    """The page template kept under ``key`` in this process's memory, if any."""
    return None if key is None else _local_get(key)


def keep_page(request: HttpRequest, key: str | None, page: str) -> str | None:
    """``page`` (the view's HTML, typeset when French) as a template (``page_template``), kept under
    ``key`` unless the rendering said it was not cacheable; the template, or ``None`` if not kept."""
    if key is None or getattr(request, _UNCACHEABLE, False):
        return None
    template = page_template(request, page)
    _local_put(key, template)
    return template


def page_template(request: HttpRequest, page: str) -> str:
    """``page`` with its CSRF tokens and CSP nonce replaced by placeholders."""
    template = _CSRF_VALUE.sub(rf"\g<1>{CSRF_PLACE}\g<2>", page)
    nonce = getattr(request, "csp_nonce", None)
    if nonce:
        template = template.replace(f'nonce="{nonce}"', f'nonce="{NONCE_PLACE}"')
    return template


def page_response(request: HttpRequest, template: str, *, typeset: bool) -> HttpResponse:
    """The page kept as ``template`` for ``request``: a CSRF token of its own (the cookie set as by
    ``{% csrf_token %}``), this response's CSP nonce. ``typeset`` (French, already typeset) tells the
    typography middleware to leave it alone."""
    from django.middleware.csrf import get_token

    page = template
    if CSRF_PLACE in page:
        page = page.replace(CSRF_PLACE, get_token(request))
    if NONCE_PLACE in page:
        page = page.replace(NONCE_PLACE, str(request.csp_nonce))
    response = HttpResponse(page)
    response.typeset = typeset
    return response


# Version rows ------------------------------------------------------------------------------------


def version_key(slug: str, number: str) -> str:
    """The key of the row of version ``number`` of ``slug`` in this process's memory."""
    return f"referential:version-row:{pages_generation()}:{slug}:{number}"


def cached_version(key: str) -> ReferentialVersion | None:
    """A copy of its own of the frozen version row kept under ``key``, if any."""
    kept = _local_get(key)
    return None if kept is None else pickle.loads(kept)


def keep_version(key: str, version: ReferentialVersion) -> None:
    """Keeps ``version`` (with what was read along with it) under ``key`` if it is frozen — readable by
    anyone and changed only through a save, which moves the pages' generation."""
    if version.status in ReferentialVersion.FROZEN_STATUSES:
        _local_put(key, pickle.dumps(version, protocol=pickle.HIGHEST_PROTOCOL))


_LOCAL: OrderedDict[str, str | bytes] = OrderedDict()
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
