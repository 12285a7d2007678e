"""The action contract keeps the request's address in the audit history of every change an
action makes, and leaves it empty where there is no request (a command, a job).

Before the contract, cases' own actor helper dropped the address: a case changed from the case
page had ``remote_addr=None`` in its history while a directory change had it. These tests go
through the real pages (the test client sets ``REMOTE_ADDR``, auditlog's middleware reads it) and
a real command."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from puente.cases.models import Case, CaseState
from puente.core import providers
from tests.core.helpers import make_case, make_person
from tests.factories import make_coordinator

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def updates(case):
    return LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE).order_by("pk")


def test_a_case_action_from_the_case_page_records_the_request_address():
    coordinator = make_coordinator()
    case = make_case(state=CaseState.SUBMITTED)
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(coordinator)
    response = client.post(reverse("cases:hold", args=[case.pk]), {"reason": "Waiting for the court"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.ON_HOLD
    entry = updates(case).last()
    assert "state" in entry.changes_dict
    assert entry.actor == coordinator and entry.remote_addr == ADDRESS


def test_a_case_action_through_a_core_page_records_the_request_address():
    """Core's legal-hold page asks the cases app (provider core.set_legal_hold): the address
    still reaches the case's history."""
    coordinator = make_coordinator()
    case = make_case()
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(coordinator)
    response = client.post(reverse("core:legal_hold", args=[case.pk]), {"on": "on", "reason": "Subpoena"})
    assert response.status_code == 302
    entry = updates(case).get()
    assert entry.changes_dict["legal_hold"] == ["False", "True"]
    assert entry.actor == coordinator and entry.remote_addr == ADDRESS


def test_a_case_action_without_a_request_records_no_address():
    """What a command or a job does: the action runs with no request around it."""
    coordinator = make_coordinator()
    case = make_case()
    other = make_person(given="Otra")
    providers.call("locate.client_moved", case.client, other, acting_user=None, reason="merge from a job")
    providers.call("core.set_legal_hold", case, acting_user=coordinator, on=True, reason="By the command line")
    entries = list(updates(case))
    assert len(entries) == 2
    assert all(e.remote_addr is None for e in entries)
    assert entries[0].actor is None and entries[1].actor == coordinator


def test_a_command_writes_case_history_without_an_address():
    """The retention command wipes a case closed long ago: its history has no address."""
    case = make_case(summary="Juicio terminado")
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=8 * 366))
    call_command("retention", "run", verbosity=0)
    assert Case.objects.get(pk=case.pk).summary == ""
    entry = updates(case).last()
    assert entry is not None and entry.remote_addr is None
