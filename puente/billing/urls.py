from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/<int:case_pk>/", views.report_new, name="report_new"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/entries/", views.entry_add, name="entry_add"),
    path("reports/<int:pk>/entries/<int:entry_pk>/delete/", views.entry_delete, name="entry_delete"),
    path("reports/<int:pk>/expenses/", views.expense_add, name="expense_add"),
    path("reports/<int:pk>/expenses/<int:expense_pk>/delete/", views.expense_delete, name="expense_delete"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("reports/<int:pk>/revise/", views.report_revise, name="report_revise"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("reports/<int:pk>/withdraw/", views.report_withdraw, name="report_withdraw"),
    path("receipts/<int:expense_pk>/", views.receipt, name="receipt"),
    path("rates/", views.rates, name="rates"),
    path("settings/", views.billing_settings, name="settings"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new/<int:advocate_pk>/", views.invoice_new, name="invoice_new"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/update/", views.invoice_update, name="invoice_update"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/delete/", views.invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/payments/", views.payment_add, name="payment_add"),
    path("invoices/<int:pk>/payments/<int:payment_pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("invoices/<int:pk>/refunds/", views.refund_add, name="refund_add"),
    path("invoices/<int:pk>/refunds/<int:refund_pk>/reverse/", views.refund_reverse, name="refund_reverse"),
    path("payouts/", views.payout_list, name="payout_list"),
    path("payouts/new/<int:defender_pk>/", views.payout_add, name="payout_add"),
    path("payouts/<int:pk>/reverse/", views.payout_reverse, name="payout_reverse"),
    path("ledger/", views.ledger_view, name="ledger"),
    path("ageing/", views.ageing_view, name="ageing"),
    path("export/<str:kind>.csv", views.export, name="export"),
]
