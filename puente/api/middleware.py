from django.utils import translation

from puente.core.sessions import client_ip

from .models import TokenUse


class ApiTokenMiddleware:
    """For requests under /api/: log every use of a token (with the response's status), and
    answer in the token user's language (the token is read inside the view, after
    UserLanguageMiddleware has run, so the language is switched there and restored here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        language = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            translation.activate(language)
        token = getattr(request, "puente_token", None)
        if token is not None:
            TokenUse.objects.create(
                token=token,
                method=request.method[:10],
                path=request.path[:300],
                status=response.status_code,
                ip=client_ip(request),
            )
            user_language = getattr(token.user, "language", "")
            if user_language:
                response.headers["Content-Language"] = user_language
        return response
