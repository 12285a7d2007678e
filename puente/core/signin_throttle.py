"""Sign-in throttling: per account and per address combined, counted in a shared cache.

allauth counts failed sign-ins per address and per account, both in one rate: five wrong
passwords for one account from an office's address lock every colleague behind that address out
(and TOTP codes counted against the same limit). Puente counts three ways instead (settings
``ACCOUNT_RATE_LIMITS``), and a sign-in is refused when any one is exhausted:

- ``login_failed_pair``: one account from one address (5 per 5 minutes): a person's typos lock
  only that person, only there;
- ``login_failed_account``: one account from anywhere (20 per hour): guessing one password from
  many addresses is slowed;
- ``login_failed_address``: one address, any account (30 per 15 minutes): password spraying
  (a few passwords tried on many accounts) from one address is slowed, while an office of
  colleagues making the odd typo stays far below it.

A successful sign-in takes its own attempt back (allauth's rule), so that an attacker cannot
reset the counters by signing in to an account of their own between guesses. TOTP codes count
per account only (``login_failed``, keyed by the account, which allauth's MFA uses). The counts
live in Django's cache, the database cache by default (``settings.CACHES``), shared by every
server process and kept across restarts.
"""

from __future__ import annotations

from typing import Any

# allauth has no public API that returns a rollback-able usage for a custom action; its internal
# module is the one place this is implemented (allauth.account.adapter uses it the same way).
from allauth.core.internal import ratelimit

ACTIONS = ("login_failed_pair", "login_failed_account", "login_failed_address")


class ThrottledLoginMixin:
    """For the account adapter (``puente.network.auth.InviteOnlyAccountAdapter``)."""

    def pre_authenticate(self, request, **credentials: Any) -> None:
        account = self._get_login_attempts_cache_key(request, **credentials)  # type: ignore[attr-defined]  # allauth's form method, not in its hints
        address = ratelimit.get_ip(request)
        keys = {
            "login_failed_pair": f"{address}|{account}",
            "login_failed_account": account,
            "login_failed_address": address,
        }
        usages: list[ratelimit.RateLimitUsage] = []
        for action in ACTIONS:
            usage = ratelimit.consume(request, app="allauth.account", action=action, key=keys[action])
            if not usage:
                for taken in usages:
                    taken.rollback()
                raise self.validation_error("too_many_login_attempts")  # type: ignore[attr-defined]  # allauth's form method, not in its hints
            usages.append(usage)
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(usage=[u for x in usages for u in x.usage])
