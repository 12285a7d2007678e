"""`puente generate-key`: print a new data-encryption (or backup) key."""

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new Fernet key. Put it first in PUENTE_DATA_KEYS, then run `puente rotate-keys`."

    def handle(self, *args, **options):
        self.stdout.write(Fernet.generate_key().decode())
