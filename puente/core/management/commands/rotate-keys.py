"""`puente rotate-keys`: re-encrypt every encrypted field and private file with the newest key."""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError

from puente.core import keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field of every model and every file in private storage with "
        "the newest key (the first in PUENTE_DATA_KEYS). Resumable: what is already under the "
        "newest key is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        try:
            report = keys.rotate_all(batch_size=options["batch_size"], stdout=self.stdout)
        except InvalidToken as exc:
            raise CommandError(
                "A value or file could not be decrypted with any configured key: is an old key "
                "missing from PUENTE_DATA_KEYS?"
            ) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Re-encrypted {report.values} values and {report.files} files; "
            f"{report.skipped} already under the newest key."
        ))
