from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et organisations")
    # Editors approve, refuse and merge organisations in the admin (core.roles.ensure_role_groups);
    # organisations and memberships are on record, so no delete right.
    # Domains an organisation declared are added, validated and removed by editors.
    editor_actions = {
        "organisation": ("add", "change", "view"),
        "membership": ("add", "change", "view"),
        "organisationdomain": ("add", "change", "view", "delete"),
    }

    def ready(self):
        from referential.attention import AttentionPanel, register_attention_panel

        from . import receivers  # noqa: F401  (connects the password-change receiver)
        from .queries import approvals_waiting_rows

        register_attention_panel(
            AttentionPanel(
                key="accounts.approvals_waiting",
                title=_("Organisations et rattachements en attente de validation"),
                empty=_("Aucune organisation ni aucun rattachement n'attend de validation."),
                rows=approvals_waiting_rows,
                position=10,
            )
        )

