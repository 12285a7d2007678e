"""PFIF 1.4: a project's people (those who consented to be searched for) and their notes go out
as a feed and come back into a fresh database equal; hostile or broken XML is refused by name."""

import ast
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from puente.api import pfif
from puente.locate import actions as locate
from puente.locate.models import Person
from puente.network.models import Region
from tests.api.helpers import make_token, token_client
from tests.factories import make_coordinator, make_defender_org

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PUENTE = str(Path(sys.executable).parent / "puente")

PEOPLE = [
    {
        "given_names": "María Guadalupe",
        "surname_1": "Tzoc",
        "surname_2": "Ajanel",
        "sex": "F",
        "birth_date": "1988-04",
        "country": "GT",
        "region": "GT-13",
        "municipality": "Cuilco",
        "other_names": "Lupita",
    },
    {
        "given_names": "José Luis",
        "surname_1": "de la Cruz",
        "surname_2": "",
        "sex": "M",
        "birth_date": "1979",
        "country": "MX",
        "region": "MX-OAX",
        "municipality": "Santiago Juxtlahuaca",
        "other_names": "",
    },
    {
        "given_names": "Ñeco",
        "surname_1": "Xol",
        "surname_2": "Caal",
        "sex": "",
        "birth_date": "",
        "country": "GT",
        "region": "",
        "municipality": "",
        "other_names": "",
    },
]
NOTES = {
    "Tzoc": [
        (date(2026, 1, 10), "phone", "no_answer", "Nadie contestó."),
        (date(2026, 1, 12), "home_visit", "reached", "Vive con su hermana; quiere que su hijo regrese."),
    ],
    "de la Cruz": [(date(2026, 2, 1), "community_leader", "message_left", "")],
    "Xol": [],
}
FIELDS = [
    "given_names",
    "surname_1",
    "surname_2",
    "sex",
    "birth_date",
    "country",
    "region",
    "municipality",
    "other_names",
]


def _project():
    coordinator = make_coordinator()
    make_defender_org(name="Centro Mam", regions=("GT-13",))
    project = locate.do_create_project(acting_user=coordinator, name="Ms. L.")
    for data in PEOPLE:
        fields = dict(data, consent_to_search=True)
        fields["region"] = Region.objects.filter(code=fields["region"]).first()
        person = locate.do_create_person(acting_user=coordinator, **fields)
        entry = locate.do_add_to_project(project, person, acting_user=coordinator)
        for when, method, result, text in NOTES[data["surname_1"]]:
            locate.do_log_contact_attempt(
                entry, acting_user=coordinator, date=when, method=method, result=result, notes=text
            )
    hidden = locate.do_create_person(acting_user=coordinator, given_names="Sin", surname_1="Consentimiento")
    entry = locate.do_add_to_project(project, hidden, acting_user=coordinator)
    locate.do_log_contact_attempt(
        entry, acting_user=coordinator, date=date(2026, 1, 1), method="phone", result="reached", notes="secreto"
    )
    return coordinator, project


def _expected():
    out = {}
    for data in PEOPLE:
        notes = [[w.isoformat(), m, r, t] for w, m, r, t in NOTES[data["surname_1"]]]
        out[data["surname_1"]] = {"person": {f: data[f] for f in FIELDS}, "notes": notes}
    return out


DUMP = """
import json
from puente.locate.models import ProjectPerson
out = {}
for e in ProjectPerson.objects.select_related("person__region").order_by("pk"):
    p = e.person
    out[p.surname_1] = {"person": {"given_names": p.given_names, "surname_1": p.surname_1, "surname_2": p.surname_2,
        "sex": p.sex, "birth_date": p.birth_date, "country": p.country, "region": p.region.code if p.region else "",
        "municipality": p.municipality, "other_names": p.other_names},
        "notes": [[a.date.isoformat(), a.method, a.result, a.notes] for a in e.attempts.order_by("date", "pk")]}
print("DUMP" + json.dumps(out))
"""

IMPORT = """
from puente.api import pfif
from puente.api.actions import do_import_pfif
from puente.network.models import User
user = User.objects.filter(email="import@example.org").first() or User.objects.create_user(
    email="import@example.org", password=None, role="coordinator", first_name="Ana", last_name="Importa")
from puente.locate.models import ReunificationProject
records = pfif.parse(open(FEED, "rb").read())
project = ReunificationProject.objects.filter(pk=PROJECT).first()
print("COUNTS", do_import_pfif(records, acting_user=user, project=project, project_name="Ms. L. (import)"))
"""


def _counts(output):
    return ast.literal_eval(output.split("COUNTS", 1)[1].strip())


def _puente(env, *args, code=None):
    cmd = [PUENTE, *args] if code is None else [PUENTE, "shell", "-c", code]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # noqa: S603 - our own command, fixed arguments
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_a_projects_feed_round_trips_into_a_fresh_database(tmp_path):
    coordinator, project = _project()
    _t, secret = make_token(coordinator)
    r = token_client(secret).get(f"/api/v1/reunification/projects/{project.pk}/pfif/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/xml")
    feed = r.content
    assert b"Consentimiento" not in feed and b"secreto" not in feed  # no consent, not shared
    records = pfif.parse(feed)
    assert len(records) == 3 and sum(len(p.notes) for p in records) == 3
    assert all(p.record_id.startswith("puente.invalid/person.") for p in records)

    path = tmp_path / "feed.pfif.xml"
    path.write_bytes(feed)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        PUENTE_DATA_DIR=str(tmp_path / "data"),
        PUENTE_DEBUG="1",
        PUENTE_TASKS_SYNC="1",
    )
    env.pop("PUENTE_DATA_KEYS", None)
    _puente(env, "migrate", "-v0")
    code = IMPORT.replace("FEED", repr(str(path)))
    first = _counts(_puente(env, code=code.replace("PROJECT", "None")))
    assert (first["people"], first["notes"], first["skipped"]) == (3, 3, 0)
    # the same feed again, into the same project: nothing new
    again = _counts(_puente(env, code=code.replace("PROJECT", str(first["project"]))))
    assert (again["people"], again["notes"], again["skipped"], again["project"]) == (0, 0, 3, first["project"])
    dump = _puente(env, code=DUMP)
    imported = json.loads(dump.split("DUMP", 1)[1])
    assert imported == _expected()


def test_export_of_people_lists_only_consenting_people_the_user_may_see():
    coordinator, _project_ = _project()
    _t, secret = make_token(coordinator)
    feed = token_client(secret).get("/api/v1/people/pfif/").content
    names = {p.fields["surname_1"] for p in pfif.parse(feed)}
    assert names == {"Tzoc", "de la Cruz", "Xol"}


def test_import_through_the_api_and_refusals_by_name(tmp_path):
    coordinator, project = _project()
    _t, secret = make_token(coordinator)
    api = token_client(secret)
    feed = api.get(f"/api/v1/reunification/projects/{project.pk}/pfif/").content
    # The records exist here (same record ids are not ours yet): import adds copies into a new project.
    before = Person.objects.count()
    r = api.post(
        "/api/v1/people/pfif/import/",
        {"file": SimpleUploadedFile("f.xml", feed), "project_name": "Copia"},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert r.json()["people"] == 3 and Person.objects.count() == before + 3

    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>&lol2;</pfif:person></pfif:pfif>'
    )
    r = api.post("/api/v1/people/pfif/import/", {"file": SimpleUploadedFile("bomb.xml", bomb)}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()["error"]["fields"]

    bad = feed.replace(b"<pfif:sex>female</pfif:sex>", b"<pfif:sex>mujer</pfif:sex>")
    r = api.post("/api/v1/people/pfif/import/", {"file": SimpleUploadedFile("bad.xml", bad)}, format="multipart")
    assert r.status_code == 400
    assert "person 1" in r.json()["error"]["fields"]["file"][0] and "mujer" in r.json()["error"]["fields"]["file"][0]
    assert Person.objects.count() == before + 3  # nothing half-written


@override_settings(PUENTE_PFIF_DOMAIN="puente.example.org")
def test_expired_records_are_not_imported():
    xml = b"""<?xml version="1.0"?><pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>
      <pfif:person_record_id>other.org/p1</pfif:person_record_id><pfif:expiry_date>2001-01-01T00:00:00Z</pfif:expiry_date>
      <pfif:given_name>Old</pfif:given_name></pfif:person></pfif:pfif>"""
    assert pfif.parse(xml) == []
