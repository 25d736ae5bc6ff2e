"""Record the notifications a date triggers and retry failed sends; run it every few minutes.

Idempotent: a second run at the same moment records nothing and sends nothing twice.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from notifications.delivery import retry_due
from notifications.scheduler import record_scheduled_events


class Command(BaseCommand):
    help = "Envoie les notifications programmées (clôtures, entrées en vigueur, synthèses quotidiennes) et relance les envois échoués."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Moment de référence ISO 8601 (par défaut : maintenant), pour rattraper un passage manqué.")

    def handle(self, *args, now=None, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None or moment.tzinfo is None:
                raise CommandError("--now attend une date et heure ISO 8601 avec fuseau, par exemple 2026-03-01T08:00:00+01:00.")
        recorded = record_scheduled_events(moment)
        mails, calls = retry_due(moment)
        self.stdout.write(f"{len(recorded)} event(s) recorded, {mails} mail(s) and {calls} webhook call(s) retried.")
