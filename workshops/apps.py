from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Ateliers")
    # Editors record workshops in the admin (core.roles.ensure_role_groups); minutes are on record.
    editor_actions = ("add", "change", "view")

    def ready(self):
        from referential.attention import AttentionPanel, register_attention_panel

        from .queries import overdue_actions_rows

        register_attention_panel(
            AttentionPanel(
                key="workshops.overdue_actions",
                title=_("Actions RIDA en retard"),
                empty=_("Aucune action RIDA n'est en retard."),
                rows=overdue_actions_rows,
                position=50,
            )
        )

        from django.db.models.signals import post_delete, post_save

        from core.documents import register, schedule_rebuild

        from . import models
        from .pdf import MINUTES, minutes_document_of

        register(MINUTES, minutes_document_of)

        def minutes_changed(sender, instance, **kwargs):
            """What the minutes print changed: their stored PDF is built again (when there is one)."""
            workshop_id = instance.pk if sender is models.Workshop else instance.workshop_id
            schedule_rebuild(MINUTES, workshop_id)

        for model in (models.Workshop, models.WorkshopDocument, models.AgendaItem, models.Participant, models.RidaItem):
            post_save.connect(minutes_changed, sender=model, weak=False, dispatch_uid=f"workshop_minutes_{model.__name__}_saved")
            post_delete.connect(minutes_changed, sender=model, weak=False, dispatch_uid=f"workshop_minutes_{model.__name__}_deleted")
