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
        from . import receivers  # noqa: F401  (connects the password-change receiver)

