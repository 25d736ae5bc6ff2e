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

        from core.documents import register, schedule_rebuild

        from .models import Answer, Comment, Consultation
        from .synthesis import SYNTHESIS, synthesis_document_of

        register(SYNTHESIS, synthesis_document_of)

        def synthesis_changed(sender, instance, **kwargs):
            """What the synthesis prints changed: its stored PDF is built again (when there is one)."""
            if sender is Consultation:
                schedule_rebuild(SYNTHESIS, instance.pk)
            elif sender is Comment:
                schedule_rebuild(SYNTHESIS, instance.consultation_id)
            else:
                schedule_rebuild(SYNTHESIS, Comment.objects.filter(pk=instance.comment_id).values_list("consultation_id", flat=True).first())

        for model in (Consultation, Comment, Answer):
            post_save.connect(synthesis_changed, sender=model, weak=False, dispatch_uid=f"synthesis_{model.__name__}_saved")
            post_delete.connect(synthesis_changed, sender=model, weak=False, dispatch_uid=f"synthesis_{model.__name__}_deleted")
