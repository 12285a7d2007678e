"""Billing: a Defender's time reports with their entries and expenses; invoices and payments for
an Advocate (and Coordinators). Through ``billing.access`` and ``billing.actions``; a Defender never
sees an invoice, an Advocate never a Defender's report."""

import django_filters
from django.utils.translation import gettext_lazy
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from djmoney.money import Money
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action as route
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from puente.billing import actions as billing_actions
from puente.billing.access import (
    reportable_cases,
    visible_expenses,
    visible_invoices,
    visible_payments,
    visible_reports,
)
from puente.billing.forms import ExpenseForm, TimeEntryForm
from puente.core.storage import serve_private_file

from ..idempotency import run_idempotent
from ..registry import choices, model
from .base import MAX_ID, id_filter, ReadOnlyViewSet
from .forms_bridge import validate_with_form

REPORTERS = ("billing.report", "billing.manage")
INVOICE_READERS = ("billing.manage", "billing.view_invoices_own")

Expense = model("billing.Expense")
Invoice = model("billing.Invoice")
Payment = model("billing.Payment")
TimeEntry = model("billing.TimeEntry")
TimeReport = model("billing.TimeReport")


class MoneySerializer(serializers.Serializer):
    amount = serializers.CharField(help_text=gettext_lazy("A decimal number, as a string."))
    currency = serializers.CharField()


def money(value) -> dict | None:
    if value is None:
        return None
    return {"amount": str(value.amount), "currency": str(value.currency)}


class TimeEntrySerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = TimeEntry
        fields = ["id", "date", "hours", "task", "description"]


class ExpenseSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    has_receipt = serializers.SerializerMethodField()

    class Meta:
        model = Expense
        fields = ["id", "date", "category", "amount", "description", "has_receipt"]

    @extend_schema_field(MoneySerializer)
    def get_amount(self, obj):
        return money(obj.amount)

    def get_has_receipt(self, obj) -> bool:
        return bool(obj.receipt)


class TimeReportSerializer(serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    defender = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = TimeReport
        fields = ["id", "case", "defender", "version", "status", "submitted_at", "reviewed_at", "created_at"]


class TimeReportDetailSerializer(TimeReportSerializer):
    entries = TimeEntrySerializer(many=True, read_only=True)
    expenses = ExpenseSerializer(many=True, read_only=True)
    notes = serializers.CharField(read_only=True)
    review_comment = serializers.CharField(read_only=True)

    class Meta(TimeReportSerializer.Meta):
        fields = [*TimeReportSerializer.Meta.fields, "notes", "review_comment", "entries", "expenses"]


class TimeReportIn(serializers.Serializer):
    case = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("A case assigned to your organisation, active or in reporting."),
    )


class TimeEntryIn(serializers.Serializer):
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    task = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    description = serializers.CharField(max_length=2000)


class ExpenseIn(serializers.Serializer):
    date = serializers.DateField()
    category = serializers.ChoiceField(choices=choices("billing.Expense", "category"))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.ChoiceField(choices=choices("billing.Expense", "amount_currency"))
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    receipt = serializers.FileField(required=False, allow_null=True)


class ReportFilter(django_filters.FilterSet):
    case = id_filter("case_id")

    class Meta:
        model = TimeReport
        fields = ["case", "status"]


class ReportViewSet(ReadOnlyViewSet):
    """Time reports: a Defender's own (every version); every report for Coordinators."""

    api_description = gettext_lazy("Time reports: a Defender's own (every version); every report for Coordinators.")

    queryset = TimeReport.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "billing"
    filterset_class = ReportFilter
    ordering_fields = ["created_at", "submitted_at", "id"]
    ordering = ("-created_at", "-pk")
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_required_perms(self):
        if self.action in ("create", "add_entry", "add_expense", "submit"):
            return ("billing.report",)
        return REPORTERS

    def get_queryset(self):
        return visible_reports(self.request.user).prefetch_related("entries", "expenses")

    def get_serializer_class(self):
        return TimeReportDetailSerializer if self.action == "retrieve" else TimeReportSerializer

    def _detail(self, report, code=status.HTTP_200_OK):
        report = self.get_queryset().get(pk=report.pk)
        return Response(TimeReportDetailSerializer(report, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=TimeReportIn, responses={201: TimeReportDetailSerializer})
    def create(self, request):
        def make():
            data = _valid(TimeReportIn, request)
            case = reportable_cases(request.user).filter(pk=data["case"]).first()
            if case is None:
                raise serializers.ValidationError({"case": [_no_case()]})
            report = billing_actions.do_create_report(case, acting_user=request.user)
            return self._detail(report, status.HTTP_201_CREATED)

        return run_idempotent(request, make)

    @extend_schema(request=TimeEntryIn, responses={201: TimeEntrySerializer})
    @route(detail=True, methods=["post"], url_path="entries", filter_backends=[])
    def add_entry(self, request, pk=None):
        def make():
            report = self.get_object()
            _valid(TimeEntryIn, request)
            d = validate_with_form(TimeEntryForm, dict(request.data.items()), case=report.case)
            entry = billing_actions.do_add_entry(
                report,
                acting_user=request.user,
                date=d["date"],
                hours=d["hours"],
                description=d["description"],
                task=d.get("task"),
            )
            return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, make)

    @extend_schema(
        request={"multipart/form-data": ExpenseIn, "application/json": ExpenseIn}, responses={201: ExpenseSerializer}
    )
    @route(detail=True, methods=["post"], url_path="expenses", filter_backends=[])
    def add_expense(self, request, pk=None):
        def make():
            report = self.get_object()
            data = _valid(ExpenseIn, request)
            d = validate_with_form(ExpenseForm, {k: v for k, v in data.items() if k != "receipt"})
            expense = billing_actions.do_add_expense(
                report,
                acting_user=request.user,
                date=d["date"],
                category=d["category"],
                amount=Money(d["amount"], d["currency"]),
                description=d.get("description", ""),
                receipt=data.get("receipt"),
            )
            return Response(ExpenseSerializer(expense).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, make)

    @extend_schema(request=None, responses={200: TimeReportDetailSerializer})
    @route(detail=True, methods=["post"], url_path="submit", filter_backends=[])
    def submit(self, request, pk=None):
        report = billing_actions.do_submit_report(self.get_object(), acting_user=request.user)
        return self._detail(report)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @route(
        detail=False,
        methods=["get"],
        url_path=r"receipts/(?P<expense_pk>\d+)",
        filter_backends=[],
        pagination_class=None,
    )
    def receipt(self, request, expense_pk=None):
        expense = get_object_or_404(visible_expenses(request.user), pk=expense_pk)
        if not expense.receipt:
            raise Http404
        ext = expense.receipt_content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
        return serve_private_file(expense.receipt, f"receipt-{expense.pk}.{ext}", expense.receipt_content_type)


def _no_case():
    return _("No case of yours, active or in reporting, has this number.")


class PaymentSerializer(serializers.ModelSerializer):
    invoice = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "invoice", "amount", "received_on", "method", "reference"]


class InvoiceSerializer(serializers.ModelSerializer):
    advocate = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "advocate",
            "state",
            "currency",
            "subtotal",
            "charge",
            "total",
            "amount_paid",
            "issue_date",
            "due_date",
        ]


class InvoiceDetailSerializer(InvoiceSerializer):
    payments = serializers.SerializerMethodField()

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "payments"]

    @extend_schema_field(PaymentSerializer(many=True))
    def get_payments(self, invoice):
        qs = visible_payments(self.context["request"].user).filter(invoice=invoice)
        return PaymentSerializer(qs, many=True).data


class InvoiceViewSet(ReadOnlyViewSet):
    """Invoices: an Advocate's own issued invoices (never drafts); every invoice for Coordinators."""

    api_description = gettext_lazy(
        "Invoices: an Advocate's own issued invoices (never drafts); every invoice for Coordinators."
    )

    queryset = Invoice.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "billing"
    required_perms = INVOICE_READERS
    filterset_fields = ["state", "currency"]
    ordering_fields = ["issue_date", "due_date", "number", "id"]
    ordering = ("-issue_date", "-pk")

    def get_queryset(self):
        return visible_invoices(self.request.user)

    def get_serializer_class(self):
        return InvoiceDetailSerializer if self.action == "retrieve" else InvoiceSerializer


class PaymentFilter(django_filters.FilterSet):
    invoice = id_filter("invoice_id")

    class Meta:
        model = Payment
        fields = ["invoice", "method"]


class PaymentViewSet(ReadOnlyViewSet):
    """Payments received on the invoices the user may see."""

    api_description = gettext_lazy("Payments received on the invoices the user may see.")

    queryset = Payment.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "billing"
    required_perms = INVOICE_READERS
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ["received_on", "id"]
    ordering = ("-received_on", "-pk")

    def get_queryset(self):
        return visible_payments(self.request.user)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
