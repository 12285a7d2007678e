"""People and reunification: a person (logged read), search with the page's tolerance, projects,
their people to find, contact attempts; PFIF 1.4 export and import. Through ``locate.access``
and ``locate.actions``; a search lists only whom the page would (consent rules of docs/locate.md),
and PFIF carries only people who consented to be searched for."""

import django_filters
from django.utils.translation import gettext_lazy
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action as route
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from puente.core import tabular
from puente.core.audit import log_access
from puente.locate import actions as locate_actions
from puente.locate.access import visible_entries, visible_people, visible_projects
from puente.locate.search import Query, search_people

from .. import pfif
from ..actions import do_import_pfif
from ..idempotency import run_idempotent
from ..registry import choices, model
from .base import MAX_ID, id_filter, ApiMixin, ReadOnlyViewSet

PROJECT_PERMS = ("reunification.manage", "reunification.search_assigned")

ContactAttempt = model("locate.ContactAttempt")
Person = model("locate.Person")
ProjectPerson = model("locate.ProjectPerson")
ReunificationProject = model("locate.ReunificationProject")


class PersonSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    language = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "full_name",
            "given_names",
            "surname_1",
            "surname_2",
            "other_names",
            "sex",
            "birth_date",
            "country",
            "region",
            "municipality",
            "community",
            "phone",
            "whatsapp",
            "language",
            "speaks_spanish",
            "consent_to_search",
        ]


class PersonBriefSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "full_name", "birth_date", "country", "region", "municipality"]


class PersonViewSet(ApiMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A person the user may see (as on the person's page, the read is logged). There is no list
    of everybody: people are found by search, or through a case or a project."""

    api_description = gettext_lazy(
        "A person the user may see (as on the person's page, the read is logged). There is no list of "
        "everybody: people are found by search, or through a case or a project."
    )

    queryset = Person.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "people"
    serializer_class = PersonSerializer

    def get_required_perms(self):
        if self.action == "search":
            return ("people.search",)
        return ()

    def get_queryset(self):
        return visible_people(self.request.user).select_related("region", "language")

    def retrieve(self, request, pk=None):
        person = self.get_object()
        log_access(person)
        return Response(PersonSerializer(person).data)


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(
        max_length=200, help_text=gettext_lazy("A name: any order, nicknames and misspellings are fine.")
    )
    birth_date = serializers.CharField(max_length=20, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    municipality = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    project = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("Coordinators: also that reunification project's people."),
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20)


class MatchSerializer(serializers.Serializer):
    score = serializers.FloatField()
    label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    person = PersonBriefSerializer()


class SearchView(ApiMixin, APIView):
    """People search with the same tolerance as the page (nicknames, misspellings, surname order,
    partial dates) and the same rules (a name is needed; Coordinators find people who consented;
    Defenders only the people they already see)."""

    api_description = gettext_lazy(
        "People search with the same tolerance as the page (nicknames, misspellings, surname order, partial "
        "dates) and the same rules (a name is needed; Coordinators find people who consented; Defenders only "
        "the people they already see)."
    )

    area = "people"
    required_perms = ("people.search",)

    @extend_schema(parameters=[SearchQuery], responses=MatchSerializer(many=True))
    def get(self, request):
        query = SearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        d = query.validated_data
        project = None
        if d.get("project") and request.user.is_coordinator:
            project = get_object_or_404(visible_projects(request.user).filter(active=True), pk=d["project"])
        q = Query(
            name=d["q"],
            birth_date=d.get("birth_date", ""),
            region=d.get("region", ""),
            municipality=d.get("municipality", ""),
            phone=d.get("phone", ""),
        )
        if not q.has_name():
            raise serializers.ValidationError({"q": [_needs_name()]})
        matches = search_people(request.user, q, limit=d["limit"], project=project)
        people = visible_people(request.user).select_related("region").in_bulk([m.person_id for m in matches])
        body = [
            {
                "score": round(m.score, 3),
                "label": str(m.label),
                "reasons": [str(r) for r in m.reasons],
                "person": people[m.person_id],
            }
            for m in matches
            if m.person_id in people
        ]
        return Response(MatchSerializer(body, many=True).data)


def _needs_name():
    return _("A search needs a name.")


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReunificationProject
        fields = ["id", "name", "court", "docket_number", "description", "active", "created_at"]


class ProjectPersonSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(read_only=True)
    project = serializers.PrimaryKeyRelatedField(read_only=True)
    defender = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = ProjectPerson
        fields = [
            "id",
            "project",
            "person",
            "defender",
            "assigned_at",
            "status",
            "status_changed_at",
            "preference",
            "preference_at",
            "preference_method",
        ]


class AttemptSerializer(serializers.ModelSerializer):
    entry = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ContactAttempt
        fields = ["id", "entry", "date", "method", "result", "notes", "created_at"]


class AttemptIn(serializers.Serializer):
    date = serializers.DateField()
    method = serializers.ChoiceField(choices=choices("locate.ContactAttempt", "method"))
    result = serializers.ChoiceField(choices=choices("locate.ContactAttempt", "result"))
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate_date(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The date is in the future."))
        return value


class ProjectViewSet(ReadOnlyViewSet):
    """Reunification projects: every one for Coordinators; for a Defender, those in which it
    has people to find."""

    api_description = gettext_lazy(
        "Reunification projects: every one for Coordinators; for a Defender, those in which it has people to find."
    )

    queryset = ReunificationProject.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "people"
    serializer_class = ProjectSerializer
    filterset_fields = ["active"]
    ordering_fields = ["name", "created_at", "id"]
    ordering = ("-created_at", "-pk")

    def get_required_perms(self):
        # Sharing people outside the network is the network's decision.
        return ("people.manage",) if self.action == "pfif" else PROJECT_PERMS

    def get_queryset(self):
        return visible_projects(self.request.user)

    @extend_schema(responses=ProjectPersonSerializer(many=True), filters=True)
    @route(
        detail=True,
        methods=["get"],
        url_path="people",
        filter_backends=[OrderingFilter],
        ordering_fields=["status", "status_changed_at", "id"],
        ordering=("pk",),
    )
    def people(self, request, pk=None):
        project = get_object_or_404(self.get_queryset(), pk=pk)
        qs = self.filter_queryset(
            visible_entries(request.user).filter(project=project).select_related("person__region")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ProjectPersonSerializer(page, many=True).data)

    @extend_schema(
        responses={(200, "application/xml"): OpenApiTypes.STR},
        filters=False,
        description=gettext_lazy(
            "The project's people who consented to be searched for, with their contact attempts "
            "as notes, as a PFIF 1.4 feed."
        ),
    )
    @route(detail=True, methods=["get"], url_path="pfif", filter_backends=[], pagination_class=None)
    def pfif(self, request, pk=None):
        project = self.get_object()
        entries = visible_entries(request.user).filter(project=project, person__consent_to_search=True)
        people = visible_people(request.user).filter(pk__in=entries.values("person_id"))
        return _pfif_response(people, entries, f"project-{project.pk}")


class EntryFilter(django_filters.FilterSet):
    project = id_filter("project_id")

    class Meta:
        model = ProjectPerson
        fields = ["project", "status"]


class EntryViewSet(ReadOnlyViewSet):
    """People to find: every one for Coordinators; a Defender's own assignments."""

    api_description = gettext_lazy("People to find: every one for Coordinators; a Defender's own assignments.")

    queryset = ProjectPerson.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "people"
    required_perms = PROJECT_PERMS
    serializer_class = ProjectPersonSerializer
    filterset_class = EntryFilter
    ordering_fields = ["status_changed_at", "id"]
    ordering = ("pk",)

    def get_queryset(self):
        return visible_entries(self.request.user).select_related("person__region")

    @extend_schema(responses=AttemptSerializer(many=True), filters=True)
    @route(
        detail=True,
        methods=["get"],
        url_path="attempts",
        filter_backends=[OrderingFilter],
        ordering_fields=["date", "id"],
        ordering=("date", "pk"),
    )
    def attempts(self, request, pk=None):
        entry = get_object_or_404(self.get_queryset(), pk=pk)
        qs = self.filter_queryset(entry.attempts.all())  # the entry came through visible_entries
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(AttemptSerializer(page, many=True).data)

    @extend_schema(request=AttemptIn, responses={201: AttemptSerializer})
    @attempts.mapping.post
    def add_attempt(self, request, pk=None):
        def make():
            entry = get_object_or_404(self.get_queryset(), pk=pk)
            data = AttemptIn(data=request.data)
            data.is_valid(raise_exception=True)
            attempt = locate_actions.do_log_contact_attempt(entry, acting_user=request.user, **data.validated_data)
            return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, make)


def _pfif_response(people, entries, name):
    """``people``: whom to share (already narrowed to consent and visibility); ``entries``: the
    project rows whose contact attempts become the notes."""
    people = list(people.select_related("region").order_by("pk"))
    attempts: dict[int, list] = {}
    qs = ContactAttempt.objects.filter(entry__in=entries, entry__person__in=[p.pk for p in people])
    for a in qs.select_related("entry", "by").order_by("date", "pk"):
        attempts.setdefault(a.entry.person_id, []).append(a)
    for person in people:
        log_access(person)  # sharing a record outside is a read of it
    response = HttpResponse(pfif.export(people, attempts), content_type="application/xml; charset=utf-8")
    return tabular.attachment(response, f"{name}.pfif.xml")


class PfifImportIn(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("A PFIF 1.2-1.4 XML document."))
    project = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=gettext_lazy("Add the people to this project.")
    )
    project_name = serializers.CharField(
        required=False, max_length=200, help_text=gettext_lazy("Or create a project by this name.")
    )


class PfifImportOut(serializers.Serializer):
    people = serializers.IntegerField()
    notes = serializers.IntegerField()
    skipped = serializers.IntegerField()
    project = serializers.IntegerField()


class PfifImportView(ApiMixin, APIView):
    """Import people and notes from a PFIF feed into a reunification project (Coordinators)."""

    api_description = gettext_lazy(
        "Import people and notes from a PFIF feed into a reunification project (Coordinators)."
    )

    area = "people"
    required_perms = ("people.manage",)
    parser_classes = [MultiPartParser]
    writes = True

    @extend_schema(request={"multipart/form-data": PfifImportIn}, responses={201: PfifImportOut})
    def post(self, request):
        def make():
            data = PfifImportIn(data=request.data)
            data.is_valid(raise_exception=True)
            d = data.validated_data
            project = None
            if d.get("project"):
                project = get_object_or_404(visible_projects(request.user), pk=d["project"])
            upload = d["file"]
            if upload.size > 20 * 1024 * 1024:
                raise serializers.ValidationError({"file": ["20 MB at most."]})
            try:
                records = pfif.parse(upload.read())
            except pfif.PfifError as exc:
                raise serializers.ValidationError({"file": [str(exc)]}) from exc
            counts = do_import_pfif(
                records, acting_user=request.user, project=project, project_name=d.get("project_name", "")
            )
            return Response(PfifImportOut(counts).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, make)


class PfifExportView(ApiMixin, APIView):
    """Every person the user may see who consented to be searched for, with the notes of their
    projects' contact attempts, as PFIF 1.4 (Coordinators)."""

    api_description = gettext_lazy(
        "Every person the user may see who consented to be searched for, with the notes of their projects' "
        "contact attempts, as PFIF 1.4 (Coordinators)."
    )

    area = "people"
    required_perms = ("people.manage",)

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.STR})
    def get(self, request):
        people = visible_people(request.user).filter(consent_to_search=True, merged_into__isnull=True)
        return _pfif_response(people, visible_entries(request.user), "people")
