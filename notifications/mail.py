"""Rendering a notification mail: subject, plain text and HTML, in the recipient's language,
with the one-click unsubscribe headers (RFC 2369 and RFC 8058) every mail carries.

Templates live under ``templates/notifications/email/<name>_{subject,body}.txt|_body.html``;
the HTML ones extend ``_layout.html`` (the DSFR-like frame).
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
CONFIRM_SALT = "notifications.confirm"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def subscription_token(subscription_id: int) -> str:
    """Names one subscription, for its manage and unsubscribe links (no expiry: a mail kept for a
    year still unsubscribes)."""
    return signing.dumps({"s": subscription_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def personal_token(user_id: int, kind: str) -> str:
    """Names one kind of personal notification of one user, for its one-click mute link."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict:
    """The claims of a token made above; raises ``signing.BadSignature`` on a tampered one."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(token: str) -> str:
    return absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))


def build_message(*, template: str, context: dict, to: str, language: str, unsubscribe: str) -> EmailMultiAlternatives:
    """One mail to one address, rendered in ``language``, carrying ``unsubscribe`` as its
    ``List-Unsubscribe`` address (one click, by POST, per RFC 8058)."""
    context = {**context, "site_url": settings.SITE_URL, "unsubscribe_url": unsubscribe, "language": language}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Automatic mail: out-of-office replies should stay quiet (RFC 3834).
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
