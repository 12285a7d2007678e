"""Periodic work, run by the queue's scheduler (Django-Q2 ``Schedule`` rows, see :func:`ensure_schedules`).

Each calls the owning app's own command, the same one an operator runs by hand, so the rules
stay in one place: ``puente cases remind``, ``puente retention run``, ``puente backup``.
"""

from __future__ import annotations

import io
import logging
import os
import socket
from datetime import datetime, timedelta
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from .models import WorkerHeartbeat

logger = logging.getLogger("puente.jobs")

HEARTBEAT = "puente.jobs.tasks.heartbeat"


def heartbeat() -> str:
    """Touched every minute by a worker: the health endpoint's proof that the queue runs."""
    name = f"{socket.gethostname()}"
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    return name


def remind() -> str:
    out = io.StringIO()
    call_command("cases", "remind", stdout=out)
    logger.info("reminders: %s", out.getvalue().strip())
    return out.getvalue()


def retention() -> str:
    out = io.StringIO()
    call_command("retention", "run", stdout=out)
    logger.info("retention: %s", out.getvalue().strip().splitlines()[-1:])
    return out.getvalue()


def backup() -> str:
    """A dated backup into PUENTE_BACKUP_DIR (key: PUENTE_BACKUP_KEY), keeping the newest
    PUENTE_BACKUP_KEEP (default 14)."""
    folder = Path(os.environ["PUENTE_BACKUP_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    out_path = folder / f"puente-{timezone.now():%Y%m%d-%H%M%S}.backup"
    out = io.StringIO()
    call_command("backup", str(out_path), stdout=out)
    keep = int(os.environ.get("PUENTE_BACKUP_KEEP", "14"))
    for old in sorted(folder.glob("puente-*.backup"))[:-keep]:
        old.unlink()
    logger.info("backup: %s", out.getvalue().strip())
    return str(out_path)


def _at(hour: int) -> datetime:
    now = timezone.localtime()
    first = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return first if first > now else first + timedelta(days=1)


def wanted_schedules() -> dict[str, dict]:
    """name -> schedule. Backups only when PUENTE_BACKUP_DIR and PUENTE_BACKUP_KEY are set."""
    wanted = {
        "puente heartbeat": {"func": HEARTBEAT, "schedule_type": Schedule.MINUTES, "minutes": 1,
                             "next_run": timezone.now()},
        "puente reminders": {"func": "puente.jobs.tasks.remind", "schedule_type": Schedule.DAILY, "next_run": _at(7)},
        "puente retention": {"func": "puente.jobs.tasks.retention", "schedule_type": Schedule.DAILY,
                             "next_run": _at(3)},
    }
    if os.environ.get("PUENTE_BACKUP_DIR") and os.environ.get("PUENTE_BACKUP_KEY"):
        wanted["puente backup"] = {"func": "puente.jobs.tasks.backup", "schedule_type": Schedule.DAILY,
                                   "next_run": _at(2)}
    return wanted


def ensure_schedules() -> list[str]:
    """Create the periodic schedules that are missing, drop ours that are no longer wanted (a
    schedule's next run is kept when it exists). Run by ``puente serve``; idempotent."""
    wanted = wanted_schedules()
    for name, spec in wanted.items():
        existing = Schedule.objects.filter(name=name).first()
        if existing is None:
            Schedule.objects.create(name=name, repeats=-1, **spec)
        elif existing.func != spec["func"] or existing.schedule_type != spec["schedule_type"]:
            Schedule.objects.filter(pk=existing.pk).update(func=spec["func"], schedule_type=spec["schedule_type"],
                                                           minutes=spec.get("minutes"))
    Schedule.objects.filter(name__startswith="puente ").exclude(name__in=list(wanted)).delete()
    return sorted(wanted)
