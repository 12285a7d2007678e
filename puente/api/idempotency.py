"""``Idempotency-Key`` on every create: a client on a weak connection may send the same request
again without knowing whether the first one arrived; with the same key it gets the first
response back (header ``Idempotent-Replayed: true``) and nothing is created twice.

Keys are per user; a key reused for a different request (another path or body) is refused with
422, and a retry that arrives while the first request is still running gets 409. Only successful
responses are kept: a refused request may be sent again with the same key once fixed."""

import hashlib
import json
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import error_response
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        items = sorted(
            (k, [getattr(v, "name", v) if not isinstance(v, str) else v for v in vs]) for k, vs in data.lists()
        )
        files = sorted((k, [(f.name, f.size) for f in fs]) for k, fs in request.FILES.lists())
        canonical = json.dumps([items, files], cls=DjangoJSONEncoder, default=str)
    else:
        canonical = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def run_idempotent(request, make_response):
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return make_response()
    if len(key) > 200:
        return error_response(400, "invalid", _("The Idempotency-Key may be 200 characters at most."))
    user = request.user
    fingerprint = _fingerprint(request)
    IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user, key=key, method=request.method, path=request.path[:300], fingerprint=fingerprint
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.get(user=user, key=key)
        if record.fingerprint != fingerprint:
            return error_response(
                422, "idempotency_key_reused", _("This Idempotency-Key was used for a different request.")
            )
        if record.status is None:
            return error_response(409, "in_progress", _("A request with this Idempotency-Key is still running."))
        response = Response(json.loads(record.body) if record.body else None, status=record.status)
        response["Idempotent-Replayed"] = "true"
        if record.location:
            response["Location"] = record.location
        return response
    try:
        response = make_response()
    except BaseException:
        record.delete()
        raise
    if 200 <= response.status_code < 300:
        record.status = response.status_code
        record.body = json.dumps(response.data, cls=DjangoJSONEncoder)
        record.location = response.get("Location", "")[:300]
        record.save(update_fields=["status", "body", "location"])
    else:
        record.delete()
    return response
