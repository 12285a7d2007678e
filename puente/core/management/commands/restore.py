"""`puente restore IN`: bring a backup back on an empty install (migrate first)."""

from django.core.management.base import BaseCommand, CommandError

from puente.core.backup import BackupError, load_backup_key, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `puente backup` into an empty, migrated database. --force replaces a non-empty one."
    )

    def add_arguments(self, parser):
        parser.add_argument("input")
        parser.add_argument("--key-file", help="File holding the backup key (first non-comment line).")
        parser.add_argument("--force", action="store_true", help="Replace the data of a database that is not empty.")
        parser.add_argument(
            "--allow-unbound", action="store_true",
            help="Accept a backup of the first format, whose chunks are not bound to their backup (check its origin).",
        )

    def handle(self, *args, **options):
        try:
            stats = restore_backup(
                options["input"], load_backup_key(options["key_file"]), force=options["force"],
                allow_unbound=options["allow_unbound"],
            )
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {stats['objects']} records and {stats['files']} files."))
