"""Every email Puente sends goes through here.

- **After the commit**: :func:`send` queues the message with ``transaction.on_commit``, so an
  action that is refused or rolled back sends nothing, and no SMTP conversation happens while a
  transaction holds row locks.
- **By the queue**: the background worker (Django-Q2, see docs/deploy.md) delivers it; a web
  request never waits for the mail server.
- **Absolute links**: :func:`absolute_url` builds them from ``PUENTE_BASE_URL`` (an email read
  in a mail client has no "current site").
- **A subject naming the event**, prefixed with "Puente: ".
- **Failures logged and retried**: a failed delivery is logged (logger ``puente.mail``, with
  the event and the attempt, never the body) and tried again later, up to ``MAX_ATTEMPTS``
  times with a growing delay; the last failure is logged as an error.

The message travels through the queue's tables encrypted with the data keys
(:mod:`puente.core.crypto`): an invitation link or a case reference in a queued email is not
readable from a copy of the database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from . import crypto

logger = logging.getLogger("puente.mail")

MAX_ATTEMPTS = 5
#: Delay before attempt n+1, in seconds (1 min, 5 min, 30 min, 2 h).
BACKOFF = (60, 300, 1800, 7200)
SUBJECT_PREFIX = "Puente: "
TASK = "puente.core.mail.deliver"


def absolute_url(path: str) -> str:
    """``path`` ("/cases/12/") as a link that works from a mail client, on ``PUENTE_BASE_URL``."""
    if path.startswith(("https://", "http://")):
        return path
    base = (getattr(settings, "PUENTE_BASE_URL", "") or "").rstrip("/")
    if not base:
        raise ValueError("PUENTE_BASE_URL is not set: emails cannot carry links.")
    return base + "/" + path.lstrip("/")


def subject_for(event: str) -> str:
    """The subject line: the event, prefixed with "Puente: " once."""
    event = " ".join(str(event).split())
    return event if event.startswith(SUBJECT_PREFIX) else SUBJECT_PREFIX + event


def send(to: str | Iterable[str], subject: str, body: str, *, event: str) -> None:
    """Queue an email to ``to`` after the current transaction commits (at once outside one).

    ``subject`` names what happened ("Case ABC-12: new message"); ``event`` is a short machine
    name for the logs ("cases.message", "network.invitation"). Links in ``body`` must already be
    absolute (:func:`absolute_url`)."""
    recipients = [to] if isinstance(to, str) else [r for r in to if r]
    if not recipients:
        return
    message = {"to": recipients, "subject": subject_for(subject), "body": body, "event": event}
    transaction.on_commit(lambda: _enqueue(message, attempt=1))


def _enqueue(message: dict, *, attempt: int) -> None:
    sealed = crypto.encrypt(json.dumps(message))
    async_task(TASK, sealed, attempt, task_name=f"mail {message['event']} #{attempt}", group="mail")


def deliver(sealed: str, attempt: int = 1) -> int:
    """The queued task: send one message; on failure log it and schedule the next attempt."""
    message = json.loads(crypto.decrypt(sealed))
    email = EmailMessage(message["subject"], message["body"], settings.DEFAULT_FROM_EMAIL, message["to"])
    try:
        sent = email.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server is logged and retried
        if attempt >= MAX_ATTEMPTS:
            logger.error("mail %s: attempt %s of %s failed (%s: %s); giving up", message["event"], attempt,
                         MAX_ATTEMPTS, type(exc).__name__, exc)
            raise
        delay = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
        logger.warning("mail %s: attempt %s of %s failed (%s: %s); trying again in %s s", message["event"],
                       attempt, MAX_ATTEMPTS, type(exc).__name__, exc, delay)
        schedule_retry(sealed, attempt + 1, delay)
        return 0
    logger.info("mail %s: sent to %s recipient(s) on attempt %s", message["event"], len(message["to"]), attempt)
    return sent


def schedule_retry(sealed: str, attempt: int, delay_seconds: int) -> Schedule:
    """Run :func:`deliver` again once, ``delay_seconds`` from now (the queue's scheduler runs it)."""
    return Schedule.objects.create(
        func=TASK, args=repr((sealed, attempt)), schedule_type=Schedule.ONCE, repeats=-1,
        next_run=timezone.now() + timedelta(seconds=delay_seconds), name=None,
    )
