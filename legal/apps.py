from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    """The pages every French public site must have: legal notice, personal data, accessibility
    statement and site map. Text only; they read nothing but the list of referentials."""

    name = "legal"
    verbose_name = _("Informations légales")
