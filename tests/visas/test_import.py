"""The importer on small synthetic files: mapping, counting rule, refusals, re-imports."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from puente.visas import actions, stats
from puente.visas.importing import FileRefused
from puente.visas.models import EmployerName, ImportedFile, Role, Status, VisaCase

FIXTURES = Path(__file__).parent / "fixtures"


def load(name, **kw):
    return actions.do_import_file(FIXTURES / name, acting_user=None, run_resolution=False, **kw)


@pytest.mark.django_db
def test_h2a_flagged_file_counts_master_not_members():
    s = load("H-2A_FY2012_small.csv")
    assert (s.visa, s.fiscal_year) == ("H-2A", 2012)  # fiscal year from decision dates (Nov 2011 = FY2012)
    assert s.rows == 8 and s.cases == 5
    # master 100 (members 60+40 not added) + 25 + 0 + master 96 (member 0) + withdrawn blank
    assert s.positions_certified == 100 + 25 + 0 + 96
    assert s.certified_cases == 3  # full, partial, full
    roles = dict(VisaCase.objects.filter(case_number="C-11300-00001").values_list("employer_name_filed", "role"))
    assert roles == {"NORTH CAROLINA GROWERS ASSOCIATION, INC.": Role.MASTER,
                     "SMITH FARMS, L.L.C.": Role.MEMBER, "JONES TOBACCO FARM": Role.MEMBER}
    member = VisaCase.objects.get(employer_name_filed="SMITH FARMS, L.L.C.")
    assert not member.counted and member.workers_certified == 60 and member.org_flag == ""


@pytest.mark.django_db
def test_fields_are_normalised():
    load("H-2A_FY2012_small.csv")
    row = VisaCase.objects.get(case_number="C-11300-00002")
    assert row.status == Status.PARTIAL and row.status_raw == "Certified - Partial"
    assert str(row.wage_offered) == "9.70" and row.wage_unit == "hour"
    assert row.period_start.isoformat() == "2012-05-01" and row.decision_date.isoformat() == "2011-12-15"
    assert row.agent.name == "AGWORKS, INC." and row.org_flag == "S"
    master = VisaCase.objects.get(case_number="C-11300-00001", role=Role.MASTER)
    assert master.employer_state == "NC"  # "NORTH CAROLINA" -> NC
    apple = VisaCase.objects.get(case_number="C-11300-00003")
    assert apple.employer_state == "WA" and apple.status == Status.DENIED


@pytest.mark.django_db
def test_ncga_spellings_are_one_employer():
    load("H-2A_FY2012_small.csv")
    a = VisaCase.objects.get(employer_name_filed="NORTH CAROLINA GROWERS ASSOCIATION, INC.")
    b = VisaCase.objects.get(employer_name_filed="NORTH CAROLINA GROWERS ASSOCIATION, INC. (NCGA)")
    assert a.employer_id == b.employer_id
    assert a.employer_name_id != b.employer_name_id  # both names as filed are kept
    smith = set(VisaCase.objects.filter(employer_name_filed__startswith="SMITH FARMS")
                .values_list("employer_id", flat=True))
    assert len(smith) == 1


@pytest.mark.django_db
def test_old_h2b_file_with_headers_of_2005():
    s = load("H2B_FY2005_small.csv")
    assert (s.visa, s.fiscal_year) == ("H-2B", 2005)
    # Num_Aliens is the number asked for; the file has no certified number: positions certified are
    # unknown (None, "not in this file"), never the requested number. The duplicate row of case
    # 06357851 counts once.
    assert s.positions_certified is None and s.certified_cases == 2
    assert s.positions_requested == 6 + 52 + 6
    assert s.cases == 3 and s.rows == 4
    row = VisaCase.objects.get(case_number="06357620")
    assert row.agent_name_filed == "F.E.W.A." and row.job_title == "Snow Shoveler" and row.worksite_state == "CO"
    assert VisaCase.objects.get(case_number="06357627").agent_name_filed == "Diane Delinko"


@pytest.mark.django_db
def test_xlsx_with_primary_sub_and_long_flags():
    s = load("H-2A_Disclosure_Data_FY16_small.xlsx")
    assert (s.visa, s.fiscal_year) == ("H-2A", 2016)
    assert s.positions_certified == 10 + 2 and s.positions_requested == 12 + 3
    assert s.rows == 4 and s.cases == 2
    herder = VisaCase.objects.get(case_number="H-300-2")
    assert herder.status == Status.EXPIRED and herder.org_flag == "S" and herder.employer_state == "WY"
    assert herder.agent_name_filed == "WESTERN RANGE ASSOCIATION" and herder.soc_code == "45-2093"
    assert VisaCase.objects.get(case_number="H-300-1", role=Role.MASTER).org_flag == "J"


@pytest.mark.django_db
def test_old_xls_of_fy2009_with_its_own_headers():
    """An .xls (BIFF) file as OFLC published until FY2010, written with xlwt from synthetic rows:
    CASE_NO, dates as spreadsheet dates, counts as floats, a joint employer's master and members."""
    s = load("H2A_FY2009_small.xls")
    assert (s.visa, s.fiscal_year) == ("H-2A", 2009)  # from the decision dates (Nov 2008 - Feb 2009)
    assert s.rows == 5 and s.cases == 3 and s.certified_cases == 2
    assert s.positions_certified == 30 + 7  # the association's 30, not its members' 18 + 12 again
    master = VisaCase.objects.get(case_number="C-08300-00001", role=Role.MASTER)
    assert master.employer_name_filed == "VIRGINIA AGRICULTURAL GROWERS ASSN" and master.org_flag == "J"
    assert master.decision_date.isoformat() == "2008-11-03" and master.period_end.isoformat() == "2009-11-30"
    members = VisaCase.objects.filter(case_number="C-08300-00001", role=Role.MEMBER)
    assert sorted(members.values_list("workers_certified", flat=True)) == [12, 18]
    assert not any(members.values_list("counted", flat=True))
    orchard = VisaCase.objects.get(case_number="C-08310-00002")
    assert orchard.employer_name_filed == "MUÑOZ ORCHARDS LLC" and orchard.status == Status.PARTIAL
    assert orchard.agent.name == "MAS LABOR H2A, LLC" and str(orchard.wage_offered) == "10.25"
    assert orchard.wage_unit == "hour" and orchard.worksite_state == "WA"


@pytest.mark.django_db
def test_latin1_csv_is_read():
    s = load("H2A_FY2011_latin1.csv")
    assert s.rows == 1
    assert VisaCase.objects.get().employer_name_filed == "CAFÉ DEL VALLE S.A."


@pytest.mark.django_db
def test_bad_count_refuses_the_whole_file_naming_row_and_column():
    with pytest.raises(FileRefused) as refused:
        load("H-2A_FY2012_badcount.csv")
    message = str(refused.value)
    assert "H-2A_FY2012_badcount.csv" in message and "row 3" in message and "NBR_WORKERS_CERTIFIED" in message
    assert "'five'" in message
    assert not VisaCase.objects.exists() and not ImportedFile.objects.exists() and not EmployerName.objects.exists()


@pytest.mark.django_db
def test_file_without_case_number_column_is_refused():
    with pytest.raises(FileRefused) as refused:
        load("H-2A_FY2012_nocase.csv")
    assert "no case number column" in str(refused.value) and "row 1" in str(refused.value)
    assert not ImportedFile.objects.exists()


@pytest.mark.django_db
def test_unknown_visa_is_refused_unless_given():
    with pytest.raises(FileRefused) as refused:
        load("disclosure_novisa.csv")
    assert "--visa" in str(refused.value)
    s = load("disclosure_novisa.csv", visa="H-2B", fiscal_year=2013)
    assert (s.visa, s.fiscal_year, s.positions_certified) == ("H-2B", 2013, 5)


@pytest.mark.django_db
def test_command_line_overrides_content():
    s = load("H-2A_FY2012_small.csv", fiscal_year=2099)
    assert s.fiscal_year == 2099 and set(VisaCase.objects.values_list("fiscal_year", flat=True)) == {2099}


@pytest.mark.django_db
def test_reimport_replaces_rows():
    load("H-2A_FY2012_small.csv")
    first = ImportedFile.objects.get()
    again = load("H-2A_FY2012_small.csv")
    assert again.replaced == [first.pk]
    assert ImportedFile.objects.count() == 1 and VisaCase.objects.count() == 8
    assert stats.totals("H-2A", 2012)["positions_certified"] == 221


@pytest.mark.django_db
def test_cli_import_and_stats_json():
    out, err = io.StringIO(), io.StringIO()
    call_command("visas", "import", str(FIXTURES / "H-2A_FY2012_small.csv"), "--no-resolve", stdout=out, stderr=err)
    assert ("8 rows, 5 cases, 3 certified cases, positions certified 221, positions requested not in this file"
            in out.getvalue())
    out = io.StringIO()
    call_command("visas", "stats", "--visa", "H-2A", "--fy", "2012", "--format", "json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures == {"visa": "H-2A", "fy": 2012, "rows": 8, "cases": 5, "certified_cases": 3,
                       "positions_requested": None, "positions_certified": 221,
                       "employers": 6}


@pytest.mark.django_db
def test_cli_refusal_writes_nothing_and_fails():
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("visas", "import", str(FIXTURES / "H-2A_FY2012_badcount.csv"), stdout=io.StringIO(), stderr=err)
    assert "row 3" in err.getvalue() and not VisaCase.objects.exists()
