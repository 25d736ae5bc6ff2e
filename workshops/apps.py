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

        from core.documents import rebuild_when_changed, register

        from . import models
        from .pdf import MINUTES, minutes_document_of

        register(MINUTES, minutes_document_of)
        # What the minutes print: their stored PDF is built again (when there is one) on any change.
        rebuild_when_changed(
            MINUTES,
            {
                models.Workshop: lambda workshop: workshop.pk,
                **{
                    model: lambda row: row.workshop_id
                    for model in (models.WorkshopDocument, models.AgendaItem, models.Participant, models.RidaItem)
                },
            },
        )
