from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentialConfig(AppConfig):
    name = "referential"
    verbose_name = _("Référentiels")
    # Editors work on the catalogue in the admin: full rights (core.roles.ensure_role_groups).
    editor_actions = ("add", "change", "delete", "view")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import signals  # noqa: F401  (guards on many-to-many changes)
        from . import services  # noqa: F401  (follows abandoned background publications)
        from .search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="referential_search_functions")

        from .attention import AttentionPanel, register_attention_panel
        from .queries import versions_awaiting_validation_rows

        register_attention_panel(
            AttentionPanel(
                key="referential.awaiting_validation",
                title=_("Versions en attente de validation"),
                empty=_("Aucune version n'attend de validation."),
                rows=versions_awaiting_validation_rows,
                position=30,
            )
        )

        from core.documents import register

        from .documents import PREVIEW, preview_document_of

        register(PREVIEW, preview_document_of)
