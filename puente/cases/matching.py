"""Matching: which Defender should take a case, ranked, each with the reasons for its place.

``suggest(case)`` scores every Defender of the network on the signals below and returns the best
few, the Defenders it had to exclude (paused, conflict of interest) with the reason, and the gaps
of the network for this case ("no Defender serves Gracias a Dios; nearest: Colón").

Every weight lives in ``WEIGHTS`` below and is explained in docs/matching.md. The score is a sum
of points; ties are broken by Defender id, so the same data always gives the same order.

Speed: the network has ~2,000 Defenders and ~100,000 past cases. The Defenders (one flat query)
and the regions, languages and expertise this case needs (m2m rows filtered in SQL) are read
fresh. The per-Defender aggregates (load, ratings, uptake), which need GROUP BY over every case,
are kept per process and each recomputed as soon as a row it depends on is added (a new
evaluation, any state change, a new case, an activation; see ``_stamps``), and at most every
``WEIGHTS.history_ttl`` seconds. Every Defender is scored in one tight loop without words; only
the shown ones are explained.
"""

from __future__ import annotations

import itertools
import re
import statistics
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.db.models import Avg, Count, Min, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rapidfuzz import fuzz, process

from puente.network.models import Country, Defender, DefenderConflict, Expertise, Language, Region

from .models import TASK_EXPERTISE, Case, CaseState, CaseTransition, ClaimType, Evaluation, Task


@dataclass(frozen=True)
class Weights:
    """Points per signal. Documented, with the reasons for each value, in docs/matching.md."""

    # Region of origin of the client: the best tier the Defender reaches counts.
    region_same: float = 40.0
    region_border: float = 25.0
    region_country: float = 10.0
    # Language. When the client does not speak Spanish, the client's own language decides.
    language_required: float = 35.0
    language_missing: float = -30.0
    # When the client also speaks Spanish, their first (non-Spanish) language is still a plus.
    language_bonus: float = 8.0
    # Expertise: this many points times the share of the needed areas the Defender lists.
    expertise: float = 20.0
    # Load: this many points times the share of capacity still free; no free slot at all costs
    # ``load_full`` (heavy: a full Defender falls below a free one from the same country).
    load_free: float = 10.0
    load_full: float = -60.0
    # Ratings by Advocates (1-5), smoothed towards a prior so that one case does not dominate:
    # points = rating * (smoothed mean - 3) / 2, from -rating to +rating.
    rating: float = 10.0
    rating_prior_mean: float = 3.5
    rating_prior_cases: float = 3.0
    # Uptake: median days from assignment to the case becoming active. Full points at 0 days,
    # none at ``uptake_horizon_days`` or slower, shrunk by n / (n + prior) for few cases.
    uptake: float = 6.0
    uptake_horizon_days: float = 30.0
    uptake_prior_cases: float = 2.0
    # Conflict of interest: rapidfuzz token_sort_ratio on normalised names, 0-100.
    conflict_threshold: float = 90.0
    # How long the history aggregates may be reused at most (seconds).
    history_ttl: int = 300


WEIGHTS = Weights()

# The case states in which a case occupies one of the Defender's slots.
LOAD_STATES = (CaseState.AGREEMENT_PENDING, CaseState.ACTIVE, CaseState.REPORTING)

# Which expertise (network.Expertise.code) a claim type calls for, besides its tasks.
CLAIM_EXPERTISE = {
    ClaimType.WAGE_HOUR: "wage_hour",
    ClaimType.RECRUITMENT_FRAUD: "recruitment_fraud",
    ClaimType.TRAFFICKING: "trafficking",
    ClaimType.FAMILY_SEPARATION: "family_reunification",
    ClaimType.IMMIGRATION_RELIEF: "immigration_evidence",
}

SPANISH = "spa"


@dataclass
class Suggestion:
    defender: Defender
    score: float
    reasons: list[str]
    excluded: bool = False
    exclusion_reason: str = ""
    rank: int | None = None
    full: bool = False


@dataclass
class MatchResult:
    case: Case
    suggestions: list[Suggestion] = field(default_factory=list)
    excluded: list[Suggestion] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def shown(self) -> list[dict]:
        """The suggestions as recorded in MatchRecord.suggestions."""
        return [
            {"defender_id": s.defender.pk, "rank": s.rank, "score": s.score, "reasons": [str(r) for r in s.reasons]}
            for s in self.suggestions
        ]


# ---------------------------------------------------------------------------------------------
# Party names, for conflicts of interest

# Legal-form suffixes, as token sequences after normalisation (dots removed, lower case).
_LEGAL_SUFFIXES = [
    s.split()
    for s in (
        "s de rl de cv", "s de r l de c v", "sapi de cv", "sab de cv", "sa de cv", "s a de c v", "s de rl",
        "sc de rl", "spr de rl", "de cv", "sa", "s a", "sc", "ac", "a c", "srl", "sas",
        "inc", "incorporated", "llc", "l l c", "llp", "lp", "pllc", "ltd", "limited", "corp", "corporation",
        "co", "company", "cia", "and co", "y cia",
    )
]
_LEGAL_SUFFIXES.sort(key=len, reverse=True)


@lru_cache(maxsize=65536)
def normalise_party_name(name: str) -> str:
    """Lower case, no accents, no punctuation, no bracketed notes, no legal-form suffixes:
    "RECLUTADORA DEL NORTE, S.A. de C.V. (RDN)" -> "reclutadora del norte"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    text = text.replace("&", " and ")
    text = re.sub(r"[.'`´’]", "", text)  # "S.A." -> "sa", "O'Brien" -> "obrien"
    text = re.sub(r"[^0-9a-z]+", " ", text)
    tokens = text.split()
    changed = True
    while changed and tokens:
        changed = False
        for suffix in _LEGAL_SUFFIXES:
            if len(tokens) > len(suffix) and tokens[-len(suffix):] == suffix:
                del tokens[-len(suffix):]
                changed = True
                break
    return " ".join(tokens)


def conflicts_for(case: Case) -> dict[int, str]:
    """defender id -> why it is in conflict, for Defenders who acted for a party the case names.

    Every name of every opposing party (the abuse app's ``party_aliases`` included) is normalised
    and compared with every recorded DefenderConflict by rapidfuzz token_sort_ratio (vectorised).
    A Defender recorded against a recruiter in the abuse app (RecruiterConflict) is in conflict
    with a case naming that recruiter under any of its names."""
    from puente.abuse.conflicts import party_aliases

    party_rows = list(case.parties.order_by("pk").values_list("kind", "name"))
    if not party_rows:
        return {}
    rows = list(DefenderConflict.objects.order_by("defender_id", "pk").values_list("defender_id", "party_name"))
    norms = [normalise_party_name(name) for _d, name in rows]
    hits: dict[int, tuple[int, str]] = {}  # defender id -> (first matching row, reason)
    for kind, written in party_rows:
        for alias in sorted(party_aliases(kind, written) | {written}):
            alias_norm = normalise_party_name(alias)
            if not alias_norm or not norms:
                continue
            matches = process.extract(
                alias_norm, norms, scorer=fuzz.token_sort_ratio, score_cutoff=WEIGHTS.conflict_threshold, limit=None
            )
            for _match, _score, index in matches:
                defender_id, party_name = rows[index]
                if defender_id not in hits or index < hits[defender_id][0]:
                    hits[defender_id] = (
                        index,
                        _("acted for %(party)s (named in the case as %(name)s)") % {"party": party_name, "name": written},
                    )
    found = {defender_id: reason for defender_id, (_i, reason) in hits.items()}
    found.update({d: r for d, r in _recruiter_conflicts(party_rows).items() if d not in found})
    return found


def _recruiter_conflicts(party_rows) -> dict[int, str]:
    """Conflicts the abuse app records against a recruiter itself, whatever name the case uses."""
    names = [name for kind, name in party_rows if kind in ("recruiter", "other")]
    if not names:
        return {}
    try:
        from puente.abuse.models import RecruiterConflict
        from puente.abuse.resolution import resolve_name
    except ImportError:  # the abuse app without recruiter resolution
        return {}
    found: dict[int, str] = {}
    for written in names:
        recruiter = resolve_name(written)
        if recruiter is None:
            continue
        for defender_id in (
            RecruiterConflict.objects.filter(recruiter=recruiter).order_by("defender_id").values_list("defender_id", flat=True)
        ):
            found.setdefault(
                defender_id,
                _("acted for recruiter %(party)s (named in the case as %(name)s)") % {"party": recruiter.name, "name": written},
            )
    return found


# ---------------------------------------------------------------------------------------------
# Aggregates


def _stamps() -> dict[str, tuple]:
    """What the cached aggregates depend on, read in one query through the primary-key indexes:
    the newest evaluation, the newest state change (every move of the workflow writes a
    CaseTransition, assignment included), the newest case and the newest activation."""
    q = connection.ops.quote_name
    evaluations, transitions, cases = (q(m._meta.db_table) for m in (Evaluation, CaseTransition, Case))
    newest = "(SELECT {col} FROM {table}{where} ORDER BY id DESC LIMIT 1)"
    columns = [
        ("ratings", evaluations, "id", ""), ("ratings", evaluations, q("submitted_at"), ""),
        ("loads", transitions, "id", ""), ("loads", transitions, q("at"), ""),
        ("loads", cases, "id", ""), ("loads", cases, q("submitted_at"), ""), ("loads", cases, q("assigned_at"), ""),
        ("uptake", transitions, "id", " WHERE to_state = %s"), ("uptake", transitions, q("at"), " WHERE to_state = %s"),
    ]
    sql = "SELECT " + ", ".join(newest.format(col=c, table=t, where=w) for _p, t, c, w in columns)
    params = [str(CaseState.ACTIVE)] * sum(1 for *_x, w in columns if w)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # noqa: S608  (names from model metadata)
        values = cursor.fetchone()
    stamps: dict[str, tuple] = defaultdict(tuple)
    for (part, *_rest), value in zip(columns, values):
        stamps[part] += (str(value),)
    return stamps


def _history_points(ratings: dict, uptake: dict, defender_id: int) -> float:
    """Points for ratings and uptake: they do not depend on the case."""
    w = WEIGHTS
    rating = ratings.get(defender_id)
    if rating is not None:
        n, mean = rating
        smoothed = (w.rating_prior_mean * w.rating_prior_cases + mean * n) / (w.rating_prior_cases + n)
        points = w.rating * (smoothed - 3) / 2
    else:
        points = w.rating * (w.rating_prior_mean - 3) / 2
    up = uptake.get(defender_id)
    if up is not None:
        n, median_days = up
        points += w.uptake * max(0.0, 1 - median_days / w.uptake_horizon_days) * n / (n + w.uptake_prior_cases)
    return points


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


_PARTS = {"loads": _compute_loads, "ratings": _compute_ratings, "uptake": _compute_uptake}

# Per process, per part: (key, expires at, value, generation). Plain references, not Django's
# cache, which would pickle and unpickle thousands of entries on every suggestion. Each part has
# its own key, so assigning a case recomputes the loads (one small GROUP BY), not the history.
_cached: dict[str, tuple] = {}
_generation = itertools.count(1)


def aggregates(use_cache: bool = True) -> dict:
    """Per Defender: ``loads``, ``ratings``, ``uptake``, and the ``points`` ratings and uptake give.

    Each part is reused until a row it depends on is added (see ``_stamps``), and at most
    ``WEIGHTS.history_ttl`` seconds, for edits that write no new row."""
    if not use_cache:
        data = {part: compute() for part, compute in _PARTS.items()}
        data["points"] = {d: _history_points(data["ratings"], data["uptake"], d) for d in data["ratings"].keys() | data["uptake"].keys()}
        return data
    stamps = _stamps()
    database = (connection.alias, str(connection.settings_dict["NAME"]))
    now = time.monotonic()
    data, generations = {}, {}
    for part, compute in _PARTS.items():
        key = (database, stamps.get(part))
        entry = _cached.get(part)
        if entry is None or entry[0] != key or entry[1] <= now:
            entry = (key, now + WEIGHTS.history_ttl, compute(), next(_generation))
            _cached[part] = entry
        data[part] = entry[2]
        generations[part] = entry[3]
    # Rating and uptake points: recomputed only when either part or the weights changed.
    key = (generations["ratings"], generations["uptake"], WEIGHTS)
    entry = _cached.get("points")
    if entry is None or entry[0] != key:
        points = {d: _history_points(data["ratings"], data["uptake"], d) for d in data["ratings"].keys() | data["uptake"].keys()}
        entry = (key, None, points, None)
        _cached["points"] = entry
    data["points"] = entry[2]
    return data


def _defender_rows() -> list[tuple[int, str, int, str]]:
    """(id, country, capacity, status) of every Defender, by id: a plain cursor, 2,000 rows."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {q('country')}, {q('capacity')}, {q('status')} "  # noqa: S608  (names from model metadata)
            f"FROM {q(Defender._meta.db_table)} ORDER BY id"
        )
        return cursor.fetchall()


def _pairs(region_ids, language_ids, expertise_ids) -> tuple[dict, dict, dict]:
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
        other = q(through._meta.get_field(column).column)
        marks = ", ".join(["%s"] * len(ids))
        parts.append(
            f"SELECT {kind}, defender_id, {other} FROM {q(through._meta.db_table)} WHERE {other} IN ({marks})"  # noqa: S608
        )
        params += ids
    found: tuple[dict, dict, dict] = (defaultdict(set), defaultdict(set), defaultdict(set))
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for kind, defender_id, other_id in cursor.fetchall():
                found[kind][defender_id].add(other_id)
    return found


_reference_cache: dict[tuple, tuple[float, dict]] = {}


def clear_caches(**kwargs) -> None:
    """Forget every per-process cache. Connected to ``post_migrate``: reference data is synced
    there (and re-created, with new ids, when a test database is flushed), so ids cached before
    it may no longer exist."""
    _cached.clear()
    _reference_cache.clear()


def _reference() -> dict:
    """Regions, languages and areas of expertise (reference data, synced at ``migrate``): read
    once per process and database, again after ``WEIGHTS.history_ttl`` seconds."""
    key = (connection.alias, str(connection.settings_dict["NAME"]))
    entry = _reference_cache.get(key)
    now = time.monotonic()
    if entry is not None and entry[0] > now:
        return entry[1]
    regions = list(Region.objects.values_list("id", "name", "country"))
    data = {
        "region_name": {r[0]: r[1] for r in regions},
        "region_country": {r[0]: r[2] for r in regions},
        "languages": {lang[0]: (lang[1], lang[2]) for lang in Language.objects.values_list("id", "name", "code")},
        "expertise": {e[0]: (e[1], e[2]) for e in Expertise.objects.values_list("id", "code", "name")},
    }
    _reference_cache[key] = (now + WEIGHTS.history_ttl, data)
    return data


# ---------------------------------------------------------------------------------------------
# Scoring


def _names(ids, names_by_id) -> str:
    return ", ".join(sorted(names_by_id[i] for i in ids))


def _fmt_number(value: float) -> str:
    """One decimal, without a trailing .0 ("4.6", "3")."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


class _Context:
    """Everything ``suggest`` needs about the case and the network, read in a few queries: the
    m2m tables are filtered in SQL to the regions, language and expertise this case needs."""

    def __init__(self, case: Case, use_cache: bool):
        client = case.client
        ref = _reference()
        self.region_name, self.region_country = ref["region_name"], ref["region_country"]
        self.client_region = client.region_id
        self.client_country = self.region_country.get(client.region_id) or client.country or ""
        border_ids = (
            set(
                Region.borders.through.objects.filter(from_region_id=client.region_id).values_list(
                    "to_region_id", flat=True
                )
            )
            if client.region_id
            else set()
        )
        country_regions = {r for r, c in self.region_country.items() if c == self.client_country}

        self.language = None
        if client.language_id in ref["languages"]:
            self.language = (client.language_id, *ref["languages"][client.language_id])
        self.needs_language = self.language is not None and self.language[2] != SPANISH
        self.language_required = self.needs_language and not client.speaks_spanish
        self.language_label = _(self.language[1]) if self.language else ""

        expertise = ref["expertise"]
        id_by_code = {code: pk for pk, (code, _name) in expertise.items()}
        codes = {
            TASK_EXPERTISE.get(kind)
            for kind in case.tasks.exclude(status=Task.Status.CANCELLED).values_list("kind", flat=True)
        }
        codes.add(CLAIM_EXPERTISE.get(case.claim_type))
        self.needed = {id_by_code[c] for c in codes if c in id_by_code}
        self.expertise_label = {pk: _(name) for pk, (_code, name) in expertise.items() if pk in self.needed}

        self.defenders = _defender_rows()
        served, spoken, self.covered = _pairs(
            border_ids | country_regions | ({self.client_region} - {None}),
            {self.language[0]} if self.needs_language else set(),
            self.needed,
        )
        self.same = {d for d, rs in served.items() if self.client_region in rs}
        self.border_served = {d: rs & border_ids for d, rs in served.items() if rs & border_ids}
        self.country_served = {d: rs & country_regions for d, rs in served.items() if rs & country_regions}
        self.in_country = set(self.country_served) | {
            d[0] for d in self.defenders if self.client_country and d[1] == self.client_country
        }
        self.speakers = set(spoken)
        agg = aggregates(use_cache)
        self.ratings, self.uptake, self.history_points = agg["ratings"], agg["uptake"], agg["points"]
        self.loads = agg["loads"]
        if case.defender_id and case.state in LOAD_STATES and self.loads.get(case.defender_id):
            # The case being matched does not take a slot from its own Defender.
            self.loads = {**self.loads, case.defender_id: self.loads[case.defender_id] - 1}
        self.conflicts = conflicts_for(case)


_EMPTY: frozenset = frozenset()


def _load_points(capacity: int, load: int) -> float:
    free = capacity - load
    return WEIGHTS.load_full if free <= 0 else WEIGHTS.load_free * free / capacity


def _all_points(ctx: _Context) -> dict[int, float]:
    """Every Defender's score, without words: one tight loop over the network, the case's signals
    looked up in small dicts. The arithmetic is the same as ``_explain`` (same terms, same order:
    tests/cases/test_matching.py checks it)."""
    w = WEIGHTS
    history_points = ctx.history_points
    no_history = _history_points({}, {}, 0)
    region_points = {d: w.region_country for d in ctx.in_country}
    region_points.update({d: w.region_border for d in ctx.border_served})
    region_points.update({d: w.region_same for d in ctx.same})
    speaks_yes, speaks_no = _language_points(ctx)
    language_points = {d: speaks_yes for d in ctx.speakers}
    n_needed = len(ctx.needed)
    expertise_points = {d: w.expertise * len(c) / n_needed for d, c in ctx.covered.items()} if n_needed else {}
    loads = ctx.loads
    load_full, load_free = w.load_full, w.load_free
    points = {}
    for defender_id, _country, capacity, _status in ctx.defenders:
        free = capacity - loads.get(defender_id, 0)
        p = history_points.get(defender_id, no_history) + (load_full if free <= 0 else load_free * free / capacity)
        p += region_points.get(defender_id, 0.0)
        p += language_points.get(defender_id, speaks_no)
        p += expertise_points.get(defender_id, 0.0)
        points[defender_id] = round(p, 2)
    return points


def _language_points(ctx: _Context) -> tuple[float, float]:
    """Points for a Defender who speaks the client's language, and for one who does not."""
    w = WEIGHTS
    if ctx.language_required:
        return w.language_required, w.language_missing
    if ctx.needs_language:
        return w.language_bonus, 0.0
    return 0.0, 0.0


def _explain(ctx: _Context, row) -> tuple[float, list[str], bool]:
    """One Defender's score with its reasons in words, for those shown."""
    w = WEIGHTS
    defender_id, _country, capacity, _status = row
    reasons: list[str] = []

    # Region of origin: the best tier reached counts.
    if defender_id in ctx.same:
        region = w.region_same
        reasons.append(_("serves %(region)s") % {"region": ctx.region_name[ctx.client_region]})
    elif defender_id in ctx.border_served:
        region = w.region_border
        reasons.append(
            _("borders %(region)s (serves %(served)s)")
            % {
                "region": ctx.region_name[ctx.client_region],
                "served": _names(ctx.border_served[defender_id], ctx.region_name),
            }
        )
    elif defender_id in ctx.in_country:
        region = w.region_country
        reasons.append(_("works in %(country)s") % {"country": Country(ctx.client_country).label})
    else:
        region = 0.0

    # Language the client needs.
    speaks = defender_id in ctx.speakers
    speaks_yes, speaks_no = _language_points(ctx)
    language = speaks_yes if speaks else speaks_no
    if ctx.needs_language and speaks:
        reasons.append(_("speaks %(language)s") % {"language": ctx.language_label})
    elif ctx.language_required:
        reasons.append(_("does not speak %(language)s, the client's only language") % {"language": ctx.language_label})

    # Expertise for the tasks and the claim.
    covered = ctx.covered.get(defender_id, _EMPTY)
    expertise = w.expertise * len(covered) / len(ctx.needed) if ctx.needed else 0.0
    if covered:
        reasons.append(_("experienced in %(areas)s") % {"areas": _names(covered, ctx.expertise_label)})
    if ctx.needed - covered:
        reasons.append(
            _("no listed experience in %(areas)s") % {"areas": _names(ctx.needed - covered, ctx.expertise_label)}
        )

    # Load against capacity.
    load = ctx.loads.get(defender_id, 0)
    full = capacity - load <= 0
    if full:
        reasons.append(_("full: %(load)s of %(capacity)s slots taken") % {"load": load, "capacity": capacity})
    else:
        reasons.append(_("%(free)s of %(capacity)s slots free") % {"free": capacity - load, "capacity": capacity})

    # Advocates' ratings and uptake of earlier cases.
    rating = ctx.ratings.get(defender_id)
    if rating is not None:
        n, mean = rating
        reasons.append(
            ngettext("average rating %(mean)s over %(count)s case", "average rating %(mean)s over %(count)s cases", n)
            % {"mean": _fmt_number(mean), "count": n}
        )
    else:
        reasons.append(_("no ratings yet"))
    uptake = ctx.uptake.get(defender_id)
    if uptake is not None:
        days = round(uptake[1])
        reasons.append(
            ngettext("took up cases in %(days)s day (median)", "took up cases in %(days)s days (median)", days)
            % {"days": days}
        )

    points = _history_points(ctx.ratings, ctx.uptake, defender_id) + _load_points(capacity, load)
    points += region
    points += language
    points += expertise
    return round(points, 2), reasons, full


def suggest(case: Case, limit: int = 5, *, use_cache: bool = True) -> MatchResult:
    """Rank the network's Defenders for ``case``. See the module docstring and docs/matching.md."""
    ctx = _Context(case, use_cache)
    result = MatchResult(case=case)

    # Score everyone without words, then explain only those shown.
    points = _all_points(ctx)
    by_id = {row[0]: row for row in ctx.defenders}
    order = sorted((-p, d) for d, p in points.items())  # ties: by Defender id
    scored = [(-neg, by_id[d]) for neg, d in order]

    def exclusion(row) -> str:
        if row[0] in ctx.conflicts:
            return _("conflict of interest: %(reason)s") % {"reason": ctx.conflicts[row[0]]}
        if row[3] != Defender.Status.ACTIVE:
            return _("paused")
        return ""

    ranked = [s for s in scored if s[1][0] not in ctx.conflicts and s[1][3] == Defender.Status.ACTIVE][:limit]
    # Excluded: every conflict (the Coordinator must know), and paused Defenders that would
    # otherwise have made the list.
    cutoff = ranked[-1][0] if len(ranked) == limit else float("-inf")
    excluded = [
        s for s in scored
        if s[1][0] in ctx.conflicts or (s[1][3] != Defender.Status.ACTIVE and s[0] >= cutoff)
    ]
    instances = Defender.objects.only("id", "name", "country", "city", "status", "capacity").in_bulk(
        [s[1][0] for s in ranked + excluded]
    )
    for rank, (_points, row) in enumerate(ranked, start=1):
        score, reasons, full = _explain(ctx, row)
        result.suggestions.append(Suggestion(instances[row[0]], score, reasons, rank=rank, full=full))
    for _points, row in excluded:
        score, reasons, full = _explain(ctx, row)
        result.excluded.append(
            Suggestion(instances[row[0]], score, reasons, excluded=True, exclusion_reason=exclusion(row), full=full)
        )
    result.gaps = _gaps(ctx)
    return result


def _gaps(ctx: _Context) -> list[str]:
    """What the network lacks for this case, in words, with the nearest options."""
    gaps: list[str] = []
    available = [d[0] for d in ctx.defenders if d[3] == Defender.Status.ACTIVE and d[0] not in ctx.conflicts]
    region = ctx.client_region
    country_label = Country(ctx.client_country).label if ctx.client_country else ""
    if region:
        here = [d for d in ctx.defenders if d[0] in ctx.same and d[3] == Defender.Status.ACTIVE and d[0] not in ctx.conflicts]
        if not here:
            bordering: set[int] = set()
            in_country: set[int] = set()
            for d in available:
                bordering |= ctx.border_served.get(d, _EMPTY)
                in_country |= ctx.country_served.get(d, _EMPTY)
            nearest_in_country = sorted(ctx.region_name[r] for r in in_country)
            if bordering:
                gaps.append(
                    _("No Defender serves %(region)s; nearest: %(nearest)s")
                    % {"region": ctx.region_name[region], "nearest": _names(bordering, ctx.region_name)}
                )
            elif nearest_in_country:
                gaps.append(
                    _("No Defender serves %(region)s or a bordering region; elsewhere in %(country)s: %(nearest)s")
                    % {
                        "region": ctx.region_name[region],
                        "country": country_label,
                        "nearest": ", ".join(nearest_in_country[:3]) + (", …" if len(nearest_in_country) > 3 else ""),
                    }
                )
            else:
                gaps.append(
                    _("No Defender serves %(region)s, a bordering region or anywhere in %(country)s")
                    % {"region": ctx.region_name[region], "country": country_label}
                )
        elif all(ctx.loads.get(d[0], 0) >= d[2] for d in here):
            gaps.append(_("Every Defender serving %(region)s is full") % {"region": ctx.region_name[region]})
    elif ctx.client_country and not any(d in ctx.in_country for d in available):
        gaps.append(_("No Defender works in %(country)s") % {"country": country_label})
    if ctx.language_required and not any(d in ctx.speakers for d in available):
        gaps.append(_("No available Defender speaks %(language)s") % {"language": ctx.language_label})
    for area in sorted(ctx.needed, key=lambda pk: ctx.expertise_label[pk]):
        if not any(area in ctx.covered.get(d, _EMPTY) for d in available):
            gaps.append(_("No available Defender lists %(area)s") % {"area": ctx.expertise_label[area]})
    return gaps
