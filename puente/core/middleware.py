from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation


class UserLanguageMiddleware:
    """Activate the language the signed-in user chose (a Defender's default is Spanish)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "language", ""):
            return self.get_response(request)
        # override, not activate: the language must not outlive the request in this thread
        # (a later request, command or test would otherwise run in this user's language).
        with translation.override(user.language):
            request.LANGUAGE_CODE = user.language
            response = self.get_response(request)
            response.headers["Content-Language"] = user.language
        return response


class CoordinatorTwoFactorMiddleware:
    """Coordinators hold the keys to everything: they must set up TOTP before doing anything else.

    A Coordinator without an active TOTP authenticator is sent to the set-up page; the account
    pages themselves (log out, set up, recovery codes) stay reachable.
    """

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.role == "coordinator"
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not _has_totp(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
