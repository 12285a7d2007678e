"""Starting, running and retrying jobs.

:func:`start` records the job and queues it after the current transaction commits (a page calls
it and redirects to the job's page at once). The queue's worker calls :func:`run`, which

1. claims the job (a job another worker is running, with a recent heartbeat, is left alone; one
   whose worker died is run again: its effect was rolled back with its transaction);
2. runs the kind's function and records the result **in one transaction** with its effect, so a
   job is either wholly applied and marked done, or not applied at all;
3. on failure records why (the refusal's text, the file's problems) and keeps the job for a retry;
4. tells the user by email (through :mod:`puente.core.mail`, with an absolute link) that it ended.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from puente.core import mail
from puente.core.action_contract import ActionRefused
from puente.core.roles import has_perm
from puente.core.storage import private_storage

from . import kinds
from .models import Job
from .progress import Progress, forget

logger = logging.getLogger("puente.jobs")

#: A running job whose worker gave no sign of life for this long is taken to be dead.
STALE_AFTER = timedelta(minutes=10)
TASK = "puente.jobs.runner.run"


def start(kind_name: str, *, acting_user: Any, payload: dict | None = None, label: str = "") -> Job:
    """Record a job of ``kind_name`` for ``acting_user`` and queue it after the commit.

    Refused (``ActionRefused``) when the user may not start this kind of job."""
    kind = kinds.get(kind_name)
    if acting_user is not None and not has_perm(acting_user, kind.permission):
        raise ActionRefused(_("You may not start this job."), code="permission")
    payload = payload or {}
    if not label:
        label = f"{kind.label}: {payload['name']}" if payload.get("name") else str(kind.label)
    job = Job.objects.create(kind=kind.name, label=label[:200], payload=json.dumps(payload, cls=DjangoJSONEncoder),
                             user=acting_user if getattr(acting_user, "pk", None) else None)
    if settings.PUENTE_TASKS_SYNC:
        # Inline (the test runner): the job runs now, in the caller's process and transaction.
        enqueue(job.pk)
    else:
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def start_for_provider(kind_name: str, *, acting_user: Any, payload: dict | None = None, label: str = "") -> str:
    """The ``core.start_job`` provider: start the job, return its page's path to redirect to."""
    job = start(kind_name, acting_user=acting_user, payload=payload, label=label)
    return reverse("jobs:detail", args=[job.pk])


def enqueue(job_id: int) -> None:
    async_task(TASK, job_id, task_name=f"job {job_id}", group="jobs")


def retry(job: Job, *, acting_user: Any) -> Job:
    """Queue a failed job again (its owner or a Coordinator who may start such jobs)."""
    kind = kinds.get(job.kind)
    if acting_user is not None and not has_perm(acting_user, kind.permission):
        raise ActionRefused(_("You may not start this job."), code="permission")
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status != Job.Status.FAILED:
            raise ActionRefused(_("Only a job that failed can be tried again."), code="state")
        locked.status, locked.error, locked.finished_at = Job.Status.QUEUED, "", None
        locked.progress_done, locked.progress_total, locked.progress_note = 0, None, ""
        locked.save(update_fields=["status", "error", "finished_at", "progress_done", "progress_total",
                                   "progress_note"])
        transaction.on_commit(lambda: enqueue(locked.pk))
    return locked


def _write_first(job_id: int) -> None:
    """SQLite: make the transaction's first statement a write, so that it waits for the write lock
    (up to the database timeout) instead of failing with "database is locked" when it would
    upgrade a read snapshot that another process's commit has made stale. PostgreSQL needs no
    such thing (and the job's row must stay unlocked there: progress updates it from outside)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Job._meta.db_table} SET id = id WHERE id = %s", [job_id])  # noqa: S608 - model's table


def _claim(job_id: int) -> Job | None:
    with transaction.atomic():
        _write_first(job_id)
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        now = timezone.now()
        if job.status == Job.Status.RUNNING and job.heartbeat_at and now - job.heartbeat_at < STALE_AFTER:
            logger.info("job %s: already running elsewhere; left alone", job_id)
            return None
        job.status, job.started_at, job.heartbeat_at = Job.Status.RUNNING, now, now
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    return job


def describe_failure(exc: BaseException) -> str:
    """What the user reads when the job failed: a refusal's own words, a file's listed problems,
    else a plain sentence (the details go to the log, never to the page)."""
    if isinstance(exc, ActionRefused):
        return exc.text
    problems = getattr(exc, "problems", None) or getattr(exc, "errors", None)
    if problems and isinstance(problems, list | tuple):
        return "\n".join(str(p) for p in problems[:50])
    if isinstance(exc, ValueError | LookupError) and str(exc):
        return str(exc)
    return _("The job stopped on an unexpected error (%(kind)s). It was logged; nothing was changed.") % {
        "kind": type(exc).__name__}


def run(job_id: int) -> str:
    """The queued task. Returns the job's final status."""
    job = _claim(job_id)
    if job is None:
        return "skipped"
    kind = kinds.get(job.kind)
    progress = Progress(job.pk)
    payload = json.loads(job.payload or "{}")
    try:
        with transaction.atomic():
            _write_first(job.pk)
            with translation.override(getattr(job.user, "language", "") or "en"):
                result = kind.run(job, payload, progress) or {}
            # The last statement of the job's transaction: the job is done exactly when its effect is.
            # The input (a list of people, an uploaded file) is not kept once the job is done.
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.DONE, result=result, finished_at=timezone.now(), heartbeat_at=timezone.now(),
                progress_done=progress.total or progress.done, progress_total=progress.total or progress.done,
                progress_note="", payload="")
            if payload.get("file"):
                stored = payload["file"]
                transaction.on_commit(lambda: private_storage.delete(stored))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job for its user to read
        with translation.override(getattr(job.user, "language", "") or "en"):
            message = describe_failure(exc)
        logger.warning("job %s (%s) failed on attempt %s: %s", job.pk, job.kind, job.attempts, type(exc).__name__,
                       exc_info=not isinstance(exc, ActionRefused | ValueError))
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error=message, finished_at=timezone.now())
    forget(job.pk)
    job.refresh_from_db()
    logger.info("job %s (%s): %s", job.pk, job.kind, job.status)
    _tell_user(job)
    return job.status


def _tell_user(job: Job) -> None:
    user = job.user
    if user is None or not user.email or not user.is_active:
        return
    link = mail.absolute_url(reverse("jobs:detail", args=[job.pk]))
    with translation.override(user.language or "en"):
        if job.status == Job.Status.DONE:
            subject = _("Job done: %(label)s") % {"label": job.label}
            body = _("Your job “%(label)s” is done.\n\nSee the result: %(link)s\n") % {"label": job.label, "link": link}
        else:
            subject = _("Job failed: %(label)s") % {"label": job.label}
            body = _("Your job “%(label)s” failed. The page says why and lets you try again:\n%(link)s\n") % {
                "label": job.label, "link": link}
    mail.send(user.email, subject, body, event=f"jobs.{job.status}")
