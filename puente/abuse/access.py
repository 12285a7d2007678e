"""Who may see which abuse report, and whose identity.

- Coordinators see every report, with the worker's identity.
- A Defender sees the reports its organisation filed (any account of the same Defender); an
  Advocate sees the reports they filed. That is "the reporting party": it sees the worker.
- Anybody else who reaches a report (none today; any future path, e.g. a report shown inside a
  case) sees "anonymised worker": templates never print ``report.worker`` directly but go through
  ``worker_label``.
- Recruiters are not personal data of victims: every role that files reports sees the recruiter
  directory (names, aliases, places, phones, employers), so that a Defender can warn workers. Of
  other parties' reports a Defender or Advocate sees only a count, and only from
  ``MIN_COUNT_SHOWN`` reports on, so that a count cannot point at one worker.
- Patterns, rankings and dossiers are for Coordinators (``abuse.analyse``).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from puente.cases import api as cases_api
from puente.core.roles import Role, has_perm

from . import visa_link

from .models import AbuseReport, EvidenceFile, Recruiter
from .resolution import normalise

ANONYMISED = _("Anonymised worker")
ANONYMOUS = _("Anonymous worker")
MIN_COUNT_SHOWN = 3


def visible_reports(user):
    qs = AbuseReport.objects.all()
    if not getattr(user, "is_authenticated", False) or not has_perm(user, "abuse.report"):
        return qs.none()
    if user.role == Role.COORDINATOR:
        return qs
    if user.role == Role.DEFENDER and user.defender_id:
        return qs.filter(Q(reporter_defender_id=user.defender_id) | Q(reported_by=user))
    return qs.filter(reported_by=user)


def visible_evidence(user):
    return EvidenceFile.objects.filter(report__in=visible_reports(user))


def visible_recruiters(user):
    """The recruiter directory: every active recruiter for whoever may file reports."""
    if not getattr(user, "is_authenticated", False) or not has_perm(user, "abuse.report"):
        return Recruiter.objects.none()
    return Recruiter.active.all()


def is_reporting_party(user, report) -> bool:
    if report.reported_by_id == user.pk:
        return True
    return (
        user.role == Role.DEFENDER and user.defender_id is not None
        and report.reporter_defender_id == user.defender_id
    )


def may_see_worker(user, report) -> bool:
    """Coordinators and the reporting party see who the worker is; nobody else."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.COORDINATOR or is_reporting_party(user, report)


def worker_label(user, report) -> str:
    if report.worker_id is None:
        return str(ANONYMOUS)
    if may_see_worker(user, report):
        return report.worker.full_name or str(report.worker)
    return str(ANONYMISED)


def cases_for_linking(user):
    """Cases a user may link a report to: exactly the cases the user may see."""
    return cases_api.visible_cases(user)


def report_count_label(user, recruiter, count: int) -> str:
    """How many reports name a recruiter, as a user may see it."""
    if user.role == Role.COORDINATOR or count >= MIN_COUNT_SHOWN:
        return str(count)
    return str(_("fewer than %(n)s") % {"n": MIN_COUNT_SHOWN})


def reports_naming_employer(user, names):
    """The reports this user may see whose employer is any of ``names`` (as normalised here):
    the visa data's employer page lists them (by number only, never by worker)."""
    keys = {normalise(n) for n in names} - {""}
    if not keys:
        return visible_reports(user).none()
    return visible_reports(user).filter(employer_key__in=keys).order_by("-created_at")


def reports_for_employer(employer, user):
    """The provider ``visas.abuse_reports_for_employer``: the reports ``user`` may see that name
    the visa-data ``employer`` under its name or any name it was filed under."""
    names = {employer.name, *visa_link.employer_name_variants(employer.name)}
    return list(reports_naming_employer(user, names))
