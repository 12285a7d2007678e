"""Matching's aggregates: what it knows about every Defender that does not depend on the case.

- ``aggregates()``: per Defender, the cases occupying its slots (``loads``), the Advocates'
  ratings (``ratings``: count, mean) and the uptake (``uptake``: count, median days from
  assignment to active). Each needs a GROUP BY over every case, so each is computed once and
  shared by every server process through Django's cache framework (``CACHES["default"]``),
  under a key made of the newest rows it depends on (``_stamps``, read in one query: a new
  evaluation, any state change, a new case, an assignment) and a generation that
  ``clear_caches`` bumps. A process that finds the key already computed by another reuses it;
  a change written by any process changes the key for all. Entries also expire after
  ``HISTORY_TTL`` seconds, for edits that write no new row.
- ``reference``, a fourth part: regions, languages and areas of expertise (synced at ``migrate``),
  shared the same way under a key of their newest ids.
- ``defender_rows()`` and ``pairs()``: read fresh on every suggestion (one flat query each).

The unpickled value of the current key is also kept in the process (``_memo``), so a process
pays the cache's unpickling once per change, not once per suggestion; the memo is keyed by the
same key, so it is never staler than the shared entry.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, Min, Q

from puente.network.api import Defender, Expertise, Language, Region

from .models import Case, CaseState, CaseTransition, Evaluation

#: How long an aggregate may be reused at most (seconds), for edits that write no new row.
HISTORY_TTL = 300

# The case states in which a case occupies one of the Defender's slots.
LOAD_STATES = (CaseState.AGREEMENT_PENDING, CaseState.ACTIVE, CaseState.REPORTING)

_PREFIX = "puente.cases.matching"
_GENERATION_KEY = f"{_PREFIX}:generation"


def _stamps() -> dict[str, tuple]:
    """What the cached aggregates depend on, read in one query through the primary-key indexes:
    the newest evaluation, the newest state change (every move of the workflow writes a
    CaseTransition, assignment included), the newest case and the newest activation; and the
    newest region, language and area of expertise for the reference data."""
    q = connection.ops.quote_name
    evaluations, transitions, cases = (q(m._meta.db_table) for m in (Evaluation, CaseTransition, Case))
    regions, languages, expertise = (q(m._meta.db_table) for m in (Region, Language, Expertise))
    newest = "(SELECT {col} FROM {table}{where} ORDER BY id DESC LIMIT 1)"
    columns = [
        ("ratings", evaluations, "id", ""),
        ("ratings", evaluations, q("submitted_at"), ""),
        ("loads", transitions, "id", ""),
        ("loads", transitions, q("at"), ""),
        ("loads", cases, "id", ""),
        ("loads", cases, q("submitted_at"), ""),
        ("loads", cases, q("assigned_at"), ""),
        ("uptake", transitions, "id", " WHERE to_state = %s"),
        ("uptake", transitions, q("at"), " WHERE to_state = %s"),
        ("reference", regions, "id", ""),
        ("reference", languages, "id", ""),
        ("reference", expertise, "id", ""),
    ]
    sql = "SELECT " + ", ".join(newest.format(col=c, table=t, where=w) for _p, t, c, w in columns)
    params = [str(CaseState.ACTIVE)] * sum(1 for *_x, w in columns if w)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # noqa: S608  (names from model metadata)
        values = cursor.fetchone()
    stamps: dict[str, tuple] = defaultdict(tuple)
    for (part, *_rest), value in zip(columns, values, strict=True):
        stamps[part] += (str(value),)
    return stamps


# Days between the assignment (first move to agreement_pending, else Case.assigned_at) and the
# first move to active, computed by the database: converting 200,000 timestamps in Python would
# cost seconds.
_DAYS_SQL = {
    "sqlite": "julianday({end}) - julianday({start})",
    "postgresql": "EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0",
}


def _uptake_days():
    """(defender id, days) for every case with a Defender that became active."""
    q = connection.ops.quote_name
    days_sql = _DAYS_SQL.get(connection.vendor)
    if days_sql is None:  # another database: the same figures, computed in Python
        rows = (
            CaseTransition.objects.filter(
                to_state__in=(CaseState.AGREEMENT_PENDING, CaseState.ACTIVE), case__defender__isnull=False
            )
            .order_by()
            .values("case_id", "case__defender_id", "case__assigned_at")
            .annotate(
                pending_at=Min("at", filter=Q(to_state=CaseState.AGREEMENT_PENDING)),
                active_at=Min("at", filter=Q(to_state=CaseState.ACTIVE)),
            )
            .values_list("case__defender_id", "case__assigned_at", "pending_at", "active_at")
        )
        for defender_id, assigned_at, pending_at, active_at in rows:
            start = pending_at or assigned_at
            if active_at is not None and start is not None:
                yield defender_id, (active_at - start).total_seconds() / 86400
        return
    transitions, cases = q(CaseTransition._meta.db_table), q(Case._meta.db_table)
    elapsed = days_sql.format(end="t.active_at", start="COALESCE(t.pending_at, c.assigned_at)")
    sql = (
        f"SELECT c.defender_id, {elapsed} FROM ("  # noqa: S608  (names from model metadata)
        f"  SELECT case_id,"
        f"    MIN(CASE WHEN to_state = %s THEN {q('at')} END) AS pending_at,"
        f"    MIN(CASE WHEN to_state = %s THEN {q('at')} END) AS active_at"
        f"  FROM {transitions} WHERE to_state IN (%s, %s) GROUP BY case_id"
        f") t JOIN {cases} c ON c.id = t.case_id "
        f"WHERE c.defender_id IS NOT NULL AND t.active_at IS NOT NULL"
    )
    pending, active = str(CaseState.AGREEMENT_PENDING), str(CaseState.ACTIVE)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pending, active, pending, active])
        yield from cursor.fetchall()


def _compute_loads() -> dict[int, int]:
    """defender id -> cases occupying one of its slots."""
    return dict(
        Case.objects.filter(state__in=LOAD_STATES, defender__isnull=False)
        .order_by()
        .values("defender_id")
        .annotate(n=Count("id"))
        .values_list("defender_id", "n")
    )


def _compute_ratings() -> dict[int, tuple[int, float]]:
    """defender id -> (count, mean) of the Advocates' overall ratings of its cases."""
    return {
        row["case__defender_id"]: (row["n"], float(row["mean"]))
        for row in Evaluation.objects.filter(side=Evaluation.Side.ADVOCATE, case__defender__isnull=False)
        .order_by()
        .values("case__defender_id")
        .annotate(n=Count("id"), mean=Avg("overall"))
    }


def _compute_uptake() -> dict[int, tuple[int, float]]:
    """defender id -> (count, median days) from assignment to active."""
    days = defaultdict(list)
    for defender_id, elapsed in _uptake_days():
        if elapsed is not None and elapsed >= 0:
            days[defender_id].append(float(elapsed))
    return {d: (len(v), statistics.median(v)) for d, v in days.items()}


def _compute_reference() -> dict:
    regions = list(Region.objects.values_list("id", "name", "country"))
    return {
        "region_name": {r[0]: r[1] for r in regions},
        "region_country": {r[0]: r[2] for r in regions},
        "languages": {lang[0]: (lang[1], lang[2]) for lang in Language.objects.values_list("id", "name", "code")},
        "expertise": {e[0]: (e[1], e[2]) for e in Expertise.objects.values_list("id", "code", "name")},
    }


_PARTS = {
    "loads": _compute_loads,
    "ratings": _compute_ratings,
    "uptake": _compute_uptake,
    "reference": _compute_reference,
}

# key -> (expires at, value): this process's unpickled copy of the shared entry under ``key``.
_memo: dict[str, tuple[float, Any]] = {}


def _database() -> str:
    return f"{connection.alias}:{connection.settings_dict['NAME']}"


def _generation() -> int:
    return cache.get_or_set(_GENERATION_KEY, 1, timeout=None) or 1


def clear_caches(**kwargs) -> None:
    """Forget every aggregate, in every process. Connected to ``post_migrate``: reference data is
    synced there (and re-created, with new ids, when a test database is flushed), so ids cached
    before it may no longer exist."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:  # no generation stored yet: the first one is 1, so start above it
        cache.set(_GENERATION_KEY, 2, timeout=None)
    _memo.clear()


def _shared(part: str, stamp: tuple, compute, generation: int) -> Any:
    raw = f"{_database()}|{generation}|{part}|{stamp!r}"
    key = f"{_PREFIX}:{part}:{hashlib.sha256(raw.encode()).hexdigest()}"
    now = time.monotonic()
    entry = _memo.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=HISTORY_TTL)
    for old in [k for k in _memo if k.startswith(f"{_PREFIX}:{part}:")]:
        del _memo[old]
    _memo[key] = (now + HISTORY_TTL, value)
    return value


def aggregates(use_cache: bool = True) -> dict:
    """Per Defender: ``loads``, ``ratings`` and ``uptake``; and ``reference``, the regions,
    languages and areas of expertise (see the module docstring). When nothing changed: one query
    for the stamps and one cache read for the generation."""
    if not use_cache:
        return {part: compute() for part, compute in _PARTS.items()}
    stamps, generation = _stamps(), _generation()
    return {part: _shared(part, stamps.get(part, ()), compute, generation) for part, compute in _PARTS.items()}


def defender_rows() -> list[tuple[int, str, int, str]]:
    """(id, country, capacity, status) of every Defender, by id: a plain cursor, 2,000 rows."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {q('country')}, {q('capacity')}, {q('status')} "  # noqa: S608  (names from model metadata)
            f"FROM {q(Defender._meta.db_table)} ORDER BY id"
        )
        return cursor.fetchall()


def pairs(region_ids, language_ids, expertise_ids) -> tuple[dict, dict, dict]:
    """defender id -> the given regions it serves, languages it speaks, areas it lists. One
    query: the three m2m tables filtered in SQL to the ids that matter for this case (a few
    thousand integer pairs), read with a plain cursor."""
    q = connection.ops.quote_name
    parts, params = [], []
    for kind, through, column, ids in (
        (0, Defender.regions.through, "region", region_ids),
        (1, Defender.languages.through, "language", language_ids),
        (2, Defender.expertise.through, "expertise", expertise_ids),
    ):
        ids = sorted(i for i in ids if i is not None)
        if not ids:
            continue
        other = q(f"{column}_id")  # the through table's foreign key column (Django names it so)
        marks = ", ".join(["%s"] * len(ids))
        parts.append(
            f"SELECT {kind}, defender_id, {other} FROM {q(through._meta.db_table)} WHERE {other} IN ({marks})"  # noqa: S608
        )
        params += ids
    found: tuple[dict, dict, dict] = (defaultdict(set), defaultdict(set), defaultdict(set))
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)  # noqa: S608 - table/column names and %s marks only
            for kind, defender_id, other_id in cursor.fetchall():
                found[kind][defender_id].add(other_id)
    return found
