"""What each user may see of the visa data, as querysets.

The disclosure data and the debarments are public records: everyone, signed in or not, sees every
active employer, agent and row. What is NOT public is the network's own material: the cases that
name an employer (Coordinators only, ``cases_naming``) and the review list.
"""

from puente.core import providers
from puente.core.roles import has_perm

from . import normalise
from .models import Agent, AgentMerge, AgentMergeReview, Employer, EmployerMerge, EmployerName, MergeReview, VisaCase


def public_employers():
    return Employer.objects.filter(merged_into__isnull=True)


def any_employer():
    """Employers including merged ones (a merged employer's page redirects to its survivor)."""
    return Employer.objects.all()


def public_agents():
    """Active agents (a merged agent's names and rows are its survivor's)."""
    return Agent.objects.filter(merged_into__isnull=True)


def any_agent():
    """Agents including merged ones (a merged agent's page redirects to its survivor)."""
    return Agent.objects.all()


def public_rows():
    return VisaCase.objects.all()


def reviews(user):
    if has_perm(user, "visas.internal"):
        return MergeReview.objects.all()
    return MergeReview.objects.none()


def agent_reviews(user):
    if has_perm(user, "visas.internal"):
        return AgentMergeReview.objects.all()
    return AgentMergeReview.objects.none()


def agent_merges(user):
    if has_perm(user, "visas.internal"):
        return AgentMerge.objects.all()
    return AgentMerge.objects.none()


def visible_case_for_history(user, pk):
    """The network case whose employers' visa history a Coordinator looks at. ``visas.internal`` is
    the Coordinators' permission, and Coordinators see every case (``cases.access.visible_cases``),
    so the case is looked up by the cases app's provider ``core.find_case`` (by number only)."""
    if not has_perm(user, "visas.internal"):
        return None
    case = providers.call("core.find_case", str(int(pk)))
    return case if case is not None and case.pk == int(pk) else None


def cases_naming(user, employer):
    """The network's cases (their employer parties) that name one of this employer's names as
    filed, asked of the cases app (provider ``visas.cases_naming_employer``). Coordinators only;
    an empty list for everyone else."""
    if not has_perm(user, "visas.internal"):
        return []
    return list(providers.call("visas.cases_naming_employer", employer, user))


def employers_for_names(names):
    """Active employers whose names as filed match any of ``names`` (normalised)."""
    keys = {normalise.name_key(n) for n in names if n}
    ids = EmployerName.objects.filter(key__in=keys, employer__isnull=False).values("employer_id")
    employers = Employer.objects.filter(pk__in=ids)
    result = {}
    for e in employers:
        while e.merged_into_id:
            e = e.merged_into
        result[e.pk] = e
    return list(result.values())


def merges(user):
    if has_perm(user, "visas.internal"):
        return EmployerMerge.objects.all()
    return EmployerMerge.objects.none()


def abuse_reports_naming(user, employer):
    """Abuse reports naming this employer under any of its names as filed, asked of the abuse app
    (provider ``visas.abuse_reports_for_employer``), for Coordinators."""
    if not has_perm(user, "visas.internal"):
        return []
    return list(providers.call("visas.abuse_reports_for_employer", employer, user))
