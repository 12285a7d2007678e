"""Tokens and clients for the API tests."""

from rest_framework.test import APIClient

from puente.api.actions import do_create_token
from puente.api.models import Access, Area

ALL_WRITE = {area: Access.WRITE for area in Area.values}
ALL_READ = {area: Access.READ for area in Area.values}


def make_token(user, scopes=None, days=30, name="test"):
    """A real token made by the real action (Coordinators give a real TOTP code)."""
    code = ""
    if user.role == "coordinator":
        code = current_totp(user)
    _token, secret = do_create_token(
        acting_user=user, name=name, scopes=scopes or ALL_WRITE, expires_in_days=days, totp_code=code
    )
    return _token, secret


def current_totp(user):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def token_client(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client
