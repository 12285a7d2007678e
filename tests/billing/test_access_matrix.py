import pytest

from tests.access import Entry, check_entry, matrix_params

C, A, OA, D, OD = "coordinator", "advocate", "other_advocate", "defender", "other_defender"
report = lambda w: {"pk": w.report.pk}  # noqa: E731 - one-line kwargs builders, as the matrix entries read
draft = lambda w: {"pk": w.draft_report.pk}  # noqa: E731 - one-line kwargs builders, as the matrix entries read
invoice = lambda w: {"pk": w.invoice.pk}  # noqa: E731 - one-line kwargs builders, as the matrix entries read
draft_invoice = lambda w: {"pk": w.draft_invoice.pk}  # noqa: E731 - one-line kwargs builders, as the matrix entries read

MATRIX = [
    # Reports: the Defender's own (every version), Coordinators all; Advocates never see them.
    Entry("billing:report_list", expect={C: 200, D: 200, OD: 200}),
    Entry(
        "billing:report_new", method="post", kwargs=lambda w: {"case_pk": w.billing_case.pk}, expect={D: 302, OD: 404}
    ),
    Entry("billing:report_detail", kwargs=report, expect={C: 200, D: 200, OD: 404}),
    Entry(
        "billing:entry_add",
        method="post",
        kwargs=draft,
        expect={D: 302, OD: 404},
        data=lambda w: {"entry-date": "2026-02-01", "entry-hours": "2", "entry-description": "Visita"},
    ),
    Entry(
        "billing:entry_delete",
        method="post",
        kwargs=lambda w: {"pk": w.draft_report.pk, "entry_pk": w.entry.pk},
        expect={D: 302, OD: 404},
    ),
    Entry(
        "billing:expense_add",
        method="post",
        kwargs=draft,
        expect={D: 302, OD: 404},
        data=lambda w: {
            "expense-date": "2026-02-01",
            "expense-category": "courier",
            "expense-amount": "80",
            "expense-currency": "GTQ",
        },
    ),
    Entry(
        "billing:expense_delete",
        method="post",
        kwargs=lambda w: {"pk": w.draft_report.pk, "expense_pk": w.expense.pk},
        expect={D: 302, OD: 404},
    ),
    Entry("billing:report_submit", method="post", kwargs=draft, expect={D: 302, OD: 404}),
    Entry("billing:report_revise", method="post", kwargs=report, expect={D: 302, OD: 404}),
    Entry(
        "billing:report_review",
        method="post",
        kwargs=lambda w: {"pk": w.submitted_report.pk},
        expect={C: 302},
        data=lambda w: {"decision": "approve"},
    ),
    # Withdrawing a returned, never resubmitted report: Coordinators only (it is a billing decision).
    Entry(
        "billing:report_withdraw",
        method="post",
        kwargs=lambda w: {"pk": w.returned_report.pk},
        expect={C: 302},
        data=lambda w: {"reason": "The Defender left the network"},
    ),
    # A receipt is the Defender's and the network's; served only after the access check.
    Entry("billing:receipt", kwargs=lambda w: {"expense_pk": w.expense.pk}, expect={C: 200, D: 200, OD: 404}),
    # Money settings: Coordinators only.
    Entry("billing:rates", expect={C: 200}),
    Entry(
        "billing:rates",
        method="post",
        expect={C: 302},
        id="rates:post",
        data=lambda w: {"from_currency": "NIO", "to_currency": "CAD", "rate": "0.037", "effective_date": "2026-02-01"},
    ),
    Entry("billing:settings", expect={C: 200}),
    # Invoices: the Advocate's own issued ones; never a Defender.
    Entry("billing:invoice_list", expect={C: 200, A: 200, OA: 200}),
    Entry("billing:invoice_new", kwargs=lambda w: {"advocate_pk": w.advocate_profile.pk}, expect={C: 200}),
    Entry("billing:invoice_detail", kwargs=invoice, expect={C: 200, A: 200, OA: 404}),
    Entry(
        "billing:invoice_detail",
        kwargs=draft_invoice,
        expect={C: 200, A: 404, OA: 404},
        id="invoice_detail:draft",
        note="A draft is the network's working copy: not shown to the Advocate.",
    ),
    Entry(
        "billing:invoice_update",
        method="post",
        kwargs=draft_invoice,
        expect={C: 302},
        data=lambda w: {"payment_terms_days": "45"},
    ),
    Entry("billing:invoice_issue", method="post", kwargs=draft_invoice, expect={C: 302}),
    Entry(
        "billing:invoice_void", method="post", kwargs=invoice, expect={C: 302}, data=lambda w: {"reason": "Wrong rate"}
    ),
    Entry("billing:invoice_delete", method="post", kwargs=draft_invoice, expect={C: 302}),
    Entry("billing:invoice_pdf", kwargs=invoice, expect={C: 200, A: 200, OA: 404}),
    Entry(
        "billing:payment_add",
        method="post",
        kwargs=invoice,
        expect={C: 302},
        data=lambda w: {"amount": "5.00", "received_on": "2026-03-05", "method": "transfer"},
    ),
    # Money corrections: Coordinators only; an Advocate sees refunds and reversals on the invoice page.
    Entry(
        "billing:refund_add",
        method="post",
        kwargs=invoice,
        expect={C: 302},
        data=lambda w: {
            "amount": "1.00",
            "currency": "USD",
            "refunded_on": "2026-03-06",
            "method": "transfer",
            "reason": "Overpaid",
        },
    ),
    Entry(
        "billing:payment_reverse",
        method="post",
        kwargs=lambda w: {"pk": w.invoice.pk, "payment_pk": w.payment.pk},
        expect={C: 302},
        data=lambda w: {"reversed_on": "2026-03-07", "reason": "Recorded on the wrong invoice"},
    ),
    Entry(
        "billing:refund_reverse",
        method="post",
        kwargs=lambda w: {"pk": w.invoice.pk, "refund_pk": w.refund.pk},
        expect={C: 302},
        data=lambda w: {"reversed_on": "2026-03-07", "reason": "Never sent"},
    ),
    # Payouts: the Defender's own, never an Advocate.
    Entry("billing:payout_list", expect={C: 200, D: 200, OD: 200}),
    Entry("billing:payout_add", kwargs=lambda w: {"defender_pk": w.defender_org.pk}, expect={C: 200}),
    Entry(
        "billing:payout_reverse",
        method="post",
        kwargs=lambda w: {"pk": w.payout.pk},
        expect={C: 302},
        data=lambda w: {"reversed_on": "2026-03-08", "reason": "Paid from the wrong account"},
    ),
    Entry("billing:ledger", expect={C: 200}),
    Entry("billing:ageing", expect={C: 200}),
    Entry("billing:export", kwargs=lambda w: {"kind": "invoices"}, expect={C: 200}),
    Entry("billing:export", kwargs=lambda w: {"kind": "refunds"}, expect={C: 200}, id="export:refunds"),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
