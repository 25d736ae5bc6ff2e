from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Concertations et ateliers")

    def ready(self):
        from referential.services import PUBLICATION_CHECKS

        from .services import no_open_consultation

        # A version cannot be published while its consultation is still open.
        if no_open_consultation not in PUBLICATION_CHECKS:
            PUBLICATION_CHECKS.append(no_open_consultation)
