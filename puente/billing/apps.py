from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from puente.core import providers


class BillingConfig(AppConfig):
    name = "puente.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from . import api  # models are loaded only once the registry is ready

        providers.register("cases.reporting_blockers", api.reporting_blockers)
        providers.register("abuse.convert_money", api.convert_money)
        providers.register("cases.default_fee_terms", api.default_fee_terms)
