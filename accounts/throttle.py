"""Login throttling: slows down password guessing whatever the door (this site, /admin/, the API token).

The rule: within a sliding window of 15 minutes, at most 5 failures for one account (or one typed
identifier when no account matches) and at most 20 failures from one IP address. Past either
limit, every attempt is refused — even with the right password — until the oldest counted
failure leaves the window. Refused attempts are not recorded, so the lock does not extend itself.

Failures are rows in the database (``LoginAttempt``), so several web processes share the count.
A successful login restarts the account's counter but never the address's: an attacker cannot
wash an IP's record by logging into an account of their own between guesses.

The per-account limit lets anyone lock an account out for 15 minutes by failing 5 times; that
is the price of stopping a distributed guess at one account. A password reset clears it.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import ngettext

from .models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 20


@dataclass(frozen=True)
class Refusal:
    retry_at: datetime

    def retry_after_seconds(self, now: datetime | None = None) -> int:
        return max(1, int((self.retry_at - (now or timezone.now())).total_seconds()) + 1)

    def message(self, now: datetime | None = None) -> str:
        minutes = max(1, -(-self.retry_after_seconds(now) // 60))
        return ngettext(
            "Trop de tentatives de connexion infructueuses. Par sécurité, les connexions sont suspendues : "
            "réessayez dans %(minutes)s minute, ou réinitialisez votre mot de passe.",
            "Trop de tentatives de connexion infructueuses. Par sécurité, les connexions sont suspendues : "
            "réessayez dans %(minutes)s minutes, ou réinitialisez votre mot de passe.",
            minutes,
        ) % {"minutes": minutes}


def find_user(identifier: str):
    """The account a login form names: by username first (``editrice``), then by e-mail address.

    An address shared by several older accounts names none of them: the username must be used.
    """
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    User = get_user_model()
    users = User._default_manager
    user = users.filter(username=identifier).first() or users.filter(username__iexact=identifier).first()
    if user is not None:
        return user
    matches = list(users.filter(email__iexact=identifier)[:2])
    return matches[0] if len(matches) == 1 else None


def account_key(identifier: str, user=None) -> str:
    """What the per-account counter counts: the account when one matches, so that typing its
    e-mail or its username fills the same counter; otherwise the identifier as typed."""
    if user is not None:
        return user.get_username().lower()
    return (identifier or "").strip().lower()[:254]


def client_ip(request) -> str | None:
    """The client's address. Behind ``TRUSTED_PROXY_COUNT`` proxies (a load balancer…), it is read
    from X-Forwarded-For that many hops from the right; anything further left is client-supplied."""
    if request is None:
        return None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    candidate = request.META.get("REMOTE_ADDR")
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def refusal(*, key: str, ip: str | None, now: datetime | None = None) -> Refusal | None:
    """Whether a login for ``key`` from ``ip`` must be refused now, and until when."""
    now = now or timezone.now()
    since = now - WINDOW
    recent = LoginAttempt.objects.filter(attempted_at__gt=since, attempted_at__lte=now)
    oldest_blocking = []
    account = recent.filter(identifier=key, counts_for_account=True).order_by("-attempted_at")
    times = list(account.values_list("attempted_at", flat=True)[:MAX_FAILURES_PER_ACCOUNT])
    if len(times) >= MAX_FAILURES_PER_ACCOUNT:
        oldest_blocking.append(times[-1])
    if ip:
        from_ip = recent.filter(ip_address=ip).order_by("-attempted_at")
        times = list(from_ip.values_list("attempted_at", flat=True)[:MAX_FAILURES_PER_IP])
        if len(times) >= MAX_FAILURES_PER_IP:
            oldest_blocking.append(times[-1])
    if not oldest_blocking:
        return None
    return Refusal(retry_at=max(oldest_blocking) + WINDOW)


def refusal_for_login(request, identifier: str, now: datetime | None = None) -> Refusal | None:
    """The verdict for a login form's identifier, before any password is checked."""
    return refusal(key=account_key(identifier, find_user(identifier)), ip=client_ip(request), now=now)


def record_failure(*, key: str, ip: str | None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    # Rows that left the window count for nothing: drop them so the table stays small.
    LoginAttempt.objects.filter(attempted_at__lte=now - WINDOW).delete()
    LoginAttempt.objects.create(identifier=key, ip_address=ip, attempted_at=now)


def clear_account(*, key: str) -> None:
    """The account proved its password (login, reset): its own counter restarts; IPs' do not."""
    LoginAttempt.objects.filter(identifier=key, counts_for_account=True).update(counts_for_account=False)
