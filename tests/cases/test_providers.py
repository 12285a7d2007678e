"""What the apps below cases ask of it through providers (puente/core/providers.py): a client moved
after a merge (timeline + audit), whether a person is a client, legal hold, finding a case, and
the cases naming a visa employer."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry

from puente.cases import api
from puente.cases.models import Case, CaseTransition
from puente.core import providers
from puente.core.action_contract import ActionRefused
from puente.locate.models import Person
from puente.visas.api import key as visas_key
from puente.visas.models import Employer, EmployerName
from tests.cases.helpers import submit

pytestmark = pytest.mark.django_db


def test_client_moved_writes_the_timeline_and_the_audit_history(world):
    old_client = world.case.client
    kept = Person.objects.create(given_names="María Guadalupe", surname_1="Xol", country="GT")
    second = submit(world.advocate_profile)
    Case.objects.filter(pk=second.pk).update(client=old_client)
    moved = providers.call(
        "locate.client_moved", old_client, kept, acting_user=world.coordinator, reason="Same person, two records"
    )
    assert sorted(moved) == sorted([world.case.pk, second.pk])
    world.case.refresh_from_db()
    assert world.case.client == kept
    row = CaseTransition.objects.get(case=world.case, event=CaseTransition.Event.CLIENT_MOVED)
    assert row.actor == world.coordinator and f"#{old_client.pk} → #{kept.pk}" in row.note
    assert "María" not in row.note  # records by number, never by name
    change = [
        e for e in LogEntry.objects.get_for_object(world.case).order_by("timestamp") if "client" in e.changes_dict
    ][-1]
    assert change.actor == world.coordinator
    # An undo moves back only the cases the merge moved.
    third = submit(world.advocate_profile)
    Case.objects.filter(pk=third.pk).update(client=kept)
    back = providers.call(
        "locate.client_moved", kept, old_client, acting_user=world.coordinator, reason="Undo", case_ids=[world.case.pk]
    )
    assert back == [world.case.pk]
    assert Case.objects.get(pk=third.pk).client == kept


def test_client_moved_needs_people_manage(world):
    with pytest.raises(ActionRefused, match="You may not do this"):
        providers.call(
            "locate.client_moved",
            world.case.client,
            world.submitted_case.client,
            acting_user=world.defender,
            reason="x",
        )


def test_person_in_use(world):
    assert providers.call("locate.person_in_use", world.case.client) is True
    assert providers.call("locate.person_in_use", Person.objects.create(given_names="Nadie")) is False


def test_legal_hold_by_reference_with_the_request_address_in_the_audit(world):
    # As in a request: AuditlogMiddleware put the address in auditlog's context.
    with set_actor(world.coordinator, remote_addr="203.0.113.7"):
        case = providers.call(
            "core.set_legal_hold",
            world.case.reference,
            acting_user=world.coordinator,
            on=True,
            reason="Subpoena 2026-44",
        )
    assert case.legal_hold and case.legal_hold_reason == "Subpoena 2026-44"
    entry = [
        e for e in LogEntry.objects.get_for_object(world.case).order_by("timestamp") if "legal_hold" in e.changes_dict
    ][-1]
    assert entry.actor == world.coordinator and entry.remote_addr == "203.0.113.7"
    with pytest.raises(ActionRefused) as refused:
        providers.call("core.set_legal_hold", world.case, acting_user=world.coordinator, on=True, reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(ActionRefused, match="You may not do this"):
        providers.call("core.set_legal_hold", world.case, acting_user=world.advocate, on=False, reason="")
    with pytest.raises(ActionRefused, match="No case has this reference"):
        providers.call("core.set_legal_hold", "PU-1999-99999", acting_user=world.coordinator, on=False, reason="")
    providers.call("core.set_legal_hold", world.case, acting_user=world.coordinator, on=False, reason="")
    world.case.refresh_from_db()
    assert not world.case.legal_hold and world.case.legal_hold_reason == ""


def test_find_case(world):
    assert providers.call("core.find_case", world.case.reference.lower()) == world.case
    assert providers.call("core.find_case", f"#{world.case.pk}") == world.case
    assert providers.call("core.find_case", "") is None and providers.call("core.find_case", "nope") is None


def test_cases_naming_an_employer_follow_the_access_rules(world):
    employer = Employer.objects.create(name="SMITH TOBACCO FARMS LLC", key=visas_key("SMITH TOBACCO FARMS LLC"))
    EmployerName.objects.create(
        name="Smith Tobacco Farms, L.L.C.", key=visas_key("Smith Tobacco Farms, L.L.C."), employer=employer
    )
    found = providers.call("visas.cases_naming_employer", employer, world.coordinator)
    assert {p.case for p in found} >= {world.case, world.submitted_case}
    assert all(p.name == "Smith Tobacco Farms LLC" for p in found)
    # Only Coordinators with visas.internal; nobody else learns which cases name it.
    for user in (world.advocate, world.defender):
        assert providers.call("visas.cases_naming_employer", employer, user) == []
    assert api.cases_naming_employer(employer, world.coordinator) == found
