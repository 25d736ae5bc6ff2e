"""E-mails of the consultation, each rendered from a subject/text/html trio in the recipient's language."""

from django.conf import settings

from core.mail import send_templated_mail

from .models import Comment


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
