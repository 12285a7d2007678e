import csv

import pytest
from django.core.management import CommandError, call_command

from puente.locate import actions
from puente.locate.importing import ImportErrors, read_table, validate
from puente.locate.models import ImportBatch, LinkReview, Person

HEADER = "id,given_names,surname_1,surname_2,sex,birth_date,country,admin1,municipality,phone\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_errors_name_file_row_and_column_and_write_nothing(tmp_path, coordinator):
    path = write(
        tmp_path,
        "padres.csv",
        HEADER
        + "1,José,Hernández,López,M,1984-07-12,MX,MX-OAX,Juchitán,9511234567\n"
        + "2,Rosa,Chuc,,F,1990-13-02,GT,,,\n"
        + "3,,,,X,1970,XX,,,12\n",
    )
    before = Person.objects.count()
    with pytest.raises(CommandError):
        call_command("locate", "import", str(path))
    assert Person.objects.count() == before and not ImportBatch.objects.exists()
    with path.open("rb") as fh:
        headers, rows = read_table(fh, "padres.csv")
    with pytest.raises(ImportErrors) as e:
        validate(headers, rows, {h: h for h in headers if h != "id"}, "padres.csv")
    errors = e.value.errors
    assert "padres.csv row 3, column birth_date: “1990-13-02” is not a date (YYYY, YYYY-MM or YYYY-MM-DD)" in errors
    assert any(x.startswith("padres.csv row 4, column given_names") for x in errors)
    assert any(x.startswith("padres.csv row 4, column country") for x in errors)
    assert any(x.startswith("padres.csv row 4, column phone") for x in errors)


def test_import_cli_links_duplicates_and_known_people(tmp_path, coordinator):
    known = actions.do_create_person(
        acting_user=coordinator,
        given_names="José",
        surname_1="Hernández",
        surname_2="López",
        sex="M",
        birth_date="1984-07-12",
        country="MX",
        phone="9511234567",
    )
    path = write(
        tmp_path,
        "lista.csv",
        HEADER
        + "a,JOSE,HERNANDEZ,LOPEZ,M,1984-07-12,MX,,,951 123 4567\n"
        + "b,María Guadalupe,Tzoc,Ajanel,F,1990-03-02,GT,,Chiantla,\n"
        + "c,Guadalupe,Tzoc,Ajanel,F,1990-03-02,GT,,Chiantla,\n"
        + "d,Pedro,Cux,,M,1975,GT,,,\n",
    )
    call_command("locate", "import", str(path), "--as", coordinator.email)
    batch = ImportBatch.objects.get()
    assert batch.created == 4 and batch.linked == 1 and batch.duplicates_in_list == 1
    known.refresh_from_db()
    assert Person.objects.filter(merged_into=known).count() == 1
    assert Person.objects.filter(merged_into__isnull=True).count() == 3  # José, Guadalupe Tzoc, Pedro
    assert not LinkReview.objects.filter(status="pending").exclude(batch=batch).exists()


def test_uncertain_link_goes_to_review_and_can_be_decided(coordinator):
    existing = actions.do_create_person(
        acting_user=coordinator, given_names="Pedro", surname_1="Cux", birth_date="1975", country="GT"
    )
    batch = actions.do_import_people(
        [dict(given_names="Pedro", surname_1="Cux", birth_date="1976", country="GT")],
        acting_user=coordinator,
        filename="x.csv",
    )
    review = LinkReview.objects.get(batch=batch)
    assert review.existing == existing and 0.5 <= review.probability < 0.95
    actions.do_decide_review(review, acting_user=coordinator, confirm=True)
    review.refresh_from_db()
    assert review.status == "confirmed" and review.merge is not None
    assert Person.objects.get(pk=review.imported_id).merged_into_id == existing.pk


def test_link_cli_on_small_files(tmp_path):
    left = write(
        tmp_path,
        "left.csv",
        HEADER
        + "L1,Pepe,Hernandez,Lopez,M,1984-07-12,MX,MX-OAX,Juchitan,\n"
        + "L2,Guadalupe,Ajanel,Tzoc,F,1990-02-03,GT,GT-13,Chiantla,\n"
        + "L3,Xiomara,Zúñiga,Bonilla,F,2001-01-01,HN,,,\n",
    )
    right = write(
        tmp_path,
        "right.csv",
        HEADER
        + "R1,José,Hernández,López,M,1984-07-12,MX,MX-OAX,Juchitán de Zaragoza,\n"
        + "R2,María Guadalupe,Tzoc,Ajanel,F,1990-03-02,GT,GT-13,Chiantla,\n"
        + "R3,José,Hernández,López,M,1962-11-30,MX,MX-GRO,,\n"
        + "R4,Juan Carlos,Hernández,López,M,1987-02-03,MX,MX-OAX,,\n",
    )
    out = tmp_path / "pairs.csv"
    call_command("locate", "link", str(left), str(right), "--out", str(out))
    rows = list(csv.DictReader(out.open()))
    assert [(r["left_id"], r["right_id"]) for r in rows] == [("L1", "R1"), ("L2", "R2")]
    assert all(float(r["match_probability"]) > 0.9 for r in rows)


def test_batch_search_cli(tmp_path, coordinator):
    p = actions.do_create_person(
        acting_user=coordinator,
        given_names="Jesús",
        surname_1="de la Cruz",
        surname_2="Pérez",
        birth_date="1992-01-15",
        consent_to_search=True,
    )
    queries = write(tmp_path, "q.csv", "query_id,name,birth_date\nq1,Chuy Cruz Peres,1992-15-01\nq2,,\n")
    out = tmp_path / "r.csv"
    call_command("locate", "search", "--batch", str(queries), "--limit", "5", "--out", str(out))
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["query_id"] == "q1" and rows[0]["person_id"] == str(p.pk) and rows[0]["rank"] == "1"
    assert "nickname Chuy = Jesús" in rows[0]["reasons"]


def test_web_import_maps_columns_shows_errors_then_imports(coordinator, tmp_path):
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Nombre", "Apellido paterno", "Apellido materno", "Fecha de nacimiento", "País", "Teléfono"])
    ws.append(["Santiago", "Xol", "Caal", "1980-05-02", "GT", "5555 1234"])
    ws.append(["Rosa", "Chuc", "", "1979-02-30", "GT", ""])
    buf = io.BytesIO()
    wb.save(buf)
    client = Client()
    client.force_login(coordinator)
    url = reverse("locate:import")
    upload = SimpleUploadedFile("padres.xlsx", buf.getvalue())
    assert client.post(url, {"file": upload}).status_code == 302
    page = client.get(url).content.decode()
    assert 'value="Apellido paterno" selected' in page  # guessed mapping
    mapping = {
        "given_names": "Nombre",
        "surname_1": "Apellido paterno",
        "surname_2": "Apellido materno",
        "birth_date": "Fecha de nacimiento",
        "country": "País",
        "phone": "Teléfono",
    }
    page = client.post(url, {**mapping, "confirm": "1"}).content.decode()
    assert "padres.xlsx row 3, column Fecha de nacimiento" in page
    assert Person.objects.count() == 0 and not ImportBatch.objects.exists()
    mapping["birth_date"] = ""
    page = client.post(url, {**mapping, "preview": "1"}).content.decode()
    assert "Import all rows" in page and "+50255551234" in page
    response = client.post(url, {**mapping, "confirm": "1"})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.created == 2 and Person.objects.count() == 2
    # The upload was kept encrypted between the steps, and is gone now.
    assert "locate_import" not in client.session


def test_reindex_recomputes_keys(coordinator):
    p = actions.do_create_person(
        acting_user=coordinator,
        given_names="Concepción",
        surname_1="Xol",
        birth_date="1960-03-04",
        consent_to_search=True,
    )
    Person.objects.filter(pk=p.pk).update(search_keys="", birth_keys="")
    call_command("locate", "reindex")
    p.refresh_from_db()
    assert "g=konsepsion" in p.search_keys and "s1=jol" in p.search_keys and len(p.birth_keys.split()) == 2
