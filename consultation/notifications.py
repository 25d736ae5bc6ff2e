"""E-mails of the consultation, each rendered from a subject/text/html trio in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Comment


def send_templated_mail(*, template: str, to: list[str], context: dict, language: str = "fr") -> None:
    """Render ``<template>_subject.txt``, ``_body.txt`` and ``_body.html`` and send them."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


def send_answer_notification(comment_id: int) -> None:
    comment = (
        Comment.objects.select_related("author", "answer", "consultation__version__referential", "requirement")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or not comment.author.email or not hasattr(comment, "answer"):
        return
    send_templated_mail(
        template="consultation/email/comment_answered",
        to=[comment.author.email],
        context={"comment": comment, "answer": comment.answer, "site_url": settings.SITE_URL},
    )
