"""Find the background tasks a crashed or stalled worker abandoned; queue them again or leave them failed."""

from django.core.management.base import BaseCommand

from core.background import recover_abandoned_work


class Command(BaseCommand):
    help = "Queue again (or mark failed) the background tasks whose worker died or that ran past BACKGROUND_STALL_SECONDS."

    def handle(self, *args, **options):
        recovered = recover_abandoned_work()
        for recovery in recovered:
            outcome = f"queued again as {recovery.retried_as}" if recovery.retried_as else "failed"
            self.stdout.write(f"{recovery.task_path} {recovery.task_id}: {recovery.reason} — {outcome}")
        self.stdout.write(f"{len(recovered)} abandoned task(s).")
