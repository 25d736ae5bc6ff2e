"""Limits on the project's own endpoints that send e-mail (following a referential by e-mail): per
address and per IP, so that nobody floods a mailbox or uses the site to send mail in bulk. The
account pages' mails (sign-up, confirmation, password reset) are limited by allauth
(``ACCOUNT_RATE_LIMITS``), in the same cache.

The counts live in Django's cache, shared by every web process: the database cache by default,
Redis when ``REDIS_URL`` is set (``config/settings.py``). Each limit counts requests in a fixed
window (``count`` per ``period``); past it, the request is refused with a 429 whose message says
when to retry. A refused request still counts, so hammering does not shorten the wait.

An address is counted whether or not it has an account: the answer never tells which.
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Limit:
    count: int
    period: int  # seconds


# action → (limit per address, limit per IP). An address gets a handful of mails an hour; an IP (an
# office behind one NAT) a few dozen.
LIMITS = {
    # Following a referential by e-mail sends a confirmation link: one address may be asked about
    # only so often, whatever the referential (notifications/views.py).
    "follow": (Limit(3, 3600), Limit(20, 3600)),
}


@dataclass(frozen=True)
class RateLimited:
    retry_after: int  # seconds

    def message(self) -> str:
        minutes = max(1, -(-self.retry_after // 60))
        return ngettext(
            "Trop de demandes d'envoi de courriel. Réessayez dans %(minutes)s minute.",
            "Trop de demandes d'envoi de courriel. Réessayez dans %(minutes)s minutes.",
            minutes,
        ) % {"minutes": minutes}


def _hit(key: str, limit: Limit, now: float) -> int | None:
    """Count one request under ``key``; the seconds to wait if it goes past ``limit``, else None."""
    window = int(now // limit.period)
    cache_key = "ratelimit:" + hashlib.sha256(f"{key}:{window}".encode()).hexdigest()
    # add() then incr(): atomic on Redis; on the database cache two simultaneous requests may count
    # once, which a limit of mails per hour tolerates.
    cache.add(cache_key, 0, timeout=limit.period + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=limit.period + 1)
        count = 1
    if count > limit.count:
        return int((window + 1) * limit.period - now) + 1
    return None


def consume(action: str, *, email: str | None, ip: str | None, now: float | None = None) -> RateLimited | None:
    """Count one ``action`` request for ``email`` and ``ip``; a refusal when either is over its limit.

    ``email`` is compared case-insensitively; a missing one (or IP) is not counted. Raises KeyError
    for an action without limits.
    """
    now = time.time() if now is None else now
    per_address, per_ip = LIMITS[action]
    waits = []
    if email:
        waits.append(_hit(f"{action}:address:{email.strip().lower()}", per_address, now))
    if ip:
        waits.append(_hit(f"{action}:ip:{ip}", per_ip, now))
    waits = [wait for wait in waits if wait is not None]
    return RateLimited(retry_after=max(waits)) if waits else None
