"""A worker on a basic phone (360 px, no JavaScript) files a report in Spanish and gets a code; a
Coordinator reviews it into an abuse report naming a recruiter the network already knows."""

import re

import pytest
from django.conf import settings
from django.test import Client

from puente.abuse import actions as abuse_actions
from puente.voice.models import WorkerReport
from tests.factories import make_coordinator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_reports_without_javascript_and_coordinator_reviews(browser, live_server):
    coordinator = make_coordinator()
    recruiter = abuse_actions.do_create_recruiter(acting_user=coordinator, name="Reclutadora del Norte, S.A. de C.V.",
                                                  country="MX")
    worker = browser.new_context(base_url=live_server.url, locale="es-MX", java_script_enabled=False,
                                 viewport={"width": 360, "height": 740})
    W = worker.new_page()
    W.set_default_timeout(15_000)
    response = W.goto("/trabajadores/es/")
    assert len(response.body()) < 50_000
    W.get_by_role("link", name="Cuéntenos qué le pasó (sin su nombre)").click()
    W.wait_for_url(re.compile(r"/trabajadores/es/denuncia/$"))
    W.get_by_label("Cobro ilegal de reclutamiento").check()
    W.fill("#id_recruiter_name", "Reclutadora del Norte")
    W.fill("#id_fee_amount", "9000")
    W.select_option("#id_fee_currency", "MXN")
    W.fill("#id_fee_paid_to", "el licenciado")
    W.fill("#id_narrative", "Me cobró 9000 pesos por la visa.")
    a, b = re.search(r"(\d+) \+ (\d+)", W.inner_text("label[for=id_challenge_answer]")).groups()
    W.fill("#id_challenge_answer", str(int(a) + int(b)))
    W.get_by_role("button", name="Enviar").click()
    W.wait_for_load_state()
    assert "Recibimos su denuncia" in W.inner_text("main")
    code = W.inner_text("#code").strip()
    report = WorkerReport.objects.get()
    assert report.code == code and report.status == WorkerReport.Status.NEW
    worker.close()

    staff = browser.new_context(base_url=live_server.url, locale="en-US")
    client = Client()
    client.force_login(coordinator)
    staff.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    C = staff.new_page()
    C.set_default_timeout(15_000)
    C.goto("/trabajadores/revision/")
    C.get_by_role("link", name=code).click()
    C.get_by_label(recruiter.name).check()
    C.fill("#id_recruiter_names", "")
    C.get_by_role("button", name="Create the abuse report").click()
    C.wait_for_url(re.compile(r"/trabajadores/revision/$"))
    staff.close()
    report.refresh_from_db()
    assert report.status == WorkerReport.Status.ACCEPTED
    assert list(report.abuse_report.recruiters.all()) == [recruiter]
    assert str(report.abuse_report.incidents.get().amount.currency) == "MXN"
