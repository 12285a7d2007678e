"""Cross-party reads are refused; internal notes only for Coordinators; reading a client is logged."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from puente.cases.access import visible_cases
from puente.locate.models import Person

pytestmark = pytest.mark.django_db


def get(user, name, *args, **query):
    client = Client()
    client.force_login(user)
    return client.get(reverse(name, args=args), query)


def test_visible_cases_per_role(world):
    assert set(visible_cases(world.coordinator)) >= {world.case, world.submitted_case}
    # Other apps' worlds add cases of their own; each role sees exactly its part of all of them.
    assert {world.case, world.submitted_case} <= set(visible_cases(world.advocate))
    assert all(c.advocate == world.advocate_profile for c in visible_cases(world.advocate))
    assert world.case in visible_cases(world.defender) and world.submitted_case not in visible_cases(world.defender)
    assert all(c.defender == world.defender_org for c in visible_cases(world.defender))
    assert world.case not in visible_cases(world.other_advocate)
    assert world.case not in visible_cases(world.other_defender)
    assert all(c.defender == world.other_defender_org for c in visible_cases(world.other_defender))
    world.defender.is_active = False
    assert not visible_cases(world.defender).exists()


@pytest.mark.parametrize("name", ["cases:detail", "cases:contract", "cases:contract_diff", "cases:contract_pdf"])
def test_cross_party_reads_are_404_and_reveal_nothing(world, name):
    for user in (world.other_advocate, world.other_defender):
        response = get(user, name, world.case.pk)
        assert response.status_code == 404
        assert world.case.reference not in response.content.decode()


def test_internal_notes_only_for_coordinators(world):
    note = "Advocate prefers WhatsApp."
    assert note in get(world.coordinator, "cases:review", world.case.pk).content.decode()
    for user in (world.advocate, world.defender):
        page = get(user, "cases:detail", world.case.pk).content.decode()
        assert note not in page
        assert get(user, "cases:review", world.case.pk).status_code == 403


def test_client_details_shown_to_parties_and_reading_is_logged(world):
    person_ct = ContentType.objects.get_for_model(Person)
    before = LogEntry.objects.filter(content_type=person_ct, object_pk=str(world.case.client_id),
                                     action=LogEntry.Action.ACCESS).count()
    page = get(world.defender, "cases:detail", world.case.pk).content.decode()
    assert "María Guadalupe Xol Chuc" in page and "+50255551234" in page
    after = LogEntry.objects.filter(content_type=person_ct, object_pk=str(world.case.client_id),
                                    action=LogEntry.Action.ACCESS)
    assert after.count() == before + 1
    assert after.latest("timestamp").actor == world.defender
    # The client's name is nowhere in the audit history in clear.
    assert not LogEntry.objects.filter(changes_text__icontains="Guadalupe").exists()
    assert not LogEntry.objects.filter(object_repr__icontains="Guadalupe").exists()


def test_defender_does_not_see_unassigned_or_declined_requests(world):
    page = get(world.defender, "cases:my_assignments").content.decode()
    assert world.case.reference in page and world.submitted_case.reference not in page
    assert "Mis asignaciones" in page
    assert world.case.reference not in get(world.other_defender, "cases:my_assignments").content.decode()
    assert world.case.reference not in get(world.other_advocate, "cases:my_cases").content.decode()
