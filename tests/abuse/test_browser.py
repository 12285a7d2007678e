"""A Defender files a report on a phone, in Spanish, in a real browser (the content security
policy applies: a page that broke it would log errors); a Coordinator then sees the worker and
the dossier, another Defender does not find the report."""

import re

import pytest
from django.conf import settings
from django.test import Client

from puente.abuse.models import AbuseReport
from tests.factories import PASSWORD, make_coordinator, make_defender_org, make_defender_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login_form(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_load_state()


def login_cookie(page, user, live_server):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])


def test_defender_files_a_report_coordinator_reads_it(new_page, live_server):
    org = make_defender_org(name="Centro de Derechos Mam", country="GT", regions=())
    defender = make_defender_user(org)
    other = make_defender_user(make_defender_org(name="Otra Defensoría", country="MX", regions=()),
                               first_name="Rosa", last_name="Cruz")
    coordinator = make_coordinator()

    D = new_page(locale="es-MX")
    D.set_viewport_size({"width": 390, "height": 844})
    errors = []
    D.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login_form(D, defender)
    D.goto("/abuse/reports/new/")
    assert "Presentar un reporte de abuso" in D.inner_text("main")
    D.fill("#id_recruiter_names", "Reclutadora del Norte, S.A. de C.V.")
    D.fill("#id_employer_name", "Green Valley Farms LLC")
    D.select_option("#id_programme", "H-2A")
    D.fill("#id_given_names", "Marvin")
    D.fill("#id_surname_1", "Xol")
    D.fill("#id_narrative", "Le cobraron por la visa y le quitaron el pasaporte.")
    D.get_by_role("button", name="Presentar el reporte").click()
    D.wait_for_url(re.compile(r"/abuse/reports/\d+/$"))
    assert "Marvin Xol" in D.inner_text("main")
    D.select_option("#id_kind", "fee")
    D.fill("#id_amount", "15000")
    D.select_option("#id_currency", "MXN")
    D.get_by_role("button", name="Agregar el incidente").click()
    D.wait_for_load_state()
    assert "Incidente agregado." in D.inner_text("main")
    assert re.search(r"15\.?000,00 MXN", D.inner_text("main"))  # Spanish number format
    assert not [e for e in errors if "Content Security Policy" in e], errors
    report = AbuseReport.objects.get()

    outsider = new_page(locale="es-MX")
    login_form(outsider, other)
    response = outsider.goto(f"/abuse/reports/{report.pk}/")
    assert response.status == 404

    C = new_page()
    login_cookie(C, coordinator, live_server)
    C.goto(f"/abuse/reports/{report.pk}/")
    assert "Marvin Xol" in C.inner_text("main")
    C.get_by_role("link", name="Reclutadora del Norte, S.A. de C.V.").click()
    C.get_by_role("link", name="Dossier").click()
    C.wait_for_url(re.compile(r"/dossier/$"))
    assert "15000.00 MXN" in C.inner_text("main")
