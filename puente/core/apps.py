from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "puente.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import audit, retention, sessions  # noqa: F401  (signal receivers)

        # Every model is imported by now: link audit entries to cases and people, and register
        # the retention of the models every install has.
        audit.mask_encrypted_fields()
        audit.link_registered_models()
        retention.register_defaults()
