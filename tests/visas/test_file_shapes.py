"""Files in every historical shape the project has met (issue 15), generated here: withdrawn and
denied rows carrying worker numbers, unknown statuses, each spelling of the certified column, a
missing one, duplicated headers, cumulative releases of one year, bad files, a command over several
files with a bad one in the middle, and resolution that does not depend on the order of imports."""

import csv
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from puente.visas import actions, columns, stats
from puente.visas.importing import FileRefused
from puente.visas.models import Agent, Employer, EmployerMerge, ImportedFile, MergeReview, VisaCase

HEADER = ["CASE_NUMBER", "CASE_STATUS", "DECISION_DATE", "EMPLOYER_NAME", "EMPLOYER_CITY", "EMPLOYER_STATE",
          "AGENT_ATTORNEY_NAME", "NBR_WORKERS_REQUESTED", "NBR_WORKERS_CERTIFIED"]


def write(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def load(path, **kw):
    return actions.do_import_file(path, acting_user=None, run_resolution=False, **kw)


def row(case, status, requested, certified, name="ACME FARM", date="2016-03-01", agent="", state="NC"):
    return [case, status, date, name, "KINSTON", state, agent, requested, certified]


@pytest.mark.django_db
def test_withdrawn_and_denied_rows_with_worker_numbers_certify_nothing(tmp_path):
    path = write(tmp_path / "H-2A_FY2016.csv", [
        row("A-1", "Certified - Full", 10, 10),
        row("A-2", "Withdrawn", 20, 20),
        row("A-3", "Denied", 30, 30),
        row("A-4", "DETERMINATION ISSUED - PARTIAL CERTIFICATION EXPIRED", 8, 5),
        row("A-5", "Determination Issued - Withdrawn", 4, 4),
        row("A-6", "Received", 7, 0),
    ])
    s = load(path)
    assert s.positions_certified == 10 + 5
    assert s.positions_requested == 10 + 20 + 30 + 8 + 4 + 7  # asked for, whatever became of it
    assert s.certified_cases == 2
    assert stats.totals("H-2A", 2016)["positions_certified"] == 15
    assert Employer.objects.get().positions_certified == 15


@pytest.mark.django_db
def test_an_unknown_status_refuses_the_file_naming_value_and_row(tmp_path):
    path = write(tmp_path / "H-2A_FY2016.csv", [row("A-1", "Certified - Full", 1, 1), row("A-2", "Approved-ish", 2, 2)])
    with pytest.raises(FileRefused) as refused:
        load(path)
    assert refused.value.problems == [
        "H-2A_FY2016.csv: row 3, column CASE_STATUS: status 'Approved-ish' is not one Puente knows; "
        "declare it in visas/columns.py STATUSES"]
    assert not VisaCase.objects.exists() and not ImportedFile.objects.exists()


def test_every_status_spelling_of_the_domain_notes_is_declared():
    for spelling, status in [("Certified - Full", "certified"), ("Certified - Partial", "partial"),
                             ("CERTIFIED", "certified"), ("Certified, Temporary", "certified"), ("Denied", "denied"),
                             ("Withdrawn", "withdrawn"), ("Determination Issued - Certification", "certified"),
                             ("Determination Issued - Partial Certification", "partial"),
                             ("Determination Issued - Withdrawn", "withdrawn"),
                             ("Determination Issued - Denied", "denied"),
                             ("DETERMINATION ISSUED - CERTIFICATION EXPIRED", "expired")]:
        assert columns.STATUS_KEYS[columns.header_key(spelling)] == status, spelling


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", columns.FIELDS["workers_certified"])
def test_each_spelling_of_the_certified_column_is_counted(spelling, tmp_path):
    header = [*HEADER[:-1], spelling]
    s = load(write(tmp_path / "H-2B_FY2017.csv", [row("B-1", "Certification", 9, 7), row("B-2", "Denied", 5, 5)],
                   header))
    assert s.positions_certified == 7


@pytest.mark.django_db
def test_a_file_without_a_certified_column_has_the_figure_unknown(tmp_path):
    header = HEADER[:-1]
    s = load(write(tmp_path / "H-2B_FY2018.csv", [row("B-1", "Certification", 9, 7)[:-1]], header))
    assert s.positions_certified is None and s.positions_requested == 9
    assert VisaCase.objects.get().workers_certified is None
    assert stats.totals("H-2B", 2018)["positions_certified"] is None
    html = Client().get(reverse("visas:stats") + "?visa=H-2B&fy=2018").content.decode()
    assert "not in this file" in html


@pytest.mark.django_db
def test_a_file_without_a_requested_column_has_that_figure_unknown(tmp_path):
    header = [h for h in HEADER if h != "NBR_WORKERS_REQUESTED"]
    s = load(write(tmp_path / "H-2A_FY2010.csv", [["A-1", "Certified - Full", "2010-03-01", "ACME", "X", "NC", "", 4]],
                   header))
    assert s.positions_requested is None and s.positions_certified == 4
    assert ImportedFile.objects.get().positions_requested is None


@pytest.mark.django_db
@pytest.mark.parametrize("header,expected", [
    ([*HEADER, "NBR_WORKERS_CERTIFIED"], "column NBR_WORKERS_CERTIFIED appears 2 times (columns 9, 10)"),
    ([*HEADER, "WORKERS_CERTIFIED"],
     "NBR_WORKERS_CERTIFIED and WORKERS_CERTIFIED are all columns of workers certified"),
    ([*HEADER[:-1], "NBR_OF_H2_WORKERS_CERTIFIED_TOTAL"], "NBR_OF_H2_WORKERS_CERTIFIED_TOTAL looks like a column of "
                                                          "workers certified but is no spelling Puente knows"),
    ([*HEADER[:3], "EMPLOYER_NAME", *HEADER[3:]], "column EMPLOYER_NAME appears 2 times"),
])
def test_a_measure_column_that_cannot_be_told_with_certainty_refuses_the_file(header, expected, tmp_path):
    rows = [["A-1", "Certified - Full", "2016-03-01", "ACME", "ACME", "K", "NC", "", 1, 1, 1][:len(header)]]
    with pytest.raises(FileRefused) as refused:
        load(write(tmp_path / "H-2A_FY2016.csv", rows, header))
    text = "\n".join(refused.value.problems)
    assert expected in text and "H-2A_FY2016.csv: row 1 (header)" in text
    assert not ImportedFile.objects.exists()


@pytest.mark.django_db
def test_an_invalid_date_is_refused_naming_row_and_column(tmp_path):
    path = write(tmp_path / "H-2A_FY2016.csv", [row("A-1", "Certified - Full", 1, 1),
                                                row("A-2", "Certified - Full", 1, 1, date="2016-02-31")])
    with pytest.raises(FileRefused) as refused:
        load(path, fiscal_year=2016)
    assert refused.value.problems == ["H-2A_FY2016.csv: row 3, column DECISION_DATE: '2016-02-31' is not a date"]


@pytest.mark.django_db
@pytest.mark.parametrize("placeholder", ["N/A", "none", "Not Applicable", "NA", "-"])
def test_placeholder_agents_are_no_agent(placeholder, tmp_path):
    header = [*HEADER[:6], "LAWFIRM_NAME", *HEADER[6:]]
    rows = [["A-1", "Certified - Full", "2016-03-01", "ACME", "K", "NC", placeholder, placeholder, 1, 1],
            ["A-2", "Certified - Full", "2016-03-01", "ACME", "K", "NC", placeholder, "JANE LAWYER", 1, 1]]
    load(write(tmp_path / "H-2A_FY2016.csv", rows, header))
    assert VisaCase.objects.get(case_number="A-1").agent_id is None
    assert VisaCase.objects.get(case_number="A-2").agent_name_filed == "JANE LAWYER"  # the next column
    assert list(Agent.objects.values_list("name", flat=True)) == ["JANE LAWYER"]


# --- cumulative releases of one fiscal year ----------------------------------------------------------

def _releases(tmp_path):
    early = write(tmp_path / "H-2A_FY2019_Q2.csv", [
        row("H-1", "Certified - Full", 10, 10, date="2018-12-01"),
        row("H-2", "Certified - Full", 20, 20, date="2018-12-02", name="BETA FARM"),
        row("H-3", "Certified - Full", 5, 5, date="2019-03-01", name="GAMMA FARM"),  # decided again later? no
    ])
    late = write(tmp_path / "H-2A_FY2019_Q4.csv", [
        row("H-1", "Certified - Full", 10, 10, date="2018-12-01"),
        row("H-2", "Determination Issued - Certification Expired", 20, 20, date="2019-06-01", name="BETA FARM"),
        row("H-3", "Withdrawn", 5, 5, date="2019-01-01", name="GAMMA FARM"),  # an older decision than Q2's
        row("H-4", "Certified - Full", 30, 25, date="2019-07-01", name="DELTA FARM"),
    ])
    return early, late


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["early first", "late first"])
def test_cumulative_releases_of_a_year_count_each_case_once(order, tmp_path):
    early, late = _releases(tmp_path)
    first, second = (early, late) if order == "early first" else (late, early)
    load(first)
    s = load(second)
    figures = stats.totals("H-2A", 2019)
    # H-1 once (10), H-2 the later decision (expired, still certified: 20), H-3 Q2's certification
    # (decided after Q4's withdrawal in this made-up case), H-4 25.
    assert figures["positions_certified"] == 10 + 20 + 5 + 25
    assert figures["cases"] == 4 and figures["rows"] == 4
    assert VisaCase.objects.get(case_number="H-2").status == "expired"
    assert VisaCase.objects.get(case_number="H-3").status == "certified"
    assert s.superseded and s.superseded[0]["file"] == first.name
    assert sum(f.rows for f in ImportedFile.objects.all()) == 4
    assert Employer.objects.get(name="GAMMA FARM").positions_certified == 5


@pytest.mark.django_db
def test_the_command_reports_what_was_superseded_and_which_files_make_up_a_year(tmp_path):
    early, late = _releases(tmp_path)
    out = io.StringIO()
    call_command("visas", "import", str(early), str(late), "--no-resolve", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "H-2A_FY2019_Q2.csv: 2 cases superseded by this release, 1 kept there (decided later)" in text
    assert "H-2A FY2019 figures from: H-2A_FY2019_Q2.csv (1 cases); H-2A_FY2019_Q4.csv (3 cases)" in text


# --- bad files ---------------------------------------------------------------------------------------

def _bytes(path, data):
    path.write_bytes(data)
    return path


def _truncated_xlsx(path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook>" + "x" * 5000)
    path.write_bytes(buffer.getvalue()[:700])
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("make,reason", [
    (lambda p: _truncated_xlsx(p / "H-2A_FY2016.xlsx"), "not a readable spreadsheet"),
    (lambda p: _bytes(p / "H-2A_FY2016.xlsx", b"CASE_NUMBER,EMPLOYER_NAME\nA-1,ACME\n"), "not a readable spreadsheet"),
    (lambda p: write(p / "H-2A_FY2016.csv", []), "no rows after the header"),
    (lambda p: _bytes(p / "H-2A_FY2016.csv", b""), "the file is empty"),
    (lambda p: _bytes(p / "H-2A_FY2016.csv", b"\x00\x01\x02PK\x03\x04" * 50), "not a readable CSV file"),
])
def test_a_bad_file_is_refused_in_one_line_naming_it(make, reason, tmp_path):
    path = make(tmp_path)
    with pytest.raises(FileRefused) as refused:
        load(path)
    assert refused.value.problems[0].startswith("H-2A_FY2016.") and reason in refused.value.problems[0]
    assert not ImportedFile.objects.exists() and not VisaCase.objects.exists()


@pytest.mark.django_db
def test_a_command_over_several_files_imports_the_good_ones_around_a_bad_one(tmp_path):
    good1 = write(tmp_path / "H-2A_FY2015.csv", [row("A-1", "Certified - Full", 3, 3, date="2015-03-01")])
    bad = write(tmp_path / "H-2A_FY2016.csv", [])
    good2 = write(tmp_path / "H-2B_FY2016.csv", [row("B-1", "Certification", 4, 4)])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("visas", "import", str(good1), str(bad), str(good2), "--no-resolve", stdout=out, stderr=err)
    assert "1 of 3 file(s) refused" in str(failed.value)
    assert sorted(ImportedFile.objects.values_list("name", flat=True)) == ["H-2A_FY2015.csv", "H-2B_FY2016.csv"]
    assert err.getvalue().count("Refused") == 1 and "H-2A_FY2016.csv: no rows after the header" in err.getvalue()
    summary = out.getvalue().split("Summary:")[1]
    assert f"imported {good1}" in summary and f"REFUSED  {bad}" in summary and f"imported {good2}" in summary


# --- the statistics page at size -----------------------------------------------------------------------

def _figures(html):
    """The page's figures and tables, without the parts that change per request (CSRF tokens)."""
    import re

    return re.sub(r'value="[A-Za-z0-9]{32,}"', "", html[html.index('<dl class="facts card">'):])


@pytest.mark.django_db
def test_statistics_page_query_count_is_fixed_and_lists_each_year_once(tmp_path, django_assert_max_num_queries):
    rows = [row(f"A-{i}", "Certified - Full", 2, 1, date=f"{2014 + i % 3}-03-01", name=f"FARM {i % 400}")
            for i in range(6_000)]
    load(write(tmp_path / "H-2A_many.csv", rows, HEADER), fiscal_year=2016)
    load(write(tmp_path / "H-2B_many.csv", rows[:2000], HEADER), visa="H-2B", fiscal_year=2015)
    client = Client()
    url = reverse("visas:stats")
    client.get(url)  # the session, the language: what every page costs once
    for query in ("?visa=H-2A", "?fy=2016", "?visa=H-2B&fy=2015"):
        # The first request of a selection computes its figures (five aggregates, whatever the
        # number of rows) and keeps them in the cache; the next ones only read them.
        with django_assert_max_num_queries(20):
            html = client.get(url + query).content.decode()
        with django_assert_max_num_queries(8):
            again = client.get(url + query).content.decode()
        assert _figures(again) == _figures(html) and "<table>" in _figures(html)
        assert html.count('<option value="2016"') == 1 and html.count('<option value="2015"') == 1
    assert stats.fiscal_years() == [2015, 2016]


# --- resolution does not depend on the order of imports -------------------------------------------------

def _resolution_files(tmp_path):
    a = write(tmp_path / "H-2A_FY2012.csv", [
        ["C-1", "Certified - Full", "2012-03-01", "NORTH CAROLINA GROWERS ASSOCIATION, INC.", "VASS", "NC", "AGWORKS",
         50, 50],
        ["C-2", "Certified - Full", "2012-03-02", "SUNNY RIDGE ORCHARDS LLC", "YAKIMA", "WA", "", 5, 5],
        ["C-3", "Certified - Full", "2012-03-03", "SUNNY RIDGE ORCHARD", "YAKIMA", "WA", "", 5, 5],
        ["C-4", "Certified - Full", "2012-03-04", "STAR NURSERY II", "MIAMI", "FL", "", 5, 5],
        ["C-5", "Certified - Full", "2012-03-05", "WASHINGTON FARM LABOR ASSOCIATION", "LACEY", "WA", "DAN FAZIO",
         9, 9],
        ["C-6", "Certified - Full", "2012-03-06", "BLUE CREEK FARM & ITS EMPLOYER MEMBERS", "X", "GA", "", 3, 3],
    ])
    b = write(tmp_path / "H-2A_FY2013.csv", [
        ["D-1", "Certified - Full", "2013-03-01", "NCGA, INC.", "VASS", "NC", "AGWORKS, INC.", 60, 60],
        ["D-2", "Certified - Full", "2013-03-02", "SUNNY RIDGE ORCHARD", "YAKIMA", "WA", "", 5, 5],
        ["D-3", "Certified - Full", "2013-03-03", "STAR NURSERY III", "MIAMI", "FL", "", 5, 5],
        ["D-4", "Certified - Full", "2013-03-04", "WAFLA", "LACEY", "WA", "Dan Fazio", 9, 9],
        ["D-5", "Certified - Full", "2013-03-05", "BLUE CREEK FARM JOINT EMPLOYER WITH RED HILL FARM", "X", "GA", "",
         3, 3],
        ["D-6", "Certified - Full", "2013-03-06", "Sunny Ridge Orchards, L.L.C.", "Yakima", "WA", "", 2, 2],
    ])
    return a, b


def _state():
    employers = sorted(
        (e.name, e.state, tuple(sorted(e.names.values_list("name", flat=True))), e.positions_certified)
        for e in Employer.objects.filter(merged_into__isnull=True))
    reviews = sorted(tuple(sorted((r.left.key, r.right.key)))
                     for r in MergeReview.objects.select_related("left", "right"))
    merges = sorted((m.into.key, m.merged.key, m.evidence)
                    for m in EmployerMerge.objects.select_related("into", "merged"))
    return employers, reviews, merges


def _empty():
    for model in (MergeReview, EmployerMerge, VisaCase, ImportedFile):
        model.objects.all().delete()
    Employer.objects.update(merged_into=None)
    from puente.visas.models import AgentMerge, AgentMergeReview, AgentName, EmployerName, EmployerToken
    for model in (AgentMergeReview, AgentMerge, EmployerToken, EmployerName, AgentName, Employer, Agent):
        model.objects.all().delete()


@pytest.mark.django_db
def test_resolution_gives_the_same_employers_names_and_reviews_in_any_order(tmp_path):
    a, b = _resolution_files(tmp_path)
    load(a)
    load(b)
    actions.do_resolve(acting_user=None)
    first = _state()
    _empty()
    load(b)
    load(a)
    actions.do_resolve(acting_user=None)
    assert _state() == first
    employers, _reviews, merges = first
    by_name = {e[0]: e for e in employers}
    # NCGA, INC. is the North Carolina Growers Association (same state, same agent): one employer
    # under its full name, the evidence kept on the merge.
    ncga = [e for e in employers if "NCGA, INC." in e[2]]
    assert len(ncga) == 1 and ncga[0][0] == "NORTH CAROLINA GROWERS ASSOCIATION, INC." and ncga[0][3] == 110
    assert any(m[1] == "NCGA" and "NCGA is the initials of NORTH CAROLINA GROWER ASSOCIATION" in m[2]
               and "agent in common: AGWORKS" in m[2] for m in merges)
    wafla = [e for e in employers if "WAFLA" in e[2]]
    assert len(wafla) == 1 and "WASHINGTON FARM LABOR ASSOCIATION" in wafla[0][2]
    # The suffixes about members and joint employers do not keep names apart.
    blue = [e for e in employers if "BLUE CREEK FARM & ITS EMPLOYER MEMBERS" in e[2]]
    assert len(blue) == 1 and "BLUE CREEK FARM JOINT EMPLOYER WITH RED HILL FARM" in blue[0][2]
    # The surviving name is the one filed on most rows, whichever file came first.
    assert "SUNNY RIDGE ORCHARD" in by_name
    assert "STAR NURSERY II" in by_name and "STAR NURSERY III" in by_name  # numbers keep branches apart


def test_acronyms_and_shared_abbreviations_merge_only_when_place_and_agent_agree():
    from puente.visas.resolve import acronym_candidates

    def e(pk, key, state="WA", city="LACEY"):
        return {"pk": pk, "key": key, "state": state, "city": city}

    active = [e(1, "WAFLA"), e(2, "WASHINGTON FARM LABOR ASSOCIATION"),  # as in H-2A FY2014/2016: no agent
              e(3, "NCGA", "NC", "VASS"), e(4, "NORTH CAROLINA GROWER ASSOCIATION", "NC", "VASS"),
              e(5, "NORTH CAROLINA GROWER", "NC", "VASS"),
              e(6, "ABC", "GA", "TIFTON"), e(7, "ALPHA BRAVO CHARLIE", "GA", "MACON"),
              e(8, "WFL", "OR", "SALEM"), e(9, "WILLAMETTE FRUIT LAND", "OR", "SALEM")]
    agents = {3: {"STAN EURY"}, 4: {"STAN EURY"}, 6: {"X"}, 7: {"Y"}, 8: {"A"}, 9: {"B"}}
    notes = {4: {"NCGA"}, 5: {"NCGA"}}
    found = acronym_candidates(active, agents, notes, {4: 300, 5: 1, 2: 70, 1: 114})
    pairs = {(gone, kept) for gone, kept, _evidence in found}
    assert pairs == {(1, 2), (3, 4), (5, 4)}  # not ABC (other city, other agents), not WFL (other agents)
    evidence = {(gone, kept): text for gone, kept, text in found}
    assert evidence[(1, 2)] == ("WAFLA is the initials of WASHINGTON FARM LABOR ASSOCIATION; same state WA and city "
                                "LACEY; no agent on either side")
    assert "both filed as (NCGA)" in evidence[(5, 4)] and "no agent on one side" in evidence[(5, 4)]


@pytest.mark.django_db
def test_the_import_command_computes_the_statistics_before_any_visitor(tmp_path, django_assert_max_num_queries):
    path = write(tmp_path / "H-2A_FY2016.csv", [row(f"A-{i}", "Certified - Full", 2, 1) for i in range(50)])
    out = io.StringIO()
    call_command("visas", "import", str(path), "--no-resolve", stdout=out, stderr=io.StringIO())
    assert "statistics: figures of 4 selections computed" in out.getvalue()  # all, H-2A, 2016, H-2A 2016
    client = Client()
    client.get(reverse("visas:search"))
    for query in ("", "?visa=H-2A", "?fy=2016", "?visa=H-2A&fy=2016"):
        with django_assert_max_num_queries(8):
            html = client.get(reverse("visas:stats") + query).content.decode()
        assert "50" in _figures(html)


@pytest.mark.django_db
def test_rekey_moves_names_keyed_before_a_change_of_the_key(tmp_path):
    load(write(tmp_path / "H-2A_FY2016.csv", [row("A-1", "Certified - Full", 1, 1, name="J. R. SIMPLOT CO.",
                                                  agent="LAW OFFICES OF ANA PEREZ")]))
    from puente.visas.models import AgentName, EmployerName, EmployerToken

    EmployerName.objects.update(key="J R SIMPLOT")  # as the earlier key wrote it
    Employer.objects.update(key="J R SIMPLOT")
    EmployerToken.objects.all().delete()
    out = io.StringIO()
    call_command("visas", "rekey", stdout=out)
    assert "employer names 1" in out.getvalue()
    assert set(EmployerName.objects.values_list("key", flat=True)) == {"JR SIMPLOT"}
    assert set(EmployerToken.objects.values_list("token", flat=True)) == {"JR", "SIMPLOT"}
    assert AgentName.objects.get().key == Agent.objects.get().key
