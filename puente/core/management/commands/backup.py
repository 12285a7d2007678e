"""`puente backup OUT`: an encrypted, consistent backup of the database and the private files."""

from django.core.management.base import BaseCommand, CommandError

from puente.core.backup import BackupError, load_backup_key, write_backup


class Command(BaseCommand):
    help = "Write an encrypted backup (database and files) to OUT. Key: PUENTE_BACKUP_KEY or --key-file."

    def add_arguments(self, parser):
        parser.add_argument("out")
        parser.add_argument("--key-file", help="File holding the backup key (first non-comment line).")

    def handle(self, *args, **options):
        try:
            stats = write_backup(options["out"], load_backup_key(options["key_file"]))
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {options['out']}: {stats['objects']} records of {stats['models']} kinds, "
                f"{stats['files']} files."
            )
        )
