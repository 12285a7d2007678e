from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "puente.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self):
        from puente.core import providers

        from . import runner

        providers.register("core.start_job", runner.start_for_provider)
