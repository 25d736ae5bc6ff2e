from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Ateliers")
    # Editors record workshops in the admin (core.roles.ensure_role_groups); minutes are on record.
    editor_actions = ("add", "change", "view")
