"""Cases: list, detail, a new request (Advocates), tasks and their status, messages with
attachments, contract versions and signatures. Every case through ``cases.access``; every change
through ``cases.actions``."""

from django.utils.translation import gettext_lazy
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
import django_filters
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action as route
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from puente.cases import actions as case_actions
from puente.cases.access import client_for, visible_attachments, visible_cases, visible_tasks
from puente.cases.forms import CaseForm, ClientForm, PartyForm, TaskForm
from puente.core.storage import serve_private_file

from ..idempotency import run_idempotent
from ..registry import choices, model
from .base import id_filter, ApiMixin, ReadOnlyViewSet
from .forms_bridge import validate_with_form

CASE_PERMS = ("cases.review", "cases.view_own", "cases.view_assigned")

Attachment = model("cases.Attachment")
Case = model("cases.Case")
CaseParty = model("cases.CaseParty")
ContractSignature = model("cases.ContractSignature")
ContractVersion = model("cases.ContractVersion")
Message = model("cases.Message")
Task = model("cases.Task")
Person = model("locate.Person")
Region = model("network.Region")
Language = model("network.Language")


# --- output --------------------------------------------------------------------------------------


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseParty
        fields = ["kind", "name"]


class TaskSerializer(serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Task
        fields = ["id", "case", "kind", "description", "due_date", "status", "completed_at"]


class ClientSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    language = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "given_names",
            "surname_1",
            "surname_2",
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
        ]


class CaseSerializer(serializers.ModelSerializer):
    advocate = serializers.PrimaryKeyRelatedField(read_only=True)
    defender = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "state",
            "claim_type",
            "urgency",
            "deadline",
            "court",
            "docket_number",
            "advocate",
            "defender",
            "submitted_at",
            "assigned_at",
            "state_changed_at",
            "closed_at",
        ]


class CaseDetailSerializer(CaseSerializer):
    summary = serializers.CharField(read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)
    client = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "summary", "parties", "tasks", "client"]

    @extend_schema_field(ClientSerializer(allow_null=True))
    def get_client(self, case):
        # client_for logs the read of the client's record, as the case page does.
        client = client_for(self.context["request"].user, case)
        return ClientSerializer(client).data if client is not None else None


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "url"]

    def get_url(self, obj) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(f"/api/v1/attachments/{obj.pk}/")


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "author", "body", "created_at", "attachments"]

    def get_author(self, obj) -> str:
        return obj.author.get_full_name()


class SignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractSignature
        fields = ["id", "side", "typed_name", "signed_at", "voided_at", "text_sha256"]


class ContractVersionSerializer(serializers.ModelSerializer):
    signatures = SignatureSerializer(many=True, read_only=True)
    fully_signed = serializers.BooleanField(read_only=True)

    class Meta:
        model = ContractVersion
        fields = ["id", "number", "text", "sha256", "note", "created_at", "fully_signed", "signatures"]


# --- input ---------------------------------------------------------------------------------------


class ClientIn(serializers.Serializer):
    given_names = serializers.CharField(max_length=120, required=False, allow_blank=True)
    surname_1 = serializers.CharField(max_length=120, required=False, allow_blank=True)
    surname_2 = serializers.CharField(max_length=120, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=choices("locate.Person", "sex"), required=False, allow_blank=True)
    birth_date = serializers.RegexField(r"^\d{4}(-\d{2}(-\d{2})?)?$", required=False, allow_blank=True, max_length=10)
    country = serializers.ChoiceField(choices=choices("locate.Person", "country"), required=False, allow_blank=True)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    municipality = serializers.CharField(max_length=120, required=False, allow_blank=True)
    community = serializers.CharField(max_length=120, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    whatsapp = serializers.CharField(max_length=40, required=False, allow_blank=True)
    language = serializers.SlugRelatedField(
        slug_field="code", queryset=Language.objects.all(), required=False, allow_null=True
    )
    speaks_spanish = serializers.BooleanField(required=False, default=True)


class CaseIn(serializers.Serializer):
    claim_type = serializers.ChoiceField(choices=choices("cases.Case", "claim_type"))
    court = serializers.CharField(max_length=200, required=False, allow_blank=True)
    docket_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=20000)
    deadline = serializers.DateField(required=False, allow_null=True)
    urgency = serializers.ChoiceField(choices=choices("cases.Case", "urgency"), required=False, default="routine")


class PartyIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=choices("cases.CaseParty", "kind"))
    name = serializers.CharField(max_length=200)


class TaskIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=choices("cases.Task", "kind"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    due_date = serializers.DateField(required=False, allow_null=True)


class RequestIn(serializers.Serializer):
    client = ClientIn()
    case = CaseIn()
    parties = PartyIn(many=True, required=False)
    tasks = TaskIn(many=True, min_length=1, max_length=20)

    def validate(self, data):
        # The page's own forms decide (a name or a phone; the region in the country ...).
        data["client"] = validate_with_form(ClientForm, data["client"], prefix="client.")
        data["case"] = validate_with_form(CaseForm, data["case"], prefix="case.")
        data["parties"] = [
            validate_with_form(PartyForm, p, prefix=f"parties.{i}.") for i, p in enumerate(data.get("parties", []))
        ]
        data["tasks"] = [validate_with_form(TaskForm, t, prefix=f"tasks.{i}.") for i, t in enumerate(data["tasks"])]
        return data


class TaskStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=choices("cases.Task", "status"))


class MessageIn(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)


class SignIn(serializers.Serializer):
    typed_name = serializers.CharField(max_length=200)
    accepted = serializers.BooleanField()
    sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$", help_text=gettext_lazy("The sha256 of the version you read (from its 'sha256').")
    )


# --- views ---------------------------------------------------------------------------------------


class CaseViewSet(ReadOnlyViewSet):
    """Cases the user takes part in (every case for Coordinators)."""

    api_description = gettext_lazy("Cases the user takes part in (every case for Coordinators).")

    queryset = Case.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "cases"
    filterset_fields = ["state", "claim_type", "urgency"]
    ordering_fields = ["submitted_at", "deadline", "state_changed_at", "id"]
    ordering = ("-submitted_at", "-pk")

    def get_queryset(self):
        return visible_cases(self.request.user)

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_required_perms(self):
        return ("cases.request",) if self.action == "create" else CASE_PERMS

    @extend_schema(
        request=RequestIn,
        responses={201: CaseDetailSerializer},
        description=gettext_lazy(
            "An Advocate's request for facilitation: the client, the case, the opposing parties "
            "and the tasks the Defender should do (the web page's rules)."
        ),
    )
    def create(self, request):
        def make():
            data = _valid(RequestIn, request)
            advocate = getattr(request.user, "advocate", None)
            if advocate is None:
                raise PermissionDenied
            case = case_actions.do_submit_request(
                advocate,
                acting_user=request.user,
                client=data["client"],
                case=data["case"],
                parties=data["parties"],
                tasks=data["tasks"],
            )
            return Response(
                CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
            )

        return run_idempotent(request, make)

    def _case(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(responses=MessageSerializer(many=True), filters=True)
    @route(
        detail=True,
        methods=["get"],
        url_path="messages",
        filter_backends=[OrderingFilter],
        ordering_fields=["created_at", "id"],
        ordering=("created_at", "pk"),
    )
    def messages(self, request, pk=None):
        case = self._case()
        qs = self.filter_queryset(case.messages.select_related("author").prefetch_related("attachments"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            MessageSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request={"multipart/form-data": MessageIn, "application/json": MessageIn}, responses={201: MessageSerializer}
    )
    @messages.mapping.post
    def post_message(self, request, pk=None):
        def make():
            case = self._case()
            data = _valid(MessageIn, request)
            message = case_actions.do_post_message(
                case, acting_user=request.user, body=data.get("body", ""), files=data.get("files", [])
            )
            return Response(
                MessageSerializer(message, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
            )

        return run_idempotent(request, make)

    @extend_schema(responses=ContractVersionSerializer(many=True), filters=True)
    @route(
        detail=True,
        methods=["get"],
        url_path="contract-versions",
        filter_backends=[OrderingFilter],
        ordering_fields=["number", "created_at"],
        ordering=("number",),
    )
    def contract_versions(self, request, pk=None):
        case = self._case()
        qs = self.filter_queryset(case.contract_versions.prefetch_related("signatures"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ContractVersionSerializer(page, many=True).data)

    @extend_schema(request=SignIn, responses={201: SignatureSerializer})
    @route(detail=True, methods=["post"], url_path="contract/sign", filter_backends=[])
    def sign(self, request, pk=None):
        def make():
            case = self._case()
            data = _valid(SignIn, request)
            signature = case_actions.do_sign_contract(
                case,
                acting_user=request.user,
                typed_name=data["typed_name"],
                accepted=data["accepted"],
                sha256=data["sha256"],
            )
            return Response(SignatureSerializer(signature).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, make)

    parser_classes = [JSONParser, MultiPartParser, FormParser]  # messages take files


class TaskFilter(django_filters.FilterSet):
    case = id_filter("case_id")

    class Meta:
        model = Task
        fields = ["case", "status", "kind"]


class TaskViewSet(ReadOnlyViewSet):
    """Tasks of the cases the user takes part in."""

    api_description = gettext_lazy("Tasks of the cases the user takes part in.")

    queryset = Task.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "cases"
    required_perms = CASE_PERMS
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["due_date", "id"]
    ordering = ("due_date", "pk")

    def get_queryset(self):
        return visible_tasks(self.request.user).select_related("case")

    @extend_schema(request=TaskStatusIn, responses={200: TaskSerializer})
    @route(detail=True, methods=["post"], url_path="status", filter_backends=[])
    def set_status(self, request, pk=None):
        task = self.get_object()
        data = _valid(TaskStatusIn, request)
        task = case_actions.do_update_task(task, acting_user=request.user, status=data["status"])
        return Response(TaskSerializer(task).data)


class AttachmentView(ApiMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A message's attachment, the file itself."""

    api_description = gettext_lazy("A message's attachment, the file itself.")

    queryset = Attachment.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "cases"
    required_perms = CASE_PERMS
    serializer_class = AttachmentSerializer

    def get_queryset(self):
        return visible_attachments(self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def retrieve(self, request, pk=None):
        att = self.get_object()
        return serve_private_file(att.file, att.original_name, att.content_type)


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
