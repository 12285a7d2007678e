"""Matching: which Defender should take a case, ranked, each with the reasons for its place.

``suggest(case)`` scores every Defender of the network on the signals below and returns the best
few, the Defenders it had to exclude (paused, conflict of interest) with the reason, and the gaps
of the network for this case ("no Defender serves Gracias a Dios; nearest: Colón").

Three modules, along the lines this docstring has always drawn:

- ``cases.conflicts``: conflicts of interest, the one implementation, which the assignment
  actions also call under the case's lock;
- ``cases.matching_aggregates``: the per-Defender aggregates (load, ratings, uptake) and the
  reference data, shared by every server process through Django's cache;
- this module: the scoring, with the reasons in words.

Every weight lives in ``WEIGHTS`` below and is explained in docs/matching.md. The score is a sum
of points; ties are broken by Defender id, so the same data always gives the same order.

Speed: the network has ~2,000 Defenders and ~100,000 past cases. The Defenders (one flat query)
and the regions, languages and expertise this case needs (m2m rows filtered in SQL) are read
fresh; the aggregates come from ``matching_aggregates``. Every Defender is scored in one tight
loop without words; only the shown ones are explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from puente.network.api import Country, Defender, Region

from . import conflicts as conflict_check
from . import matching_aggregates
from .matching_aggregates import LOAD_STATES
from .models import TASK_EXPERTISE, Case, ClaimType, Task


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


WEIGHTS = Weights()

# Which expertise (network.Expertise.code) a claim type calls for, besides its tasks.
CLAIM_EXPERTISE: dict[str, str] = {
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
        agg = matching_aggregates.aggregates(use_cache)
        ref = agg["reference"]
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

        self.defenders = matching_aggregates.defender_rows()
        served, spoken, self.covered = matching_aggregates.pairs(
            border_ids | country_regions | ({self.client_region} - {None}),
            {self.language[0]} if self.language is not None and self.needs_language else set(),
            self.needed,
        )
        self.same = {d for d, rs in served.items() if self.client_region in rs}
        self.border_served = {d: rs & border_ids for d, rs in served.items() if rs & border_ids}
        self.country_served = {d: rs & country_regions for d, rs in served.items() if rs & country_regions}
        self.in_country = set(self.country_served) | {
            d[0] for d in self.defenders if self.client_country and d[1] == self.client_country
        }
        self.speakers = set(spoken)
        self.ratings, self.uptake = agg["ratings"], agg["uptake"]
        self.history_points = {
            d: _history_points(self.ratings, self.uptake, d) for d in self.ratings.keys() | self.uptake.keys()
        }
        self.loads = agg["loads"]
        if case.defender_id and case.state in LOAD_STATES and self.loads.get(case.defender_id):
            # The case being matched does not take a slot from its own Defender.
            self.loads = {**self.loads, case.defender_id: self.loads[case.defender_id] - 1}
        self.conflicts = {d: c.reason for d, c in conflict_check.conflicts_for(case).items()}


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
    excluded = [s for s in scored if s[1][0] in ctx.conflicts or (s[1][3] != Defender.Status.ACTIVE and s[0] >= cutoff)]
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
        here = [
            d
            for d in ctx.defenders
            if d[0] in ctx.same and d[3] == Defender.Status.ACTIVE and d[0] not in ctx.conflicts
        ]
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
