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

from core.typography import typeset_mail

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


# Stand-ins for the per-recipient links: an event's mail is rendered once per language, then each
# recipient's copy gets its own links by substitution (signed tokens are URL-safe, so they need
# no escaping in text or HTML). A thousand recipients cost one rendering, not a thousand.
UNSUBSCRIBE_PLACEHOLDER = "https://placeholder.invalid/unsubscribe"
MANAGE_PLACEHOLDER = "https://placeholder.invalid/manage"


def render(*, template: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of ``template`` in ``language``, with the link stand-ins."""
    context = {
        **context,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "manage_url": context.get("manage_url", MANAGE_PLACEHOLDER),
        "language": language,
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    return typeset_mail(subject, text, html, language=language)


def message_from(rendered: tuple[str, str, str], *, to: str, unsubscribe: str, manage: str = "") -> EmailMultiAlternatives:
    """One recipient's copy of a rendered mail, carrying ``unsubscribe`` as its one-click
    ``List-Unsubscribe`` address (RFC 2369, RFC 8058)."""
    subject, text, html = rendered

    def personal(body: str) -> str:
        body = body.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe)
        return body.replace(MANAGE_PLACEHOLDER, manage) if manage else body

    message = EmailMultiAlternatives(
        subject,
        personal(text),
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Automatic mail: out-of-office replies should stay quiet (RFC 3834).
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(personal(html), "text/html")
    return message


def build_message(*, template: str, context: dict, to: str, language: str, unsubscribe: str) -> EmailMultiAlternatives:
    """One mail to one address, rendered for it alone."""
    return message_from(render(template=template, context=context, language=language), to=to, unsubscribe=unsubscribe)
