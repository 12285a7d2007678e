"""What other apps ask of billing. The cases workflow calls these; billing implements them."""

from .models import ISSUED_STATES, ReportStatus, TimeReport


def case_reporting_settled(case) -> bool:
    """True when the case may leave the *reporting* step: it has at least one approved report,
    every approved report is on an issued invoice that is not void (issued, partly paid or paid),
    and no report is waiting for the network's review (submitted)."""
    reports = TimeReport.objects.filter(case=case)
    if reports.filter(status=ReportStatus.SUBMITTED).exists():
        return False
    approved = reports.filter(status=ReportStatus.APPROVED)
    if not approved.exists():
        return False
    return not approved.exclude(invoice_lines__invoice__state__in=ISSUED_STATES).exists()
