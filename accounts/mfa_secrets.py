"""The second factors' secrets encrypted at rest: what allauth.mfa stores through its adapter's
``encrypt``/``decrypt`` (``accounts.adapter.MFAAdapter``), i.e. in ``Authenticator.data``: a TOTP
app's ``secret``, the recovery codes' ``seed`` (and ``migrated_codes``, codes carried over from
another library, none here). A database dump or a read-only SQL leak then gives nobody an editor's
second factor.

- Fernet (AES-128-CBC + HMAC-SHA256, ``cryptography``) under ``settings.MFA_ENCRYPTION_KEYS``
  (``DJANGO_MFA_ENCRYPTION_KEY``, comma-separated, required in production). Several keys make a
  ``MultiFernet``: the first encrypts, each decrypts — a new key goes first, the old one stays
  until ``manage.py rotate_mfa_secrets`` (or a re-enrolment) has re-encrypted everything under the new.
- Without keys (development, tests) one key is derived from ``SECRET_KEY`` by HKDF-SHA256, and
  one from each of ``SECRET_KEY_FALLBACKS`` to decrypt.
- A stored value that is no Fernet token is a secret written in clear before encryption: it is
  read as it is (migration ``accounts.0007`` encrypts those).
- A token that no key opens (a wrong or lost key) is logged as an error and read as a fresh
  random secret of the same shape: every code is then refused (exactly as a guess against an
  unknown secret), allauth's forms say "code incorrect", and no page fails with a 500.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from collections.abc import Iterable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

logger = logging.getLogger(__name__)

# The keys of Authenticator.data that allauth.mfa writes through encrypt(), by authenticator type
# (allauth/mfa/totp/internal/auth.py, allauth/mfa/recovery_codes/internal/auth.py): one string each,
# but "migrated_codes", a list of strings.
ENCRYPTED_FIELDS: dict[str, tuple[str, ...]] = {"totp": ("secret",), "recovery_codes": ("seed", "migrated_codes")}

# HKDF's context for the development key: another use of SECRET_KEY never derives the same key.
_HKDF_SALT = b"referentiels-mssante:accounts.mfa_secrets"
_HKDF_INFO = b"allauth.mfa Authenticator.data encryption key (Fernet)"

# A Fernet token, once base64-decoded: version byte 0x80, 8-byte timestamp, 16-byte IV, ciphertext
# (16-byte blocks, at least one), 32-byte HMAC.
_FERNET_VERSION = 0x80
_FERNET_OVERHEAD = 1 + 8 + 16 + 32


_UNDECRYPTABLE = "no key in MFA_ENCRYPTION_KEYS decrypts this second-factor secret"


class UndecryptableSecret(Exception):
    """A Fernet token that none of the configured keys opens (``decrypt_secret(strict=True)``)."""


def derive_key(secret_key: str) -> bytes:
    """The Fernet key (32 bytes, url-safe base64) HKDF-SHA256 derives from a Django ``secret_key``."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


def configured_keys() -> list[bytes]:
    """The keys in use, the encrypting one first: ``settings.MFA_ENCRYPTION_KEYS`` when set, else
    those derived from ``SECRET_KEY`` then ``SECRET_KEY_FALLBACKS``."""
    keys = [key.encode() if isinstance(key, str) else key for key in getattr(settings, "MFA_ENCRYPTION_KEYS", [])]
    if keys:
        return keys
    return [derive_key(key) for key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", []))]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(configured_keys()))


def is_token(value: str) -> bool:
    """Whether ``value`` has the shape of a Fernet token (a clear TOTP secret — base32 — or recovery
    seed — hex — never has: its first byte cannot be 0x80)."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):  # binascii.Error is a ValueError
        return False
    return len(raw) > _FERNET_OVERHEAD and raw[0] == _FERNET_VERSION and (len(raw) - _FERNET_OVERHEAD) % 16 == 0


def encrypt_secret(text: str) -> str:
    """``text`` as a Fernet token (ASCII) under the first configured key."""
    return _current().encrypt(text.encode()).decode("ascii")


def decrypt_secret(value: str, *, strict: bool = False) -> str:
    """The clear text of a stored ``value``: a Fernet token decrypted by any configured key, or
    ``value`` itself if it is no token (stored before encryption).

    A token no key opens raises ``UndecryptableSecret`` if ``strict``; otherwise it is logged (an
    error: the key is wrong or missing) and a random secret is returned — 32 base32 characters, a
    valid TOTP secret and an ASCII seed — that no code the user types matches.
    """
    if not is_token(value):
        return value
    try:
        return _current().decrypt(value.encode("ascii")).decode()
    except InvalidToken:
        if strict:
            raise UndecryptableSecret(_UNDECRYPTABLE) from None
        logger.error(
            "A second-factor secret cannot be decrypted: DJANGO_MFA_ENCRYPTION_KEY does not hold the key it "
            "was encrypted with (its code is refused). Put the old key back after the new one."
        )
        return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def is_readable(value: str) -> bool:
    """Whether ``decrypt_secret(value)`` gives the stored secret (clear, or a token a key opens)."""
    try:
        decrypt_secret(value, strict=True)
    except UndecryptableSecret:
        return False
    return True


def readable_data(*, kind: str, data: dict) -> bool:
    """Whether every secret of ``Authenticator.data`` of type ``kind`` reads as stored (``is_readable``)."""
    for field in ENCRYPTED_FIELDS.get(kind, ()):
        value = data.get(field)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and not is_readable(item):
                return False
    return True


def _map_fields(kind: str, data: dict, change) -> dict | None:
    """``data`` with ``change`` applied to each encrypted field of an authenticator of type ``kind``
    (a copy), or None if nothing changes."""
    new = dict(data)
    for field in ENCRYPTED_FIELDS.get(kind, ()):
        value = data.get(field)
        if isinstance(value, str):
            new[field] = change(value)
        elif isinstance(value, list):
            new[field] = [change(item) if isinstance(item, str) else item for item in value]
    return None if new == data else new


def encrypted_data(*, kind: str, data: dict) -> dict | None:
    """``Authenticator.data`` of type ``kind`` with its clear secrets encrypted (tokens untouched),
    or None if it holds none. Idempotent."""
    return _map_fields(kind, data, lambda value: value if is_token(value) else encrypt_secret(value))


def decrypted_data(*, kind: str, data: dict) -> dict | None:
    """``Authenticator.data`` of type ``kind`` with its secrets in clear, or None if it holds no
    token. Raises ``UndecryptableSecret`` on a token no key opens (nothing should be half-done)."""
    return _map_fields(kind, data, lambda value: decrypt_secret(value, strict=True))


def reencrypted_data(*, kind: str, data: dict) -> dict | None:
    """``Authenticator.data`` of type ``kind`` with every secret encrypted under the first key (clear
    ones too), or None if nothing changes. Raises ``UndecryptableSecret`` on a token no key opens."""

    def rotate(value: str) -> str:
        if not is_token(value):
            return encrypt_secret(value)
        try:
            return _current().rotate(value.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise UndecryptableSecret(_UNDECRYPTABLE) from None

    return _map_fields(kind, data, rotate)


def rewrite_authenticators(authenticators: Iterable, change) -> int:
    """Apply ``change`` (``encrypted_data``, ``decrypted_data``, ``reencrypted_data``) to each
    ``Authenticator`` (the model or a migration's historical one) and save those it changes (only
    ``data``). Returns how many were saved."""
    saved = 0
    for authenticator in authenticators:
        new = change(kind=authenticator.type, data=authenticator.data or {})
        if new is not None:
            authenticator.data = new
            authenticator.save(update_fields=["data"])
            saved += 1
    return saved
