"""Directory import and export: CSV and XLSX, row-level errors, nothing written on error."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from puente.network import actions, directory_io
from puente.network.directory_io import ImportFailed
from puente.network.models import Advocate, Defender, DefenderContact, Jurisdiction, Language, User
from tests.factories import make_advocate, make_coordinator, make_defender_org


def import_file(actor, name, content):
    """Read a file as the import page does, then import it through the action."""
    return actions.do_import_directory(directory_io.read_file(name, content), acting_user=actor)

HEADER = ",".join(directory_io.DEFENDER_COLUMNS)


@pytest.fixture
def coordinator(db):
    return make_coordinator()


def snapshot():
    defenders = {
        (d.name, d.country): (d.kind, d.city, d.capacity, d.hourly_rate, d.status, d.email, d.phone, d.bio,
                              tuple(sorted(d.regions.values_list("code", flat=True))),
                              tuple(sorted(d.languages.values_list("code", flat=True))),
                              tuple(sorted(d.expertise.values_list("code", flat=True))))
        for d in Defender.objects.all()
    }
    advocates = {
        a.user.email: (a.user.first_name, a.user.last_name, a.organisation, a.country, a.city,
                       tuple(sorted(a.jurisdictions.values_list("code", flat=True))),
                       tuple(sorted(a.languages.values_list("code", flat=True))))
        for a in Advocate.objects.select_related("user")
    }
    return defenders, advocates


def make_directory():
    make_defender_org(name="Colectivo Mam, Huehuetenango", country="GT", regions=("GT-13", "GT-12"),
                      languages=("spa", "mam", "kjb"), expertise=("locating_people", "evidence"), city="Huehuetenango",
                      bio='Acompañamiento "integral"; línea 2', hourly_rate=Money("275.50", "GTQ"))
    make_defender_org(name="Defensoría Ñuu Savi", country="MX", regions=("MX-OAX", "MX-GRO"), languages=("spa", "mix"),
                      status="paused", capacity=0, hourly_rate=Money("600", "MXN"))
    a = make_advocate(organisation="Farmworker Justice Project", first_name="Sarah", last_name="O'Brien")
    a.jurisdictions.set(Jurisdiction.objects.filter(code__in=["US-NC", "US-VA"]))
    a.languages.set(Language.objects.filter(code__in=["eng", "spa"]))
    a.save()


def wipe():
    DefenderContact.objects.all().delete()
    Defender.objects.all().delete()
    users = [a.user_id for a in Advocate.objects.all()]
    Advocate.objects.all().delete()
    User.objects.filter(pk__in=users).delete()


def test_csv_round_trip(coordinator):
    make_directory()
    before = snapshot()
    defenders_csv = directory_io.export_csv("defenders")
    advocates_csv = directory_io.export_csv("advocates")
    wipe()
    assert snapshot() == ({}, {})
    import_file(coordinator, "defenders.csv", defenders_csv)
    result = import_file(coordinator, "advocates.csv", advocates_csv)
    assert result.created["advocates"] == 1
    assert snapshot() == before


def test_xlsx_round_trip_updates_in_place(coordinator):
    make_directory()
    before = snapshot()
    data = directory_io.export_xlsx()
    Defender.objects.filter(country="GT").update(city="Otra ciudad", capacity=9)
    ids = set(Defender.objects.values_list("pk", flat=True))
    result = import_file(coordinator, "directorio.xlsx", data)
    assert result.updated == {"defenders": 2, "advocates": 1} and result.created == {"defenders": 0, "advocates": 0}
    assert set(Defender.objects.values_list("pk", flat=True)) == ids  # updated, not duplicated
    assert snapshot() == before


def test_row_errors_name_file_row_and_column_and_write_nothing(coordinator):
    content = "\n".join([
        HEADER,
        "Centro Nuevo,organisation,GT,Cobán,GT-16,spa;kek,evidence,3,200,GTQ,active,,,,,",
        "Centro Malo,organisation,GT,Cobán,GT-16;GT-99,spa,evidence,tres,200,GTQ,active,,,,,",
        ",organisation,XX,,,,,,abc,EUR,dormant,,,,,",
    ]).encode()
    with pytest.raises(ImportFailed) as exc:
        import_file(coordinator, "nuevos.csv", content)
    errors = exc.value.errors
    text = "\n".join(errors)
    assert "nuevos.csv, row 3, column regions: unknown code(s) GT-99" in text
    assert "nuevos.csv, row 3, column capacity" in text
    assert "nuevos.csv, row 4, column name: is required" in text
    assert "nuevos.csv, row 4, column country" in text
    assert "nuevos.csv, row 4, column hourly_rate" in text
    assert "nuevos.csv, row 4, column currency" in text
    assert "nuevos.csv, row 4, column status" in text
    assert not any("row 2" in e for e in errors)
    assert not Defender.objects.exists()  # the good row 2 was not written either


def test_region_must_be_in_or_next_to_the_country(coordinator):
    content = (HEADER + "\nLejos,organisation,GT,,NI-RI,spa,,3,200,GTQ,active,,,,,\n"
               "Vecino,organisation,GT,,GT-13;MX-CHP,spa,,3,200,GTQ,active,,,,,\n").encode()
    with pytest.raises(ImportFailed) as exc:
        import_file(coordinator, "f.csv", content)
    assert exc.value.errors == ["f.csv, row 2, column regions: NI-RI not in or next to GT"]


def test_phone_numbers_checked_on_import(coordinator):
    content = (HEADER + "\nCentro,organisation,HN,,HN-CR,spa,,3,500,HNL,active,,9123 4567,,,\n"
               "Otro,organisation,HN,,HN-CR,spa,,3,500,HNL,active,,,12,,\n").encode()
    with pytest.raises(ImportFailed) as exc:
        import_file(coordinator, "tel.csv", content)
    assert len(exc.value.errors) == 1 and exc.value.errors[0].startswith("tel.csv, row 3, column whatsapp:")
    import_file(coordinator, "tel.csv", content.replace(b",12,", b",,"))
    assert Defender.objects.get(name="Centro").phone == "+504 9123-4567"


def test_duplicate_rows_and_bad_advocate(coordinator):
    header = ",".join(directory_io.ADVOCATE_COLUMNS)
    content = (header + "\nana@x.org,Ana,Pérez,Clinic,US,,US-NC,eng,,xx\n"
               "ANA@x.org,Ana,Pérez,Clinic,MX,,US-ZZ,eng,,fr\n").encode()
    with pytest.raises(ImportFailed) as exc:
        import_file(coordinator, "abogados.csv", content)
    text = "\n".join(exc.value.errors)
    assert "abogados.csv, row 2, column language" in text
    assert "abogados.csv, row 3, column email: same entry as row 2" in text
    assert "abogados.csv, row 3, column country" in text
    assert "abogados.csv, row 3, column jurisdictions" in text
    assert "abogados.csv, row 3, column language" in text
    assert not User.objects.filter(email="ana@x.org").exists()


def test_unknown_file_type_and_header(coordinator):
    with pytest.raises(ImportFailed):
        import_file(coordinator, "x.pdf", b"%PDF")
    with pytest.raises(ImportFailed) as exc:
        import_file(coordinator, "x.csv", b"foo,bar\n1,2\n")
    assert "x.csv, row 1" in exc.value.errors[0]


def test_import_page_shows_errors(coordinator):
    client = Client()
    client.force_login(coordinator)
    bad = io.BytesIO((HEADER + "\nCentro,organisation,GT,,GT-77,spa,,3,200,GTQ,active,,,,,\n").encode())
    bad.name = "malo.csv"
    response = client.post(reverse("network:import"), {"file": bad})
    assert response.status_code == 200
    assert "malo.csv, row 2, column regions" in response.content.decode()
    assert not Defender.objects.exists()
    good = io.BytesIO((HEADER + "\nCentro,organisation,GT,,GT-13,spa,,3,200,GTQ,active,,,,,\n").encode())
    good.name = "bueno.csv"
    assert client.post(reverse("network:import"), {"file": good}).status_code == 302
    assert Defender.objects.get().name == "Centro"


def test_export_page(coordinator):
    make_directory()
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("network:export") + "?format=csv&kind=defenders")
    assert response.status_code == 200 and "Colectivo Mam" in response.content.decode("utf-8-sig")
    response = client.get(reverse("network:export") + "?format=xlsx")
    assert response.content[:2] == b"PK"


def test_management_commands(coordinator, tmp_path):
    make_directory()
    out = tmp_path / "dir.xlsx"
    call_command("network", "export", "--format", "xlsx", "-o", str(out))
    csv_out = tmp_path / "def.csv"
    call_command("network", "export", "--format", "csv", "--kind", "defenders", "-o", str(csv_out))
    assert "Colectivo Mam" in csv_out.read_text(encoding="utf-8-sig")
    before = snapshot()
    wipe()
    call_command("network", "import", str(out), stdout=io.StringIO())
    assert snapshot() == before
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\nX,organisation,GT,,GT-99,spa,,3,200,GTQ,active,,,,,\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("network", "import", str(bad), stderr=err)
    assert "bad.csv, row 2, column regions" in err.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formulas_are_not_exported_as_formulas(coordinator, fmt):
    from openpyxl import load_workbook

    make_defender_org(name="Colectivo Mam", country="GT", regions=("GT-13",),
                      bio='=HYPERLINK("http://evil.example","clic")', phone="+502 7764 0000")
    if fmt == "csv":
        data = directory_io.export_csv("defenders")
        text = data.decode("utf-8-sig")
        assert "'=HYPERLINK" in text and ",+502 7764 0000," in text
    else:
        data = directory_io.export_xlsx()
        ws = load_workbook(io.BytesIO(data))["Defenders"]
        bio = ws.cell(row=2, column=directory_io.DEFENDER_COLUMNS.index("bio") + 1)
        assert bio.data_type == "s" and bio.value.startswith("'=")
    # Import restores the text as it was.
    Defender.objects.all().delete()
    import_file(coordinator, f"d.{fmt}", data)
    assert Defender.objects.get().bio == '=HYPERLINK("http://evil.example","clic")'


def test_an_import_never_marks_the_agreement_signed(coordinator):
    """Older exports carry agreement_signed_at and agreement_version: accepted and ignored. Only the
    Advocate signs the Advocate Agreement (issue 14)."""
    header = ",".join([*directory_io.ADVOCATE_COLUMNS, *directory_io.ADVOCATE_IGNORED_COLUMNS])
    content = (header + "\nana@x.org,Ana,Pérez,Clinic,US,,US-NC,eng,,en,2025-03-31,2025-1\n").encode()
    import_file(coordinator, "abogados.csv", content)
    advocate = Advocate.objects.get(user__email="ana@x.org")
    assert not advocate.has_signed_agreement and advocate.agreement_version == ""
