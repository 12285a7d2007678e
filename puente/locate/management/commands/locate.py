"""`puente locate ...`: search, link and import lists of people from the command line.

    puente locate search --batch QUERIES.csv --limit 5 --out RESULTS.csv
    puente locate link LEFT.csv RIGHT.csv --out PAIRS.csv [--threshold 0.5]
    puente locate import FILE.csv [--as EMAIL] [--no-link]
    puente locate reindex

QUERIES.csv has a header with any of: query_id (or id), name, given_names, surname_1,
surname_2, sex, birth_date, country, admin1 (or region), municipality, phone. RESULTS.csv has
query_id, rank, person_id, score, label, reasons. The batch search runs as a Coordinator would
(consenting people only) unless --all is given, which is logged like any other read.
"""

import csv
import time
from datetime import timedelta

from auditlog.context import set_actor
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from puente.core.action_contract import ActionRefused
from puente.locate.actions import do_import_people
from puente.locate.importing import ImportErrors, read_table, validate
from puente.locate.keys import apply_keys, set_secret
from puente.locate.linkage import link_frames, read_people_csv, write_pairs
from puente.locate.models import Person, PersonChange
from puente.locate.search import Query, get_index, reset_index
from puente.network.api import User

from puente.core import tabular


class Command(BaseCommand):
    help = "Search, link and import lists of people (see puente/locate/management/commands/locate.py)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("search", help="Run many searches against the registry.")
        s.add_argument("--batch", required=True)
        s.add_argument("--limit", type=int, default=5)
        s.add_argument("--out", required=True)
        s.add_argument("--all", action="store_true", help="Include people who have not consented to be searched for.")
        lk = sub.add_parser("link", help="Link two files of people (no database).")
        lk.add_argument("left")
        lk.add_argument("right")
        lk.add_argument("--out", required=True)
        lk.add_argument("--threshold", type=float, default=0.5)
        lk.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                        help="duckdb (this machine) or spark (PySpark: local, or PUENTE_SPARK_MASTER; docs/scale.md).")
        im = sub.add_parser("import", help="Load a file of people into the registry (all rows or none).")
        im.add_argument("file")
        im.add_argument("--as", dest="as_user", default="", help="Email of the Coordinator doing the import.")
        im.add_argument("--no-link", action="store_true", help="Do not link rows to people already in the registry.")
        im.add_argument("--basis", default="", choices=["", "court_order", "partner_referral"],
                        help="Why the people on this list may be searched for (without it: only if they consented).")
        im.add_argument("--basis-note", default="", help="The court order (court, docket) or the referring partner.")
        sub.add_parser("reindex", help="Recompute every person's search keys.")
        pr = sub.add_parser("prune-changes", help="Drop change-log rows older than --keep-days (daily, from cron).")
        pr.add_argument("--keep-days", type=int, default=2)

    def handle(self, *args, **o):
        getattr(self, "_" + o["action"].replace("-", "_"))(o)

    def _search(self, o):

        index = get_index()
        try:
            fh = open(o["batch"], newline="", encoding="utf-8-sig")
        except OSError as e:
            raise CommandError(f"{o['batch']}: {e}") from e
        with fh, open(o["out"], "w", newline="", encoding="utf-8") as out:
            reader = csv.DictReader(fh)
            w = tabular.writer(out)
            w.writerow(["query_id", "rank", "person_id", "score", "label", "reasons"])
            n = 0
            for line, row in enumerate(reader, start=2):
                row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                q = Query(
                    name=row.get("name", ""),
                    given_names=row.get("given_names", ""),
                    surname_1=row.get("surname_1", ""),
                    surname_2=row.get("surname_2", ""),
                    birth_date=row.get("birth_date", ""),
                    sex=row.get("sex", ""),
                    country=row.get("country", ""),
                    region=row.get("admin1", "") or row.get("region", ""),
                    municipality=row.get("municipality", ""),
                    phone=row.get("phone", ""),
                )
                qid = row.get("query_id") or row.get("id") or str(line - 1)
                if not q.has_name():
                    self.stderr.write(f"{o['batch']} row {line}: no name; skipped (a search needs a name)")
                    continue
                for rank, m in enumerate(index.search(q, limit=o["limit"], include_nonconsenting=o["all"]), 1):
                    w.writerow([qid, rank, m.person_id, f"{m.score:.4f}", m.label, "; ".join(m.reasons)])
                n += 1
        self.stdout.write(f"{n} searches written to {o['out']}")

    def _link(self, o):

        t = time.monotonic()
        try:
            left, right = read_people_csv(o["left"]), read_people_csv(o["right"])
        except (OSError, ValueError) as e:
            raise CommandError(str(e)) from e
        if o["engine"] == "spark":
            from puente.locate.linkage_spark import link_frames_spark

            pairs = link_frames_spark(left, right, threshold=o["threshold"])
        else:
            pairs = link_frames(left, right, threshold=o["threshold"])
        write_pairs(pairs, o["out"])
        self.stdout.write(f"{len(pairs)} pairs written to {o['out']} in {time.monotonic() - t:.1f} s")

    def _import(self, o):

        user = (
            User.objects.filter(email=o["as_user"]).first()
            if o["as_user"]
            else User.objects.filter(role="coordinator", is_active=True).order_by("pk").first()
        )
        if user is None or not user.is_coordinator:
            raise CommandError("No Coordinator to import as: pass --as EMAIL of a Coordinator.")
        try:
            with open(o["file"], "rb") as fh:
                headers, rows = read_table(fh, o["file"])
            mapping = {
                c: c
                for c in (
                    "given_names",
                    "surname_1",
                    "surname_2",
                    "sex",
                    "birth_date",
                    "country",
                    "admin1",
                    "municipality",
                    "phone",
                )
                if c in headers
            }
            clean = validate(headers, rows, mapping, o["file"])
        except ImportErrors as e:
            for err in e.errors:
                self.stderr.write(err)
            raise CommandError(f"{len(e.errors)} error(s): nothing imported.") from e
        except OSError as e:
            raise CommandError(str(e)) from e
        if o["basis"] and not o["basis_note"].strip():
            raise CommandError("--basis needs --basis-note naming the court order or the partner.")
        try:
            with set_actor(user), transaction.atomic():
                batch = do_import_people(
                    [c.fields for c in clean], acting_user=user, filename=o["file"], link=not o["no_link"],
                    search_basis=o["basis"], search_basis_note=o["basis_note"],
                )
        except ActionRefused as e:
            raise CommandError(e.text) from e
        self.stdout.write(
            f"{batch.created} people imported (batch {batch.pk}); {batch.linked} linked to known "
            f"people, {batch.duplicates_in_list} duplicates in the list, "
            f"{batch.reviews.count()} links to review."
        )

    def _prune_changes(self, o):

        # A server process behind the pruned rows rebuilds its index at its next search.
        n, _ = PersonChange.objects.filter(at__lt=timezone.now() - timedelta(days=o["keep_days"])).delete()
        self.stdout.write(f"{n} change-log rows pruned")

    def _reindex(self, o):

        set_secret(None)
        n = 0
        with transaction.atomic():
            for person in Person.objects.select_for_update().iterator(chunk_size=1000):
                apply_keys(person)
                Person.objects.filter(pk=person.pk).update(
                    search_keys=person.search_keys,
                    birth_year=person.birth_year,
                    birth_keys=person.birth_keys,
                    phone_keys=person.phone_keys,
                    place_key=person.place_key,
                )
                n += 1
        reset_index()
        self.stdout.write(f"{n} people reindexed")
