"""The request form, the dashboards, program figures and the reminders command."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from puente.cases import actions
from puente.cases.figures import compute
from puente.cases.models import Case, CaseParty, Notification, Task
from puente.locate.models import Person

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def request_post(**over):
    data = {
        "client-given_names": "José Luis",
        "client-surname_1": "Cux",
        "client-surname_2": "",
        "client-sex": "M",
        "client-birth_date": "1979",
        "client-country": "GT",
        "client-region": "",
        "client-municipality": "",
        "client-community": "Caserío Chuicutama",
        "client-phone": "",
        "client-whatsapp": "+502 4444 0000",
        "client-language": "",
        "client-speaks_spanish": "on",
        "case-claim_type": "recruitment_fraud",
        "case-court": "DOL Wage and Hour Division",
        "case-docket_number": "",
        "case-summary": "Recruiter charged a fee of 20,000 quetzales.",
        "case-deadline": "",
        "case-urgency": "urgent",
        "party-TOTAL_FORMS": "3",
        "party-INITIAL_FORMS": "0",
        "party-0-kind": "recruiter",
        "party-0-name": "Reclutadora del Norte",
        "party-1-kind": "employer",
        "party-1-name": "",
        "party-2-kind": "employer",
        "party-2-name": "",
        "task-TOTAL_FORMS": "4",
        "task-INITIAL_FORMS": "0",
        "task-0-kind": "declaration",
        "task-0-description": "In K'iche'",
        "task-0-due_date": "2027-01-15",
        "task-1-kind": "documents",
        "task-1-description": "",
        "task-1-due_date": "",
        "task-2-kind": "",
        "task-2-description": "",
        "task-2-due_date": "",
        "task-3-kind": "",
        "task-3-description": "",
        "task-3-due_date": "",
    }
    data.update(over)
    return data


def test_request_form_creates_case_client_parties_tasks(world):
    client = login(world.other_advocate)
    existing = set(Case.objects.values_list("pk", flat=True))
    response = client.post(reverse("cases:request_new"), request_post())
    case = Case.objects.exclude(pk__in=existing).get()
    assert case.advocate == world.other_advocate_profile
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.state == "submitted" and case.urgency == "urgent" and case.claim_type == "recruitment_fraud"
    assert list(case.parties.values_list("kind", "name")) == [("recruiter", "Reclutadora del Norte")]
    assert {(t.kind, t.due_date) for t in case.tasks.all()} == {
        ("declaration", datetime.date(2027, 1, 15)),
        ("documents", None),
    }
    person = case.client
    assert (
        person.full_name == "José Luis Cux"
        and person.whatsapp == "+50244440000"
        and person.created_by == world.other_advocate
    )
    # Stored encrypted: the raw column does not hold the name.
    with connection.cursor() as cur:
        table = connection.ops.quote_name(Person._meta.db_table)
        cur.execute(f"SELECT given_names FROM {table} WHERE id = %s", [person.pk])  # noqa: S608 (table name from model metadata)
        assert "José" not in cur.fetchone()[0]
    assert case.transitions.get().to_state == "submitted"
    assert Notification.objects.filter(user=world.coordinator, case=case).exists()


@pytest.mark.parametrize(
    "over,error",
    [
        ({"client-given_names": "", "client-surname_1": "", "client-whatsapp": ""}, "name or a phone"),
        ({"task-0-kind": "", "task-1-kind": ""}, "at least one task"),
        ({"client-birth_date": "15/07/1984"}, "YYYY"),
        ({"case-claim_type": "bogus"}, "bogus"),
    ],
)
def test_bad_request_writes_nothing(world, over, error):
    client = login(world.other_advocate)
    before = (Case.objects.count(), Person.objects.count(), CaseParty.objects.count(), Task.objects.count())
    response = client.post(reverse("cases:request_new"), request_post(**over))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert (Case.objects.count(), Person.objects.count(), CaseParty.objects.count(), Task.objects.count()) == before


def test_queue_groups_by_step_with_overdue(world):
    task = world.task
    Task.objects.filter(pk=task.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=2))
    page = login(world.coordinator).get(reverse("cases:queue")).content.decode()
    assert 'id="step-active"' in page and 'id="step-submitted"' in page
    assert world.case.reference in page and world.submitted_case.reference in page
    assert "Overdue tasks" in page and "1 overdue task" in page


def test_review_page_offers_matching_panel_and_tools(world):
    page = login(world.coordinator).get(reverse("cases:review", args=[world.submitted_case.pk])).content.decode()
    assert f'hx-get="{reverse("cases:match_suggestions", args=[world.submitted_case.pk])}"' in page
    assert 'hx-trigger="load"' in page
    assert reverse("cases:decline", args=[world.submitted_case.pk]) in page


def test_figures_and_csv(world):
    actions.do_report_outcome(
        world.case, acting_user=world.advocate, result="settled", amount_recovered=Money("1000.50", "USD")
    )
    data = compute(Case.objects.filter(pk__in=[world.case.pk, world.submitted_case.pk]))
    assert data["total"] == 2
    assert ("Guatemala", "GT", 2) in data["by_country"]
    assert {(k, v) for _l, k, v in data["by_state"]} == {("active", 1), ("submitted", 1)}
    assert data["assigned"] == 1 and data["median_days_to_assignment"] == 0.0
    assert data["recovered"] == [("USD", Money("1000.50", "USD").amount)]
    response = login(world.coordinator).get(reverse("cases:figures_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "label", "value"]
    assert ["outcomes", "settled", "Settled", "1"] in rows
    assert ["recovered", "USD", "Amount recovered", "1000.50"] in rows
    # No person's name in the figures.
    assert "Xol" not in response.content.decode()
    assert login(world.advocate).get(reverse("cases:figures_csv")).status_code == 403


def test_remind_sends_deadline_and_outcome_reminders_once(world, settings, django_capture_on_commit_callbacks):
    settings.PUENTE_OUTCOME_REMINDER_DAYS = 30
    Task.objects.filter(pk=world.task.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=2))
    Case.objects.filter(pk=world.case.pk).update(assigned_at=timezone.now() - datetime.timedelta(days=31))
    mail.outbox.clear()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cases", "remind", stdout=out)
    deadline = Notification.objects.filter(kind="deadline", case=world.case)
    assert {n.user for n in deadline} == {world.advocate, world.defender}
    assert "vence" in deadline.get(user=world.defender).text
    assert Notification.objects.filter(kind="outcome", case=world.case, user=world.advocate).count() == 1
    assert mail.outbox
    # Run again: nothing new.
    call_command("cases", "remind", stdout=io.StringIO())
    assert Notification.objects.filter(kind__in=["deadline", "outcome"], case=world.case).count() == 3
    # A known outcome stops the outcome reminders.
    actions.do_report_outcome(world.case, acting_user=world.advocate, result="dismissed")
    Notification.objects.filter(kind="outcome").delete()
    call_command("cases", "remind", stdout=io.StringIO())
    assert not Notification.objects.filter(kind="outcome", case=world.case).exists()


def test_notifications_page_marks_read(world):
    client = login(world.defender)
    assert Notification.objects.filter(user=world.defender, read_at__isnull=True).exists()
    page = client.get(reverse("cases:notifications")).content.decode()
    assert world.case.reference in page
    assert not Notification.objects.filter(user=world.defender, read_at__isnull=True).exists()
