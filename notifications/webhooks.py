"""Calling organisations' webhooks: signed JSON, only to public addresses, retried with backoff.

Each call is a POST of the event as JSON with ``X-Referentiels-Signature: sha256=<hex>``, the
HMAC-SHA256 of the exact body under the webhook's secret. The host is resolved once and every
address it resolves to must be public (no private, loopback, link-local, multicast or reserved
network) unless ``NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` is on; the connection then goes
to the vetted address itself, so a second DNS answer cannot point it elsewhere. Redirects are not
followed. Anything but a 2xx answer is a failure, retried after a growing delay.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import delivery
from .models import DeliveryStatus, NotificationEvent, WebhookDelivery

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Referentiels-Signature"


class AddressRefused(Exception):
    """The webhook's host is, or resolves to, an address the site must not call."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Special-purpose blocks that ``is_global`` lets through on some Python versions.
NOT_PUBLIC = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("192.0.0.0/24"))


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address of the Internet proper. ``is_global`` (IANA special-purpose registries)
    also rules out the shared space 100.64.0.0/10, where some clouds put their metadata service
    (100.100.100.200), and 192.0.0.0/24; site-local IPv6 and the IPv4 address an IPv6 one wraps
    (mapped, 6to4, Teredo) are checked too."""
    if isinstance(address, ipaddress.IPv6Address):
        wrapped = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if wrapped is not None and not _is_public(wrapped):
            return False
        if address.ipv4_mapped:
            return True
        if address.is_site_local:
            return False
    if any(address in network for network in NOT_PUBLIC if network.version == address.version):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def vetted_address(url: str) -> tuple[str, str, int]:
    """(host, address to connect to, port) for a webhook URL; raises AddressRefused when the URL is
    not http(s) or when any address its host resolves to is not public (and that is not allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(_("Seules les adresses http:// et https:// sont acceptées."))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(_("Le nom « %(host)s » ne se résout pas.") % {"host": parts.hostname}) from error
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not getattr(settings, "NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False):
        refused = [str(address) for address in addresses if not _is_public(address)]
        if refused:
            raise AddressRefused(
                _("L'adresse %(address)s n'est pas publique : les webhooks ne peuvent viser qu'Internet.")
                % {"address": refused[0]}
            )
    return parts.hostname, str(addresses[0]), port


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, address, port, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, address, port, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address we connected to.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def payload(event: NotificationEvent, delivery_id: int) -> dict:
    """The JSON body of a call: the event, its objects' ids and public links."""
    context = delivery.event_context(event) or {}
    data = {"id": delivery_id, "event": event.kind, "key": event.key, "occurred_at": event.created_at.isoformat()}
    if "referential" in context:
        data["referential"] = {"slug": context["referential"].slug, "code": context["referential"].code}
    if "version" in context:
        version = context["version"]
        data["version"] = {"number": version.number, "status": version.status, "url": delivery.mail.absolute(version.get_absolute_url())}
    if "consultation" in context:
        consultation = context["consultation"]
        data["consultation"] = {
            "id": consultation.pk,
            "opens_at": consultation.opens_at.isoformat(),
            "closes_at": consultation.closes_at.isoformat(),
            "url": delivery.mail.absolute(consultation.get_absolute_url()),
        }
    if "url" in context:
        data["url"] = context["url"]
    return data


def post(*, url: str, secret: str, body: bytes, headers: dict) -> int:
    """POST ``body`` to ``url`` (vetted, pinned); returns the HTTP status."""
    host, address, port = vetted_address(url)
    parts = urlsplit(url)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, address, port, timeout=TIMEOUT_SECONDS)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body), "User-Agent": "referentiels-mssante-webhooks", **headers},
        )
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


def deliver(delivery_id: int, now=None) -> bool:
    """Make one call if it is due; True when the endpoint accepted it."""
    now = now or timezone.now()
    if not delivery.claim(WebhookDelivery, delivery_id, now):
        return False
    row = WebhookDelivery.objects.select_related("webhook", "event").get(pk=delivery_id)
    attempts = row.attempts + 1
    if not row.webhook.is_active:
        WebhookDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.ABANDONED, last_error="webhook disabled")
        return False
    body = json.dumps(payload(row.event, row.pk), ensure_ascii=False, sort_keys=True).encode()
    try:
        status = post(
            url=row.webhook.url,
            secret=row.webhook.secret,
            body=body,
            headers={"X-Referentiels-Event": row.event.kind, "X-Referentiels-Delivery": str(row.pk)},
        )
    except AddressRefused as error:
        # Not a passing outage: retrying would be refused the same way.
        WebhookDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.ABANDONED, attempts=attempts, last_error=str(error))
        return False
    except (OSError, http.client.HTTPException) as error:
        delivery.record_failure(WebhookDelivery, row.pk, attempts, error, now)
        _retry_later(attempts, now)
        return False
    if 200 <= status < 300:
        WebhookDelivery.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.SENT, attempts=attempts, response_status=status, delivered_at=timezone.now(), last_error=""
        )
        return True
    WebhookDelivery.objects.filter(pk=row.pk).update(response_status=status)
    delivery.record_failure(WebhookDelivery, row.pk, attempts, f"HTTP {status}", now)
    _retry_later(attempts, now)
    return False


def _retry_later(attempts: int, now) -> None:
    delay = delivery.retry_delay(attempts)
    if delay:
        delivery.schedule_retry(now + delay)
