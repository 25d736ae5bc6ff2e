from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Concertations")
    # Consultation rows are never hard-deleted (DESIGN §6): editors get no delete right here.
    editor_actions = ("add", "change", "view")

    def ready(self):
        from consultation.services import no_open_consultation
        from referential.services import PUBLICATION_CHECKS

        # A version cannot be published while its consultation is still open.
        if no_open_consultation not in PUBLICATION_CHECKS:
            PUBLICATION_CHECKS.append(no_open_consultation)
