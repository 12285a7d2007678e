"""Abusive recruitment: reports (the reporting party's own; every one for Coordinators; the worker
named only to those the page names them to) and the recruiter directory (everyone who files
reports). Through ``abuse.access`` and ``abuse.actions``."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from puente.abuse import actions as abuse_actions
from puente.abuse.access import (
    cases_for_linking,
    may_see_worker,
    report_count_label,
    visible_recruiters,
    visible_reports,
    worker_label,
)
from puente.abuse.forms import ReportForm
from puente.core.audit import log_access

from ..idempotency import run_idempotent
from ..registry import choices, model
from .base import MAX_ID, ReadOnlyViewSet
from .forms_bridge import validate_with_form


AbuseReport = model("abuse.AbuseReport")
Recruiter = model("abuse.Recruiter")
Region = model("network.Region")


class AbuseReportSerializer(serializers.ModelSerializer):
    worker = serializers.SerializerMethodField()
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    recruiters = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    case = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = AbuseReport
        fields = [
            "id",
            "worker",
            "recruiters",
            "employer_name",
            "programme",
            "occurred_from",
            "occurred_to",
            "region",
            "case",
            "created_at",
        ]

    def get_worker(self, report) -> str:
        return worker_label(self.context["request"].user, report)


class AbuseReportDetailSerializer(AbuseReportSerializer):
    municipality = serializers.CharField(read_only=True)
    narrative = serializers.CharField(read_only=True)

    class Meta(AbuseReportSerializer.Meta):
        fields = [*AbuseReportSerializer.Meta.fields, "municipality", "narrative"]


class AbuseReportIn(serializers.Serializer):
    recruiter_names = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1, max_length=20)
    employer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    programme = serializers.ChoiceField(
        choices=choices("abuse.AbuseReport", "programme"), required=False, allow_blank=True
    )
    occurred_from = serializers.DateField(required=False, allow_null=True)
    occurred_to = serializers.DateField(required=False, allow_null=True)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    municipality = serializers.CharField(max_length=120, required=False, allow_blank=True)
    given_names = serializers.CharField(max_length=120, required=False, allow_blank=True)
    surname_1 = serializers.CharField(max_length=120, required=False, allow_blank=True)
    surname_2 = serializers.CharField(max_length=120, required=False, allow_blank=True)
    case = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    worker_is_client = serializers.BooleanField(required=False, default=False)
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class ReportViewSet(ReadOnlyViewSet):
    """Abuse reports the user may see."""

    api_description = gettext_lazy("Abuse reports the user may see.")

    queryset = AbuseReport.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "abuse"
    required_perms = ("abuse.report",)
    filterset_fields = ["programme"]
    ordering_fields = ["created_at", "occurred_from", "id"]
    ordering = ("-created_at", "-pk")

    def get_queryset(self):
        return visible_reports(self.request.user).select_related("region", "worker").prefetch_related("recruiters")

    def get_serializer_class(self):
        return AbuseReportDetailSerializer if self.action == "retrieve" else AbuseReportSerializer

    def retrieve(self, request, pk=None):
        report = self.get_object()
        if report.worker_id and may_see_worker(request.user, report):
            log_access(report.worker)
        return Response(AbuseReportDetailSerializer(report, context=self.get_serializer_context()).data)

    @extend_schema(request=AbuseReportIn, responses={201: AbuseReportDetailSerializer})
    def create(self, request):
        def make():
            data = AbuseReportIn(data=request.data)
            data.is_valid(raise_exception=True)
            raw = dict(data.validated_data)
            raw["recruiter_names"] = "\n".join(raw.get("recruiter_names", []))
            d = validate_with_form(ReportForm, raw, cases=cases_for_linking(request.user))
            worker = d["case"].client if d.get("worker_is_client") and d.get("case") else None
            report = abuse_actions.do_file_report(
                acting_user=request.user,
                recruiter_names=d["recruiter_names"],
                worker=worker,
                new_worker={k: d[k] for k in ("given_names", "surname_1", "surname_2")},
                employer_name=d["employer_name"],
                programme=d["programme"],
                occurred_from=d["occurred_from"],
                occurred_to=d["occurred_to"],
                region=d["region"],
                municipality=d["municipality"],
                narrative=d["narrative"],
                case=d["case"],
            )
            return Response(
                AbuseReportDetailSerializer(report, context=self.get_serializer_context()).data,
                status=status.HTTP_201_CREATED,
            )

        return run_idempotent(request, make)


class RecruiterSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    phones = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    employers = serializers.SlugRelatedField(slug_field="employer_name", many=True, read_only=True)
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    reports = serializers.SerializerMethodField(
        help_text=gettext_lazy("How many reports name it (a small count is not shown).")
    )

    class Meta:
        model = Recruiter
        fields = [
            "id",
            "name",
            "kind",
            "country",
            "regions",
            "municipalities",
            "aliases",
            "phones",
            "employers",
            "reports",
        ]

    def get_reports(self, recruiter) -> str:
        return report_count_label(self.context["request"].user, recruiter, recruiter.reports.count())


class RecruiterViewSet(ReadOnlyViewSet):
    """The recruiter directory."""

    api_description = gettext_lazy("The recruiter directory.")

    queryset = Recruiter.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "abuse"
    required_perms = ("abuse.report",)
    serializer_class = RecruiterSerializer
    filterset_fields = ["kind", "country"]
    ordering_fields = ["name", "id"]
    ordering = ("name", "pk")

    def get_queryset(self):
        return visible_recruiters(self.request.user).prefetch_related("aliases", "phones", "employers", "regions")
