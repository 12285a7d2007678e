"""`puente network import FILE...` and `puente network export --format csv|xlsx`."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from puente.core.roles import Role
from puente.network import actions, directory_io
from puente.network.models import User


class Command(BaseCommand):
    help = "Import or export the directory of Defenders and Advocates (CSV or XLSX)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import Defenders and Advocates; nothing is written if any row is wrong.")
        imp.add_argument("files", nargs="+", help=".csv or .xlsx files")
        imp.add_argument("--as", dest="actor", help="Coordinator email recorded in the audit history "
                                                   "(default: the first active Coordinator)")
        exp = sub.add_parser("export", help="Export the directory.")
        exp.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
        exp.add_argument("--kind", choices=["defenders", "advocates"], default="defenders",
                         help="for CSV: which list (XLSX holds both)")
        exp.add_argument("-o", "--output", help="file to write (default: standard output for CSV, "
                                               "puente-directory.xlsx for XLSX)")

    def handle(self, *args, **options):
        if options["action"] == "import":
            return self._import(options)
        return self._export(options)

    def _actor(self, email):
        qs = User.objects.filter(role=Role.COORDINATOR, is_active=True)
        actor = qs.filter(email__iexact=email).first() if email else qs.order_by("pk").first()
        if actor is None:
            raise CommandError("No active Coordinator to record as the author of the import (use --as EMAIL).")
        return actor

    def _import(self, options):
        actor = self._actor(options["actor"])
        sheets, errors = [], []
        for name in options["files"]:
            path = Path(name)
            if not path.exists():
                errors.append(f"{name}: no such file")
                continue
            try:
                sheets += directory_io.read_file(path.name, path.read_bytes())
            except directory_io.ImportFailed as exc:
                errors += exc.errors
        if not errors:
            try:
                result = actions.do_import_directory(sheets, acting_user=actor)
            except directory_io.ImportFailed as exc:
                errors = exc.errors
        if errors:
            for line in errors:
                self.stderr.write(line)
            raise CommandError(f"{len(errors)} error(s); nothing was imported.")
        self.stdout.write(self.style.SUCCESS(
            f"Imported: {result.created['defenders']} Defenders created, {result.updated['defenders']} updated; "
            f"{result.created['advocates']} Advocates created, {result.updated['advocates']} updated."))

    def _export(self, options):
        if options["format"] == "csv":
            data = directory_io.export_csv(options["kind"])
            if not options["output"] or options["output"] == "-":
                sys.stdout.buffer.write(data) if self.stdout._out is sys.stdout else self.stdout.write(
                    data.decode("utf-8")
                )
                return
        else:
            data = directory_io.export_xlsx()
        output = options["output"] or "puente-directory.xlsx"
        Path(output).write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
