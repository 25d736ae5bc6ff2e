from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Concertations")
    # Consultation rows are never hard-deleted (DESIGN §6): editors get no delete right here.
    editor_actions = ("add", "change", "view")

    def ready(self):
        from consultation.services import no_open_consultation
        from referential.services import register_publication_check

        # A version cannot be published while its consultation is still open (the registry in
        # referential/services.py lists every check other apps add).
        register_publication_check("consultation.no_open_consultation", no_open_consultation)

        from referential.attention import AttentionPanel, register_attention_panel

        from .queries import closing_soon_rows, unanswered_comments_rows

        register_attention_panel(
            AttentionPanel(
                key="consultation.unanswered_comments",
                title=_("Commentaires sans réponse"),
                empty=_("Tous les commentaires ont reçu une réponse."),
                rows=unanswered_comments_rows,
                position=20,
            )
        )
        register_attention_panel(
            AttentionPanel(
                key="consultation.closing_soon",
                title=_("Concertations qui se terminent dans les 7 jours"),
                empty=_("Aucune concertation ne se termine dans les 7 jours."),
                rows=closing_soon_rows,
                position=40,
            )
        )

        from django.db.models.signals import post_delete, post_save

        from referential.page_cache import bump_pages_generation

        from .models import Consultation as ConsultationRow

        # A version's page announces its consultation (window, synthesis): pages kept whole are stale.
        for signal in (post_save, post_delete):
            signal.connect(bump_pages_generation, sender=ConsultationRow, dispatch_uid=f"pages_consultation_{signal is post_save}")

        from core.documents import rebuild_when_changed, register

        from .models import Answer, Comment, Consultation
        from .synthesis import SYNTHESIS, synthesis_document_of

        register(SYNTHESIS, synthesis_document_of)
        # What the synthesis prints: its stored PDF is built again (when there is one) on any change.
        rebuild_when_changed(
            SYNTHESIS,
            {
                Consultation: lambda consultation: consultation.pk,
                Comment: _synthesis_key_of_comment,
                Answer: lambda answer: Comment.objects.filter(pk=answer.comment_id).values_list("consultation_id", flat=True).first(),
            },
        )


def _synthesis_key_of_comment(comment) -> int | None:
    """The synthesis to rebuild after ``comment`` is saved: none for a contribution while the window
    is open, when comments come by the dozen a minute and each rebuild would lay the whole synthesis
    out again (and cost a query to find whether one is stored). The synthesis stays right: it is
    built per content, so one asked for meanwhile is laid out then."""
    from .models import Comment

    consultation = Comment.consultation.field.get_cached_value(comment, None)
    if consultation is not None and consultation.is_open():
        return None
    return comment.consultation_id
