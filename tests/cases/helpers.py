"""Builders for cases in each step, going through the real actions."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from puente.cases import actions
from puente.cases.models import CaseState

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_data(**extra):
    data = {
        "given_names": "María Guadalupe",
        "surname_1": "Xol",
        "surname_2": "Chuc",
        "sex": "F",
        "birth_date": "1988-03",
        "country": "GT",
        "community": "Aldea Tzalam",
        "phone": "+502 5555 1234",
    }
    data.update(extra)
    return data


def submit(advocate_profile, *, claim_type="wage_hour", tasks=None, parties=None, **case_extra):
    case_data = {
        "claim_type": claim_type,
        "court": "E.D.N.C.",
        "docket_number": "5:26-cv-00123",
        "summary": "Unpaid H-2A wages, tobacco harvest 2025.",
        "urgency": "soon",
        "deadline": datetime.date.today() + datetime.timedelta(days=60),
    }
    case_data.update(case_extra)
    return actions.do_submit_request(
        advocate_profile,
        acting_user=advocate_profile.user,
        client=client_data(),
        case=case_data,
        parties=parties if parties is not None else [{"kind": "employer", "name": "Smith Tobacco Farms LLC"}],
        tasks=tasks
        if tasks is not None
        else [
            {
                "kind": "locate",
                "description": "Last seen in Cobán",
                "due_date": datetime.date.today() + datetime.timedelta(days=10),
            },
            {"kind": "declaration", "description": "", "due_date": datetime.date.today() + datetime.timedelta(days=30)},
        ],
    )


def sign_agreement(advocate_profile):
    actions.do_sign_advocate_agreement(
        advocate_profile,
        acting_user=advocate_profile.user,
        typed_name=advocate_profile.user.get_full_name(),
        accepted=True,
    )
    advocate_profile.refresh_from_db()


def sign_all(case, coordinator, advocate_user, defender_user):
    for user in (coordinator, advocate_user, defender_user):
        version = actions.latest_version(case)
        actions.do_sign_contract(
            case, acting_user=user, typed_name=user.get_full_name(), accepted=True, sha256=version.sha256
        )
    case.refresh_from_db()
    return case


def active_case(advocate_profile, defender_org, coordinator, defender_user, **kw):
    sign_agreement(advocate_profile)
    case = submit(advocate_profile, **kw)
    actions.do_transition(case, CaseState.IN_REVIEW, acting_user=coordinator)
    actions.do_assign_defender(case, defender_org, acting_user=coordinator, note="Serves Alta Verapaz")
    case.refresh_from_db()
    return sign_all(case, coordinator, advocate_profile.user, defender_user)


def pdf_upload(name="declaracion.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def settle_reporting(case, defender_user, coordinator):
    """Billing settles the reporting step for real: a report of the Defender's hours today,
    approved and on an issued invoice (billing answers the provider ``cases.reporting_blockers``)."""
    from django.utils import timezone

    from puente.billing import actions as billing
    from tests.billing.helpers import make_rates

    make_rates(on=timezone.localdate() - datetime.timedelta(days=30))
    report = billing.do_create_report(case, acting_user=defender_user)
    billing.do_add_entry(
        report,
        acting_user=defender_user,
        date=timezone.localdate(),
        hours=Decimal("2.00"),
        description="Entrevista con la clienta",
    )
    report = billing.do_submit_report(report, acting_user=defender_user)
    report = billing.do_approve_report(report, acting_user=coordinator)
    invoice = billing.do_create_invoice(case.advocate, [report], acting_user=coordinator)
    billing.do_issue_invoice(invoice, acting_user=coordinator)
    return report
