"""The visa data: public, read-only (employers, fiscal years, statistics)."""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from puente.visas import stats
from puente.visas.access import public_employers
from puente.visas.search import employer_queryset

from ..registry import choices, model
from .base import ApiMixin, ReadOnlyViewSet


Employer = model("visas.Employer")
VISAS = choices("visas.VisaCase", "visa")


class YearSerializer(serializers.Serializer):
    visa = serializers.CharField()
    fy = serializers.IntegerField()
    positions_certified = serializers.IntegerField()
    cases = serializers.IntegerField()


class EmployerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employer
        fields = ["id", "name", "state", "city", "positions_certified", "row_count"]


class EmployerDetailSerializer(EmployerSerializer):
    names = serializers.SerializerMethodField()
    years = serializers.SerializerMethodField()

    class Meta(EmployerSerializer.Meta):
        fields = [*EmployerSerializer.Meta.fields, "names", "years"]

    def get_names(self, obj) -> list[str]:
        return stats.employer_names([obj.pk]).get(obj.pk, [])

    @extend_schema_field(YearSerializer(many=True))
    def get_years(self, obj):
        return stats.employer_years([obj.pk]).get(obj.pk, [])


class EmployerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Words of the employer's name (any name as filed)")
    state = django_filters.CharFilter()

    class Meta:
        model = Employer
        fields = ["state"]

    def search(self, queryset, name, value):
        return queryset.filter(pk__in=employer_queryset(value).values("pk")) if value.strip() else queryset


class EmployerViewSet(ReadOnlyViewSet):
    """Employers of the H-2A and H-2B disclosure data (merged duplicates are not listed)."""

    api_description = gettext_lazy("Employers of the H-2A and H-2B disclosure data (merged duplicates are not listed).")

    queryset = Employer.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "visas"
    public = True
    filterset_class = EmployerFilter
    ordering_fields = ["name", "positions_certified", "state", "id"]
    ordering = ("-positions_certified", "name", "pk")

    def get_queryset(self):
        return public_employers()

    def get_serializer_class(self):
        return EmployerDetailSerializer if self.action == "retrieve" else EmployerSerializer


class FiguresSerializer(serializers.Serializer):
    # null: not in the files of those years (early files do not give every figure).
    rows = serializers.IntegerField(allow_null=True)
    cases = serializers.IntegerField(allow_null=True)
    certified_cases = serializers.IntegerField(allow_null=True)
    positions_requested = serializers.IntegerField(allow_null=True)
    positions_certified = serializers.IntegerField(allow_null=True)
    employers = serializers.IntegerField(allow_null=True)


class GroupSerializer(FiguresSerializer):
    key = serializers.CharField(allow_blank=True)


class StatisticsSerializer(serializers.Serializer):
    visa = serializers.CharField()
    fiscal_year = serializers.IntegerField(allow_null=True)
    state = serializers.CharField(allow_blank=True)
    totals = FiguresSerializer()
    by = serializers.CharField()
    groups = GroupSerializer(many=True)


class StatisticsQuery(serializers.Serializer):
    visa = serializers.ChoiceField(choices=VISAS, required=False)
    fiscal_year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
    state = serializers.CharField(required=False, max_length=30)
    by = serializers.ChoiceField(choices=["year", "visa", "state", "job"], required=False, default="year")


def _query(request, serializer_class):
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class StatisticsView(ApiMixin, APIView):
    """Totals and figures grouped by fiscal year, visa, worksite state or job (positions counted
    by the rule of docs/visas.md)."""

    api_description = gettext_lazy(
        "Totals and figures grouped by fiscal year, visa, worksite state or job (positions counted by the "
        "rule of docs/visas.md)."
    )

    area = "visas"
    public = True

    @extend_schema(parameters=[StatisticsQuery], responses=StatisticsSerializer)
    def get(self, request):
        q = _query(request, StatisticsQuery)
        visa, fy, state = q.get("visa"), q.get("fiscal_year"), q.get("state", "")
        totals = stats.totals(visa, fy, state or None)
        groups = stats.by(q["by"], visa, fy)
        body = {
            "visa": visa or "all",
            "fiscal_year": fy,
            "state": state,
            "by": q["by"],
            "totals": {k: totals[k] for k in stats.FIGURES},
            "groups": groups,
        }
        return Response(StatisticsSerializer(body).data)


class YearsQuery(serializers.Serializer):
    visa = serializers.ChoiceField(choices=VISAS, required=False)


class YearsView(ApiMixin, APIView):
    """The fiscal years in the data, with their figures."""

    api_description = gettext_lazy("The fiscal years in the data, with their figures.")

    area = "visas"
    public = True

    @extend_schema(parameters=[YearsQuery], responses=GroupSerializer(many=True))
    def get(self, request):
        q = _query(request, YearsQuery)
        return Response(GroupSerializer(stats.by("year", q.get("visa")), many=True).data)
