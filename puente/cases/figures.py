"""Program figures a funder asks for: cases by country, claim type and step; median days from
request to assignment; outcomes and amounts recovered. Counts only, never a person."""

import io
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from puente.core import tabular
from puente.network.api import Country

from .models import Case, CaseState, ClaimType, Outcome


def compute(cases=None, start=None, end=None) -> dict:
    qs = cases if cases is not None else Case.objects.all()
    if start:
        qs = qs.filter(submitted_at__date__gte=start)
    if end:
        qs = qs.filter(submitted_at__date__lte=end)
    rows = list(qs.values("pk", "state", "claim_type", "client__country", "submitted_at", "assigned_at"))
    by_country = Counter(r["client__country"] or "" for r in rows)
    by_claim = Counter(r["claim_type"] for r in rows)
    by_state = Counter(r["state"] for r in rows)
    days = [(r["assigned_at"] - r["submitted_at"]).total_seconds() / 86400 for r in rows if r["assigned_at"]]
    median_days = round(statistics.median(days), 1) if days else None
    outcomes: Counter[str] = Counter()
    recovered: defaultdict[str, Decimal] = defaultdict(Decimal)
    for o in Outcome.objects.filter(case__in=[r["pk"] for r in rows]):
        outcomes[o.result] += 1
        if o.amount_recovered is not None:
            recovered[str(o.amount_recovered.currency)] += o.amount_recovered.amount
    return {
        "total": len(rows),
        "by_country": [(dict(Country.choices).get(k, _("Unknown")), k, v) for k, v in sorted(by_country.items())],
        "by_claim": [(ClaimType(k).label, k, v) for k, v in sorted(by_claim.items())],
        "by_state": [(CaseState(k).label, k, v) for k, v in sorted(by_state.items())],
        "median_days_to_assignment": median_days,
        "assigned": len(days),
        "outcomes": [(Outcome.Result(k).label, k, v) for k, v in sorted(outcomes.items())],
        "recovered": sorted(recovered.items()),
    }


def to_csv(figures) -> str:
    out = io.StringIO()
    w = tabular.writer(out)
    w.writerow(["section", "key", "label", "value"])
    w.writerow(["total", "cases", _("Cases"), figures["total"]])
    for section in ("by_country", "by_claim", "by_state", "outcomes"):
        for label, key, value in figures[section]:
            w.writerow([section, key, label, value])
    w.writerow(["assignment", "median_days", _("Median days from request to assignment"),
                "" if figures["median_days_to_assignment"] is None else figures["median_days_to_assignment"]])
    for currency, amount in figures["recovered"]:
        w.writerow(["recovered", currency, _("Amount recovered"), f"{amount:.2f}"])
    return out.getvalue()
