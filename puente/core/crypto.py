"""Encryption of personal data at rest.

Names, birth dates, phones, addresses, free-text notes about a person, and every uploaded file
are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` library) before
they reach the database or the disk. The keys are held outside the database, so that a copy of
the database file alone reveals nothing readable:

- ``PUENTE_DATA_KEYS`` in the environment: comma-separated Fernet keys, newest first; or
- the key file ``PUENTE_KEY_FILE`` (default ``data/keys/data.keys``), one key a line, newest first.

Several keys make rotation possible (``MultiFernet``): new data is written with the first key,
old data stays readable with the others until ``puente rotate-keys`` re-encrypts it.
In development a key file is created on first use; in production a missing key is an error.
"""

import functools
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "encrypt", "decrypt", "encrypt_bytes", "decrypt_bytes", "reset_keys", "load_keys"]


def _read_key_file(path: Path) -> list[bytes]:
    return [
        line.strip().encode() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]


def load_keys() -> list[bytes]:
    """Return the data keys, newest first, from the environment or the key file."""
    env = getattr(settings, "PUENTE_DATA_KEYS", "") or ""
    if env.strip():
        return [k.strip().encode() for k in env.split(",") if k.strip()]
    path = Path(settings.PUENTE_KEY_FILE)
    if path.exists():
        keys = _read_key_file(path)
        if keys:
            return keys
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            f"No data-encryption key: set PUENTE_DATA_KEYS or create {path} (puente generate-key)."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # Written with owner-only permissions: whoever can read it can read every person's record.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# Puente data-encryption keys, newest first. Keep a copy apart from the backups.\n")
        fh.write(key.decode() + "\n")
    return [key]


@functools.cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in load_keys()])


def reset_keys() -> None:
    """Forget the cached keys (after rotation, or when a test swaps them)."""
    _fernet.cache_clear()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def rotate_bytes(token: bytes) -> bytes:
    """Re-encrypt a token with the newest key."""
    return _fernet().rotate(token)


def encrypt(text: str) -> str:
    return encrypt_bytes(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    return decrypt_bytes(token.encode("ascii")).decode("utf-8")
