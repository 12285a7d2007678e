from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "puente.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from .matching import clear_caches

        # Regions and languages are re-synced after every migrate (and after a test flush).
        post_migrate.connect(clear_caches, dispatch_uid="cases_matching_clear_caches")
