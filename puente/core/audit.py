"""Audit history, on django-auditlog: who changed what, when. Helpers shared by the apps.

Personal fields are registered as ``mask_fields`` and masked entirely by ``redact`` (auditlog's
default keeps half the string, which would leave half a name in the history).
"""

from auditlog.context import set_actor
from auditlog.signals import accessed

REDACTED = "[redacted]"


def redact(value) -> str:
    return REDACTED


def log_access(instance) -> None:
    """Record that the current user read ``instance`` (a person's record, a case's client)."""
    accessed.send(instance.__class__, instance=instance)


__all__ = ["REDACTED", "redact", "log_access", "set_actor"]
