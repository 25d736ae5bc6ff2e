"""Re-encrypt every second-factor secret under the first key of ``DJANGO_MFA_ENCRYPTION_KEY``.

Key rotation: put the new key first (``DJANGO_MFA_ENCRYPTION_KEY=new,old``), restart, run this
command, then drop the old key. Secrets still in clear are encrypted too. A secret that no
configured key opens stops the command before anything is written (one transaction): put back the
key it was encrypted with.
"""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import mfa_secrets


class Command(BaseCommand):
    help = "Chiffre à nouveau les secrets de double authentification avec la première clé de DJANGO_MFA_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        authenticators = Authenticator.objects.filter(type__in=list(mfa_secrets.ENCRYPTED_FIELDS)).order_by("pk")
        try:
            with transaction.atomic():
                count = mfa_secrets.rewrite_authenticators(authenticators.select_for_update(), mfa_secrets.reencrypted_data)
        except mfa_secrets.UndecryptableSecret as error:
            raise CommandError(
                "Un secret de double authentification ne peut être déchiffré par aucune clé de "
                "DJANGO_MFA_ENCRYPTION_KEY : rien n'a été modifié. Remettez la clé avec laquelle il a été chiffré."
            ) from error
        self.stdout.write(self.style.SUCCESS(f"{count} secret(s) de double authentification chiffré(s) à nouveau."))
