"""Token authentication (``Authorization: Bearer pnt_...``) for partners and field apps; the
browser's own calls use the session, with CSRF (DRF's SessionAuthentication)."""

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from puente.core.roles import Role
from puente.core.sessions import client_ip

from .models import AccessToken, TokenUse
from .tokens import PREFIX, hash_token


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be 'Bearer' and one token."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        if not raw.startswith(PREFIX):
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        token = AccessToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        refusal = None
        if token.revoked_at is not None:
            refusal = _("This token was revoked.")
        elif token.is_expired:
            refusal = _("This token has expired.")
        elif not token.user.is_active:
            refusal = _("This account is deactivated.")
        elif token.user.role == Role.COORDINATOR and not _has_totp(token.user):
            refusal = _("Set up your second factor before using the API.")
        ip = client_ip(request._request)
        if refusal is not None:
            # Refused uses are logged too: a revoked token still in use somewhere is worth seeing.
            TokenUse.objects.create(token=token, method=request.method[:10], path=request.path[:300], status=401, ip=ip)
            raise exceptions.AuthenticationFailed(refusal)
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now(), last_used_ip=ip)
        # The middleware logs the use with the response's status and applies the user's language.
        request._request.puente_token = token
        request._request.puente_token_user = token.user
        if token.user.language:
            translation.activate(token.user.language)  # restored by ApiTokenMiddleware
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
