from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "puente.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        # drf-spectacular finds the token authentication's OpenAPI description by import.
        from . import schema  # noqa: F401 - imported for its registrations (OpenAPI extensions)
