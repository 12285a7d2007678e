from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LocateConfig(AppConfig):
    name = "puente.locate"
    label = "locate"
    verbose_name = _("Locate")
