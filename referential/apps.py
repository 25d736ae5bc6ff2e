from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentialConfig(AppConfig):
    name = "referential"
    verbose_name = _("Référentiels")

    def ready(self):
        from . import signals  # noqa: F401  (guards on many-to-many changes)
