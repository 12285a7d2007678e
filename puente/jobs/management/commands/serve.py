"""`puente serve`: the whole stack in one command.

Production (the default): applies migrations, collects static files (hashed and compressed, served
by whitenoise), creates the periodic schedules, then starts gunicorn with several worker
processes and the background worker (``puente qcluster``), and watches both: when one stops, the
other is stopped and the command exits non-zero (systemd or the container restarts it). SIGTERM
and SIGINT stop both cleanly.

``--dev``: Django's development server and the background worker (what ``make run`` starts), so
a newcomer's jobs and emails run as they will in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from puente.jobs.tasks import ensure_schedules


def static_is_current() -> bool:
    """True when STATIC_ROOT's manifest is newer than every static file the finders know: a
    restart then skips collectstatic (hashing and compressing every file takes a minute)."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            if os.path.getmtime(storage.path(path)) > built:
                return False
    return True


def _default_web_workers() -> int:
    return int(os.environ.get("PUENTE_WEB_WORKERS", str(min(4, 2 * (os.cpu_count() or 1) + 1))))


class Command(BaseCommand):
    help = "Start Puente: migrations, static files, gunicorn (several processes) and the background worker."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("PUENTE_BIND", "127.0.0.1:8000"),
                            help="Address gunicorn listens on (PUENTE_BIND; default 127.0.0.1:8000, behind a proxy).")
        parser.add_argument("--workers", type=int, default=_default_web_workers(),
                            help="Web worker processes (PUENTE_WEB_WORKERS; default min(4, 2 x cores + 1)).")
        parser.add_argument("--no-worker", action="store_true", help="Web processes only (the worker runs elsewhere).")
        parser.add_argument("--worker-only", action="store_true", help="The background worker only.")
        parser.add_argument("--no-migrate", action="store_true", help="Skip migrations and collectstatic.")
        parser.add_argument("--dev", action="store_true", help="Development server and worker (make run).")
        parser.add_argument("--collectstatic", action="store_true",
                            help="Collect static files even when none changed since the last collection.")

    def handle(self, *args, **o):
        if o["dev"]:
            ensure_schedules()  # the periodic jobs and the worker's heartbeat, as in production
            return self._run([[sys.executable, "-m", "puente.manage", "runserver", o["bind"]], self._worker_cmd()])
        if settings.DEBUG:
            raise CommandError("`puente serve` runs production settings: set PUENTE_ENV=production and the "
                               "variables docs/deploy.md lists (or use `puente serve --dev`).")
        if not o["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
            if not o["worker_only"]:
                if o["collectstatic"] or not static_is_current():
                    call_command("collectstatic", interactive=False, verbosity=0)
                else:
                    self.stdout.write("static files: up to date (collected after the last change)")
        names = ensure_schedules()
        self.stdout.write(f"periodic jobs: {', '.join(names)}")
        commands = []
        if not o["worker_only"]:
            commands.append(self._gunicorn_cmd(o["bind"], o["workers"]))
        if not o["no_worker"]:
            commands.append(self._worker_cmd())
        if not commands:
            raise CommandError("--no-worker and --worker-only together start nothing.")
        return self._run(commands)

    @staticmethod
    def _gunicorn_cmd(bind: str, workers: int) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "puente.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--worker-class", "sync",
            # A worker is replaced after ~1000 requests: memory stays bounded over weeks.
            "--max-requests", "1000", "--max-requests-jitter", "100",
            "--timeout", os.environ.get("PUENTE_WEB_TIMEOUT", "60"), "--graceful-timeout", "30",
            "--forwarded-allow-ips", os.environ.get("PUENTE_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            "--access-logfile", "-", "--name", "puente-web",
        ]

    @staticmethod
    def _worker_cmd() -> list[str]:
        return [sys.executable, "-m", "puente.manage", "qcluster"]

    def _run(self, commands: list[list[str]]) -> None:
        procs = [subprocess.Popen(cmd) for cmd in commands]  # noqa: S603 - our own fixed commands
        stopping = False

        def stop(signum, _frame):
            nonlocal stopping
            stopping = True
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        started = "; ".join(f"{' '.join(c[2:4])} (pid {p.pid})" for c, p in zip(commands, procs, strict=True))
        self.stdout.write(f"started: {started}")
        code = 0
        while True:
            ended = [p for p in procs if p.poll() is not None]
            if ended or stopping:
                code = 0 if stopping else (ended[0].returncode or 1)
                stop(signal.SIGTERM, None)
                deadline = time.monotonic() + 40
                for p in procs:
                    try:
                        p.wait(timeout=max(0.1, deadline - time.monotonic()))
                    except subprocess.TimeoutExpired:
                        p.kill()
                break
            time.sleep(0.5)
        if code:
            raise CommandError(f"a process stopped (exit {code}); everything was stopped")
