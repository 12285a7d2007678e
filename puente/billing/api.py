"""What other apps ask of billing. The cases workflow calls these; billing implements them.

Leaving the *reporting* step (``cases.workflow``, the move to evaluation) asks
``case_reporting_settled`` and, when it is not, shows ``reporting_block_reason``: the hours and
expenses must all be reviewed and invoiced, so that none is left unbilled and the Defender unpaid.
"""

from django.utils.translation import gettext as _

from .models import ISSUED_STATES, ReportStatus, TimeReport


def open_reports(case):
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
        elif report.status == ReportStatus.DRAFT and report.previous_id and report.previous.status == ReportStatus.RETURNED:
            pending.append(report.previous)
    return pending


def _name(report):
    return _("%(report)s (%(status)s)") % {"report": f"{report.case} v{report.version}", "status": report.get_status_display()}


def reporting_block_reason(case) -> str | None:
    """Why the case may not leave the reporting step yet, naming the reports; None when it may."""
    pending = open_reports(case)
    if pending:
        return _("Reports on this case are still open: %(reports)s. Review the submitted ones; the Defender must "
                 "correct and resubmit the returned ones, or a Coordinator withdraws them with a reason.") % {
            "reports": ", ".join(_name(r) for r in pending)}
    approved = TimeReport.objects.filter(case=case, status=ReportStatus.APPROVED).select_related("case")
    if not approved.exists():
        return _("No report of the Defender has been approved and invoiced yet.")
    # A report on a void invoice and on its issued replacement counts as invoiced.
    uninvoiced = approved.exclude(invoice_lines__invoice__state__in=ISSUED_STATES).order_by("pk")
    if uninvoiced.exists():
        return _("Approved reports not yet on an issued invoice: %(reports)s.") % {
            "reports": ", ".join(f"{r.case} v{r.version}" for r in uninvoiced)}
    return None


def case_reporting_settled(case) -> bool:
    """True when the case may leave the *reporting* step: it has at least one approved report,
    every approved report is on an issued invoice that is not void (issued, partly paid or paid),
    no report is waiting for the network's review (submitted), and none was returned for
    correction and left unresubmitted (unless a Coordinator withdrew it)."""
    return reporting_block_reason(case) is None
