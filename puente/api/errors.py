"""The one error shape of the API::

    {"error": {"status": 409, "code": "state", "message": "…in the user's language…",
               "fields": {"reason": ["…"]}}}

- ``ActionRefused`` from a ``do_*`` action: 409 when the object's state or a conflict is why
  (codes ``state``, ``conflict``), 403 for ``permission``, else 400; ``fields`` carries the
  messages that belong to a field.
- Validation of the request body or parameters: 400, ``fields`` per field.
- 401 no or a bad token, 403 not allowed, 404 not found, which is also what another party's
  object is (as on the web pages), 405, 406, 415, 429 (with ``retry_after`` seconds).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from puente.core.action_contract import ActionRefused

CONFLICT_CODES = {"state", "conflict", "duplicate", "locked"}


def error_response(status_code: int, code: str, message, fields=None, **extra) -> Response:
    body = {"status": status_code, "code": code, "message": force_str(message)}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return Response({"error": body}, status=status_code)


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flatten(v)]
    if isinstance(detail, list | tuple):
        return [m for v in detail for m in _flatten(v)]
    return [force_str(detail)]


def _fields(detail) -> dict:
    out = {}
    for name, value in detail.items():
        out[name] = _flatten(value)
    return out


def refusal_response(exc: DjangoValidationError) -> Response:
    code = getattr(exc, "refusal_code", None) or getattr(exc, "code", None) or "refused"
    if code == "permission":
        status_code = status.HTTP_403_FORBIDDEN
    elif code in CONFLICT_CODES:
        status_code = status.HTTP_409_CONFLICT
    else:
        status_code = status.HTTP_400_BAD_REQUEST
    fields = None
    if hasattr(exc, "error_dict"):
        fields = {
            ("non_field_errors" if k == "__all__" else k): [force_str(m) for m in v]
            for k, v in DjangoValidationError(exc.error_dict).message_dict.items()
        }
    message = " ".join(force_str(m) for m in exc.messages)
    return error_response(status_code, code, message, fields)


def exception_handler(exc, context):
    if isinstance(exc, ActionRefused | DjangoValidationError):
        return refusal_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handling, logged
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = _fields(detail) if isinstance(detail, dict) else None
        message = _("Check the fields named.") if fields else " ".join(_flatten(detail))
        response = error_response(400, "invalid", message, fields)
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        response = error_response(
            429, "throttled", _("Too many requests: try again in %(n)s seconds.") % {"n": wait}, retry_after=wait
        )
        headers["Retry-After"] = str(wait)
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response = error_response(exc.status_code, code, " ".join(_flatten(exc.detail)))
    for k, v in headers.items():
        response[k] = v
    return response
