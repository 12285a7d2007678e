"""Billing at scale on a throw-away SQLite database under /tmp: N approved reports (3 time entries
and 2 expenses in GTQ each), invoiced and issued one by one; then the ledger and the ageing report
over all of them, and one invoice PDF with 60 lines. Prints time per issued invoice, ledger and
ageing time, PDF time and size.

    .venv/bin/python benchmarks/billing_invoices.py [N]
"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TMP = tempfile.mkdtemp(prefix="puente-bench-billing-")
os.environ["PUENTE_DATA_DIR"] = TMP
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")

import django

django.setup()

from datetime import date, timedelta
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

N = int(sys.argv[1]) if len(sys.argv) > 1 else 300

call_command("migrate", verbosity=0)

from puente.billing import actions, ledger
from tests.billing.helpers import make_case, make_rates
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

coordinator = make_coordinator()
advocate = make_advocate()
org = make_defender_org(name="Centro de Derechos Mam", country="GT")
defender = make_defender_user(org)
make_rates(date(2020, 1, 1))


def report_for(case, entries=3, expenses=2):
    report = actions.do_create_report(case, acting_user=defender)
    for i in range(entries):
        actions.do_add_entry(report, acting_user=defender, date=date(2026, 2, 1) + timedelta(days=i),
                             hours=Decimal("1.75"), description="Entrevista")
    for _ in range(expenses):
        actions.do_add_expense(report, acting_user=defender, date=date(2026, 2, 3), category="travel",
                               amount=Money("133.33", "GTQ"))
    actions.do_submit_report(report, acting_user=defender)
    return actions.do_approve_report(report, acting_user=coordinator)


with disable_auditlog():
    case = make_case(advocate, org)
    reports = [report_for(case) for _ in range(N)]
t0 = time.perf_counter()
for i, report in enumerate(reports):
    draft = actions.do_create_invoice(advocate, [report], acting_user=coordinator)
    actions.do_issue_invoice(draft, acting_user=coordinator, on=date(2026, 1, 1) + timedelta(days=i % 300))
issue = (time.perf_counter() - t0) / N

t0 = time.perf_counter()
balances = ledger.advocate_balances()
owed = ledger.defender_balances()
t_ledger = time.perf_counter() - t0
t0 = time.perf_counter()
ageing = ledger.ageing(date(2026, 12, 31))
t_ageing = time.perf_counter() - t0
assert len(ageing["USD"]["rows"]) == N

with disable_auditlog():
    big = report_for(case, entries=40, expenses=20)
    invoice = actions.do_issue_invoice(actions.do_create_invoice(advocate, [big], acting_user=coordinator),
                                       acting_user=coordinator)
client = Client()
client.force_login(coordinator)
t0 = time.perf_counter()
pdf = client.get(reverse("billing:invoice_pdf", args=[invoice.pk])).content
t_pdf_first = time.perf_counter() - t0  # includes WeasyPrint's one-time font set-up
t0 = time.perf_counter()
pdf = client.get(reverse("billing:invoice_pdf", args=[invoice.pk])).content
t_pdf = time.perf_counter() - t0
assert pdf.startswith(b"%PDF")

print(f"billing_invoices_issued: {N} invoices")
print(f"billing_issue_time_per_invoice: {issue * 1000:.1f} ms")
print(f"billing_ledger_time: {t_ledger * 1000:.1f} ms")
print(f"billing_ageing_time: {t_ageing * 1000:.1f} ms")
print(f"billing_pdf_first_time_62_lines: {t_pdf_first * 1000:.0f} ms")
print(f"billing_pdf_time_62_lines: {t_pdf * 1000:.0f} ms")
print(f"billing_pdf_size_62_lines: {len(pdf) / 1024:.1f} KiB")
