"""The patterns behind the reports, for Coordinators: who is reported most, who charges most,
when and where. Figures only: no worker appears here.

Fees: a fee in a report naming two recruiters counts for each of them (the report does not say
which one pocketed it). Amounts are ranked per currency (exact, as paid), and also in US dollars
converted with billing's exchange-rate table (provider ``abuse.convert_money``) at the rate in force
on the day the fee was paid (else the date of the facts, else the filing date). A fee for which
no rate was in force is left out of the dollar ranking and counted apart, so the page can say so.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.timezone import localdate

from puente.core import providers

from .models import AbuseReport, Incident, Recruiter, RecruiterEmployer


def fee_ranking_usd() -> tuple[list, dict]:
    """([(recruiter, total USD, number of fees)], {currency: fees without a rate})."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    counts: Counter = Counter()
    missing: Counter = Counter()
    recruiters: dict[int, Recruiter] = {}
    cache: dict = {}
    fees = (
        Incident.objects.filter(kind=Incident.Kind.FEE, amount__isnull=False)
        .select_related("report").prefetch_related("report__recruiters")
    )
    for fee in fees:
        linked = list(fee.report.recruiters.all())
        if not linked:
            continue
        on = fee.paid_on or fee.report.occurred_from or localdate(fee.report.created_at)
        key = (str(fee.amount.currency), fee.amount.amount, on)
        if key not in cache:
            try:
                cache[key] = providers.call("abuse.convert_money", fee.amount, "USD", on).amount
            except LookupError:  # no exchange rate in force that day
                cache[key] = None
        if cache[key] is None:
            missing[key[0]] += 1
            continue
        for recruiter in linked:
            recruiters[recruiter.pk] = recruiter
            totals[recruiter.pk] += cache[key]
            counts[recruiter.pk] += 1
    ranking = sorted(((recruiters[i], t, counts[i]) for i, t in totals.items()), key=lambda r: (-r[1], r[0].name))
    return ranking, dict(missing)


@dataclass
class Bar:
    label: str
    value: int | Decimal
    pct: float  # 0-100, of the largest value in the chart
    extra: str = ""


def bars(rows: list[tuple[str, int | Decimal]]) -> list[Bar]:
    top = max((v for _l, v in rows), default=0) or 1
    return [Bar(label, value, round(float(value) * 100 / float(top), 1)) for label, value in rows]


def ranking_by_reports(limit=20):
    return list(
        Recruiter.active.annotate(n_reports=Count("reports", distinct=True))
        .filter(n_reports__gt=0)
        .order_by("-n_reports", "name")[:limit]
    )


def fee_totals_by_recruiter() -> dict[str, list[tuple[Recruiter, Decimal, int]]]:
    """{currency: [(recruiter, total, number of fees), ...] highest first}."""
    rows = (
        Incident.objects.filter(kind=Incident.Kind.FEE, amount__isnull=False, report__recruiters__isnull=False)
        .values("report__recruiters", "amount_currency")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    recruiters = Recruiter.objects.in_bulk({r["report__recruiters"] for r in rows})
    out: dict[str, list] = defaultdict(list)
    for r in rows:
        out[str(r["amount_currency"])].append((recruiters[r["report__recruiters"]], r["total"], r["n"]))
    for currency in out:
        out[currency].sort(key=lambda t: (-t[1], t[0].name))
    return dict(sorted(out.items()))


def _report_month(occurred_from, created_at):
    d = occurred_from or created_at.date()
    return f"{d.year:04d}-{d.month:02d}"


def reports_per_month(queryset=None) -> list[tuple[str, int]]:
    """Reports by month of what happened (or of filing, when the report has no date), with the
    months in between that had none."""
    qs = queryset if queryset is not None else AbuseReport.objects.all()
    counts = Counter(_report_month(f, c) for f, c in qs.values_list("occurred_from", "created_at"))
    if not counts:
        return []
    first, last = min(counts), max(counts)
    y, m = int(first[:4]), int(first[5:])
    months = []
    while f"{y:04d}-{m:02d}" <= last:
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [(month, counts.get(month, 0)) for month in months]


def reports_by_region(queryset=None) -> list[tuple[str, int]]:
    qs = queryset if queryset is not None else AbuseReport.objects.all()
    rows = qs.values("region__name", "region__country").annotate(n=Count("id")).order_by("-n", "region__name")
    return [(f"{r['region__name']} ({r['region__country']})" if r["region__name"] else "—", r["n"]) for r in rows]


def employers_supplied(limit=50):
    """[(recruiter, [RecruiterEmployer ...]), ...] for the recruiters with the most reports."""
    ranked = ranking_by_reports(limit)
    links = defaultdict(list)
    for link in RecruiterEmployer.objects.filter(recruiter__in=ranked).order_by("employer_name"):
        links[link.recruiter_id].append(link)
    return [(r, links.get(r.pk, [])) for r in ranked]


@dataclass
class Column:
    label: str
    value: int
    x: float
    y: float
    h: float


def columns(rows: list[tuple[str, int]], height=100.0, step=10.0) -> tuple[list[Column], float]:
    """A column chart's geometry (for an inline SVG): one column per row, scaled to ``height``."""
    top = max((v for _l, v in rows), default=0) or 1
    out = []
    for i, (label, value) in enumerate(rows):
        h = round(value * height / top, 2)
        out.append(Column(label, value, i * step + 1, round(height - h, 2), h))
    return out, len(rows) * step
