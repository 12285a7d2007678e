"""A dossier on one recruiter for strategic litigation: every report naming it, the amounts
totalled per currency, the places, the employers it supplies and the cases the reports led to.
Rendered as a page, a CSV file and a PDF (WeasyPrint) from the same figures.

Worker identities appear as ``access.worker_label`` gives them: a Coordinator (the only role that
opens dossiers) sees them, because litigation needs them.
"""

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from puente.core import tabular

from . import visa_link
from .access import worker_label
from .models import AbuseReport, Incident, Recruiter


@dataclass
class ReportRow:
    report: AbuseReport
    worker: str
    when: str
    place: str
    incident_kinds: list[str]
    fees: dict[str, Decimal]


@dataclass
class Dossier:
    recruiter: Recruiter
    names: list[str]
    phones: list[str]
    regions: list[str]
    municipalities: list[str]
    employers: list[str]
    cases: list[object]
    rows: list[ReportRow]
    fee_totals: dict[str, Decimal] = field(default_factory=dict)
    fee_count: int = 0
    incident_counts: dict[str, int] = field(default_factory=dict)
    anonymous_count: int = 0
    visa_certifications: list = field(default_factory=list)

    @property
    def report_count(self):
        return len(self.rows)


def _when(report):
    if report.occurred_from and report.occurred_to and report.occurred_to != report.occurred_from:
        return f"{report.occurred_from.isoformat()} – {report.occurred_to.isoformat()}"
    if report.occurred_from:
        return report.occurred_from.isoformat()
    return ""


def build_dossier(recruiter, user) -> Dossier:
    reports = list(
        recruiter.reports.select_related("region", "case", "worker").prefetch_related("incidents").order_by(
            "occurred_from", "created_at", "pk"
        )
    )
    kinds = dict(Incident.Kind.choices)
    rows = []
    fee_totals: dict[str, Decimal] = defaultdict(Decimal)
    fee_count = 0
    incident_counts: Counter = Counter()
    municipalities = {m.strip() for m in recruiter.municipalities.split(",") if m.strip()}
    regions = {f"{r.name} ({r.country})" for r in recruiter.regions.all()}
    employers = {e.employer_name for e in recruiter.employers.all()}
    cases = {}
    for report in reports:
        fees: dict[str, Decimal] = defaultdict(Decimal)
        for incident in report.incidents.all():
            incident_counts[str(kinds[incident.kind])] += 1
            if incident.kind == Incident.Kind.FEE and incident.amount is not None:
                currency = str(incident.amount.currency)
                fees[currency] += incident.amount.amount
                fee_totals[currency] += incident.amount.amount
                fee_count += 1
        place = ", ".join(p for p in (report.municipality, report.region.name if report.region else "") if p)
        if report.municipality:
            municipalities.add(report.municipality)
        if report.region:
            regions.add(f"{report.region.name} ({report.region.country})")
        if report.employer_name:
            employers.add(report.employer_name)
        if report.case_id:
            cases[report.case_id] = report.case
        rows.append(ReportRow(
            report=report, worker=worker_label(user, report), when=_when(report), place=place,
            incident_kinds=sorted({str(kinds[i.kind]) for i in report.incidents.all()}), fees=dict(fees),
        ))
    dossier = Dossier(
        recruiter=recruiter, names=sorted(set(recruiter.all_names())),
        phones=sorted(recruiter.phones.values_list("number", flat=True)), regions=sorted(regions),
        municipalities=sorted(municipalities), employers=sorted(employers),
        cases=sorted(cases.values(), key=lambda c: str(c)), rows=rows, fee_totals=dict(sorted(fee_totals.items())),
        fee_count=fee_count, incident_counts=dict(sorted(incident_counts.items())),
        anonymous_count=sum(1 for r in reports if r.worker_id is None),
    )
    dossier.visa_certifications = visa_link.certifications_for(sorted(employers))
    return dossier


def dossier_csv(dossier: Dossier) -> str:
    """The dossier as CSV, every cell through the one formula rule (``puente.core.tabular``)."""
    currencies = sorted(dossier.fee_totals)
    out = io.StringIO()
    writer = tabular.writer(out)
    writer.writerow([
        _("report"), _("date"), _("place"), _("worker"), _("employer"), _("visa programme"), _("incidents"),
        *[_("fees %(currency)s") % {"currency": c} for c in currencies], _("case"),
    ])
    for row in dossier.rows:
        r = row.report
        writer.writerow([
            r.pk, row.when, row.place, row.worker, r.employer_name, r.programme, "; ".join(row.incident_kinds),
            *[str(row.fees.get(c, "")) for c in currencies], str(r.case) if r.case_id else "",
        ])
    writer.writerow([
        _("TOTAL"), "", "", "", "", "", _("%(n)s reports") % {"n": dossier.report_count},
        *[str(dossier.fee_totals[c]) for c in currencies], "",
    ])
    return out.getvalue()


def dossier_pdf(dossier: Dossier, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("abuse/dossier_pdf.html", {"d": dossier}, request=request)
    return HTML(string=html, base_url=None).write_pdf()
