"""`puente visas ...`: import OFLC H-2A/H-2B disclosure files and debarments, resolve employers,
print figures.

    puente visas import FILE... [--visa H-2A] [--fy 2016] [--no-resolve] [--progress]
    puente visas import-debarments FILE
    puente visas resolve
    puente visas rekey
    puente visas stats [--visa H-2A] [--fy 2016] [--format json|table]
    puente visas employers --search TEXT [--format json|table]

A refused file is one line naming it and the reason (and its rows and columns); the other files of
the command still import, and the command ends with a summary per file and, per fiscal year, the
files its figures come from. Exit status 1 when any file was refused.
"""

import getpass
import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from puente.visas import actions, stats
from puente.visas.importing import FileRefused
from puente.visas.models import ImportedFile
from puente.visas.search import search_employers


def _figure(value):
    return "not in this file" if value is None else f"{value:,}"


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
        sub.add_parser("rekey", help="Recompute every name's key and search words (after a change of the key).")
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

    def _bar(self, name, show):
        """A tqdm progress bar on stderr (a terminal, or --progress) and the callback that moves it."""
        stream = getattr(self.stderr, "_out", sys.stderr)
        if show is None:
            show = stream.isatty()
        bar = tqdm(total=None, unit=" rows", desc=name, disable=not show, file=stream, mininterval=0.5)

        def progress(n, total):
            if total is not None and bar.total != total:
                bar.total = total
                bar.refresh()
            if n:
                bar.update(n)

        return bar, progress

    def handle_import(self, options):
        label = f"cli:{getpass.getuser()}"
        results = []  # (path, summary or None, reason)
        for path in options["files"]:
            bar, progress = self._bar(path.rsplit("/", 1)[-1], options["progress"])
            try:
                summary = actions.do_import_file(
                    path, acting_user=None, visa=options["visa"], fiscal_year=options["fy"], importer_label=label,
                    progress=progress, run_resolution=False)
            except FileRefused as refusal:
                bar.close()
                results.append((path, None, refusal.problems))
                self.stderr.write(self.style.ERROR(f"Refused (nothing imported): {refusal.problems[0]}"))
                for problem in refusal.problems[1:]:
                    self.stderr.write(f"  {problem}")
                continue
            bar.close()
            results.append((path, summary, []))
            self.stdout.write(self.style.SUCCESS(self._line(summary)))
            for earlier in summary.superseded:
                self.stdout.write(f"  {earlier['file']}: {earlier['superseded_cases']:,} cases superseded by this "
                                  f"release, {earlier['kept_cases']:,} kept there (decided later)")
        imported = [s for _p, s, _r in results if s is not None]
        if imported and not options["no_resolve"]:
            actions.do_resolve(acting_user=None, stdout=self.stdout)
        if imported:
            self._warm()
        self._report(results)
        refused = [p for p, s, _r in results if s is None]
        if refused:
            raise CommandError(f"{len(refused)} of {len(results)} file(s) refused: {', '.join(refused)}")

    @staticmethod
    def _line(s):
        replaced = " (replaced an earlier import of this file)" if s.replaced else ""
        return (f"{s.file}: {s.visa} FY{s.fiscal_year}: {s.rows:,} rows, {s.cases:,} cases, "
                f"{_figure(s.certified_cases)} certified cases, positions certified {_figure(s.positions_certified)}, "
                f"positions requested {_figure(s.positions_requested)}, {s.employers:,} employers{replaced}")

    def _report(self, results):
        """Per file: imported or refused (why); per fiscal year touched: the files its figures come from."""
        self.stdout.write("Summary:")
        for path, summary, reasons in results:
            if summary is None:
                self.stdout.write(f"  REFUSED  {path}: {reasons[0] if reasons else ''}")
            else:
                self.stdout.write(f"  imported {path}: {summary.visa} FY{summary.fiscal_year}, {summary.rows:,} rows")
        years = sorted({(s.visa, s.fiscal_year) for _p, s, _r in results if s is not None})
        for visa, year in years:
            files = ImportedFile.objects.filter(visa=visa, fiscal_year=year, rows__gt=0).order_by("imported_at", "pk")
            parts = [f"{f.name} ({f.cases:,} cases)" for f in files]
            self.stdout.write(f"  {visa} FY{year} figures from: {'; '.join(parts) or 'no file'}")

    def handle_import_debarments(self, options):
        try:
            rows = actions.do_import_debarments(options["file"], acting_user=None)
        except FileRefused as refusal:
            raise CommandError("Refused (nothing imported):\n  " + "\n  ".join(refusal.problems)) from refusal
        linked = sum(1 for d in rows if d.employer_id)
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} debarments imported, {linked} linked to an employer"))
        for d in rows:
            target = (f"-> {d.employer.name} (#{d.employer_id}, certainty {d.certainty:.2f})" if d.employer_id
                      else "-> no employer")
            self.stdout.write(f"  {d.name}, {d.city} {d.state} {target}")

    def handle_resolve(self, options):
        actions.do_resolve(acting_user=None, stdout=self.stdout)
        self._warm()

    def handle_rekey(self, options):
        changed = actions.do_rekey(acting_user=None)
        self.stdout.write("rekey: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in changed.items()))

    def _warm(self):
        """The statistics page's figures for the new data, computed now rather than by a visitor."""
        start = time.monotonic()
        n = stats.warm_page_figures()
        self.stdout.write(f"statistics: figures of {n} selections computed in {time.monotonic() - start:.1f} s")

    def handle_stats(self, options):
        figures = stats.totals(options["visa"], options["fy"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, indent=2))
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key:22} {value}")

    def handle_employers(self, options):
        found = search_employers(options["search"], limit=options["limit"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(found, indent=2, default=str))
        else:
            for e in found:
                years = ", ".join(f"{y['visa']} FY{y['fy']}: {y['positions_certified']}" for y in e["years"])
                self.stdout.write(f"#{e['id']} {e['name']} ({e['state']}) {years}")
                for name in e["names"]:
                    self.stdout.write(f"    as filed: {name}")
