"""Which jobs a user may see: their own; a Coordinator sees every job (to follow a colleague's
import or a periodic run). Anyone else's job is a 404."""

from django.db.models import QuerySet

from puente.core.roles import Role

from .models import Job


def visible_jobs(user) -> QuerySet[Job]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Job.objects.none()
    if user.role == Role.COORDINATOR:
        return Job.objects.select_related("user")
    return Job.objects.filter(user=user).select_related("user")
