"""HTTP caching of API answers built from versions.

A published or superseded version never changes (models refuse it), so what the API says
about it is identified by the version's id, status and publication time: a strong ETag and a
public lifetime let a CDN absorb the public's reads. Anything else (draft, consultation) can
change at any moment and may be confidential: ``private, no-store``.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import get_language

from .. import page_cache

# Bump when the JSON shape of a version, its requirements or a comparison changes, so clients
# holding an ETag of the old shape get the new one.
REPRESENTATION_REVISION = "2"

# Not a year: a published version becomes "superseded" when the next one is published, and
# that status is part of the answer. An hour bounds how long a cache may show the old status.
FROZEN_MAX_AGE = 60 * 60


def _all_frozen(versions) -> bool:
    return all(version.is_frozen for version in versions)


def _cacheable(request, versions) -> bool:
    # The browsable API page carries the user's name and a CSRF token: never shared.
    renderer = getattr(request, "accepted_renderer", None)
    return _all_frozen(versions) and getattr(renderer, "format", None) == "json"


def frozen_etag(request, versions) -> str:
    """Strong ETag of an answer about frozen versions: the versions' identity and status, plus
    everything else the body depends on (full URL with its query, language, JSON shape)."""
    parts = [REPRESENTATION_REVISION, request.build_absolute_uri(), get_language() or ""]
    for version in versions:
        published_at = version.published_at.isoformat() if version.published_at else ""
        parts.append(f"{version.pk}:{version.status}:{published_at}")
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest() + '"'


def not_modified(request, versions):
    """The 304 (or 412) answer when the client's copy is current, else None."""
    if not _cacheable(request, versions):
        return None
    etag = frozen_etag(request, versions)
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        return set_cache_headers(response, request, versions)
    return None


def set_cache_headers(response, request, versions):
    if _cacheable(request, versions):
        response["ETag"] = frozen_etag(request, versions)
        patch_cache_control(response, public=True, max_age=FROZEN_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response


def stored_key(request, versions) -> str | None:
    """Where the server keeps the JSON body of a cacheable answer (same identity as its ETag, plus
    the labels' generation: a relabelled level is in the next answer); ``None`` when not cacheable."""
    if not _cacheable(request, versions):
        return None
    return f"referential:api:{frozen_etag(request, versions).strip(chr(34))}:{page_cache.labels_generation()}"


class VersionCacheMixin:
    """For read views about one or more versions (``get_cache_versions``): answers 304 to a
    client whose ETag is current, serves the JSON of frozen versions from the server's cache
    (built once per URL, language and labels), and labels every successful read with its cache
    policy."""

    def get_cache_versions(self) -> list:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        versions = self.get_cache_versions()
        early = not_modified(request, versions)
        if early is not None:
            return early
        key = stored_key(request, versions)
        content = cache.get(key) if key else None
        if content is not None:
            return set_cache_headers(HttpResponse(content, content_type=request.accepted_renderer.media_type), request, versions)
        self._stored_key = key
        response = super().get(request, *args, **kwargs)
        return set_cache_headers(response, request, versions)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "_stored_key", None)
        if key and response.status_code == 200 and hasattr(response, "render"):
            response.render()
            cache.set(key, response.content, timeout=page_cache.BODY_TIMEOUT)
        return response
