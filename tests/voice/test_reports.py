import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from puente.abuse import access as abuse_access
from puente.core.action_contract import ActionRefused
from puente.voice import actions, guard, jobcheck
from puente.voice.models import Addition, WorkerReport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


def _answer(response):
    token = response.context["form"]["challenge_token"].value()
    return token, str(signing.loads(token, salt=guard.SALT)["s"])


def _post(client, data, **extra):
    url = reverse("voice:report", kwargs={"lang": "es"})
    token, answer = _answer(client.get(url))
    return client.post(url, {"challenge_token": token, "challenge_answer": answer, **data}, **extra)


REPORT = {"kinds": ["fee", "document_retention"], "recruiter_name": "Juan Pérez", "employer_name": "Mushroom Co",
          "fee_amount": "12000", "fee_currency": "MXN", "fee_paid_to": "Su sobrino Beto",
          "documents_kept": "Mi pasaporte", "narrative": "Nos cobró y se quedó con los pasaportes.",
          "contact": "+52 55 1234 5678", "contact_consent": "on"}


def test_worker_files_report_and_gets_code_in_spanish():
    response = _post(Client(), REPORT)
    assert response.status_code == 200
    assert "Gracias" in response.content.decode()
    report = WorkerReport.objects.get()
    assert response.context["code"] == report.code and len(report.code) == 8
    assert report.status == WorkerReport.Status.NEW and report.kinds == ["fee", "document_retention"]
    # What could point at the worker is encrypted at rest.
    with connection.cursor() as cur:
        cur.execute("SELECT narrative, contact, fee_paid_to, documents_kept FROM voice_workerreport")
        row = cur.fetchone()
    assert not any(clear in " ".join(row) for clear in ("pasaportes", "1234", "Beto", "pasaporte"))


def test_wrong_answer_honeypot_and_missing_fields_are_refused():
    client = Client()
    url = reverse("voice:report", kwargs={"lang": "es"})
    token, answer = _answer(client.get(url))
    wrong = client.post(url, {**REPORT, "challenge_token": token, "challenge_answer": str(int(answer) + 1)})
    assert wrong.status_code == 400 and "suma" in wrong.content.decode()
    assert _post(client, {**REPORT, "website": "http://spam"}).status_code == 400
    missing = _post(client, {"kinds": ["fee"], "recruiter_name": "X"})
    assert missing.status_code == 400 and "cuánto" in missing.content.decode().lower()
    assert not WorkerReport.objects.exists()


def test_a_challenge_answers_once():
    client = Client()
    url = reverse("voice:report", kwargs={"lang": "es"})
    token, answer = _answer(client.get(url))
    data = {**REPORT, "challenge_token": token, "challenge_answer": answer}
    assert client.post(url, data).status_code == 200
    assert client.post(url, data).status_code == 400
    assert WorkerReport.objects.count() == 1


def test_rate_limit_per_source_stores_no_address():
    client = Client()
    for _i in range(guard.RATE_LIMIT):
        assert _post(client, REPORT, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert _post(client, REPORT, REMOTE_ADDR="203.0.113.9").status_code == 400
    assert _post(client, REPORT, REMOTE_ADDR="203.0.113.10").status_code == 200
    assert "203.0.113.9" not in guard.source_key("203.0.113.9")


def test_worker_adds_with_code():
    report = actions.do_submit_report(acting_user=None, data={"kinds": ["threats"], "recruiter_name": "Juan"})
    actions.do_add_to_report(acting_user=None, code=report.code.lower(), text="Ahora amenaza a mi familia.")
    assert Addition.objects.get().report == report
    with pytest.raises(ActionRefused):
        actions.do_add_to_report(acting_user=None, code="ZZZZZZZZ", text="x")


def test_coordinator_turns_report_into_abuse_report_naming_existing_recruiter(world):
    before = world.recruiter.reports.count()
    report = actions.do_submit_report(acting_user=None, data={
        "kinds": ["fee", "trafficking"], "indicators": ["documents_withheld"], "recruiter_name": "RDN Reclutamiento",
        "fee_amount": 5000, "fee_currency": "GTQ", "fee_paid_to": "el licenciado", "narrative": "Pagué."})
    assert world.recruiter.reports.count() == before  # not counted before review
    client = Client()
    client.force_login(world.coordinator)
    page = client.get(reverse("voice:review", kwargs={"pk": report.pk}))
    assert page.context["form"].initial["recruiters"] == [str(world.recruiter.pk)]
    response = client.post(reverse("voice:review", kwargs={"pk": report.pk}),
                           {"recruiters": [str(world.recruiter.pk)], "employer_name": "", "recruiter_names": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    filed = report.abuse_report
    assert report.status == WorkerReport.Status.ACCEPTED and report.reviewed_by == world.coordinator
    assert list(filed.recruiters.all()) == [world.recruiter]
    kinds = {i.kind: i for i in filed.incidents.all()}
    assert str(kinds["fee"].amount.currency) == "GTQ" and kinds["fee"].paid_to == "el licenciado"
    assert kinds["trafficking"].indicators == ["documents_withheld"]
    assert abuse_access.visible_reports(world.coordinator).filter(pk=filed.pk).exists()
    assert world.recruiter.reports.count() == before + 1
    # The public check names a count only from MIN_COUNT_SHOWN reports on (it cannot point at one worker).
    shown = before + 1 if before + 1 >= abuse_access.MIN_COUNT_SHOWN else 0
    assert jobcheck.answer("RDN Reclutamiento").recruiter_reports == shown
    with pytest.raises(ActionRefused):
        actions.do_discard_report(report, acting_user=world.coordinator)
    # After the review nobody would read an addition: the worker is told to send a new report.
    with pytest.raises(ActionRefused, match="already reviewed"):
        actions.do_add_to_report(acting_user=None, code=report.code, text="Ahora amenaza a mi familia.")


def test_only_coordinators_review(world):
    with pytest.raises(ActionRefused):
        actions.do_discard_report(world.worker_report, acting_user=world.defender)


def test_discard_and_duplicates(world):
    twin = actions.do_submit_report(acting_user=None, data={"kinds": ["fee"], "recruiter_name": "don chuy",
                                                            "fee_amount": 1, "fee_currency": "MXN"})
    client = Client()
    client.force_login(world.coordinator)
    page = client.get(reverse("voice:review", kwargs={"pk": twin.pk}))
    assert world.worker_report in list(page.context["duplicates"])
    client.post(reverse("voice:discard", kwargs={"pk": twin.pk}), {"note": "spam"})
    twin.refresh_from_db()
    assert twin.status == WorkerReport.Status.DISCARDED and twin.abuse_report is None
