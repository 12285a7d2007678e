"""One-time invitation links, in the manner of Django's password-reset tokens.

The token is an HMAC (with SECRET_KEY) of the invitation, the account's password hash and the
invitation's state, plus a timestamp. It stops working as soon as any of those change: once the
invitee sets a password, once the invitation is accepted or revoked, or after INVITATION_DAYS.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

INVITATION_DAYS = int(getattr(settings, "PUENTE_INVITATION_DAYS", 14))


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "puente.network.tokens.InvitationTokenGenerator"

    def _make_hash_value(self, invitation, timestamp):
        user = invitation.user
        return (
            f"{invitation.pk}|{user.pk}|{user.password}|{user.is_active}|"
            f"{invitation.accepted_at}|{invitation.revoked_at}|{timestamp}"
        )

    def check_token(self, invitation, token):
        """Like Django's, but with the invitation's own lifetime instead of PASSWORD_RESET_TIMEOUT."""
        if not (invitation and token) or token.count("-") != 1:
            return False
        ts_b36, _hash = token.split("-")
        try:
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        secrets = [self.secret, *self.secret_fallbacks]
        if not any(
            constant_time_compare(self._make_token_with_timestamp(invitation, ts, secret), token)
            for secret in secrets
        ):
            return False
        return (self._num_seconds(self._now()) - ts) <= INVITATION_DAYS * 24 * 3600


invitation_token = InvitationTokenGenerator()
