"""Long jobs: started by a page, run by the queue in one transaction, progress visible around
that transaction, a failure that says why and changes nothing, a retry, an email at the end."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from puente.core.action_contract import ActionRefused
from puente.jobs import kinds, progress, runner
from puente.jobs.models import Job
from puente.locate.models import Person
from puente.visas.models import VisaCase
from tests.factories import make_coordinator, make_defender_user

VISA_FILE = Path(__file__).resolve().parent.parent / "visas" / "fixtures" / "H-2A_FY2012_small.csv"

ROWS = [
    {"given_names": "Juana", "surname_1": "Xol", "surname_2": "", "sex": "F", "birth_date": "1990",
     "country": "GT", "region": None, "municipality": "Cobán"},
    {"given_names": "Pedro", "surname_1": "Ajú", "surname_2": "Tum", "sex": "M", "birth_date": "1985-04",
     "country": "GT", "region": None, "municipality": ""},
]


def _start_and_run(django_capture_on_commit_callbacks, kind, user, payload):
    with django_capture_on_commit_callbacks(execute=True):
        job = runner.start(kind, acting_user=user, payload=payload)
    job.refresh_from_db()
    return job


def test_people_import_job_runs_to_the_end_and_emails_an_absolute_link(db, django_capture_on_commit_callbacks):
    user = make_coordinator()
    before = Person.objects.count()
    job = _start_and_run(django_capture_on_commit_callbacks, "locate.import_people", user,
                         kinds.people_rows_payload(ROWS, "list.csv", None))
    assert job.status == Job.Status.DONE, job.error
    assert job.result["counts"]["people created"] == 2 and job.attempts == 1
    assert job.progress_done == job.progress_total == 2
    assert Person.objects.count() == before + 2
    assert job.result["url"].startswith("/people/")
    assert job.payload == ""  # the list of people is not kept in the job once imported
    [email] = [m for m in mail.outbox if m.to == [user.email]]
    assert email.subject.startswith("Puente: Job done:")
    assert f"http://127.0.0.1:8000/jobs/{job.pk}/" in email.body


def test_a_failed_job_says_why_changes_nothing_and_can_be_retried(db, django_capture_on_commit_callbacks):
    user = make_coordinator()
    rows = [ROWS[0], {**ROWS[1], "given_names": "", "surname_1": "", "surname_2": ""}]  # the second has no name
    before = Person.objects.count()
    job = _start_and_run(django_capture_on_commit_callbacks, "locate.import_people", user,
                         kinds.people_rows_payload(rows, "list.csv", None))
    assert job.status == Job.Status.FAILED
    assert "name" in job.error and "unexpected" not in job.error
    assert Person.objects.count() == before  # the first row was rolled back with the second
    assert any(m.subject.startswith("Puente: Job failed:") for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        runner.retry(job, acting_user=user)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 2
    with pytest.raises(ActionRefused):
        Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE)
        runner.retry(job, acting_user=user)


def test_a_job_that_crashes_unexpectedly_does_not_show_the_traceback(db, django_capture_on_commit_callbacks):
    user = make_coordinator()
    job = _start_and_run(django_capture_on_commit_callbacks, "locate.import_people", user,
                         {"rows": [{"given_names": "X", "region": None, "no_such_field": 1}], "name": "x.csv"})
    assert job.status == Job.Status.FAILED
    assert "Traceback" not in job.error and "nothing was changed" in job.error


def test_starting_needs_the_kinds_permission(db):
    defender = make_defender_user()
    with pytest.raises(ActionRefused):
        runner.start("visas.import_file", acting_user=defender, payload={})
    assert not Job.objects.exists()


def test_a_running_job_with_a_recent_heartbeat_is_left_alone_and_a_stale_one_is_run_again(db):
    user = make_coordinator()
    job = Job.objects.create(kind="locate.import_people", user=user, status=Job.Status.RUNNING,
                             heartbeat_at=timezone.now(), attempts=1,
                             payload=json.dumps(kinds.people_rows_payload(ROWS[:1], "a.csv", None)))
    assert runner.run(job.pk) == "skipped"
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=2))
    assert runner.run(job.pk) == Job.Status.DONE
    job.refresh_from_db()
    assert job.attempts == 2
    assert runner.run(job.pk) == "skipped"  # a finished job is never run twice


# transactional_db: on PostgreSQL progress is written by a second connection, which sees only
# committed rows (a test wrapped in one transaction would hide the job row from it).
def test_progress_written_inside_the_jobs_transaction_is_visible_outside_it(transactional_db):
    job = Job.objects.create(kind="visas.resolve", status=Job.Status.RUNNING)
    with transaction.atomic():
        report = progress.Progress(job.pk)
        report(40, 100, "Rows imported", force=True)
        stored = Job.objects.get(pk=job.pk)
        if connection.vendor == "postgresql":
            assert stored.progress_done == 40  # written and committed by the second connection
        else:
            assert stored.progress_done == 0  # SQLite: the row is untouched, the side file holds it
    seen = progress.overlay(Job.objects.get(pk=job.pk))
    assert (seen.progress_done, seen.progress_total, seen.progress_note, seen.percent) == (40, 100, "Rows imported", 40)


def test_progress_side_file_is_shared_between_connections(db, tmp_path, monkeypatch):
    """SQLite on disk: progress goes to <database>-progress, which another process reads."""
    import sqlite3

    if connection.vendor != "sqlite":
        pytest.skip("the side file is SQLite's way; PostgreSQL writes through a second connection")

    side = tmp_path / "puente.sqlite3-progress"
    monkeypatch.setattr(progress, "_sidecar_path", lambda: side)
    job = Job.objects.create(kind="visas.resolve", status=Job.Status.RUNNING)
    with transaction.atomic():
        progress.Progress(job.pk)(7, None, "Rows imported", force=True)
    other = sqlite3.connect(side)  # what a web process opens
    row = other.execute("SELECT done, note FROM progress WHERE job_id = ?", (job.pk,)).fetchone()
    assert row == (7, "Rows imported")
    assert progress.overlay(Job.objects.get(pk=job.pk)).progress_done == 7
    progress.forget(job.pk)
    assert other.execute("SELECT count(*) FROM progress").fetchone() == (0,)


def test_rows_reported_as_written_add_up(transactional_db):
    job = Job.objects.create(kind="visas.resolve", status=Job.Status.RUNNING)
    report = progress.Progress(job.pk)
    report(0, None, "Rows imported", force=True)
    report.advance(0, 5000)
    report.advance(1200, 5000)
    report.advance(800, 5000)
    report(report.done, report.total, report.note, force=True)
    job = progress.overlay(Job.objects.get(pk=job.pk))
    assert (job.progress_done, job.progress_total, job.progress_note) == (2000, 5000, "Rows imported")


def test_visa_file_import_from_the_page_runs_as_a_job(client, db, django_capture_on_commit_callbacks):
    user = make_coordinator()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        with VISA_FILE.open("rb") as fh:
            r = client.post(reverse("jobs:start_visas_import"), {"file": fh, "visa": "H-2A"})
    job = Job.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE, job.error
    assert VisaCase.objects.exists()
    assert job.payload == ""  # the input is not kept once the job is done
    page = client.get(r["Location"])
    assert b"Search the visa data" in page.content and b"hx-trigger" not in page.content
    listing = client.get(reverse("jobs:mine"))
    assert job.label.encode() in listing.content
    assert reverse("jobs:start_visas_import").encode() in listing.content  # a Coordinator may start one


def test_a_running_job_page_polls_with_htmx(client, db):
    user = make_coordinator()
    job = Job.objects.create(kind="visas.resolve", label="Resolving", user=user, status=Job.Status.RUNNING,
                             progress_done=3, progress_total=4)
    client.force_login(user)
    r = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert 'hx-trigger="every 2s"' in body and "<html" not in body and 'value="75"' in body


def test_a_project_report_is_made_in_the_background_and_downloaded(client, world):
    with transaction.atomic():
        job = runner.start("locate.project_report_pdf", acting_user=world.coordinator,
                           payload={"project": world.locate_project.pk})
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    client.force_login(world.coordinator)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert reverse("jobs:download", args=[job.pk]) in page
    r = client.get(reverse("jobs:download", args=[job.pk]))
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert b"%PDF" not in Path(settings.MEDIA_ROOT, job.result["file"]).read_bytes()  # encrypted at rest
    client.force_login(world.defender)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_recruiter_resolution_runs_as_a_job(db, django_capture_on_commit_callbacks):
    user = make_coordinator()
    job = _start_and_run(django_capture_on_commit_callbacks, "abuse.resolve", user, {})
    assert job.status == Job.Status.DONE, job.error
    assert set(job.result["counts"]) == {"merges applied", "pairs to review", "employer links changed"}
