"""What other apps ask of billing. Lower apps never import this module: billing registers its
answers as providers in ``BillingConfig.ready`` (``puente.core.providers``).

- ``cases.reporting_blockers`` (:func:`reporting_blockers`): leaving the *reporting* step
  (``cases.workflow``, the move to evaluation) asks what still keeps the case there: the hours and
  expenses must all be reviewed and invoiced, so that none is left unbilled and the Defender unpaid.
- ``cases.default_fee_terms`` (:func:`default_fee_terms`): the network's fee from the billing
  settings, written into a case's contract when it is first generated. From then on the signed
  contract, not the settings, sets the fee.
"""

from django.utils.translation import gettext as _
from djmoney.money import Money

from .money import MissingRate, convert
from .models import ISSUED_STATES, BillingSettings, ReportStatus, TimeReport


def open_reports(case) -> list[TimeReport]:
    """The case's reports still waiting for someone, latest versions only (a returned version that
    was corrected and resubmitted is the later version's business):

    - submitted, waiting for the network's review;
    - returned for correction and not resubmitted, whether or not the Defender has started the
      corrected version (a draft whose previous version was returned).

    A Defender's first draft, never submitted, is not counted: the network does not know of it.
    A Coordinator may withdraw a returned report (``actions.do_withdraw_report``) to close it."""
    latest = TimeReport.objects.filter(case=case, next_version__isnull=True).select_related("case", "previous")
    pending = []
    for report in latest.order_by("pk"):
        if report.status in (ReportStatus.SUBMITTED, ReportStatus.RETURNED):
            pending.append(report)
        elif report.status == ReportStatus.DRAFT and report.previous is not None:
            if report.previous.status == ReportStatus.RETURNED:
                pending.append(report.previous)
    return pending


def _name(report) -> str:
    return _("%(report)s (%(status)s)") % {
        "report": f"{report.case} v{report.version}",
        "status": report.get_status_display(),
    }


def convert_money(money: Money, to_currency: str, on) -> Money:
    """Provider ``abuse.convert_money``: ``money`` in ``to_currency`` at the rate in force ``on``;
    ``LookupError`` when no rate was."""
    try:
        return convert(money, to_currency, on)[0]
    except MissingRate as exc:
        raise LookupError(str(exc)) from exc


def reporting_blockers(case) -> list[str]:
    """What keeps ``case`` in the reporting step, one translated phrase each (reports named);
    empty when the case may leave it: at least one approved report, every approved report on an
    issued invoice that is not void (issued, partly paid or paid), no report waiting for the
    network's review, none returned for correction and left unresubmitted (unless a Coordinator
    withdrew it). The provider ``cases.reporting_blockers``."""
    blockers = []
    pending = open_reports(case)
    for report in pending:
        if report.status == ReportStatus.SUBMITTED:
            blockers.append(_("%(report)s: a Coordinator reviews it") % {"report": _name(report)})
        else:
            blockers.append(
                _("%(report)s: the Defender corrects and resubmits it, or a Coordinator withdraws it with a reason")
                % {"report": _name(report)}
            )
    if pending:
        return blockers
    approved = TimeReport.objects.filter(case=case, status=ReportStatus.APPROVED).select_related("case")
    if not approved.exists():
        return [_("no report of the Defender has been approved and invoiced yet")]
    # A report on a void invoice and on its issued replacement counts as invoiced.
    uninvoiced = approved.exclude(invoice_lines__invoice__state__in=ISSUED_STATES).order_by("pk")
    return [
        _("%(report)s: approved, not yet on an issued invoice") % {"report": f"{r.case} v{r.version}"}
        for r in uninvoiced
    ]


def default_fee_terms(currency: str = "USD") -> dict:
    """The network's facilitation fee from the billing settings, for a contract being generated
    for the first time: ``{"fee_percent": Decimal | None, "fee_flat": Money | None}`` (a zero is
    None: no such fee). The flat fee is the settings' figure for ``currency`` (the Advocate's
    invoice currency: USD, or CAD for a Canadian Advocate). The provider ``cases.default_fee_terms``."""
    config = BillingSettings.load()
    flat = config.flat_for(currency)
    return {
        "fee_percent": config.charge_percent if config.charge_percent > 0 else None,
        "fee_flat": Money(flat, "CAD" if currency == "CAD" else "USD") if flat > 0 else None,
    }
