"""Protection of the public forms without any third-party service and without JavaScript.

- A challenge: a small sum whose answer travels signed (and time-stamped) by the server in a
  hidden field; a token answers once, and only for a couple of hours.
- A honeypot field people do not see (``website``): anything in it is a robot.
- A rate limit per source that stores no address: the cache key is a keyed HMAC of the address,
  and it expires with the window.
"""

import secrets

from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

SALT = "puente.voice.challenge"
MAX_AGE = 2 * 60 * 60
RATE_WINDOW = 10 * 60
RATE_LIMIT = 5
#: job checks from one source in the window (each check runs several searches).
CHECK_LIMIT = 30


def new_challenge() -> tuple[str, str]:
    """(question, signed token) for a sum of two small numbers."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"s": a + b, "n": secrets.token_hex(8)}, salt=SALT)
    return f"{a} + {b}", token


def check_challenge(token: str, answer: str) -> bool:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    if str(answer).strip() != str(data.get("s")):
        return False
    # A token answers once: its nonce is remembered (not the address) until it would expire.
    return bool(cache.add(f"voice:nonce:{data.get('n')}", 1, MAX_AGE))


def source_key(address: str) -> str:
    return "voice:rate:" + salted_hmac("puente.voice.rate", address or "-").hexdigest()


def over_limit(address: str, limit: int = RATE_LIMIT) -> bool:
    """Count one use from ``address`` in the window; True once it has gone over the limit."""
    key = source_key(address)
    cache.add(key, 0, RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW)
        count = 1
    return count > limit
