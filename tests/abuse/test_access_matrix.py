import pytest

from tests.access import Entry, check_entry, matrix_params

SIGNED_IN = ["coordinator", "advocate", "other_advocate", "defender", "other_defender"]
ALL_200 = {r: 200 for r in SIGNED_IN}
NOT_COORDINATOR = ["advocate", "other_advocate", "defender", "other_defender"]
# The defender's report: the Coordinator and the reporting Defender; everybody else a 404.
DEFENDER_REPORT = {"coordinator": 200, "defender": 200, "advocate": 404, "other_advocate": 404, "other_defender": 404}
ADVOCATE_REPORT = {"coordinator": 200, "advocate": 200, "other_advocate": 404, "defender": 404, "other_defender": 404}
report = lambda w: {"pk": w.abuse_report.pk}  # noqa: E731 - one-line kwargs builders, as the matrix entries read
recruiter = lambda w: {"pk": w.recruiter.pk}  # noqa: E731 - one-line kwargs builders, as the matrix entries read

MATRIX = [
    # Every role files reports and lists its own.
    Entry("abuse:report_list", expect=ALL_200),
    Entry("abuse:report_new", expect=ALL_200),
    Entry("abuse:report_detail", kwargs=report, expect=DEFENDER_REPORT, id="report_detail:defender-report"),
    Entry("abuse:report_detail", kwargs=lambda w: {"pk": w.advocate_abuse_report.pk}, expect=ADVOCATE_REPORT,
          id="report_detail:advocate-report"),
    Entry("abuse:incident_add", kwargs=report, expect=DEFENDER_REPORT),
    # Unlinking (empty case) is allowed to those who see the report.
    Entry("abuse:report_link_case", kwargs=report, method="post", expect={**DEFENDER_REPORT, "coordinator": 302,
                                                                          "defender": 302}),
    # An empty upload is refused (400) to those who may see the report; others do not find it.
    Entry("abuse:evidence_upload", kwargs=report, method="post",
          expect={**DEFENDER_REPORT, "coordinator": 400, "defender": 400}),
    Entry("abuse:evidence_download", kwargs=lambda w: {"pk": w.abuse_report.pk, "file_pk": w.abuse_evidence.pk},
          expect=DEFENDER_REPORT),
    # The recruiter directory is open to every role that files reports.
    Entry("abuse:recruiter_list", expect=ALL_200),
    Entry("abuse:recruiter_new", expect=ALL_200),
    Entry("abuse:recruiter_detail", kwargs=recruiter, expect=ALL_200),
    Entry("abuse:recruiter_edit", kwargs=recruiter, expect={"coordinator": 200}),
    Entry("abuse:recruiter_alias_add", kwargs=recruiter, method="post", expect={r: 400 for r in SIGNED_IN}),
    Entry("abuse:recruiter_phone_add", kwargs=recruiter, method="post", expect={r: 400 for r in SIGNED_IN}),
    Entry("abuse:recruiter_employer_add", kwargs=recruiter, method="post", expect={r: 400 for r in SIGNED_IN}),
    # Conflicts, review, patterns and dossiers are the Coordinators'.
    Entry("abuse:conflict_add", kwargs=recruiter, method="post", expect={"coordinator": 400}),
    Entry("abuse:dossier", kwargs=recruiter, expect={"coordinator": 200}),
    Entry("abuse:dossier_csv", kwargs=recruiter, expect={"coordinator": 200}),
    Entry("abuse:dossier_pdf", kwargs=recruiter, expect={"coordinator": 200}),
    Entry("abuse:review", expect={"coordinator": 200}),
    Entry("abuse:resolution_run", method="post", expect={"coordinator": 302}),
    Entry("abuse:candidate_decide", kwargs=lambda w: {"pk": w.merge_candidate.pk}, method="post",
          data=lambda w: {"decision": "reject"}, expect={"coordinator": 302}),
    Entry("abuse:merge_undo", kwargs=lambda w: {"pk": w.recruiter_merge.pk}, method="post",
          expect={"coordinator": 302}),
    Entry("abuse:patterns", expect={"coordinator": 200}),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
