"""The OpenAPI description's shared parts: the token security scheme, the error shape on every
operation, the ``Idempotency-Key`` header on every create."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField(help_text=_("In the user's language."))
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    retry_after = serializers.IntegerField(required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string (a UUID). A retry with the same key returns the first response "
        "instead of creating a second object."
    ),
)


class PuenteAutoSchema(AutoSchema):
    def get_description(self):
        # Each view's description as a translatable string (the docstring is for developers):
        # the document and the docs page give it in the language asked for (?lang=es).
        description = getattr(self.view, "api_description", None)
        return str(description) if description else super().get_description()

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self.method == "POST" and getattr(self.view, "creates", True):
            params.append(IDEMPOTENCY_KEY)
        return params

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self._get_response_for_code(ErrorSerializer, "400")
        codes = ["401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["400", "409", "415", "422"]
        elif self._is_list_view():
            codes += ["400"]
        for code in codes:
            responses.setdefault(code, error)
        # content negotiation and wrong methods can answer any operation
        responses.setdefault("405", error)
        responses.setdefault("406", error)
        return responses


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "puente.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "pnt_…",
            "description": str(_("A personal access token from your account page (/account/tokens/).")),
        }
