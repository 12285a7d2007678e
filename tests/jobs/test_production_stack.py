"""The production stack for real: `puente serve` (migrations, collectstatic, gunicorn with several
worker processes, the queue's worker) against its own PostgreSQL database.

- a person created by another process is found by every web process (and found under a new name
  once edited elsewhere);
- a visa file imported from the page runs as a background job; its page shows progress while it
  runs and the result when it ends;
- the job's email goes through the queue with an absolute link on PUENTE_BASE_URL;
- /health/ reports the database, the worker's heartbeat and the keys; static files are served
  hashed and compressed.

Needs PostgreSQL (DATABASE_URL); CI runs it (.ci/run). About two minutes on a quiet machine (the
first run collects the static files once: about a minute more).
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from cryptography.fernet import Fernet

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "visas" / "fixtures" / "H-2A_FY2012_small.csv"
BASE_URL = "https://puente.example.org"


def _server_url() -> dict | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        if os.environ.get("PUENTE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PUENTE_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    return dj_database_url.parse(url)


def _admin(db: dict):
    return psycopg.connect(dbname="postgres", user=db["USER"] or None, password=db["PASSWORD"] or None,
                           host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _visa_file(path: Path, rows: int) -> None:
    """A DOL H-2A file of ``rows`` rows, built on the real fixture's header and first row."""
    header, first = FIXTURE.read_text().splitlines()[:2]
    cells = next(csv.reader([first]))
    out = [header]
    for i in range(rows):
        row = list(cells)
        row[0] = f"C-12{i // 1000:03d}-{i % 1000:05d}"
        row[3] = f"GROWER {i % 40} FARMS LLC"
        row[8] = str(1 + i % 30)
        out.append(",".join(f'"{c}"' if "," in c else c for c in row))
    path.write_text("\n".join(out) + "\n")


class Web:
    """A tiny browser: the session cookie set by hand (the production cookies are Secure; the
    proxy's X-Forwarded-Proto tells Django the request came over TLS), CSRF for posts."""

    def __init__(self, base: str, session: str):
        self.base, self.cookies = base, {"sessionid": session}

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
        head = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1",
                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=head)  # noqa: S310 - loopback
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(req, timeout=30)
        except urllib.error.HTTPError as exc:
            response = exc
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.headers), response.read()

    def get(self, path: str, **headers):
        return self.request("GET", path, headers=headers)

    def post_file(self, path: str, fields: dict, file_field: str, filename: str, content: bytes):
        status, _, body = self.get(path)
        assert status == 200, body[:500]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        boundary = uuid.uuid4().hex
        parts = []
        for k, v in {"csrfmiddlewaretoken": token, **fields}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                     "Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts), {
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": token,
            "Origin": "https://127.0.0.1", "Referer": "https://127.0.0.1" + path})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _run(env, code: str) -> str:
    """Python in a separate process (not the web or worker ones), with the production settings."""
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def _wait(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("stack")
    db = _server_url()
    name = f"puente_prod_e2e_{os.getpid()}"
    with _admin(db) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    port = _free_port()
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUENTE_", "DJANGO_", "DATABASE_URL"))}
    env.update({
        "DATABASE_URL": url, "PUENTE_ENV": "production", "PUENTE_SECRET_KEY": secrets.token_urlsafe(50),
        "PUENTE_ALLOWED_HOSTS": "127.0.0.1,localhost", "PUENTE_DATA_KEYS": Fernet.generate_key().decode(),
        "PUENTE_BASE_URL": BASE_URL, "PUENTE_DATA_DIR": str(tmp_path / "data"),
        # The checkout's staticfiles/ (git-ignored): collected once, then reused while no static
        # file changes (puente serve skips collectstatic when the manifest is newer than them all).
        "PUENTE_STATIC_ROOT": str(ROOT / "staticfiles"), "PUENTE_SSL_REDIRECT": "0",
        "PUENTE_WEB_WORKERS": "3", "PUENTE_QUEUE_WORKERS": "1", "PUENTE_TASKS_SYNC": "0",
        "PUENTE_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "puente.settings", "PYTHONUNBUFFERED": "1",
    })
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "puente.manage", "serve", "--bind", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def health():
        if proc.poll() is not None:
            raise AssertionError("puente serve stopped:\n" + (tmp_path / "serve.log").read_text()[-4000:])
        try:
            with urllib.request.urlopen(base + "/health/", timeout=5) as r:  # noqa: S310 - loopback only
                return json.loads(r.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    try:
        _wait(health, 600, "the server to answer /health/")
        yield {"env": env, "base": base, "health": health, "log": tmp_path / "serve.log", "proc": proc}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        with _admin(db) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _gunicorn_workers(master_pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=,ppid=,args=", "-e"], capture_output=True, text=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines() if line.strip()]
    gunicorn = [int(p) for p, pp, args in rows if "gunicorn" in args and int(pp) == master_pid]
    return [int(p) for p, pp, args in rows if gunicorn and int(pp) in gunicorn]


def test_the_production_stack(stack, tmp_path):
    env, base = stack["env"], stack["base"]
    assert len(_gunicorn_workers(stack["proc"].pid)) == 3  # several web processes

    # A Coordinator (with TOTP) and a signed-in session, made by a separate process.
    session = _run(env, (
        "from django.test import Client\n"
        "from tests.factories import make_coordinator\n"
        "u = make_coordinator(email='coordinator@e2e.example.org')\n"
        "c = Client(); c.force_login(u); print(c.cookies['sessionid'].value)\n"))
    web = Web(base, session)

    def found(name: str, pk: str = "") -> list[bool]:
        # Every request may land on any of the three web processes: ask several times.
        results = []
        for _ in range(9):
            status, _, body = web.get("/people/?q=" + urllib.parse.quote(name))
            assert status == 200, body[:300]
            results.append(f'href="/people/{pk}/"'.encode() in body)
        return results

    found("Xochitl Quiroa")  # every process has searched (and built what it needs) before the person exists
    person_pk = _run(env, (
        "from puente.locate.actions import do_create_person\n"
        "from puente.network.models import User\n"
        "u = User.objects.get(email='coordinator@e2e.example.org')\n"
        "p = do_create_person(acting_user=u, given_names='Xochitl', surname_1='Quiroa', country='GT',"
        " consent_to_search=True)\n"
        "print(p.pk)\n"))
    _wait(lambda: all(found("Xochitl Quiroa", person_pk)), 10, "every web process to find the new person")
    _run(env, (
        "from puente.locate.actions import do_update_person\n"
        "from puente.locate.models import Person\n"
        "from puente.network.models import User\n"
        "u = User.objects.get(email='coordinator@e2e.example.org')\n"
        f"do_update_person(Person.objects.get(pk={person_pk}), acting_user=u, surname_1='Ixcoy')\n"))
    _wait(lambda: all(found("Xochitl Ixcoy", person_pk)), 10, "every web process to find the person under the new name")

    # An import as a background job, started from the page, its progress visible on the job's page.
    visa_file = tmp_path / "H-2A_FY2012_e2e.csv"
    _visa_file(visa_file, 4000)
    status, headers, body = web.post_file("/jobs/start/visas-import/", {"visa": "H-2A"}, "file", visa_file.name,
                                          visa_file.read_bytes())
    assert status == 302, body[:1000]
    job_path = headers["Location"]
    assert re.fullmatch(r"/jobs/\d+/", job_path)
    seen = []

    def job_state():
        status, _, body = web.get(job_path, **{"HX-Request": "true"})
        assert status == 200
        text = body.decode()
        state = re.search(r'data-status="(\w+)"', text).group(1)
        seen.append((state, "<progress" in text, re.search(r'class="progress-count">([^<]*)<', text)))
        return state if state in ("done", "failed") else None

    final = _wait(job_state, 120, "the import job to end", interval=0.3)
    assert final == "done", web.get(job_path)[2].decode()[-2000:]
    assert any(state in ("queued", "running") and bar for state, bar, _ in seen)  # progress shown while it ran
    status, _, body = web.get(job_path)
    assert b"Search the visa data" in body and b"4000" in body
    status, _, body = web.get("/jobs/")
    assert job_path.encode() in body

    # The job's email went through the queue (the worker's console backend) with an absolute link.
    _wait(lambda: f"{BASE_URL}{job_path}" in stack["log"].read_text(), 30, "the job's email")
    assert "Subject: Puente: Job done:" in stack["log"].read_text()

    # Static files: hashed names, compressed, cached for long.
    anonymous = Web(base, "")
    anonymous.cookies.clear()
    status, _, body = anonymous.get("/accounts/login/")
    css = re.search(rb'href="(/static/puente/puente\.[0-9a-f]{12}\.css)"', body)
    assert css, body[:2000]
    status, headers, _ = anonymous.get(css.group(1).decode(), **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip" and "max-age=315360000" in headers.get(
        "Cache-Control", "")

    # Health: database, keys and the worker's heartbeat (the schedule runs every minute).
    report = _wait(lambda: (h := stack["health"]()) and h["checks"]["worker"]["ok"] and h, 90, "the worker heartbeat")
    assert report["status"] == "ok" and report["checks"]["database"]["vendor"] == "postgresql"
    assert report["checks"]["keys"] == {"ok": True, "count": 1}
    assert env["PUENTE_SECRET_KEY"] not in json.dumps(report) and env["PUENTE_DATA_KEYS"] not in json.dumps(report)


def test_login_throttling_is_shared_by_every_web_process(stack):
    """Five failed logins for one address, then refused, whichever process answers (the cache
    that counts them must be shared: CACHES)."""
    backend = _run(stack["env"], "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])")
    if backend.endswith("LocMemCache"):
        pytest.skip("CACHES is LocMemCache, one per process: login throttling is not shared across processes "
                    "(docs/scale.md; the database cache shares it)")
    web = Web(stack["base"], "")
    web.cookies.clear()
    statuses = []
    for _ in range(9):
        status, _, body = web.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": "nobody@e2e.example.org",
                                       "password": "wrong-password-1"}).encode()
        status, _, body = web.request("POST", "/accounts/login/", data, {
            "Content-Type": "application/x-www-form-urlencoded", "Origin": "https://127.0.0.1",
            "Referer": "https://127.0.0.1/accounts/login/"})
        # allauth answers a throttled attempt with the form and this error (or 429).
        statuses.append("throttled" if status == 429 or b"Too many failed login attempts" in body else status)
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {"throttled"}, statuses
