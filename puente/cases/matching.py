"""Matching: which Defender should take a case, ranked, each with the reasons for its place.

``suggest(case)`` scores every Defender of the network on the signals below and returns the best
few, the Defenders it had to exclude (paused, conflict of interest) with the reason, and the gaps
of the network for this case ("no Defender serves Gracias a Dios; nearest: Colón").

Every weight lives in ``WEIGHTS`` below and is explained in docs/matching.md. The score is a sum
of points; ties are broken by Defender id, so the same data always gives the same order.

Speed: the network has ~2,000 Defenders and ~100,000 past cases. Defender profiles (regions,
languages, expertise as id sets) and current loads are read fresh in a handful of flat queries;
the history aggregates (ratings, uptake), which need every past case, are cached and keyed by the
newest Evaluation and CaseTransition rows, so any new evaluation or state change anywhere
invalidates them (and a TTL bounds staleness from edits in place). Scoring is plain Python.
"""

from __future__ import annotations

import hashlib
import re
import statistics
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.cache import cache
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


def _conflicts(case: Case) -> dict[int, str]:
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


def _loads(exclude_case_id) -> dict[int, int]:
    """defender id -> cases occupying a slot (uses the (state) index; a handful of rows)."""
    qs = Case.objects.filter(state__in=LOAD_STATES, defender__isnull=False)
    if exclude_case_id:
        qs = qs.exclude(pk=exclude_case_id)
    return dict(qs.order_by().values("defender_id").annotate(n=Count("id")).values_list("defender_id", "n"))


def _history_key() -> str:
    """A key that changes whenever an evaluation, a state change or a case is added: the newest
    row of each (id and time), read in one query through the primary-key indexes."""
    q = connection.ops.quote_name
    parts = []
    for model, stamp in ((Evaluation, "submitted_at"), (CaseTransition, "at"), (Case, "assigned_at")):
        table = q(model._meta.db_table)
        parts.append(f"(SELECT MAX(id) FROM {table})")
        parts.append(f"(SELECT {q(stamp)} FROM {table} ORDER BY id DESC LIMIT 1)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # noqa: S608  (names from model metadata)
        stamp = repr((cursor.fetchone(), WEIGHTS)).encode()
    return "puente:matching:history:" + hashlib.sha1(stamp, usedforsecurity=False).hexdigest()


def compute_history() -> dict:
    """Per Defender: ratings (count, mean of Advocates' overall) and uptake (count, median days).
    Two GROUP BY queries over all past cases."""
    ratings = {
        row["case__defender_id"]: (row["n"], float(row["mean"]))
        for row in Evaluation.objects.filter(side=Evaluation.Side.ADVOCATE, case__defender__isnull=False)
        .order_by()
        .values("case__defender_id")
        .annotate(n=Count("id"), mean=Avg("overall"))
    }
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
    days = defaultdict(list)
    for defender_id, assigned_at, pending_at, active_at in rows:
        start = pending_at or assigned_at
        if active_at is None or start is None or active_at < start:
            continue
        days[defender_id].append((active_at - start).total_seconds() / 86400)
    uptake = {d: (len(v), statistics.median(v)) for d, v in days.items()}
    return {"ratings": ratings, "uptake": uptake}


def history(use_cache: bool = True) -> dict:
    if not use_cache:
        return compute_history()
    key = _history_key()
    data = cache.get(key)
    if data is None:
        data = compute_history()
        cache.set(key, data, WEIGHTS.history_ttl)
    return data


def _pairs(through, column: str, values) -> dict[int, set[int]]:
    """defender id -> the ids among ``values`` it has in an m2m table (regions, languages ...).
    Filtered in SQL, so only the rows that matter for this case come back, and read with a plain
    cursor: thousands of integer pairs need no Django row machinery."""
    sets: dict[int, set[int]] = defaultdict(set)
    values = sorted(v for v in values if v is not None)
    if not values:
        return sets
    q = connection.ops.quote_name
    table = q(through._meta.db_table)
    other = q(through._meta.get_field(column.removesuffix("_id")).column)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT defender_id, {other} FROM {table} WHERE {other} IN ({marks})", values)  # noqa: S608
        for defender_id, other_id in cursor.fetchall():
            sets[defender_id].add(other_id)
    return sets


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
        regions = {r[0]: (r[1], r[2]) for r in Region.objects.values_list("id", "name", "country")}
        self.region_name = {k: v[0] for k, v in regions.items()}
        self.region_country = {k: v[1] for k, v in regions.items()}
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
        if client.language_id:
            self.language = Language.objects.filter(pk=client.language_id).values_list("id", "name", "code").first()
        self.needs_language = self.language is not None and self.language[2] != SPANISH
        self.language_required = self.needs_language and not client.speaks_spanish
        self.language_label = _(self.language[1]) if self.language else ""

        expertise = {e[0]: (e[1], e[2]) for e in Expertise.objects.values_list("id", "code", "name")}
        id_by_code = {code: pk for pk, (code, _name) in expertise.items()}
        codes = {
            TASK_EXPERTISE.get(kind)
            for kind in case.tasks.exclude(status=Task.Status.CANCELLED).values_list("kind", flat=True)
        }
        codes.add(CLAIM_EXPERTISE.get(case.claim_type))
        self.needed = {id_by_code[c] for c in codes if c in id_by_code}
        self.expertise_label = {pk: _(name) for pk, (_code, name) in expertise.items() if pk in self.needed}

        self.defenders = list(Defender.objects.order_by("pk").values_list("id", "country", "capacity", "status"))
        served = _pairs(Defender.regions.through, "region_id", border_ids | country_regions | {self.client_region} - {None})
        self.same = {d for d, rs in served.items() if self.client_region in rs}
        self.border_served = {d: rs & border_ids for d, rs in served.items() if rs & border_ids}
        self.country_served = {d: rs & country_regions for d, rs in served.items() if rs & country_regions}
        self.in_country = set(self.country_served) | {
            d[0] for d in self.defenders if self.client_country and d[1] == self.client_country
        }
        self.speakers = (
            set(_pairs(Defender.languages.through, "language_id", {self.language[0]})) if self.needs_language else set()
        )
        self.covered = _pairs(Defender.expertise.through, "expertise_id", self.needed)
        self.loads = _loads(case.pk)
        hist = history(use_cache)
        self.ratings, self.uptake = hist["ratings"], hist["uptake"]
        self.conflicts = _conflicts(case)


_EMPTY: frozenset = frozenset()


def _score(ctx: _Context, row, explain: bool) -> tuple[float, list[str], bool]:
    """Points for one Defender, with the reasons in words when ``explain``. The same arithmetic
    either way: explaining only adds the words."""
    w = WEIGHTS
    defender_id, _country, capacity, _status = row
    points = 0.0
    reasons: list[str] = []

    # Region of origin: the best tier reached counts.
    if defender_id in ctx.same:
        points += w.region_same
        if explain:
            reasons.append(_("serves %(region)s") % {"region": ctx.region_name[ctx.client_region]})
    elif defender_id in ctx.border_served:
        points += w.region_border
        if explain:
            reasons.append(
                _("borders %(region)s (serves %(served)s)")
                % {
                    "region": ctx.region_name[ctx.client_region],
                    "served": _names(ctx.border_served[defender_id], ctx.region_name),
                }
            )
    elif defender_id in ctx.in_country:
        points += w.region_country
        if explain:
            reasons.append(_("works in %(country)s") % {"country": Country(ctx.client_country).label})

    # Language the client needs.
    if ctx.needs_language:
        speaks = defender_id in ctx.speakers
        if ctx.language_required:
            points += w.language_required if speaks else w.language_missing
            if explain:
                reasons.append(
                    _("speaks %(language)s") % {"language": ctx.language_label}
                    if speaks
                    else _("does not speak %(language)s, the client's only language") % {"language": ctx.language_label}
                )
        elif speaks:
            points += w.language_bonus
            if explain:
                reasons.append(_("speaks %(language)s") % {"language": ctx.language_label})

    # Expertise for the tasks and the claim.
    if ctx.needed:
        covered = ctx.covered.get(defender_id, _EMPTY)
        points += w.expertise * len(covered) / len(ctx.needed)
        if explain and covered:
            reasons.append(_("experienced in %(areas)s") % {"areas": _names(covered, ctx.expertise_label)})
        if explain and ctx.needed - covered:
            reasons.append(
                _("no listed experience in %(areas)s") % {"areas": _names(ctx.needed - covered, ctx.expertise_label)}
            )

    # Load against capacity.
    load = ctx.loads.get(defender_id, 0)
    free = capacity - load
    full = free <= 0
    if full:
        points += w.load_full
        if explain:
            reasons.append(_("full: %(load)s of %(capacity)s slots taken") % {"load": load, "capacity": capacity})
    else:
        points += w.load_free * free / capacity
        if explain:
            reasons.append(_("%(free)s of %(capacity)s slots free") % {"free": free, "capacity": capacity})

    # Advocates' ratings, smoothed towards the prior.
    rating = ctx.ratings.get(defender_id)
    if rating is not None:
        n, mean = rating
        smoothed = (w.rating_prior_mean * w.rating_prior_cases + mean * n) / (w.rating_prior_cases + n)
        points += w.rating * (smoothed - 3) / 2
        if explain:
            reasons.append(
                ngettext("average rating %(mean)s over %(count)s case", "average rating %(mean)s over %(count)s cases", n)
                % {"mean": _fmt_number(mean), "count": n}
            )
    else:
        points += w.rating * (w.rating_prior_mean - 3) / 2
        if explain:
            reasons.append(_("no ratings yet"))

    # How quickly it took up earlier cases.
    uptake = ctx.uptake.get(defender_id)
    if uptake is not None:
        n, median_days = uptake
        speed = max(0.0, 1 - median_days / w.uptake_horizon_days)
        points += w.uptake * speed * n / (n + w.uptake_prior_cases)
        if explain:
            days = round(median_days)
            reasons.append(
                ngettext("took up cases in %(days)s day (median)", "took up cases in %(days)s days (median)", days)
                % {"days": days}
            )
    return round(points, 2), reasons, full


def suggest(case: Case, limit: int = 5, *, use_cache: bool = True) -> MatchResult:
    """Rank the network's Defenders for ``case``. See the module docstring and docs/matching.md."""
    ctx = _Context(case, use_cache)
    result = MatchResult(case=case)

    # Score everyone without words, then explain only those shown.
    scored = [(_score(ctx, row, explain=False)[0], row) for row in ctx.defenders]
    scored.sort(key=lambda s: (-s[0], s[1][0]))

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
    instances = Defender.objects.in_bulk([s[1][0] for s in ranked + excluded])
    for rank, (_points, row) in enumerate(ranked, start=1):
        score, reasons, full = _score(ctx, row, explain=True)
        result.suggestions.append(Suggestion(instances[row[0]], score, reasons, rank=rank, full=full))
    for _points, row in excluded:
        score, reasons, full = _score(ctx, row, explain=True)
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
