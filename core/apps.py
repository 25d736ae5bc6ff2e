from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared machinery every app builds on; it depends on no app of the project. Its two models
    serve every app: documents built once per content and who runs a background task."""

    name = "core"
    verbose_name = _("Socle commun")
