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
        # Not reindexed here: locate's search hashes are keyed from the *oldest* data key, which
        # is still configured (it had to be, to decrypt), so they are unchanged by this command
        # and a reindex now would recompute the same values. They change when that key is
        # dropped; the reindex belongs after that (docs/security.md, "Keys and rotation").
        self.stdout.write(
            "Next: stop the service, remove the old key from the configuration, run "
            "`puente locate reindex` (the search hashes are keyed from the oldest key), then "
            "start the service."
        )
