"""Employer and agent search over names as filed (normalised keys), shared by the pages and the CLI."""

from django.db.models import Q, Sum

from . import normalise, stats
from .access import public_agents, public_employers
from .models import AgentName, EmployerName


def _words(text):
    return [w for w in normalise.name_key(text).split() if w] or [normalise.strip_accents(text).upper().strip()]


def index_names():
    """Index the words of every employer name as filed that has no words indexed yet."""
    from .bulk import insert_rows
    from .models import EmployerToken

    missing = EmployerName.objects.filter(tokens__isnull=True).values_list("pk", "key")
    insert_rows(EmployerToken, ["token", "name_id"], [(t[:60], pk) for pk, key in missing for t in set(key.split())])


def employer_queryset(text):
    """Active employers with a name as filed having, for every word of ``text``, a word that
    starts with it (an employer's own name is always one of its names as filed). Index range
    scans on ``EmployerToken``, not a scan of every name."""
    from .models import EmployerToken

    names = EmployerName.objects.all()
    for w in _words(text):
        names = names.filter(pk__in=EmployerToken.objects.filter(token__gte=w, token__lt=w + "\uffff").values("name_id"))
    return public_employers().filter(pk__in=names.values("employer_id"))


def search_employers(text, limit=50):
    employers = list(employer_queryset(text).order_by("-positions_certified", "name")[:limit])
    ids = [e.pk for e in employers]
    years = stats.employer_years(ids)
    names = stats.employer_names(ids)
    return [
        {"id": e.pk, "name": e.name, "state": e.state, "city": e.city, "positions_certified": e.positions_certified,
         "names": names.get(e.pk, []), "years": years.get(e.pk, [])}
        for e in employers
    ]


def search_agents(text, limit=50):
    words = _words(text)
    names = AgentName.objects.all()
    for w in words:
        names = names.filter(key__contains=w)
    agents = list(public_agents().filter(pk__in=names.values("agent_id")).annotate(
        positions=Sum("visa_cases__workers_certified", filter=Q(visa_cases__counted=True))).order_by("-positions", "name")[:limit])
    return [{"id": a.pk, "name": a.name, "positions_certified": a.positions or 0} for a in agents]
