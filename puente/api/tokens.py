"""Making and checking token secrets.

A token looks like ``pnt_<prefix>_<secret>``: ``pnt_`` says what it is (so that secret scanners
can recognise a leaked one), the prefix is shown on the account page, and only the SHA-256 of
the whole string is stored.
"""

import hashlib
import secrets

PREFIX = "pnt_"


def new_token() -> tuple[str, str, str]:
    """(token, prefix to display, hash to store)."""
    prefix = secrets.token_hex(4)
    token = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
