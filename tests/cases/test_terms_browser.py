"""In a real browser (issue 14): a case whose contract is edited to a new rate, re-signed by all
three parties (the Defender in Spanish), and billed at the new rate.

The Coordinator changes the terms on the contract page; each party signs version 2 there. The
Defender's hours are reported and approved through billing's actions (billing's screens are
billing's), then the Defender reads the report page: priced at the new rate, under version 2.
"""

import datetime
from decimal import Decimal

import pytest
from djmoney.money import Money

from puente.billing import actions as billing
from puente.cases import actions, api
from tests.cases.helpers import active_case
from tests.cases.test_five_steps_browser import login_cookie, login_form, text
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_contract_edited_to_a_new_rate_resigned_by_all_three_and_billed_at_it(new_page, live_server):
    coordinator = make_coordinator()
    advocate_profile = make_advocate(first_name="Sarah", last_name="Miller")
    defender_org = make_defender_org(name="Centro de Derechos Mam", country="GT", regions=(),
                                     hourly_rate=Money("250.00", "GTQ"))
    defender = make_defender_user(defender_org)
    billing.do_update_settings(acting_user=coordinator, charge_percent=Decimal("15.00"))
    case = active_case(advocate_profile, defender_org, coordinator, defender)
    assert api.signed_terms(case).hourly_rate == Money("250.00", "GTQ")

    A, C, D = new_page(), new_page(), new_page(locale="es-MX")
    login_form(A, advocate_profile.user)
    login_cookie(C, coordinator, live_server)
    login_form(D, defender)
    url = f"/cases/{case.pk}/contract/"

    # The Coordinator sets the new rate: version 2, waiting for signatures; version 1 still rules.
    C.goto(url)
    C.click("#change-terms summary")
    C.fill("#id_hourly_rate_0", "325.00")
    C.select_option("#id_hourly_rate_1", "GTQ")
    C.fill("#id_note", "Tarifa 2027")
    C.click("#save-terms")
    assert "The new terms are saved as a new version" in text(C)
    assert "version 1, the latest signed by all three" in C.inner_text("#terms-in-force")
    assert "GTQ 325.00 per hour" in C.inner_text("#contract-text")
    assert api.signed_terms(case).version_number == 1

    # The Defender reads the new terms in Spanish and signs; then the Advocate and the Coordinator.
    D.goto(url)
    assert "Términos de esta versión" in text(D) and "El Defensor recibe GTQ 325.00 por hora" in text(D)
    assert "la versión 1" in D.inner_text("#terms-in-force")
    for page, name in ((D, "Juan Carlos Tzoc Ajanel"), (A, "Sarah Miller"), (C, "Lucía Ramírez Soto")):
        page.goto(url)
        page.fill("#id_typed_name", name)
        page.check("#id_accepted")
        page.click("#sign-contract")
    C.goto(url)
    assert "Signed by all parties" in C.inner_text("#contract-status")
    assert C.locator("#terms-in-force").count() == 0
    terms = api.signed_terms(case)
    assert terms.version_number == 2 and terms.hourly_rate == Money("325.00", "GTQ")
    assert actions.latest_version(case).signatures.filter(voided_at__isnull=True).count() == 3

    # Billed at the new rate: 6.5 hours at GTQ 325.00, version 2.
    report = billing.do_create_report(case, acting_user=defender)
    billing.do_add_entry(report, acting_user=defender, date=datetime.date.today(), hours=Decimal("6.5"),
                         description="Búsqueda en Cobán")
    billing.do_submit_report(report, acting_user=defender)
    report = billing.do_approve_report(report, acting_user=coordinator)
    report.refresh_from_db()
    assert report.approved_amount == Money("2112.50", "GTQ")
    D.goto(f"/billing/reports/{report.pk}/")
    page = text(D)  # in Spanish: decimal comma
    assert "325,00 GTQ · contrato v2" in page and "2112,50 GTQ" in page and "250,00" not in page
    assert "versión 2 del contrato" in D.inner_text("#priced-under")
