from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "puente.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from puente.core import providers

        from . import actions, api
        from .matching_aggregates import clear_caches

        # Regions and languages are re-synced after every migrate (and after a test flush).
        post_migrate.connect(clear_caches, dispatch_uid="cases_matching_clear_caches")

        # What the apps below cases ask of it (puente/core/providers.py).
        providers.register("locate.client_moved", actions.do_move_client)
        providers.register("locate.person_in_use", api.person_in_use)
        providers.register("core.set_legal_hold", actions.set_legal_hold)
        providers.register("core.find_case", api.find_case)
        providers.register("visas.cases_naming_employer", api.cases_naming_employer)
