"""The project's one mail helper: every e-mail is a subject/text/html trio of templates, rendered in
the recipient's language (``<template>_subject.txt``, ``_body.txt``, ``_body.html``)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .typography import typeset_mail


def send_templated_mail(*, template: str, to: list[str], context: dict, language: str = "fr") -> None:
    """Render ``<template>_subject.txt``, ``_body.txt`` and ``_body.html`` and send them."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    subject, text, html = typeset_mail(subject, text, html, language=language)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()
