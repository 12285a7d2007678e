"""The import engine: DuckDB reads a clean UTF-8 CSV, Python reads the rest, and both must give the
same rows; the counting rule in SQL must agree with ``assign_roles`` (its plain-Python statement);
row numbers in refusals must point at the right row whatever the reader."""

import csv
import random
from pathlib import Path

import duckdb
import pytest

from puente.core.action_contract import ActionRefused
from django.db import connection

from puente.visas import actions
from puente.visas.importing import FileRefused, counting, reading, writing
from tests.factories import make_coordinator
from puente.visas import normalise
from puente.visas.models import CERTIFIED_STATUSES, Role, VisaCase

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ["CASE_NUMBER", "CASE_STATUS", "DECISION_DATE", "EMPLOYER_NAME", "EMPLOYER_CITY", "EMPLOYER_STATE",
          "NBR_WORKERS_REQUESTED", "NBR_WORKERS_CERTIFIED", "BASIC_RATE_OF_PAY", "ORGANIZATION_FLAG"]
ROW_FIELDS = ["case_number", "row_number", "status", "status_raw", "decision_date", "employer_name_filed",
              "employer_city", "employer_state", "workers_requested", "workers_certified", "wage_offered",
              "wage_unit", "period_start", "org_flag", "role", "counted", "agent_name_filed"]


def load(path, **kw):
    return actions.do_import_file(path, acting_user=None, run_resolution=False, **kw)


def rows_of(summary_file):
    return list(VisaCase.objects.filter(file__name=summary_file).order_by("row_number").values_list(*ROW_FIELDS))


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def refuse(*args, **kwargs):
    """DuckDB's CSV reader failing, as it does on a file it cannot parse strictly."""
    raise duckdb.InvalidInputException("simulated: DuckDB cannot parse this file")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["H-2A_FY2012_small.csv", "H2B_FY2005_small.csv"])
def test_duckdb_and_python_readers_give_the_same_rows(name, monkeypatch, tmp_path):
    path = FIXTURES / name
    load(path)
    by_duckdb = rows_of(name)
    VisaCase.objects.all().delete()

    called = []
    original = reading.load_rows_with_python
    monkeypatch.setattr(reading, "load_rows_with_python", lambda *a: called.append(1) or original(*a))
    monkeypatch.setattr(reading, "load_csv_with_duckdb", refuse)
    load(path)
    assert called, "the Python reader was not used"
    assert rows_of(name) == by_duckdb and by_duckdb


@pytest.mark.django_db
def test_a_ragged_csv_is_read_by_the_python_reader(tmp_path):
    """A row with fewer cells than the header: DuckDB's strict reader refuses it, Python's csv
    module reads it with the missing cells blank."""
    path = write_csv(tmp_path / "H-2A_FY2016_ragged.csv", [
        ["H-1", "Certified", "2016-01-05", "ACME FARMS", "TIFTON", "GA", "10", "10", "11.00", "S"],
        ["H-2", "Certified", "2016-01-06", "BETA ORCHARDS"],
        ["H-3", "Denied", "2016-01-07", "GAMMA RANCH", "BOISE", "ID", "4", "0", "12.50", "S"],
    ])
    summary = load(path)
    assert summary.rows == 3 and summary.positions_certified == 10
    short = VisaCase.objects.get(case_number="H-2")
    assert (short.row_number, short.employer_state, short.workers_certified) == (3, "", None)
    assert VisaCase.objects.get(case_number="H-3").row_number == 4


@pytest.mark.django_db
def test_blank_lines_do_not_shift_the_row_named_in_a_refusal(tmp_path):
    """DuckDB skips blank lines; the row a Coordinator is told to fix must still be the file's own."""
    path = tmp_path / "H-2A_FY2016_blank.csv"
    path.write_text(
        ",".join(HEADER) + "\n"
        + "H-1,Certified,2016-01-05,ACME FARMS,TIFTON,GA,10,10,11.00,S\n"
        + "\n"
        + "H-2,Certified,2016-01-06,BETA ORCHARDS,BOISE,ID,ten,10,11.00,S\n",
        encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        load(path)
    assert refused.value.problems == [
        "H-2A_FY2016_blank.csv: row 4, column NBR_WORKERS_REQUESTED: 'ten' is not a number of workers"]
    assert not VisaCase.objects.exists()


@pytest.mark.django_db
def test_row_numbers_count_records_not_lines(tmp_path):
    """A quoted cell spanning two lines is one row, as a spreadsheet shows it."""
    path = write_csv(tmp_path / "H-2A_FY2016_multiline.csv", [
        ["H-1", "Certified", "2016-01-05", "ACME FARMS\nDIVISION 2", "TIFTON", "GA", "10", "10", "11.00", "S"],
        ["H-2", "Certified", "2016-01-06", "BETA ORCHARDS", "BOISE", "ID", "x", "10", "11.00", "S"],
    ])
    with pytest.raises(FileRefused) as refused:
        load(path)
    assert "row 3, column NBR_WORKERS_REQUESTED: 'x'" in refused.value.problems[0]


@pytest.mark.django_db
def test_cells_are_cleaned_as_clean_text_cleans_them(tmp_path):
    name = "  ACME\u00a0\u00a0FARMS \t LLC\u3000"
    path = write_csv(tmp_path / "H-2A_FY2016_spaces.csv", [
        ["H-1", " Certified ", "2016-01-05", name, " TIFTON  ", "georgia", " 1,200 ", "1,200.0", "$11.50", "S"],
    ])
    load(path)
    row = VisaCase.objects.get()
    assert row.employer_name_filed == normalise.clean_text(name) == "ACME FARMS LLC"
    assert (row.employer_city, row.employer_state, row.status) == ("TIFTON", "GA", "certified")
    assert (row.workers_requested, row.workers_certified, str(row.wage_offered)) == (1200, 1200, "11.50")


@pytest.mark.django_db
def test_a_cp1252_csv_goes_through_the_python_reader(tmp_path):
    path = write_csv(tmp_path / "H-2A_FY2016_cp1252.csv", [
        ["H-1", "Certified", "2016-01-05", "VIVEROS MUÑOZ", "SALINAS", "CA", "3", "3", "12.00", "S"],
    ], encoding="cp1252")
    load(path)
    assert VisaCase.objects.get().employer_name_filed == "VIVEROS MUÑOZ"


def _random_groups(rnd, flagged):
    """Rows of many case numbers, some spread over several rows, in shuffled file order."""
    rows = []
    for case in range(400):
        size = rnd.choice([1, 1, 1, 2, 3, 4])
        for i in range(size):
            flag = ""
            if flagged:
                flag = rnd.choice(["S", "Joint Employer", ""]) if i == 0 else rnd.choice(["", "", "S"])
            certified = rnd.choice([0, 1, 5, 5, 10, 20, 40, 100])
            status = rnd.choice(["Certified", "Certified", "Denied", "Withdrawn", "Certified - Partial"])
            rows.append([f"C-{case:04d}", status, "2016-02-01", f"EMPLOYER {case}-{i}", "TOWN", "NC",
                         str(certified + rnd.choice([0, 2])), str(certified), "10.00", flag])
    # Rows of a case are not always next to each other (FY2006-2007 files).
    for _ in range(150):
        a, b = rnd.randrange(len(rows)), rnd.randrange(len(rows))
        rows[a], rows[b] = rows[b], rows[a]
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("flagged", [True, False])
def test_the_counting_rule_in_sql_agrees_with_assign_roles(flagged, tmp_path):
    rnd = random.Random(2026 + flagged)
    rows = _random_groups(rnd, flagged)
    header = HEADER if flagged else HEADER[:-1]
    path = write_csv(tmp_path / "H-2A_FY2016_groups.csv", [r if flagged else r[:-1] for r in rows], header=header)
    load(path)

    groups = {}
    for n, row in enumerate(rows, start=2):
        flag = normalise.org_flag(row[9]) if flagged else ""
        groups.setdefault(row[0], []).append({"n": n, "flag": flag, "sub": None, "certified": int(row[7])})
    expected = {}
    for group in groups.values():
        counting.assign_roles(group, has_flags=flagged)
        expected.update({r["n"]: (r["role"], r["counted"]) for r in group})
    got = {n: (role, counted) for n, role, counted in VisaCase.objects.values_list("row_number", "role", "counted")}
    assert got == expected
    roles = {role for role, _ in got.values()}
    assert {Role.SOLE, Role.MASTER, Role.MEMBER} <= roles  # the sample exercises every branch


@pytest.mark.django_db(transaction=True)
def test_indexes_dropped_for_a_large_import_are_built_again(monkeypatch, tmp_path):
    monkeypatch.setattr(writing, "REINDEX_ROWS", 10)
    dropped = []
    original = writing.IndexesBuiltAfter.__enter__
    monkeypatch.setattr(writing.IndexesBuiltAfter, "__enter__",
                        lambda self: dropped.extend(self.indexes) or original(self))

    def indexes():
        with connection.cursor() as cursor:
            return sorted(writing.secondary_indexes(cursor, VisaCase._meta.db_table))

    before = indexes()
    assert len(before) >= 4
    rows = [[f"H-{i}", "Certified", "2016-01-05", f"FARM {i % 7}", "TIFTON", "GA", "2", "2", "11.00", "S"]
            for i in range(50)]
    summary = load(write_csv(tmp_path / "H-2A_FY2016_many.csv", rows))
    assert summary.rows == 50 and summary.positions_certified == 100
    assert sorted(dropped) == before  # they were dropped for the load ...
    assert indexes() == before  # ... and are all there again
    # A refused file leaves them too (its transaction rolls back before any index is touched or
    # after: either way the schema is unchanged).
    bad = write_csv(tmp_path / "H-2A_FY2016_bad.csv", [*rows[:20], ["H-99", "Certified", "2016-01-05", "X", "Y",
                                                                   "GA", "many", "2", "11.00", "S"]])
    with pytest.raises(FileRefused):
        load(bad)
    assert indexes() == before


# --- integrity without database constraints ---------------------------------------------------------

def dangling_references():
    """Rows of VisaCase pointing at a file, name, employer or agent that does not exist (the table's
    foreign keys are not enforced by the database; see the VisaCase docstring)."""
    from puente.visas.models import Agent, Employer, EmployerName, ImportedFile

    return {
        "file": VisaCase.objects.exclude(file_id__in=ImportedFile.objects.values("pk")).count(),
        "employer_name": VisaCase.objects.filter(employer_name_id__isnull=False)
        .exclude(employer_name_id__in=EmployerName.objects.values("pk")).count(),
        "employer": VisaCase.objects.filter(employer_id__isnull=False)
        .exclude(employer_id__in=Employer.objects.values("pk")).count(),
        "agent": (VisaCase.objects.filter(agent_id__isnull=False)
                  .exclude(agent_id__in=Agent.objects.values("pk")).count()),
    }


@pytest.mark.django_db
def test_no_row_points_at_nothing_after_imports_reimports_merges_and_undos():
    from puente.visas.models import EmployerMerge

    clean = {"file": 0, "employer_name": 0, "employer": 0, "agent": 0}
    for name in ("H-2A_FY2012_small.csv", "H2B_FY2005_small.csv", "H-2A_Disclosure_Data_FY16_small.xlsx"):
        load(FIXTURES / name)
    assert VisaCase.objects.filter(agent__isnull=False).exists()
    assert VisaCase.objects.filter(employer__isnull=False).exists()
    assert dangling_references() == clean
    load(FIXTURES / "H-2A_FY2012_small.csv")  # replaces its rows
    assert dangling_references() == clean
    actions.do_resolve(acting_user=None)
    for merge in EmployerMerge.objects.all():
        actions.do_undo_merge(merge, acting_user=make_coordinator())
    assert dangling_references() == clean
    # The check itself sees a dangling row.
    VisaCase.objects.filter(pk=VisaCase.objects.first().pk).update(employer_id=10**9)
    assert dangling_references()["employer"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("threshold", [1, 10**9])
def test_employer_totals_are_the_same_by_either_refresh(threshold, monkeypatch):
    """A large import refreshes every employer with one aggregate, a merge a few with subqueries:
    both must give the sums counted here from the rows."""
    from collections import Counter

    from puente.visas import stats
    from puente.visas.models import Employer

    monkeypatch.setattr(stats, "REFRESH_ALL_FROM", threshold)
    for name in ("H-2A_FY2012_small.csv", "H2B_FY2005_small.csv"):
        load(FIXTURES / name)
    emptied = Employer.objects.create(name="GONE FARM", key="GONE FARM", state="NC", positions_certified=7, row_count=3)
    stats.refresh_employer_totals([e.pk for e in Employer.objects.all()])
    positions, rows = Counter(), Counter()
    for employer_id, certified, counted in VisaCase.objects.values_list("employer_id", "workers_certified", "counted"):
        rows[employer_id] += 1
        positions[employer_id] += (certified or 0) if counted else 0
    for e in Employer.objects.all():
        assert (e.positions_certified, e.row_count) == (positions[e.pk], rows[e.pk]), e.name
    emptied.refresh_from_db()
    assert (emptied.positions_certified, emptied.row_count) == (0, 0)
    assert sum(positions.values()) > 0


@pytest.mark.django_db
def test_a_new_spelling_of_a_merged_agent_joins_the_agent_it_was_merged_into(tmp_path):
    from puente.visas.models import Agent

    header = HEADER + ["LAWFIRM_NAME"]
    first = write_csv(tmp_path / "H-2A_FY2015_agents.csv", [
        ["H-1", "Certified", "2015-01-05", "ACME FARMS", "TIFTON", "GA", "2", "2", "11.00", "S", "FARM LABOR SERVICES"],
        ["H-2", "Certified", "2015-01-05", "BETA FARMS", "TIFTON", "GA", "2", "2", "11.00", "S", "MAS LABOR H2A LLC"],
    ], header=header)
    load(first)
    survivor, merged = Agent.objects.get(key="FARM LABOR SERVICE"), Agent.objects.get(key="MAS LABOR H2A")
    merged.merged_into = survivor
    merged.save()
    second = write_csv(tmp_path / "H-2A_FY2016_agents.csv", [
        ["H-3", "Certified", "2016-01-05", "GAMMA FARMS", "TIFTON", "GA", "2", "2", "11.00", "S",
         "Mas Labor H2A, L.L.C."],
    ], header=header)
    load(second)
    assert VisaCase.objects.get(case_number="H-3").agent_id == survivor.pk


@pytest.mark.django_db
def test_an_employer_merge_is_undone_only_after_the_merges_made_on_top_of_it():
    coordinator = make_coordinator()
    from puente.visas.models import Employer

    from .world import make_employer

    a, b, c = (make_employer(n, rows=((2016, w),))
               for n, w in (("ALPHA FARM", 5), ("BRAVO FARM", 6), ("CHARLIE FARM", 7)))
    first = actions.do_merge_employers(b, a, acting_user=None)  # ALPHA into BRAVO
    second = actions.do_merge_employers(c, b, acting_user=None)  # BRAVO (with ALPHA's rows) into CHARLIE
    with pytest.raises(ActionRefused, match="BRAVO FARM was merged again since"):
        actions.do_undo_merge(first, acting_user=coordinator)
    actions.do_undo_merge(second, acting_user=coordinator)
    actions.do_undo_merge(first, acting_user=coordinator)
    for employer, workers in ((a, 5), (b, 6), (c, 7)):
        employer.refresh_from_db()
        assert employer.merged_into_id is None
        assert list(VisaCase.objects.filter(employer=employer).values_list("workers_certified", flat=True)) == [workers]
    assert Employer.objects.get(pk=c.pk).positions_certified == 7


@pytest.mark.django_db
def test_employer_totals_follow_imports_and_replacements(tmp_path):
    """An import moves the totals of its employers by what it adds and what it replaces; after a
    sequence of imports they equal the sums of the rows, counted here."""
    from collections import Counter

    from puente.visas.models import Employer

    def check():
        positions, rows = Counter(), Counter()
        values = VisaCase.objects.values_list("employer_id", "workers_certified", "counted", "status")
        for employer_id, certified, counted, status in values:
            rows[employer_id] += 1
            positions[employer_id] += (certified or 0) if counted and status in CERTIFIED_STATUSES else 0
        for e in Employer.objects.all():
            assert (e.positions_certified, e.row_count) == (positions[e.pk], rows[e.pk]), e.name

    load(FIXTURES / "H-2A_FY2012_small.csv")
    check()
    first = [["H-1", "Certified", "2016-01-05", "ACME FARMS", "TIFTON", "GA", "10", "10", "11.00", "S"],
             ["H-2", "Certified", "2016-01-05", "BETA FARMS", "TIFTON", "GA", "4", "4", "11.00", "S"]]
    path = write_csv(tmp_path / "H-2A_FY2016_x.csv", first)
    load(path)
    check()
    # The same file corrected: ACME's row changes, BETA's is gone, GAMMA is new.
    write_csv(path, [["H-1", "Certified", "2016-01-05", "ACME FARMS", "TIFTON", "GA", "12", "7", "11.00", "S"],
                     ["H-3", "Certified", "2016-01-05", "GAMMA FARMS", "TIFTON", "GA", "3", "3", "11.00", "S"]])
    load(path)
    check()
    beta = Employer.objects.get(name="BETA FARMS")
    assert (beta.positions_certified, beta.row_count) == (0, 0)
    assert Employer.objects.get(name="ACME FARMS").positions_certified == 7


@pytest.mark.django_db
@pytest.mark.parametrize("threshold,expected", [(1, True), (10**9, False)])
def test_postgresql_statistics_are_refreshed_after_a_large_import(threshold, expected, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's planner needs no statistics here")
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(writing, "ANALYZE_ROWS", threshold)
    with CaptureQueriesContext(connection) as queries:
        load(FIXTURES / "H-2A_FY2012_small.csv")
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert bool(analyzed) is expected
    if expected:
        assert '"visas_visacase"' in analyzed[0] and '"visas_employertoken"' in analyzed[0]
