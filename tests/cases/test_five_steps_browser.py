"""One case through all five steps in a real browser, with three users side by side: the Advocate
(English), the Coordinator and the Defender (Spanish). Each checks what they see.

Step 4 (payment) uses billing's own actions (report, approval, invoice) since those screens are
billing's; the case then leaves *reporting* only because billing says the report is invoiced.
The Coordinator signs in by session cookie (their login needs a TOTP code); the Advocate and the
Defender sign in through the login form.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from puente.cases.models import Case, CaseState, CaseTransition, ContractSignature, MatchRecord
from tests.cases.helpers import PDF_BYTES
from tests.factories import PASSWORD, make_advocate, make_coordinator, make_defender_org, make_defender_user

pytestmark = [pytest.mark.django_db(transaction=True)]


def login_form(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(re.compile(r"/cases/"))


def login_cookie(page, user, live_server):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def text(page):
    return page.inner_text("main")


def test_five_steps_three_users(new_page, live_server):
    from djmoney.money import Money

    coordinator = make_coordinator()
    advocate_profile = make_advocate(first_name="Sarah", last_name="Miller")
    advocate = advocate_profile.user
    defender_org = make_defender_org(
        name="Centro de Derechos Mam", country="GT", regions=(), hourly_rate=Money("300.00", "GTQ")
    )
    defender = make_defender_user(defender_org)
    other_advocate = make_advocate(
        organisation="Maple Legal Clinic", country="CA", first_name="Daniel", last_name="Tremblay"
    ).user

    A = new_page()
    C = new_page()
    D = new_page(locale="es-MX")
    login_form(A, advocate)
    login_cookie(C, coordinator, live_server)
    login_form(D, defender)

    # --- Step 1: the request ------------------------------------------------------------------
    A.goto("/cases/mine/")
    A.click("text=Read and sign the Advocate Agreement")
    A.fill("#id_typed_name", "Sarah Miller")
    A.check("#id_accepted")
    A.click("text=Sign the Advocate Agreement")
    assert "the Advocate Agreement is signed" in text(A)

    A.goto("/cases/new/")
    A.fill("#id_client-given_names", "María Guadalupe")
    A.fill("#id_client-surname_1", "Xol")
    A.fill("#id_client-surname_2", "Chuc")
    A.select_option("#id_client-country", "GT")
    A.fill("#id_client-community", "Aldea Tzalam")
    A.fill("#id_client-whatsapp", "+502 5555 1234")
    A.select_option("#id_case-claim_type", "wage_hour")
    A.fill("#id_case-court", "E.D.N.C.")
    A.fill("#id_case-docket_number", "5:26-cv-00777")
    A.fill("#id_case-summary", "Unpaid wages, tobacco harvest.")
    A.select_option("#id_case-urgency", "soon")
    A.fill("#id_party-0-name", "Smith Tobacco Farms LLC")
    A.select_option("#id_task-0-kind", "locate")
    A.fill("#id_task-0-due_date", (datetime.date.today() + datetime.timedelta(days=20)).isoformat())
    A.select_option("#id_task-1-kind", "declaration")
    A.click("text=Send the request")
    A.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(advocate=advocate_profile)
    assert "Submitted" in text(A) and case.reference in text(A)

    # Coordinator: queue -> review -> question.
    C.goto("/cases/queue/")
    assert case.reference in C.inner_text("#step-submitted")
    C.click(f"#step-submitted >> text={case.reference}")
    C.wait_for_url(re.compile(rf"/cases/{case.pk}/review/"))
    assert "María Guadalupe Xol Chuc" in text(C)
    C.fill("form[action$='/notes/'] textarea", "Advocate prefers WhatsApp; client fears the recruiter.")
    C.click("text=Add note")
    C.fill("form[action$='/ask/'] textarea", "Which farm, and in which county?")
    C.click("text=Request more information")
    assert "Information requested" in text(C)

    # Advocate answers; the internal note is not shown to them.
    A.goto(f"/cases/{case.pk}/")
    assert "Which farm, and in which county?" in text(A)
    assert "client fears the recruiter" not in A.content()
    A.fill("form[action$='/answer/'] textarea", "Smith farm, Wilson County NC.")
    A.click("text=Send the answer")
    assert "back in review" in text(A)

    # The Defender cannot open the case before it is assigned.
    D.goto(f"/cases/{case.pk}/")
    assert case.reference not in D.content()

    # Coordinator chooses the Defender.
    C.goto(f"/cases/{case.pk}/review/")
    assert "Smith farm, Wilson County NC." in text(C)
    # Matching's panel (loaded by htmx) suggests the only Defender; choosing it goes through
    # do_assign_defender, which records what was suggested.
    C.click(f"#match-panel >> text=Choose {defender_org.name}")
    C.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    record = MatchRecord.objects.get(case=case)
    assert record.chosen == defender_org and record.chosen_rank == 1
    assert record.suggestions and record.suggestions[0]["defender_id"] == defender_org.pk
    C.goto(f"/cases/{case.pk}/contract/")

    # --- Step 2: the contract -----------------------------------------------------------------
    D.goto("/cases/assignments/")
    assert "Mis asignaciones" in text(D) and case.reference in text(D)
    D.click("text=Revisar y firmar el contrato")
    assert "Esperando firmas" in text(D)
    assert "Smith Tobacco Farms LLC" in D.inner_text("#contract-text")
    # The Defender proposes a change: a new version.
    D.click("text=Proponer un cambio")
    body = D.input_value("#id_text").replace("within 30 days", "within 15 days")
    D.fill("#id_text", body)
    D.fill("#id_note", "Pago a 15 días")
    D.click("text=Guardar como nueva versión")
    assert "Versión 2" in text(D)
    for page, name in ((D, "Juan Carlos Tzoc Ajanel"), (C, "Lucía Ramírez Soto"), (A, "Sarah Miller")):
        page.goto(f"/cases/{case.pk}/contract/")
        page.fill("#id_typed_name", name)
        page.check("#id_accepted")
        page.click("#sign-contract")
    assert "Signed by all parties: locked" in text(A)
    assert set(
        ContractSignature.objects.filter(version__case=case, version__number=2).values_list("side", flat=True)
    ) == {"coordinator", "advocate", "defender"}
    A.click("text=Compare versions")
    assert "within 15 days" in A.inner_text("#diff ins") and "within 30 days" in A.inner_text("#diff del")

    # --- Step 3: the assignment ---------------------------------------------------------------
    D.goto(f"/cases/{case.pk}/")
    assert "Activo" in text(D) and "María Guadalupe Xol Chuc" in text(D)
    D.fill("#id_body", "Encontramos a la señora en Cobán. Adjunto su declaración.")
    D.set_input_files(
        "#id_files", files=[{"name": "declaracion.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    D.click("#thread button[type=submit]")
    assert "Mensaje enviado." in text(D)
    # An executable disguised as a PDF is refused.
    D.set_input_files(
        "#id_files", files=[{"name": "foto.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" * 20}]
    )
    D.click("#thread button[type=submit]")
    assert "foto.pdf" in D.inner_text(".messages")
    for task in case.tasks.all():
        with D.expect_navigation():
            D.select_option(f"select[data-task='{task.pk}']", "done")  # autosubmit (puente.js)
    assert case.tasks.filter(status="done").count() == 2

    A.goto(f"/cases/{case.pk}/")
    assert "Encontramos a la señora en Cobán." in text(A)
    with A.expect_download() as download:
        A.click("text=declaracion.pdf")
    assert open(download.value.path(), "rb").read() == PDF_BYTES

    D.click("[data-move=reporting]")
    assert "Informe de horas" in text(D)

    # --- Step 4: payment (billing's actions) --------------------------------------------------
    from puente.billing import actions as billing

    C.goto(f"/cases/{case.pk}/")
    assert C.locator("[data-blocked=evaluation]").count() == 1  # not invoiced yet
    case.refresh_from_db()
    report = billing.do_create_report(case, acting_user=defender)
    billing.do_add_entry(
        report, date=datetime.date.today(), hours=Decimal("6.5"), description="Búsqueda en Cobán", acting_user=defender
    )
    billing.do_submit_report(report, acting_user=defender)
    billing.do_approve_report(report, acting_user=coordinator)
    billing.do_add_rate(
        from_currency="GTQ",
        to_currency="USD",
        rate=Decimal("0.13"),
        effective_date=datetime.date.today() - datetime.timedelta(days=1),
        acting_user=coordinator,
    )
    invoice = billing.do_create_invoice(advocate_profile, [report], acting_user=coordinator)
    billing.do_issue_invoice(invoice, acting_user=coordinator)
    C.reload()
    C.click("[data-move=evaluation]")
    assert "Evaluation" in text(C)

    # --- Step 5: evaluation and outcome -------------------------------------------------------
    A.goto(f"/cases/{case.pk}/")
    A.click("text=Evaluate the facilitation")
    for name, value in (("communication", "5"), ("timeliness", "4"), ("quality", "5"), ("client_care", "5")):
        A.check(f"input[name=rating_{name}][value='{value}']")
    A.fill("#id_comments", "Excellent local knowledge.")
    A.click("text=Send the evaluation")
    A.click("text=Report the outcome")
    A.select_option("#id_result", "settled")
    A.fill("#id_amount_recovered_0", "18500.00")
    A.fill("#id_outcome_date", datetime.date.today().isoformat())
    A.click("text=Save the outcome")
    assert "Settled" in text(A)

    D.goto(f"/cases/{case.pk}/")
    D.click("text=Evaluar la facilitación")
    assert "Claridad de las instrucciones" in text(D)
    for name in ("instructions", "communication", "support", "payment"):
        D.check(f"input[name=rating_{name}][value='4']")
    D.click("text=Enviar la evaluación")
    assert "Gracias por su evaluación." in text(D)
    # The Defender sees its own evaluation, not the Advocate's comments.
    assert "Excellent local knowledge." not in text(D)

    C.goto(f"/cases/{case.pk}/")
    assert "Excellent local knowledge." in text(C)
    C.click("[data-move=closed]")
    assert "Closed" in text(C)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert list(CaseTransition.objects.filter(case=case).values_list("to_state", flat=True)) == [
        "submitted",
        "in_review",
        "info_requested",
        "in_review",
        "agreement_pending",
        "active",
        "reporting",
        "evaluation",
        "closed",
    ]
    timeline = C.inner_text(".timeline")
    assert "Sarah Miller" in timeline and "Juan Carlos Tzoc Ajanel" in timeline

    # Program figures count it.
    C.goto("/cases/figures/")
    assert "18500.00 USD" in text(C) or "18,500.00 USD" in text(C)

    # Another Advocate never sees the case.
    other = new_page()
    login_form(other, other_advocate)
    other.goto(f"/cases/{case.pk}/")
    assert case.reference not in other.content() and "Xol" not in other.content()
