"""Rate limits per token (per user for the browser's session, per address for anonymous calls),
counted in Django's shared cache. Rates come from settings.PUENTE_API_RATES, read on every
request so that a deployment (or a test) can change them."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import AccessToken

DEFAULT_RATES = {"token": "600/min", "user": "600/min", "anon": "120/min"}


class PuenteRateThrottle(SimpleRateThrottle):
    cache_format = "puente-api-throttle:%(scope)s:%(ident)s"

    def __init__(self):  # the rate depends on the request: parsed in allow_request
        pass

    def allow_request(self, request, view):
        if isinstance(request.auth, AccessToken):
            self.scope, ident = "token", str(request.auth.pk)
        elif request.user and request.user.is_authenticated:
            self.scope, ident = "user", str(request.user.pk)
        else:
            self.scope, ident = "anon", self.get_ident(request)
        rates = {**DEFAULT_RATES, **getattr(settings, "PUENTE_API_RATES", {})}
        self.rate = rates[self.scope]
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()
