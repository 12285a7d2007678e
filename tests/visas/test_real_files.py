"""Every real OFLC file in the shared data folder imports, and its figures equal an independent
count made here with other readers (pandas' C parser for CSV, openpyxl for XLSX) and the rule of
docs/visas.md, written again from scratch.

The folder is ``$PUENTE_DOL_DATA`` (default: <repo>/../shared/data/dol-h2). Without it these tests
skip, except under ``PUENTE_REQUIRE_DOL_DATA=1`` (CI), where its absence fails.
"""

import functools
import os
import re
from collections import OrderedDict
from pathlib import Path

import pytest
from django.conf import settings

from puente.visas import actions
from puente.visas.models import Debarment, Employer, EmployerName, ImportedFile, VisaCase

DATA = Path(os.environ.get("PUENTE_DOL_DATA", Path(settings.BASE_DIR).parent / "shared" / "data" / "dol-h2"))
FILES = sorted(p for p in DATA.glob("*") if p.suffix.lower() in (".csv", ".xlsx", ".xls")
               and "debar" not in p.name.lower()) if DATA.is_dir() else []


def _require_data():
    if not FILES:
        if os.environ.get("PUENTE_REQUIRE_DOL_DATA") == "1":
            pytest.fail(f"PUENTE_REQUIRE_DOL_DATA=1 but no OFLC files in {DATA}")
        pytest.skip(f"OFLC disclosure files not found in {DATA} (set PUENTE_DOL_DATA)")


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """Each real file imported once for the module, into the test database; removed afterwards."""
    _require_data()
    with django_db_blocker.unblock():
        summaries = {}
        for path in FILES:
            summaries[path.name] = actions.do_import_file(path, acting_user=None, run_resolution=False)
        yield summaries
        _empty_visa_tables()


def _empty_visa_tables():
    from django.apps import apps
    from django.db import connection

    tables = [m._meta.db_table for m in apps.get_app_config("visas").get_models()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: row-by-row foreign-key checks of a DELETE would take minutes.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            return
    from puente.visas.models import Agent, AgentName, EmployerMerge, EmployerToken, MergeReview

    for model in (MergeReview, EmployerMerge, EmployerToken, Debarment, VisaCase, EmployerName, AgentName,
                  ImportedFile, Employer, Agent):
        model.objects.all().delete()


@functools.lru_cache(maxsize=None)
def _read(path):
    """(headers, rows as lists of strings), with readers other than the importer's."""
    if path.suffix.lower() == ".csv":
        import pandas as pd

        for encoding in ("utf-8", "cp1252", "latin-1"):
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, engine="c")
                break
            except UnicodeDecodeError:
                continue
        return list(frame.columns), frame.values.tolist()
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    while rows and not any(str(v).strip() for v in rows[-1]):
        rows.pop()
    return [str(h) for h in rows[0]], rows[1:]


def _col(headers, *names):
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


def _num(value):
    text = str(value).strip().replace(",", "")
    return int(round(float(text))) if text else 0


def independent_count(path):
    """The figures of a file, counted here from scratch: positions certified only in applications
    that were not withdrawn or denied (the rows of those often carry worker numbers), each position
    once (a master's members are not counted again); unknown (None) without a certified column."""
    headers, rows = _read(path)
    case = _col(headers, "CASE_NUMBER", "CASE_NO", "Case_Number", "Case_Num")
    status = _col(headers, "CASE_STATUS", "Case_Status", "Last_Sig_Event")
    cert = _col(headers, "NBR_WORKERS_CERTIFIED", "Nbr_Workers_Certified")
    req = _col(headers, "NBR_WORKERS_REQUESTED", "Nbr_Workers_Requsted", "Num_Aliens")
    flag = _col(headers, "ORGANIZATION_FLAG")
    sub = _col(headers, "PRIMARY/SUB")
    groups = OrderedDict()
    for row in rows:
        if not str(row[case]).strip():
            continue
        text = str(row[status]).lower()
        certifies = not ("withdraw" in text or "denied" in text)
        certified_status = "certif" in text
        c = _num(row[cert]) if cert is not None else None
        r = _num(row[req]) if req is not None else 0
        if sub is not None:
            is_master = str(row[sub]).strip().upper() == "PRI"
        elif flag is not None:
            is_master = bool(str(row[flag]).strip())
        else:
            is_master = None
        groups.setdefault(str(row[case]).strip(), []).append((c, r, is_master, certified_status, certifies))
    certified = requested = certified_cases = 0
    for items in groups.values():
        counted = items
        if len(items) > 1:
            if flag is not None or sub is not None:
                masters = [i for i in items if i[2]]
                if masters and len(masters) < len(items):
                    counted = masters
            else:  # the largest row holds the others' sum: the master (by requested without certified)
                values = [i[0] if cert is not None else i[1] for i in items]
                biggest = max(values)
                if biggest >= sum(values) - biggest:
                    counted = [items[values.index(biggest)]]
        certified += sum(i[0] for i in counted if i[4] and i[0] is not None)
        requested += sum(i[1] for i in counted)
        certified_cases += any(i[3] for i in items)
    return {"rows": sum(len(v) for v in groups.values()), "cases": len(groups),
            "positions_certified": certified if cert is not None else None,
            "positions_requested": requested if req is not None else None, "certified_cases": certified_cases}


@pytest.mark.parametrize("name", [p.name for p in FILES] or ["(no data)"])
def test_real_file_figures_match_an_independent_count(imported, name):
    path = DATA / name
    summary = imported[name]
    expected = independent_count(path)
    got = {k: getattr(summary, k) for k in expected}
    assert got == expected


@pytest.mark.parametrize("name", [p.name for p in FILES] or ["(no data)"])
def test_visa_and_fiscal_year_found(imported, name):
    summary = imported[name]
    visa = re.search(r"H-?2([AB])", name, re.I).group(1).upper()
    year = int(re.search(r"FY(\d+)", name).group(1))
    assert (summary.visa, summary.fiscal_year) == (f"H-2{visa}", year + 2000 if year < 100 else year)


@pytest.mark.django_db
def test_h2a_totals_equal_oflc_published_figures(imported):
    """With members not counted twice, FY2014 and FY2016 give the totals OFLC published."""
    by_year = {(s.visa, s.fiscal_year): s.positions_certified for s in imported.values()}
    if ("H-2A", 2016) in by_year:
        assert by_year[("H-2A", 2016)] == 165_741
    if ("H-2A", 2014) in by_year:
        assert by_year[("H-2A", 2014)] == 116_689


@pytest.mark.django_db
def test_real_debarments_link_to_employers(imported):
    path = DATA / "debarments_2010_2014.csv"
    if not path.exists():
        pytest.skip("no debarments file")
    rows = actions.do_import_debarments(path, acting_user=None)
    assert len(rows) == 141
    linked = [d for d in rows if d.employer_id]
    assert linked and all(0 < d.certainty <= 1 for d in linked)
    assert all(d.start and d.end and d.start <= d.end for d in rows if d.start and d.end)


@pytest.mark.django_db
def test_ncga_in_real_data_is_one_employer(imported):
    names = EmployerName.objects.filter(key="NORTH CAROLINA GROWER ASSOCIATION", state="NC")
    assert names.count() >= 2  # filed with and without "(NCGA)", "INC." and so on
    assert names.values("employer_id").distinct().count() == 1
