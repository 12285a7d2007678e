"""Benchmark of the visa data import and pages.

    .venv/bin/python benchmarks/visas_import.py [--rows 1000000] [--keep]

Imports every real OFLC file ($PUENTE_DOL_DATA, default <repo>/../shared/data/dol-h2) and a
generated CSV of --rows rows in the shape of a recent H-2A file (written under /tmp) into a
temporary database: an SQLite file under /tmp, or the PostgreSQL database of $DATABASE_URL when set
(use a database of your own: its visa tables are emptied first). Reads the same CSV with DuckDB in
the same run, then times employer searches and employer pages through Django's test client.

Prints one ``name: value unit`` line per figure. Goals: visas_import_vs_duckdb_ratio >= 0.2
(the import's rows per second over DuckDB's best of three reads of the same CSV),
statistics_page_p95_ms < 300 with the generated rows in the database, employer_search_p95_ms and
employer_page_p95_ms < 100. The statistics page computes its figures once per version of the data
(an import or a merge changes it): statistics_page_first_ms is that computation, reported apart.
"""

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HEADERS = [
    "CASE_NUMBER", "DECISION_DATE", "VISA_CLASS", "CASE_RECEIVED_DATE", "CASE_STATUS", "REQUESTED_START_DATE_OF_NEED",
    "REQUESTED_END_DATE_OF_NEED", "PRIMARY/SUB", "EMPLOYER_NAME", "EMPLOYER_ADDRESS1", "EMPLOYER_ADDRESS2",
    "EMPLOYER_CITY", "EMPLOYER_STATE", "EMPLOYER_POSTAL_CODE", "EMPLOYER_COUNTRY", "EMPLOYER_PROVINCE",
    "EMPLOYER_PHONE", "EMPLOYER_PHONE_EXT", "LAWFIRM_NAME", "AGENT_ATTORNEY_NAME", "AGENT_ATTORNEY_CITY",
    "AGENT_ATTORNEY_STATE", "JOB_TITLE", "SOC_CODE", "SOC_TITLE", "PRIMARY_CROP", "NAIC_CODE",
    "NBR_WORKERS_REQUESTED", "NBR_WORKERS_CERTIFIED", "FULL_TIME_POSITION", "NATURE_OF_TEMPORARY_NEED",
    "BASIC_NUMBER_OF_HOURS", "HOURLY_WORK_SCHEDULE_AM", "HOURLY_WORK_SCHEDULE_PM", "BASIC_RATE_OF_PAY",
    "BASIC_UNIT_OF_PAY", "OVERTIME_RATE_FROM", "OVERTIME_RATE_TO", "SUPERVISE_OTHER_EMP", "SUPERVISE_HOW_MANY",
    "EDUCATION_LEVEL", "OTHER_EDU", "MAJOR", "SECOND_DIPLOMA", "SECOND_DIPLOMA_MAJOR", "TRAINING_REQ",
    "NUM_MONTHS_TRAINING", "NAME_REQD_TRAINING", "EMP_EXPERIENCE_REQD", "EMP_EXP_NUM_MONTHS", "WORKSITE_CITY",
    "WORKSITE_STATE", "WORKSITE_POSTAL_CODE", "OTHER_WORKSITE_LOCATION", "ORGANIZATION_FLAG", "SWA_NAME",
    "JOB_IDNUMBER", "JOB_START_DATE", "JOB_END_DATE",
]
STATES = ["NC", "GA", "FL", "WA", "CA", "LA", "KY", "NY", "MI", "TX", "ID", "VA", "AZ", "TN", "SC"]
WORDS = ["SUNNY", "VALLEY", "RIVER", "OAK", "PINE", "GREEN", "HILL", "CREEK", "BLUE", "RIDGE", "MAPLE", "CEDAR",
         "GOLDEN", "FIELD", "ORCHARD", "BROOK", "STONE", "EAGLE", "LAKE", "MEADOW"]
KINDS = ["FARMS, LLC", "FARM INC.", "ORCHARDS", "NURSERY, INC.", "PRODUCE CO.", "RANCH", "TOBACCO FARM", "DAIRY LLC"]
STATUSES = ["DETERMINATION ISSUED - CERTIFICATION"] * 8 + [
    "DETERMINATION ISSUED - CERTIFICATION EXPIRED", "DETERMINATION ISSUED - WITHDRAWN",
    "DETERMINATION ISSUED - DENIED", "DETERMINATION ISSUED - PARTIAL CERTIFICATION"]


def generate(path: Path, rows: int, seed=2026):
    """A CSV of ``rows`` rows shaped like the FY2016 H-2A disclosure file (masters with members,
    about 50,000 distinct employers)."""
    rnd = random.Random(seed)
    employers = [(f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {rnd.choice(KINDS)}", f"TOWN {i % 900}", rnd.choice(STATES))
                 for i in range(50_000)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        n = case = 0
        while n < rows:
            case += 1
            members = rnd.choice([0] * 8 + [2, 3, 5])
            group = 1 + members if members else 1
            total = rnd.randint(1, 60)
            for i in range(group):
                if n >= rows:
                    break
                name, city, state = rnd.choice(employers)
                master = i == 0
                workers = total if master else max(1, total // members)
                status = rnd.choice(STATUSES)
                row = [""] * len(HEADERS)
                row[0] = f"H-300-{case // 100000:05d}-{case:06d}"
                row[1] = "2016-0%d-15 10:30:00" % rnd.randint(1, 9)
                row[2] = "H-2A"
                row[4] = status
                row[5], row[6] = "2016-03-15", "2016-11-15"
                row[7] = "PRI" if master else "SUB"
                row[8], row[11], row[12] = name, city, state
                row[9] = f"{rnd.randint(1, 9999)} COUNTY ROAD {rnd.randint(1, 99)}"
                row[13] = f"{rnd.randint(10000, 99999)}"
                row[14] = "UNITED STATES OF AMERICA"
                row[18] = "" if rnd.random() < .5 else f"{rnd.choice(WORDS)} AGRICULTURAL SERVICES"
                row[22] = "Farmworker"
                row[23], row[24] = "45-2092", "Farmworkers and Laborers, Crop, Nursery, and"
                row[27] = f"{workers}.0"
                row[28] = f"{workers if 'CERTIFICATION' in status and 'PARTIAL' not in status else workers // 2}.0"
                row[34], row[35] = f"{rnd.choice([10.59, 11.27, 11.66, 12.02])}", "Hour"
                row[50], row[51] = city, state
                kind = "Association - Joint Employer (H-2A Only)" if members else "Individual Employer"
                row[54] = kind if master else ""
                writer.writerow(row)
                n += 1
    return path


def p95(samples):
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and the generated CSV")
    args = parser.parse_args()

    db_file = None
    if not os.environ.get("DATABASE_URL"):
        db_file = Path(tempfile.gettempdir()) / f"puente-visas-bench-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")
    os.environ.setdefault("PUENTE_DATA_DIR", tempfile.mkdtemp(prefix="puente-visas-bench-"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from puente.visas import actions
    from puente.visas.models import (
        Agent, AgentName, Debarment, Employer, EmployerMerge, EmployerName, ImportedFile, MergeReview, VisaCase,
    )

    from django.apps import apps
    from django.db import connection

    if connection.vendor == "postgresql":
        # One statement: deleting tens of thousands of audited employers one by one (each with its
        # audit entry) took longer than the benchmark itself.
        models = apps.get_app_config("visas").get_models()
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} CASCADE")  # noqa: S608 (the models' table names, quoted)
    for model in (MergeReview, EmployerMerge, Debarment, VisaCase, EmployerName, AgentName, ImportedFile, Employer,
                  Agent):
        model.objects.all().delete()

    data = Path(os.environ.get("PUENTE_DOL_DATA", REPO.parent / "shared" / "data" / "dol-h2"))
    files = sorted(p for p in data.glob("*")
                   if p.suffix.lower() in (".csv", ".xlsx", ".xls") and "debar" not in p.name.lower())
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}", file=sys.stderr)
    start = time.perf_counter()
    real_rows = 0
    for path in files:
        s = actions.do_import_file(path, acting_user=None, run_resolution=False)
        real_rows += s.rows
        print(f"  {s.file}: {s.visa} FY{s.fiscal_year}: rows {s.rows}, cases {s.cases}, certified cases "
              f"{s.certified_cases}, positions requested {s.positions_requested}, positions certified "
              f"{s.positions_certified}, employers {s.employers}", file=sys.stderr)
    real_seconds = time.perf_counter() - start
    if files:
        print(f"visas_import_real_files_rows: {real_rows} rows")
        print(f"visas_import_real_files_s: {real_seconds:.1f} s")
        print(f"visas_import_real_files_rows_per_s: {real_rows / real_seconds:.0f} rows/s")
        start = time.perf_counter()
        result = actions.do_resolve(acting_user=None)
        print(f"visas_resolve_s: {time.perf_counter() - start:.1f} s")
        print(f"visas_resolve_employers: {result['employers']} compared, {result['merged']} merged, "
              f"{result['review']} to review")
        agents = result["agents"]
        print(f"visas_resolve_agents: {agents['agents']} compared, {agents['merged']} merged, "
              f"{agents['review']} to review")
        debarments = data / "debarments_2010_2014.csv"
        if debarments.exists():
            actions.do_import_debarments(debarments, acting_user=None)

    generated = Path(tempfile.gettempdir()) / f"puente-visas-bench-H-2A_FY2016-{args.rows}.csv"
    if not generated.exists():
        generate(generated, args.rows)

    import duckdb

    # DuckDB's raw read rate: the best of three reads (its time varies by a factor of two from run
    # to run on this machine; the best is the strictest yardstick for the import).
    duck_seconds = float("inf")
    for _ in range(3):
        con = duckdb.connect()
        start = time.perf_counter()
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(generated)])
        duck_seconds = min(duck_seconds, time.perf_counter() - start)
        duck_rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
        con.close()

    start = time.perf_counter()
    summary = actions.do_import_file(generated, acting_user=None, run_resolution=False)
    seconds = time.perf_counter() - start
    rate, duck_rate = summary.rows / seconds, duck_rows / duck_seconds
    print(f"visas_import_rows: {summary.rows} rows")
    print(f"visas_import_s: {seconds:.1f} s")
    print(f"visas_import_rows_per_s: {rate:.0f} rows/s")
    print(f"duckdb_read_rows_per_s: {duck_rate:.0f} rows/s")
    print(f"visas_import_vs_duckdb_ratio: {rate / duck_rate:.3f} ratio")

    rnd = random.Random(7)
    client = Client()
    names = list(EmployerName.objects.order_by("?").values_list("name", flat=True)[:200])
    queries = [" ".join(n.split()[:2]) for n in names[:100]]
    # A few requests first, not counted: the timings are of the pages in use, not of the first
    # reads from disk after a million rows were written (those are reported separately).
    first = []
    for q in names[100:105]:
        t = time.perf_counter()
        client.get(reverse("visas:search"), {"q": " ".join(q.split()[:2])})
        first.append((time.perf_counter() - t) * 1000)
    print(f"employer_search_first_ms: {first[0]:.1f} ms")
    timings = []
    for q in queries:
        t = time.perf_counter()
        response = client.get(reverse("visas:search"), {"q": q})
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    print(f"employer_search_p95_ms: {p95(timings):.1f} ms")
    ids = list(Employer.objects.filter(merged_into__isnull=True).order_by("?").values_list("pk", flat=True)[:80])
    # Include the employers with the most rows: the heaviest pages.
    from django.db.models import Count

    ids += list(Employer.objects.filter(merged_into__isnull=True).annotate(n=Count("visa_cases"))
                .order_by("-n").values_list("pk", flat=True)[:20])
    rnd.shuffle(ids)
    timings = []
    for pk in ids:
        t = time.perf_counter()
        response = client.get(reverse("visas:employer", args=[pk]))
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    print(f"employer_page_p95_ms: {p95(timings):.1f} ms")

    # The statistics page with every row in the database. The import command computes the figures
    # of every selection the page links to once the files are in (timed here); a selection it does
    # not link to is computed by its first request (the H-2B one here, after the warm-up is cleared).
    from django.core.cache import cache

    from puente.visas import stats

    start = time.perf_counter()
    n = stats.warm_page_figures()
    print(f"statistics_figures_computed_s: {time.perf_counter() - start:.1f} s ({n} selections)")
    selections = [{}, {"visa": "H-2A"}, {"fy": "2016"}, {"visa": "H-2A", "fy": "2016"}, {"visa": "H-2B"}]
    cache.delete(f"visas:stats:{stats.data_version()}:H-2B:")
    for selection in selections:
        t = time.perf_counter()
        response = client.get(reverse("visas:stats"), selection)
        print(f"statistics_page_first_ms {selection or 'all'}: {(time.perf_counter() - t) * 1000:.0f} ms")
        assert response.status_code == 200
    timings = []
    for i in range(100):
        t = time.perf_counter()
        response = client.get(reverse("visas:stats"), selections[i % len(selections)])
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    print(f"statistics_page_p95_ms: {p95(timings):.1f} ms")
    print(f"visas_rows_in_database: {VisaCase.objects.count()} rows")

    if not args.keep:
        if db_file and db_file.exists():
            db_file.unlink()
        generated.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
