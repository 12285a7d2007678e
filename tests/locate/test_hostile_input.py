"""Hostile or careless input (issue 23): forms that clear nothing they were not sent, people
who always keep a name, lists that are empty, damaged, booby-trapped or oversized."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from puente.core.action_contract import ActionRefused
from puente.locate import actions
from puente.locate.importing import ImportErrors, read_table
from puente.locate.models import ImportBatch, Person

HEADER = "given_names,surname_1,surname_2,sex,birth_date,country,admin1,municipality,phone\n"


@pytest.fixture
def person(coordinator):
    return actions.do_create_person(
        acting_user=coordinator,
        given_names="María Guadalupe",
        surname_1="Tzoc",
        surname_2="Ajanel",
        birth_date="1988-04-12",
        country="GT",
        municipality="Chiantla",
        phone="5555 1234",
        consent_to_search=True,
    )


def _client(user):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    return c


def _post(client, url, data):
    """POST with a valid CSRF token (an "empty" body from a browser still carries one)."""
    client.get(url)
    return client.post(url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, **data})


def test_an_empty_edit_post_blanks_nothing(coordinator, person):
    response = _post(_client(coordinator), reverse("locate:person_edit", args=[person.pk]), {})
    assert response.status_code == 200
    assert "Nothing was sent" in response.content.decode()
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.given_names, fresh.surname_1, fresh.surname_2) == ("María Guadalupe", "Tzoc", "Ajanel")
    assert fresh.phone == "+50255551234" and fresh.birth_date == "1988-04-12" and fresh.municipality == "Chiantla"
    assert fresh.consent_to_search and fresh.speaks_spanish


def test_a_partial_edit_changes_only_what_it_sent(coordinator, person):
    response = _post(_client(coordinator), reverse("locate:person_edit", args=[person.pk]), {"phone": "5555 9876"})
    assert response.status_code == 302
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.phone == "+50255559876"
    assert (fresh.given_names, fresh.surname_1, fresh.birth_date) == ("María Guadalupe", "Tzoc", "1988-04-12")
    # Check boxes not shown by the form that posted are left alone.
    assert fresh.consent_to_search and fresh.speaks_spanish


def test_the_full_edit_form_can_still_untick_a_box(coordinator, person):
    client = _client(coordinator)
    page = client.get(reverse("locate:person_edit", args=[person.pk])).content.decode()
    assert 'name="shown"' in page
    data = {
        "given_names": "María Guadalupe",
        "surname_1": "Tzoc",
        "surname_2": "Ajanel",
        "shown": "speaks_spanish,consent_to_search",
        "speaks_spanish": "on",
    }
    assert _post(client, reverse("locate:person_edit", args=[person.pk]), data).status_code == 302
    fresh = Person.objects.get(pk=person.pk)
    assert not fresh.consent_to_search and fresh.speaks_spanish and fresh.birth_date == "1988-04-12"


def test_a_person_always_keeps_a_name(coordinator, person):
    response = _post(
        _client(coordinator),
        reverse("locate:person_edit", args=[person.pk]),
        {"given_names": "", "surname_1": "", "surname_2": ""},
    )
    assert response.status_code == 200
    assert "Give at least the given names or a surname." in response.content.decode()
    assert Person.objects.get(pk=person.pk).given_names == "María Guadalupe"
    with pytest.raises(ActionRefused) as e:
        actions.do_update_person(person, acting_user=coordinator, given_names=" ", surname_1="", surname_2="")
    assert e.value.field == "given_names"
    with pytest.raises(ActionRefused):
        actions.do_create_person(acting_user=coordinator, sex="F", country="GT")


def test_an_empty_new_person_is_refused_with_field_errors(coordinator):
    before = Person.objects.count()
    response = _post(_client(coordinator), reverse("locate:person_new"), {})
    assert response.status_code == 200
    form = response.context["form"]
    assert "given_names" in form.errors
    assert Person.objects.count() == before


def test_a_list_with_only_a_header_is_empty(coordinator, tmp_path):
    path = tmp_path / "solo-encabezado.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(ImportErrors) as e, path.open("rb") as fh:
        read_table(fh, "solo-encabezado.csv")
    assert e.value.errors == ["solo-encabezado.csv: the list is empty (a header row and no people)"]
    with pytest.raises(CommandError):
        call_command("locate", "import", str(path))
    client = _client(coordinator)
    response = _post(client, reverse("locate:import"), {"file": SimpleUploadedFile("solo.csv", HEADER.encode())})
    assert response.status_code == 200 and "the list is empty" in response.content.decode()
    assert not ImportBatch.objects.exists()


def _xlsx_bytes(rows):
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _replace_in_xlsx(xlsx: bytes, old: bytes, new: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename).replace(old, new))
    return out.getvalue()


def _with_entities(xlsx: bytes) -> bytes:
    """The same workbook with a billion-laughs entity declaration in its shared strings."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
        )
        + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>&lol9;</t></si></sst>"
    )
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = bomb if item.filename == "xl/sharedStrings.xml" else src.read(item.filename)
            dst.writestr(item, data)
        if "xl/sharedStrings.xml" not in src.namelist():
            dst.writestr("xl/sharedStrings.xml", bomb)
    return out.getvalue()


@pytest.mark.parametrize(
    "name,content,expected",
    [
        (
            "dañado.xlsx",
            b"PK\x03\x04 not really a zip",
            "dañado.xlsx: not an XLSX spreadsheet (or the file is damaged)",
        ),
        (
            "foto.xlsx",
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            "foto.xlsx: not an XLSX spreadsheet (or the file is damaged)",
        ),
        ("lista.xlsx", None, "lista.xlsx: the spreadsheet declares XML entities, which Puente does not read"),
    ],
)
def test_damaged_foreign_and_entity_expanding_spreadsheets_are_refused(coordinator, tmp_path, name, content, expected):
    if content is None:
        content = _with_entities(_xlsx_bytes([["given_names", "surname_1"], ["Ana", "Xol"]]))
    with pytest.raises(ImportErrors) as e:
        read_table(io.BytesIO(content), name)
    assert e.value.errors == [expected]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("locate", "import", str(path))
    response = _post(_client(coordinator), reverse("locate:import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200 and expected in response.content.decode()


def test_oversized_cells_and_nul_bytes_are_named_by_row_and_column(coordinator, tmp_path):
    text = (
        HEADER
        + "Ana,Xol,,F,1990,GT,,,\n"
        + "Rosa,Chuc,"
        + "x" * 131_073
        + ",F,1990,GT,,,\n"
        + "Juan,Pé\x00rez,,M,1980,MX,,,\n"
    )
    with pytest.raises(ImportErrors) as e:
        read_table(io.BytesIO(text.encode()), "lista.csv")
    assert e.value.errors == [
        "lista.csv row 3, column surname_2: the cell is longer than 131,072 characters",
        "lista.csv row 4, column surname_1: the cell contains a NUL character",
    ]
    path = tmp_path / "lista.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="2 error"):
        call_command("locate", "import", str(path))
    assert not ImportBatch.objects.exists()
    # openpyxl writes at most Excel's 32,767 characters a cell; another program may write more.
    xlsx = _replace_in_xlsx(
        _xlsx_bytes([["given_names", "surname_1"], ["Ana", "PLACEHOLDER"]]), b"PLACEHOLDER", b"y" * 131_073
    )
    with pytest.raises(ImportErrors) as e:
        read_table(io.BytesIO(xlsx), "lista.xlsx")
    assert e.value.errors == ["lista.xlsx row 2, column surname_1: the cell is longer than 131,072 characters"]
