from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync(sender, **kwargs):
    from .reference import sync_reference_data

    sync_reference_data()


class NetworkConfig(AppConfig):
    name = "puente.network"
    label = "network"
    verbose_name = _("Network")

    def ready(self):
        post_migrate.connect(_sync, sender=self, dispatch_uid="network_reference_data")
