"""The signed link that confirms an e-mail address: nothing is stored, the signature is the proof.

The token carries the account and the address it was sent to, so a link stops working if the
address changes; it expires after ``CONFIRMATION_MAX_AGE``.
"""

from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

CONFIRMATION_SALT = "accounts.email-confirmation"
CONFIRMATION_MAX_AGE = timedelta(days=3)


class ConfirmationLinkInvalid(DomainError):
    default_message = _(
        "Ce lien de confirmation n'est pas valide. Vérifiez qu'il est complet, "
        "ou demandez-en un nouveau depuis votre compte."
    )


class ConfirmationLinkExpired(ConfirmationLinkInvalid):
    default_message = _(
        "Ce lien de confirmation a expiré : il est valable 3 jours. "
        "Connectez-vous et demandez-en un nouveau depuis votre compte."
    )


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=CONFIRMATION_SALT)


def make_confirmation_token(user) -> str:
    return _signer().sign_object({"user": user.pk, "email": user.email.lower()})


def read_confirmation_token(token: str) -> tuple[int, str]:
    """(user id, address) of a genuine, unexpired token; refuses anything else."""
    try:
        payload = _signer().unsign_object(token, max_age=CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ConfirmationLinkExpired() from None
    except (signing.BadSignature, ValueError, TypeError):
        raise ConfirmationLinkInvalid() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int) or not isinstance(payload.get("email"), str):
        raise ConfirmationLinkInvalid()
    return payload["user"], payload["email"]
