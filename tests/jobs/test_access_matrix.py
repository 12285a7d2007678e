import pytest

from tests.access import Entry, check_entry, matrix_params

SIGNED_IN = ["coordinator", "advocate", "other_advocate", "defender", "other_defender"]

MATRIX = [
    # Everyone signed in has a "my jobs" page (their own jobs only).
    Entry("jobs:mine", expect={r: 200 for r in SIGNED_IN}),
    # A job's page: its owner and Coordinators; anyone else gets a 404 (the job is not revealed).
    Entry("jobs:detail", kwargs=lambda w: {"pk": w.advocate_job.pk},
          expect={"coordinator": 200, "advocate": 200}, default=404),
    Entry("jobs:detail", kwargs=lambda w: {"pk": w.defender_job.pk},
          expect={"coordinator": 200, "defender": 200}, default=404, id="jobs:detail:defender"),
    # Retry: POST only; only a job one may see, and only by someone who may start that kind.
    Entry("jobs:retry", method="post", kwargs=lambda w: {"pk": w.failed_job.pk},
          expect={"coordinator": 302}, default=404),
    Entry("jobs:retry", method="get", kwargs=lambda w: {"pk": w.failed_job.pk},
          expect={r: 405 for r in ["anonymous", *SIGNED_IN]}, id="jobs:retry:get"),
    # Start pages: the permission of the job's kind.
    Entry("jobs:start_visas_import", expect={"coordinator": 200}),
    Entry("jobs:start_visas_resolve", expect={"coordinator": 200}),
    Entry("jobs:start_visas_resolve", method="post", expect={"coordinator": 302}, id="jobs:start_visas_resolve:post"),
    Entry("jobs:start_directory_import", expect={"coordinator": 200}),
    Entry("jobs:start_recruiter_resolve", expect={"coordinator": 200}),
    Entry("jobs:start_recruiter_resolve", method="post", expect={"coordinator": 302},
          id="jobs:start_recruiter_resolve:post"),
    # A project's court report as a job: Coordinators (reunification.manage), for a project they see.
    Entry("jobs:start_project_report", kwargs=lambda w: {"project_pk": w.locate_project.pk},
          expect={"coordinator": 200}),
    Entry("jobs:start_project_report", method="post", kwargs=lambda w: {"project_pk": w.locate_project.pk},
          expect={"coordinator": 302}, id="jobs:start_project_report:post"),
    # The file a job made: whoever may see the job (its owner, Coordinators); else 404.
    Entry("jobs:download", kwargs=lambda w: {"pk": w.report_job.pk}, expect={"coordinator": 200}, default=404),
    Entry("jobs:download", kwargs=lambda w: {"pk": w.advocate_job.pk}, expect={"coordinator": 404}, default=404,
          id="jobs:download:no-file"),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
