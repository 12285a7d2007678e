"""`puente visas ...`: import OFLC H-2A/H-2B disclosure files and debarments, resolve employers,
print figures.

    puente visas import FILE... [--visa H-2A] [--fy 2016] [--no-resolve]
    puente visas import-debarments FILE
    puente visas resolve
    puente visas stats [--visa H-2A] [--fy 2016] [--format json|table]
    puente visas employers --search TEXT [--format json|table]
"""

import getpass
import json

from django.core.management.base import BaseCommand, CommandError

from puente.visas import actions, stats
from puente.visas.importer import FileRefused


class Command(BaseCommand):
    help = "H-2A/H-2B disclosure data: import, import-debarments, resolve, stats, employers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import disclosure files (CSV, XLSX, XLS).")
        imp.add_argument("files", nargs="+")
        imp.add_argument("--visa", choices=["H-2A", "H-2B"], help="Visa, when the file does not say.")
        imp.add_argument("--fy", type=int, help="Fiscal year, when the file does not say.")
        imp.add_argument("--no-resolve", action="store_true", help="Skip employer resolution after import.")
        imp.add_argument("--progress", action="store_true", default=None, help="Force the progress bar.")
        deb = sub.add_parser("import-debarments", help="Import a list of debarments (CSV).")
        deb.add_argument("file")
        sub.add_parser("resolve", help="Resolve employers across rows and years (Splink).")
        st = sub.add_parser("stats", help="Figures for a visa and fiscal year.")
        st.add_argument("--visa", choices=["H-2A", "H-2B"])
        st.add_argument("--fy", type=int)
        st.add_argument("--format", choices=["json", "table"], default="table")
        emp = sub.add_parser("employers", help="Employers matching a text.")
        emp.add_argument("--search", required=True)
        emp.add_argument("--limit", type=int, default=50)
        emp.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options):
        getattr(self, "handle_" + options["action"].replace("-", "_"))(options)

    def handle_import(self, options):
        label = f"cli:{getpass.getuser()}"
        refused = 0
        imported_any = False
        for path in options["files"]:
            try:
                summary = actions.do_import_file(
                    path, visa=options["visa"], fiscal_year=options["fy"], importer_label=label,
                    progress=options["progress"], stderr=self.stderr._out, run_resolution=False)
            except FileRefused as refusal:
                refused += 1
                self.stderr.write(self.style.ERROR(f"Refused {path} (nothing imported):"))
                for problem in refusal.problems:
                    self.stderr.write(f"  {problem}")
                continue
            imported_any = True
            s = summary
            replaced = " (replaced an earlier import of this file)" if s.replaced else ""
            self.stdout.write(self.style.SUCCESS(
                f"{s.file}: {s.visa} FY{s.fiscal_year}: {s.rows} rows, {s.cases} cases, "
                f"{s.certified_cases} certified cases, {s.positions_certified} positions certified, "
                f"{s.employers} employers{replaced}"))
        if imported_any and not options["no_resolve"]:
            actions.do_resolve(stdout=self.stdout)
        if refused:
            raise CommandError(f"{refused} file(s) refused")

    def handle_import_debarments(self, options):
        try:
            rows = actions.do_import_debarments(options["file"])
        except FileRefused as refusal:
            raise CommandError("Refused (nothing imported):\n  " + "\n  ".join(refusal.problems))
        linked = sum(1 for d in rows if d.employer_id)
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} debarments imported, {linked} linked to an employer"))
        for d in rows:
            target = f"-> {d.employer.name} (#{d.employer_id}, certainty {d.certainty:.2f})" if d.employer_id else "-> no employer"
            self.stdout.write(f"  {d.name}, {d.city} {d.state} {target}")

    def handle_resolve(self, options):
        actions.do_resolve(stdout=self.stdout)

    def handle_stats(self, options):
        figures = stats.totals(options["visa"], options["fy"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, indent=2))
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key:22} {value}")

    def handle_employers(self, options):
        from puente.visas.search import search_employers

        found = search_employers(options["search"], limit=options["limit"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(found, indent=2, default=str))
        else:
            for e in found:
                years = ", ".join(f"{y['visa']} FY{y['fy']}: {y['positions_certified']}" for y in e["years"])
                self.stdout.write(f"#{e['id']} {e['name']} ({e['state']}) {years}")
                for name in e["names"]:
                    self.stdout.write(f"    as filed: {name}")
