"""The directory of Defenders and Advocates, for Coordinators (``directory.view``)."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from puente.network.access import visible_advocates, visible_defenders, with_load

from ..registry import model
from .base import ReadOnlyViewSet


Defender = model("network.Defender")
Advocate = model("network.Advocate")


class DefenderSerializer(serializers.ModelSerializer):
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    expertise = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    open_cases = serializers.IntegerField(read_only=True)
    free_capacity = serializers.IntegerField(read_only=True)
    # Often blank: plain strings, not "email"/"uri" formats that an empty value would break.
    email = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)

    class Meta:
        model = Defender
        fields = [
            "id",
            "name",
            "kind",
            "country",
            "city",
            "regions",
            "languages",
            "expertise",
            "capacity",
            "open_cases",
            "free_capacity",
            "status",
            "email",
            "phone",
            "whatsapp",
            "website",
            "bio",
        ]


class AdvocateSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    email = serializers.CharField(source="user.email", read_only=True)
    jurisdictions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Advocate
        fields = [
            "id",
            "name",
            "email",
            "organisation",
            "country",
            "city",
            "jurisdictions",
            "languages",
            "phone",
            "agreement_signed_at",
        ]

    def get_name(self, obj) -> str:
        return obj.user.get_full_name()


class DefenderViewSet(ReadOnlyViewSet):
    """Defenders of the network, with their open cases and free places."""

    api_description = gettext_lazy("Defenders of the network, with their open cases and free places.")

    queryset = Defender.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "directory"
    required_perms = ("directory.view",)
    serializer_class = DefenderSerializer
    filterset_fields = ["country", "kind", "status"]
    ordering_fields = ["name", "country", "free_capacity", "id"]
    ordering = ("name", "pk")

    def get_queryset(self):
        return with_load(visible_defenders(self.request.user)).prefetch_related("regions", "languages", "expertise")


class AdvocateViewSet(ReadOnlyViewSet):
    """Advocates of the network."""

    api_description = gettext_lazy("Advocates of the network.")

    queryset = Advocate.objects.none()  # the model, for the schema; get_queryset narrows to the user

    area = "directory"
    required_perms = ("directory.view",)
    serializer_class = AdvocateSerializer
    filterset_fields = ["country"]
    ordering_fields = ["organisation", "country", "id"]
    ordering = ("organisation", "pk")

    def get_queryset(self):
        return visible_advocates(self.request.user).prefetch_related("jurisdictions", "languages")
