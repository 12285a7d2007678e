from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from puente.core.action_contract import ActionRefused
from djmoney.money import Money

from puente.core import audit
from puente.billing import actions, api, ledger
from puente.billing.models import Invoice, InvoiceLine, InvoiceState, ReportStatus

from puente.cases import actions as case_actions

from .helpers import make_case, make_report, no_fee, set_terms
from tests.factories import make_advocate


def test_invoice_lines_convert_and_round_each_line_and_total_is_their_sum(b):
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    # Owed to the Defender in its rate's currency: 4.5 h x 250 GTQ + 150 GTQ.
    assert report.approved_amount == Money("1275.00", "GTQ")
    invoice = actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator)
    lines = {line.kind: line for line in invoice.lines.all()}
    assert invoice.currency == "USD" and invoice.number is None and invoice.state == InvoiceState.DRAFT
    assert lines["time"].source_amount == Decimal("1125.00") and lines["time"].rate == Decimal("0.13")
    assert lines["time"].amount == Decimal("146.25")
    assert lines["expense"].amount == Decimal("19.50") and lines["expense"].rate_date == date(2025, 1, 1)
    assert invoice.subtotal == Decimal("165.75")
    assert lines["charge_percent"].amount == Decimal("16.58")  # 16.575 half-up
    assert lines["charge_flat"].amount == Decimal("25.00")
    assert invoice.charge == Decimal("41.58") and invoice.total == Decimal("207.33")
    assert invoice.total == sum(line.amount for line in invoice.lines.all())


def test_canadian_advocate_is_invoiced_in_cad_with_the_cad_flat_charge(b):
    canadian = make_advocate(organisation="Maple Legal Clinic", country="CA")
    case = make_case(canadian, b.defender_org)
    # Version 1 took the settings' CAD figure for a Canadian Advocate; version 2 drops the percentage.
    assert case_actions.latest_version(case).fee_flat == Money("30.00", "CAD")
    set_terms(case, on=date(2026, 1, 20), fee_percent=None, fee_flat=Money("30.00", "CAD"))
    report = make_report(b.defender, case, hours=("2",), expenses=(), approve_by=b.coordinator)
    invoice = actions.do_create_invoice(canadian, [report], acting_user=b.coordinator)
    # 2 h x 250 GTQ = 500 GTQ x 0.179 = 89.50 CAD, plus 30 CAD per case.
    assert invoice.currency == "CAD" and invoice.subtotal == Decimal("89.50") and invoice.total == Decimal("119.50")


def test_issue_numbers_in_sequence_and_freezes_the_invoice(b):
    first = actions.do_issue_invoice(
        actions.do_create_invoice(
            b.advocate, [make_report(b.defender, b.case, approve_by=b.coordinator)], acting_user=b.coordinator
        ),
        acting_user=b.coordinator,
    )
    second = actions.do_issue_invoice(
        actions.do_create_invoice(
            b.advocate, [make_report(b.defender, b.case, approve_by=b.coordinator)], acting_user=b.coordinator
        ),
        acting_user=b.coordinator,
    )
    assert (first.number, second.number) == (1, 2) and first.display_number == "PU-00001"
    assert first.due_date == first.issue_date + timedelta(days=30)
    with pytest.raises(ActionRefused, match="cannot be changed"):
        actions.do_update_invoice(first, payment_terms_days=10, acting_user=b.coordinator)
    with pytest.raises(ActionRefused):
        actions.do_issue_invoice(first, acting_user=b.coordinator)
    with pytest.raises(ActionRefused):
        actions.do_delete_draft(first, acting_user=b.coordinator)
    first.refresh_from_db()
    assert first.number == 1 and first.payment_terms_days == 30


def test_a_report_cannot_be_on_two_invoices(b):
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator)
    with pytest.raises(ActionRefused, match="uninvoiced"):
        actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator)


def test_a_report_of_another_advocate_cannot_be_invoiced(b):
    other = make_advocate(organisation="Other Firm")
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    with pytest.raises(ActionRefused):
        actions.do_create_invoice(other, [report], acting_user=b.coordinator)
    assert not Invoice.objects.exists()


def test_payments_move_the_state_and_overpayment_is_refused(b):
    no_fee(b.case)
    invoice = actions.do_issue_invoice(
        actions.do_create_invoice(
            b.advocate, [make_report(b.defender, b.case, approve_by=b.coordinator)], acting_user=b.coordinator
        ),
        acting_user=b.coordinator,
    )
    assert invoice.total == Decimal("165.75")
    actions.do_record_payment(
        invoice, amount=Decimal("100.00"), received_on=date(2026, 3, 1), acting_user=b.coordinator
    )
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PARTLY_PAID and invoice.balance == Decimal("65.75")
    with pytest.raises(ActionRefused, match="more than"):
        actions.do_record_payment(
            invoice, amount=Decimal("65.76"), received_on=date(2026, 3, 2), acting_user=b.coordinator
        )
    with pytest.raises(ActionRefused):
        actions.do_record_payment(
            invoice, amount=Decimal("1.001"), received_on=date(2026, 3, 2), acting_user=b.coordinator
        )
    actions.do_record_payment(invoice, amount=Decimal("65.75"), received_on=date(2026, 3, 2), acting_user=b.coordinator)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and invoice.balance == 0
    with pytest.raises(ActionRefused):
        actions.do_record_payment(invoice, amount=Decimal("1"), received_on=date(2026, 3, 3), acting_user=b.coordinator)
    with pytest.raises(ActionRefused, match="Payments"):
        actions.do_void_invoice(invoice, reason="late", acting_user=b.coordinator)


def test_payment_on_a_draft_is_refused(b):
    draft = actions.do_create_invoice(
        b.advocate, [make_report(b.defender, b.case, approve_by=b.coordinator)], acting_user=b.coordinator
    )
    with pytest.raises(ActionRefused):
        actions.do_record_payment(draft, amount=Decimal("1"), received_on=date(2026, 3, 3), acting_user=b.coordinator)


def test_void_keeps_the_number_and_reason_and_a_replacement_takes_the_next_number(b):
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    invoice = actions.do_issue_invoice(
        actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator), acting_user=b.coordinator
    )
    with pytest.raises(ActionRefused):
        actions.do_void_invoice(invoice, reason="  ", acting_user=b.coordinator)
    replacement = actions.do_void_invoice(invoice, reason="Wrong exchange rate", acting_user=b.coordinator)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.VOID and invoice.number == 1 and invoice.void_reason == "Wrong exchange rate"
    assert replacement.replaces == invoice and replacement.is_draft
    assert list(replacement.reports()) == [report]
    assert api.reporting_blockers(b.case)  # the only invoice is void, the replacement a draft
    actions.do_issue_invoice(replacement, acting_user=b.coordinator)
    replacement.refresh_from_db()
    assert replacement.number == 2
    assert api.reporting_blockers(b.case) == []


def test_versions_of_a_returned_report_are_kept(b):
    report = make_report(b.defender, b.case)
    with pytest.raises(ActionRefused):
        actions.do_return_report(report, comment="", acting_user=b.coordinator)
    actions.do_return_report(report, comment="Falta el recibo del bus", acting_user=b.coordinator)
    with pytest.raises(ActionRefused):  # a returned report is not edited in place
        actions.do_add_entry(report, date=date(2026, 2, 1), hours=Decimal("1"), description="x", acting_user=b.defender)
    v2 = actions.do_revise_report(report, acting_user=b.defender)
    assert v2.version == 2 and v2.previous == report and v2.status == ReportStatus.DRAFT
    actions.do_add_entry(
        v2, date=date(2026, 2, 14), hours=Decimal("1.25"), description="Llamada", acting_user=b.defender
    )
    actions.do_submit_report(v2, acting_user=b.defender)
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.entries.count() == 1 and report.is_superseded
    assert v2.entries.count() == 2 and [v.version for v in report.versions()] == [1, 2]
    with pytest.raises(ActionRefused):
        actions.do_revise_report(report, acting_user=b.defender)  # already revised
    actions.do_approve_report(v2, acting_user=b.coordinator)
    v2.refresh_from_db()
    assert v2.approved_amount == Money("1587.50", "GTQ")  # 5.75 h x 250 + 150


def test_only_the_assigned_defender_reports_and_only_on_active_cases(b):
    from tests.factories import make_defender_user

    stranger = make_defender_user()
    with pytest.raises(ActionRefused):
        actions.do_create_report(b.case, acting_user=stranger)
    closed = make_case(b.advocate, b.defender_org, state="closed")
    with pytest.raises(ActionRefused):
        actions.do_create_report(closed, acting_user=b.defender)
    report = actions.do_create_report(b.case, acting_user=b.defender)
    with pytest.raises(ActionRefused, match="at least one"):
        actions.do_submit_report(report, acting_user=b.defender)
    with pytest.raises(ActionRefused):
        actions.do_add_entry(report, date=date(2026, 2, 1), hours=Decimal("1"), description="x", acting_user=stranger)


def test_approval_without_an_exchange_rate_names_the_missing_rate_and_writes_nothing(b):
    report = make_report(b.defender, b.case, expenses=(("20.00", "NIO"),))
    from puente.billing.models import ExchangeRate

    ExchangeRate.objects.filter(from_currency="NIO").delete()
    with pytest.raises(ActionRefused, match="NIO to GTQ"):
        actions.do_approve_report(report, acting_user=b.coordinator)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.approved_amount is None


def test_receipts_are_sniffed_and_size_limited(b, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers import PDF_BYTES

    report = actions.do_create_report(b.case, acting_user=b.defender)
    with pytest.raises(ActionRefused, match="recibo.pdf looks like a program or a web page"):  # the one upload check
        actions.do_add_expense(
            report,
            date=date(2026, 2, 1),
            category="copies",
            amount=Money("5", "GTQ"),
            receipt=SimpleUploadedFile("recibo.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
            acting_user=b.defender,
        )
    settings.PUENTE_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ActionRefused, match="limit"):
        actions.do_add_expense(
            report,
            date=date(2026, 2, 1),
            category="copies",
            amount=Money("5", "GTQ"),
            receipt=SimpleUploadedFile("recibo.pdf", PDF_BYTES),
            acting_user=b.defender,
        )
    assert report.expenses.count() == 0
    settings.PUENTE_UPLOAD_MAX_BYTES = 1024
    expense = actions.do_add_expense(
        report,
        date=date(2026, 2, 1),
        category="copies",
        amount=Money("5", "GTQ"),
        receipt=SimpleUploadedFile("recibo_Tzoc.pdf", PDF_BYTES),
        acting_user=b.defender,
    )
    assert expense.receipt_content_type == "application/pdf"
    assert "Tzoc" not in expense.receipt.name  # the stored name is random
    with open(expense.receipt.path, "rb") as fh:
        assert not fh.read().startswith(b"%PDF")  # encrypted on disk
    assert expense.receipt.storage.read_plain(expense.receipt.name) == PDF_BYTES


def test_reporting_settled_needs_approved_reports_all_on_issued_invoices_and_none_pending(b):
    assert api.reporting_blockers(b.case)
    r1 = make_report(b.defender, b.case, approve_by=b.coordinator)
    assert api.reporting_blockers(b.case)
    invoice = actions.do_create_invoice(b.advocate, [r1], acting_user=b.coordinator)
    assert api.reporting_blockers(b.case)  # a draft is not enough
    actions.do_issue_invoice(invoice, acting_user=b.coordinator)
    assert api.reporting_blockers(b.case) == []
    pending = make_report(b.defender, b.case)
    assert api.reporting_blockers(b.case)
    actions.do_approve_report(pending, acting_user=b.coordinator)
    assert api.reporting_blockers(b.case)  # approved but not invoiced


def test_ledger_balances_and_payouts(b):
    no_fee(b.case)
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    assert ledger.defender_balance(b.defender_org) == {
        "GTQ": {"owed": Decimal("1275.00"), "paid": 0, "balance": Decimal("1275.00")}
    }
    invoice = actions.do_issue_invoice(
        actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator), acting_user=b.coordinator
    )
    actions.do_record_payment(invoice, amount=Decimal("65.75"), received_on=date(2026, 3, 1), acting_user=b.coordinator)
    assert ledger.advocate_balances(b.advocate)[b.advocate.pk]["USD"] == {
        "invoiced": Decimal("165.75"),
        "paid": Decimal("65.75"),
        "balance": Decimal("100.00"),
    }
    with pytest.raises(ActionRefused, match="currency"):
        actions.do_record_payout(
            b.defender_org,
            amount=Money("10", "USD"),
            paid_on=date(2026, 3, 2),
            reports=[report],
            acting_user=b.coordinator,
        )
    with pytest.raises(ActionRefused, match="more than"):
        actions.do_record_payout(
            b.defender_org,
            amount=Money("1275.01", "GTQ"),
            paid_on=date(2026, 3, 2),
            reports=[report],
            acting_user=b.coordinator,
        )
    actions.do_record_payout(
        b.defender_org,
        amount=Money("1000.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[report],
        acting_user=b.coordinator,
    )
    assert ledger.defender_balance(b.defender_org)["GTQ"]["balance"] == Decimal("275.00")
    # A void invoice drops out of the Advocate's balance.
    other = actions.do_issue_invoice(
        actions.do_create_invoice(
            b.advocate, [make_report(b.defender, b.case, approve_by=b.coordinator)], acting_user=b.coordinator
        ),
        acting_user=b.coordinator,
    )
    assert ledger.advocate_balances(b.advocate)[b.advocate.pk]["USD"]["invoiced"] == Decimal("331.50")
    actions.do_void_invoice(other, reason="duplicate", replace=False, acting_user=b.coordinator)
    assert ledger.advocate_balances(b.advocate)[b.advocate.pk]["USD"]["invoiced"] == Decimal("165.75")


def test_ageing_buckets_by_days_since_issue(b):
    no_fee(b.case)
    invoices = []
    for issued in (date(2026, 5, 1), date(2026, 3, 15), date(2026, 2, 10), date(2025, 12, 1)):
        draft = actions.do_create_invoice(
            b.advocate, [make_report(b.defender, b.case, approve_by=b.coordinator)], acting_user=b.coordinator
        )
        invoices.append(actions.do_issue_invoice(draft, on=issued, acting_user=b.coordinator))
    actions.do_record_payment(
        invoices[0], amount=Decimal("65.75"), received_on=date(2026, 5, 2), acting_user=b.coordinator
    )
    result = ledger.ageing(date(2026, 5, 1) + timedelta(days=30))  # 2026-05-31
    usd = result["USD"]
    days = {inv.number: (d, bucket) for inv, d, bucket in usd["rows"]}
    assert days[invoices[0].number] == (30, "0_30")
    assert days[invoices[1].number] == (77, "61_90")
    assert days[invoices[2].number] == (110, "over_90")
    assert usd["totals"] == {
        "0_30": Decimal("100.00"),
        "31_60": 0,
        "61_90": Decimal("165.75"),
        "over_90": Decimal("331.50"),
    }
    assert usd["total"] == Decimal("597.25")


def test_money_changes_are_in_the_audit_history(b):
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    invoice = actions.do_issue_invoice(
        actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator), acting_user=b.coordinator
    )
    actions.do_record_payment(invoice, amount=Decimal("1.00"), received_on=date(2026, 3, 1), acting_user=b.coordinator)
    logged = set(LogEntry.objects.values_list("content_type__model", flat=True))
    assert {"timereport", "timeentry", "expense", "invoice", "invoiceline", "payment", "invoicecounter"} <= logged
    changes = [e.changes_dict for e in LogEntry.objects.get_for_object(invoice).order_by("timestamp")]
    assert any("amount_paid" in c for c in changes) and any("number" in c for c in changes)


def test_an_issued_invoice_cannot_be_changed_even_by_a_direct_save(b):
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    invoice = actions.do_issue_invoice(
        actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator), acting_user=b.coordinator
    )
    invoice.total = Decimal("1.00")
    with pytest.raises(ValueError, match="issued"):
        invoice.save()
    line = InvoiceLine.objects.filter(invoice=invoice).first()
    line.amount = Decimal("0.01")
    with pytest.raises(ValueError):
        line.save()
    with pytest.raises(ValueError):
        line.delete()
    invoice.refresh_from_db()
    assert invoice.total == sum(x.amount for x in invoice.lines.all())


def test_descriptions_of_work_are_encrypted_at_rest_and_masked_in_the_audit_history(b):
    from django.db import connection

    report = make_report(b.defender, b.case, submit=False)
    entry = actions.do_add_entry(
        report,
        date=date(2026, 2, 1),
        hours=Decimal("1"),
        description="Visita a María Tzoc en Cuilco",
        acting_user=b.defender,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM billing_timeentry WHERE id = %s", [entry.pk])
        raw = cursor.fetchone()[0]
    assert "Tzoc" not in raw and raw.startswith("gAAAA")
    entry.refresh_from_db()
    assert entry.description == "Visita a María Tzoc en Cuilco"
    logged = LogEntry.objects.get_for_object(entry).get()
    assert "Tzoc" not in str(logged.changes) and logged.changes_dict["description"][1].startswith(audit.SEALED)
