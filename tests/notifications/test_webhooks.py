"""Webhooks: an organisation's member registers a URL and a secret; events are POSTed as JSON signed
with HMAC-SHA256 to a real HTTP server on loopback, retried with backoff, logged; private,
loopback and link-local addresses are refused unless the setting allows them."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation import services as consultation_services
from notifications import delivery, services
from notifications.models import DeliveryStatus, Webhook, WebhookDelivery
from notifications.webhooks import AddressRefused, vetted_address
from tests.factories import filled_version

from .conftest import approved_organisation, join

pytestmark = pytest.mark.django_db
SECRET = "un-secret-de-seize-caracteres"


class Receiver:
    def __init__(self):
        self.calls = []
        self.answers = []

    def __call__(self, *args):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler(*args)


@pytest.fixture
def receiver():
    """An HTTP server on 127.0.0.1 that records every POST; ``answers`` lists the next status codes."""
    handler = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/referentiels?source=ans"
    yield handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def member(contributor_a):
    join(contributor_a, approved_organisation("Messagerie A"))
    return contributor_a


def open_consultation(editor):
    now = timezone.now()
    return consultation_services.open_consultation(
        version=filled_version(), opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10), by=editor
    )


def test_a_member_registers_a_webhook_and_receives_signed_events(
    client_for, member, editor, receiver, loopback_allowed, django_capture_on_commit_callbacks
):
    response = client_for(member).post(reverse("notifications:webhooks"), {"url": receiver.url, "secret": SECRET})
    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert webhook.organisation.name == "Messagerie A" and webhook.created_by == member

    with django_capture_on_commit_callbacks(execute=True):
        consultation = open_consultation(editor)

    [call] = receiver.calls
    assert call["path"] == "/hooks/referentiels?source=ans"
    expected = "sha256=" + hmac.new(SECRET.encode(), call["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(call["headers"]["X-Referentiels-Signature"], expected)
    assert call["headers"]["Content-Type"] == "application/json"
    assert call["headers"]["X-Referentiels-Event"] == "consultation_opened"
    payload = json.loads(call["body"])
    assert payload["event"] == "consultation_opened"
    assert payload["consultation"]["id"] == consultation.pk
    assert payload["url"].endswith(f"/concertations/{consultation.pk}/")
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_failing_endpoint_is_retried_with_a_growing_delay_and_the_log_shows_it(
    client_for, member, editor, receiver, loopback_allowed, django_capture_on_commit_callbacks
):
    services.register_webhook(by=member, url=receiver.url, secret=SECRET)
    receiver.answers = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        open_consultation(editor)
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and row.response_status == 500 and row.attempts == 1
    first_delay = row.next_attempt_at - timezone.now()

    delivery.retry_due(timezone.now() + timedelta(minutes=2))
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED and row.attempts == 2
    assert row.next_attempt_at - timezone.now() > first_delay + timedelta(minutes=2), "the delay grows"

    delivery.retry_due(timezone.now() + timedelta(minutes=10))
    delivery.retry_due(timezone.now() + timedelta(minutes=20))
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempts == 3 and row.response_status == 200
    assert len(receiver.calls) == 3
    assert len({call["body"] for call in receiver.calls}) == 1, "every attempt carries the same event"

    page = client_for(member).get(reverse("notifications:webhooks")).content.decode()
    assert "Concertation ouverte" in page and "Envoyé" in page


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.org/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(settings, url):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(AddressRefused):
        vetted_address(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://100.100.100.200/latest/meta-data/",  # a cloud's metadata service, in the shared space 100.64.0.0/10
        "http://100.64.0.1/hook",  # carrier-grade NAT: the provider's side, not Internet
        "http://192.0.0.8/hook",  # IETF protocol assignments
        "http://[fec0::1]/hook",  # IPv6 site-local
        "http://[2002:a00:1::]/hook",  # 6to4 wrapping 10.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
    ],
)
def test_shared_site_local_and_wrapped_private_addresses_are_refused(settings, url):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(AddressRefused):
        vetted_address(url)


def test_a_public_address_is_accepted(settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert vetted_address("https://93.184.215.14/hook") == ("93.184.215.14", "93.184.215.14", 443)


def test_registering_a_private_address_is_refused_with_a_field_error(client_for, member, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = client_for(member).post(reverse("notifications:webhooks"), {"url": "http://127.0.0.1:9/hook", "secret": SECRET})
    assert response.status_code == 400
    assert "127.0.0.1 n’est pas publique" in response.content.decode()
    assert not Webhook.objects.exists()


def test_a_webhook_whose_address_turned_private_is_never_called(member, editor, receiver, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    services.register_webhook(by=member, url=receiver.url, secret=SECRET)
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with django_capture_on_commit_callbacks(execute=True):
        open_consultation(editor)
    assert receiver.calls == []
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.ABANDONED and "n'est pas publique" in row.last_error


def test_a_short_secret_is_refused(client_for, member, loopback_allowed, receiver):
    response = client_for(member).post(reverse("notifications:webhooks"), {"url": receiver.url, "secret": "court"})
    assert response.status_code == 400
    assert not Webhook.objects.exists()


def test_only_members_of_an_approved_organisation_manage_webhooks(client_for, contributor_b, anonymous):
    assert client_for(contributor_b).get(reverse("notifications:webhooks")).status_code == 403
    assert anonymous.get(reverse("notifications:webhooks")).status_code == 302


def test_a_member_of_another_organisation_cannot_delete_a_webhook(client_for, member, contributor_b, loopback_allowed, receiver):
    webhook = services.register_webhook(by=member, url=receiver.url, secret=SECRET)
    join(contributor_b, approved_organisation("Logiciels B"))
    response = client_for(contributor_b).post(reverse("notifications:webhook_delete", kwargs={"pk": webhook.pk}))
    assert response.status_code == 404
    assert Webhook.objects.filter(pk=webhook.pk).exists()
    client_for(member).post(reverse("notifications:webhook_delete", kwargs={"pk": webhook.pk}))
    assert not Webhook.objects.exists()
