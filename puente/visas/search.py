"""Employer and agent search over names as filed (normalised keys), shared by the pages and the CLI."""

from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Case, F, Max, Q, Sum, Value, When

from . import normalise, stats
from .access import public_agents, public_employers
from .bulk import insert_rows
from .models import CERTIFIED_STATUSES, AgentName, EmployerName, EmployerToken


def _words(text):
    return [w for w in normalise.name_key(text).split() if w] or [normalise.strip_accents(text).upper().strip()]


def index_names(names=None):
    """Index the words of employer names as filed: ``names`` as (id, key) pairs (those an import
    just created), or every name that has no words indexed yet."""
    if names is None:
        names = EmployerName.objects.filter(tokens__isnull=True).values_list("pk", "key")
    tokens = [(t[:60], pk) for pk, key in names for t in set(key.split())]
    insert_rows(EmployerToken._meta.db_table, ["token", "name_id"], tokens)


def _prefix_words(text):
    """The words of ``text`` that a name must have a word starting with. A repeated word, or one
    that starts another word of the query ("ORCH ORCHARD"), adds no condition: it is dropped."""
    words = list(dict.fromkeys(_words(text)))
    return [w for w in words if not any(o != w and o.startswith(w) for o in words)]


def _token_starts_with(word):
    """``EmployerToken.token`` starts with ``word``, in a form the token index answers.

    PostgreSQL: ``LIKE 'WORD%'``, answered by the index's ``varchar_pattern_ops`` whatever the
    database's collation (a range ``token < 'WORD' || U+FFFF`` is only right where the collation
    orders by code point). SQLite: that range (the index is BINARY, and SQLite's LIKE ignores case,
    so it could not use it); tokens are ASCII, so U+FFFF sorts after every letter that may follow.
    """
    if connection.vendor == "postgresql":
        return Q(token__startswith=word)
    return Q(token__gte=word, token__lt=word + "\uffff")


def matching_name_ids(text):
    """Ids of the names as filed having, for every word of ``text``, a word that starts with it.

    Shaped for each engine's planner, and never one semi-join per word nested inside the next:
    PostgreSQL, without statistics (as right after a bulk import), ran that the wrong way round and
    compared every active employer with every matching name (1.2 s a search over a million rows).

    - PostgreSQL: one scan of the token index for all the words (an OR of prefix scans), grouped
      by name; a name is kept when each word matched one of its tokens. Hash aggregation: no join
      for the planner to misjudge.
    - SQLite: the intersection of one index range scan per word (the fastest there, measured).
    """
    words = _prefix_words(text)
    per_word = [EmployerToken.objects.filter(_token_starts_with(w)).values("name_id") for w in words]
    if len(words) == 1:
        return per_word[0]
    if connection.vendor != "postgresql":
        return per_word[0].intersection(*per_word[1:])
    matched = {f"w{i}": Max(Case(When(_token_starts_with(w), then=Value(1)), default=Value(0)))
               for i, w in enumerate(words)}
    return (EmployerToken.objects.filter(reduce(or_, (_token_starts_with(w) for w in words)))
            .order_by().values("name_id").annotate(**matched)
            .filter(**{name: 1 for name in matched}).values("name_id"))


def employer_queryset(text):
    """Active employers with a name as filed having, for every word of ``text``, a word that
    starts with it (an employer's own name is always one of its names as filed). Index range
    scans on ``EmployerToken``, not a scan of every name."""
    names = EmployerName.objects.filter(pk__in=matching_name_ids(text)).values("employer_id")
    return public_employers().filter(pk__in=names)


def search_employers(text, limit=50):
    # The id last: employers of the same name and positions (one per state) keep one order,
    # whatever plan the database picks.
    employers = list(employer_queryset(text).order_by("-positions_certified", "name", "pk")[:limit])
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
        positions=Sum("visa_cases__workers_certified",
                      filter=Q(visa_cases__counted=True, visa_cases__status__in=CERTIFIED_STATUSES)),
    ).order_by(F("positions").desc(nulls_last=True), "name", "pk")[:limit])
    return [{"id": a.pk, "name": a.name, "positions_certified": a.positions or 0} for a in agents]
