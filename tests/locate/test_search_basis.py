"""Why a person may be searched for (issue 16): consent, or a named legal basis set for a whole
import by the Coordinator who imports it; search applies it; the page and the history show it."""

import csv

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from puente.core.action_contract import ActionRefused
from puente.locate import actions
from puente.locate.models import ImportBatch, Person
from puente.locate.search import Query, search_people

HEADER = "given_names,surname_1,surname_2,sex,birth_date,country,admin1,municipality,phone\n"
ROWS = "Santiago,Xol,Caal,M,1979-05-02,GT,Alta Verapaz,Cobán,\nRosa Elvira,Chuc,Tzul,F,1983-11-20,GT,Quiché,,\n"


def test_a_court_ordered_list_is_findable_by_batch_and_coordinator_search(coordinator, tmp_path):
    path = tmp_path / "padres.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    call_command("locate", "import", str(path), "--no-link", "--basis", "court_order",
                 "--basis-note", "Ms. L. v. ICE, S.D. Cal. 18-cv-00428")
    batch = ImportBatch.objects.get()
    assert batch.search_basis == "court_order"
    people = list(Person.objects.order_by("pk"))
    assert {p.search_basis for p in people} == {"court_order"}
    assert all(p.search_basis_by == coordinator and "18-cv-00428" in p.search_basis_note for p in people)
    assert not any(p.consent_to_search for p in people)
    # Without --all: the basis is the ground for searching.
    queries = tmp_path / "q.csv"
    queries.write_text("query_id,name,birth_date\n1,Santiago Xol,1979\n2,Rosa Chuc,1983\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    call_command("locate", "search", "--batch", str(queries), "--out", str(out))
    with out.open(encoding="utf-8") as fh:
        found = {(r["query_id"], r["rank"]): int(r["person_id"]) for r in csv.DictReader(fh)}
    assert found[("1", "1")] == people[0].pk and found[("2", "1")] == people[1].pk
    assert [m.person_id for m in search_people(coordinator, Query(name="Santiago Xol Caal"))][:1] == [people[0].pk]
    page = Client()
    page.force_login(coordinator)
    body = page.get(reverse("locate:person_detail", args=[people[0].pk])).content.decode()
    assert "Court order: Ms. L. v. ICE, S.D. Cal. 18-cv-00428" in body
    entry = LogEntry.objects.get_for_object(people[0]).filter(action=LogEntry.Action.CREATE).get()
    assert entry.changes_dict["search_basis"][1] == "court_order"


def test_without_a_basis_or_consent_an_imported_person_is_not_found(coordinator, tmp_path):
    path = tmp_path / "lista.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    call_command("locate", "import", str(path), "--no-link")
    assert search_people(coordinator, Query(name="Santiago Xol Caal")) == []


def test_a_basis_must_name_the_order_or_the_partner(coordinator, tmp_path):
    path = tmp_path / "lista.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    with pytest.raises(CommandError, match="basis-note"):
        call_command("locate", "import", str(path), "--no-link", "--basis", "partner_referral")
    with pytest.raises(ActionRefused) as e:
        actions.do_import_people([dict(given_names="Ana", surname_1="Xol")], acting_user=coordinator,
                                 filename="x.csv", search_basis="partner_referral", search_basis_note=" ")
    assert e.value.field == "search_basis_note"
    assert not Person.objects.exists()
    person = actions.do_create_person(acting_user=coordinator, given_names="Ana", surname_1="Xol")
    actions.do_update_person(person, acting_user=coordinator, search_basis="partner_referral",
                             search_basis_note="Centro de Retornados, San Pedro Sula")
    person.refresh_from_db()
    assert person.searchable and person.search_basis_by == coordinator
