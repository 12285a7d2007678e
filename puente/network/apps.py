from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "puente.network"
    label = "network"
    verbose_name = _("Network")

    def ready(self):
        # Imported here, not at the top: Django loads apps.py before any model exists, and
        # ready() runs once they all do (the one place Django means for this).
        from . import reference

        post_migrate.connect(reference.sync_after_migrate, sender=self, dispatch_uid="network_reference_data")
