"""Who sees workers' reports: Coordinators only (``voice.moderate``). The public corner reads no
report at all; a worker's code lets them add to their report, never read it back."""

from django.db.models import Q

from puente.core.roles import has_perm

from .models import WorkerReport


def moderated_reports(user):
    if not getattr(user, "is_authenticated", False) or not has_perm(user, "voice.moderate"):
        return WorkerReport.objects.none()
    return WorkerReport.objects.all()


def queue(user):
    return moderated_reports(user).filter(status=WorkerReport.Status.NEW).prefetch_related("additions")


def suspected_duplicates(user, report):
    """Other reports naming the same recruiter or employer (case and spacing ignored)."""
    names = Q()
    if report.recruiter_name:
        names |= Q(recruiter_name__iexact=report.recruiter_name.strip())
    if report.employer_name:
        names |= Q(employer_name__iexact=report.employer_name.strip())
    if not names:
        return moderated_reports(user).none()
    return moderated_reports(user).filter(names).exclude(pk=report.pk)
