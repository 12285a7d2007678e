"""Progress of a running job, visible to every process while the job's transaction is open.

A job's effect is one transaction (a restart never leaves it half-applied), so progress written
through the job's own database connection would stay invisible until the end. Progress therefore
goes around that transaction:

- on PostgreSQL, through a second connection in autocommit mode that updates only the progress
  columns of the job's row (the job's transaction never touches that row before its last
  statement, so the two never wait on each other);
- on SQLite, where one writer locks the whole file, into a small side file next to the database
  (``<database>-progress``), read back by :func:`overlay`; an in-memory test database keeps it
  in this process.

Updates are throttled to one every ``INTERVAL`` seconds per job.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection
from django.utils import timezone

INTERVAL = 0.5
_local = threading.local()
_memory: dict[int, tuple[int, int | None, str, float]] = {}


class Progress:
    """Passed to a job's ``run``: ``progress(done, total=None, note="")``."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._last = 0.0
        self.done = 0
        self.total: int | None = None
        self.note = ""

    def __call__(self, done: int, total: int | None = None, note: str = "", *, force: bool = False) -> None:
        self.done, self.note = int(done), str(note)[:200]
        if total is not None:
            self.total = int(total)
        now = time.monotonic()
        if not force and now - self._last < INTERVAL:
            return
        self._last = now
        write(self.job_id, self.done, self.total, self.note)

    def advance(self, rows: int, total: int | None = None) -> None:
        """A callback for importers that report rows as they write them (``progress(n, total)``)."""
        self(self.done + int(rows or 0), total, self.note)


def _sidecar_path() -> Path | None:
    if connection.vendor != "sqlite":
        return None  # PostgreSQL writes progress through a second connection instead
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name or name.startswith("file:memorydb"):
        return None
    return Path(name + "-progress")


def _sqlite_side() -> sqlite3.Connection | None:
    path = _sidecar_path()
    if path is None:
        return None
    con = getattr(_local, "sqlite", None)
    if con is None or getattr(_local, "sqlite_path", None) != path:
        con = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE IF NOT EXISTS progress (job_id INTEGER PRIMARY KEY, done INTEGER, "
                    "total INTEGER, note TEXT, at REAL)")
        _local.sqlite, _local.sqlite_path = con, path
    return con


def _pg_side() -> Any:
    params = connection.settings_dict
    key = (params["NAME"], params.get("HOST"), params.get("PORT"))
    con = getattr(_local, "pg", None)
    if con is None or con.closed or getattr(_local, "pg_key", None) != key:
        con = psycopg.connect(dbname=params["NAME"], user=params.get("USER") or None,
                              password=params.get("PASSWORD") or None, host=params.get("HOST") or None,
                              port=params.get("PORT") or None, autocommit=True, connect_timeout=5)
        _local.pg, _local.pg_key = con, key
    return con


def write(job_id: int, done: int, total: int | None, note: str) -> None:
    from .models import Job

    if not connection.in_atomic_block:
        Job.objects.filter(pk=job_id).update(progress_done=done, progress_total=total, progress_note=note,
                                             heartbeat_at=timezone.now())
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Job._meta.db_table)
        _pg_side().execute(
            f"UPDATE {table} SET progress_done = %s, progress_total = %s, progress_note = %s, "  # noqa: S608 - table name from the model
            "heartbeat_at = now() WHERE id = %s", (done, total, note, job_id))
        return
    side = _sqlite_side()
    if side is None:
        _memory[job_id] = (done, total, note, time.time())
        return
    side.execute("INSERT OR REPLACE INTO progress VALUES (?, ?, ?, ?, ?)", (job_id, done, total, note, time.time()))


def overlay(job: Any) -> Any:
    """``job`` with the progress written around its transaction (SQLite), when newer."""
    if connection.vendor == "postgresql" or job.finished:
        return job
    row: tuple | None = None
    side = _sqlite_side()
    if side is None:
        row = _memory.get(job.pk)
    else:
        found = side.execute("SELECT done, total, note, at FROM progress WHERE job_id = ?", (job.pk,)).fetchone()
        row = tuple(found) if found else None
    if row is not None:
        at = datetime.fromtimestamp(row[3], tz=UTC)
        if job.heartbeat_at is None or at > job.heartbeat_at:
            job.progress_done, job.progress_total, job.progress_note, job.heartbeat_at = row[0], row[1], row[2], at
    return job


def forget(job_id: int) -> None:
    _memory.pop(job_id, None)
    side = _sqlite_side()
    if side is not None:
        side.execute("DELETE FROM progress WHERE job_id = ?", (job_id,))
