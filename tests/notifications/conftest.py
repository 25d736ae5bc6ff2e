"""A real SMTP server on loopback (aiosmtpd, in this process) that keeps what it receives, and
the other helpers of the notification tests."""

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.consultation.conftest import approved_organisation, join  # noqa: F401  (shared helpers)


class Sink:
    """Keeps every message; can be told to refuse the next N recipients with a temporary error."""

    def __init__(self):
        self.messages = []
        self.refuse_next = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.refuse_next = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def _smtp_server():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, sink
    controller.stop()


@pytest.fixture
def smtp(settings, _smtp_server):
    """Mail goes through SMTP to the loopback sink; the test reads it back from ``smtp.messages``."""
    controller, sink = _smtp_server
    sink.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.clear()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
