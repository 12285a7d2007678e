"""Load test of the production stack: `puente serve` (gunicorn, N web processes, the worker) on
PostgreSQL, and simulated users on loopback, for a fixed time.

    .venv/bin/python benchmarks/load.py [--users 50] [--duration 120] [--workers 4]
        [--people 1000000] [--cases 100000] [--database puente_prod_load] [--keep]

Builds its own database (DATABASE_URL's server, database ``--database``): migrations, the demo
data (`puente demo`: the network, cases, billing, visas), then ``--people`` more people and
``--cases`` more cases generated in bulk (``--people 0 --cases 0`` for the demo alone). Then
starts the stack with ``--workers`` web processes and runs ``--users`` simulated users, each a
thread with its own signed-in session: Coordinators (queue, case pages, invoices, directory,
people search), Advocates (their cases, invoices), Defenders (assignments, case pages, people
search) and public visitors (visa search), about one second between requests (0.5-1.5 s).
The client is bounded: loopback only, a fixed duration, a timeout per request.

Prints ``name: value unit`` lines: p50/p95/p99 and errors per page, requests per second, the
memory (RSS) of each web process, and the load average while it ran (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

import dj_database_url
import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["queue", "case page", "my cases", "assignments", "invoice list", "people search", "directory",
         "visa search"]
NAMES = ["Juan", "María", "José", "Ana", "Pedro", "Rosa", "Xol", "López", "García", "Hernández", "Ajú", "Cruz"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env, code: str, timeout=3600) -> str:
    r = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode:
        raise SystemExit(r.stderr[-4000:])
    return r.stdout.strip()


SEED = """
import random, sys
from django.db import transaction
from puente.locate.keys import apply_keys
from puente.locate.models import Person
rng = random.Random(2026)
sys.path.insert(0, "benchmarks")
from locate_synth import Generator
gen = Generator(seed=2026)
n, made = {people}, 0
while made < n:
    chunk = gen.people(min(5000, n - made))
    objs = []
    for p in chunk:
        person = Person(given_names=p["given_names"], surname_1=p["surname_1"], surname_2=p["surname_2"],
                        sex=p["sex"], birth_date=p["birth_date"], country=p["country"],
                        municipality=p["municipality"], consent_to_search=True)
        apply_keys(person)
        objs.append(person)
    with transaction.atomic():
        Person.objects.bulk_create(objs, batch_size=1000)
    made += len(chunk)
print(Person.objects.count())
"""

SESSIONS = """
from django.test import Client
from puente.network.models import User
from puente.cases.models import Case
out = []
for role in ("coordinator", "advocate", "defender"):
    for u in User.objects.filter(role=role, is_active=True).order_by("pk")[:20]:
        c = Client(); c.force_login(u); out.append(f"{role} {u.pk} {c.cookies['sessionid'].value}")
print("\\n".join(out))
print("CASES " + " ".join(str(pk) for pk in Case.objects.order_by("pk").values_list("pk", flat=True)[:2000]))
"""


class User(threading.Thread):
    def __init__(self, base, role, session, case_ids, until, results, rng):
        super().__init__(daemon=True)
        self.base, self.role, self.session, self.case_ids = base, role, session, case_ids
        self.until, self.results, self.rng = until, results, rng

    def pages(self):
        q = urllib.parse.quote(f"{self.rng.choice(NAMES)} {self.rng.choice(NAMES)}")
        case = f"/cases/{self.rng.choice(self.case_ids)}/" if self.case_ids else "/cases/queue/"
        if self.role == "coordinator":
            return self.rng.choice([("queue", "/cases/queue/"), ("case page", case),
                                    ("invoice list", "/billing/invoices/"), ("directory", "/network/defenders/"),
                                    ("people search", f"/people/?q={q}")])
        if self.role == "advocate":
            return self.rng.choice([("my cases", "/cases/mine/"), ("invoice list", "/billing/invoices/"),
                                    ("case page", case)])
        if self.role == "defender":
            return self.rng.choice([("assignments", "/cases/assignments/"), ("people search", f"/people/?q={q}"),
                                    ("case page", case)])
        word = self.rng.choice(["farms", "growers", "nursery", "llc"])
        return ("visa search", "/visas/?q=" + urllib.parse.quote(word))

    def run(self):
        opener = urllib.request.build_opener(NoRedirect)
        while time.monotonic() < self.until:
            name, path = self.pages()
            headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
            if self.session:
                headers["Cookie"] = f"sessionid={self.session}"
            start = time.perf_counter()
            try:
                request = urllib.request.Request(self.base + path, headers=headers)  # noqa: S310 - loopback only
                with opener.open(request, timeout=30) as r:
                    r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            except (urllib.error.URLError, OSError):
                status = 0
            elapsed = (time.perf_counter() - start) * 1000
            # A case the role may not see is a 404 by design: counted apart, not as an error.
            self.results[name].append((elapsed, status))
            time.sleep(self.rng.uniform(0.5, 1.5))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return int(re.search(r"VmRSS:\s+(\d+)", fh.read()).group(1)) / 1024
    except (OSError, AttributeError):
        return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=int, default=120)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--cases", type=int, default=0, help="(not generated yet: the demo's cases are used)")
    ap.add_argument("--database", default="puente_prod_load")
    ap.add_argument("--keep", action="store_true", help="Keep the database (and skip building it when it exists).")
    o = ap.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db = dj_database_url.parse(server)
    admin = psycopg.connect(dbname="postgres", user=db["USER"] or None, host=db["HOST"] or None,
                            port=db["PORT"] or None, password=db["PASSWORD"] or None, autocommit=True)
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (o.database,)).fetchone()
    fresh = not (exists and o.keep)
    if fresh:
        admin.execute(f'DROP DATABASE IF EXISTS "{o.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{o.database}"')
    data_dir = ROOT / "data" / "load"
    (data_dir / "keys").mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "keys" / "data.keys"
    if not key_file.exists():
        key_file.write_text(Fernet.generate_key().decode() + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUENTE_", "DJANGO_", "DATABASE_URL"))}
    env.update({
        "DATABASE_URL": server.rsplit("/", 1)[0] + "/" + o.database, "PUENTE_ENV": "production",
        "PUENTE_SECRET_KEY": "load-test-" + "k" * 50, "PUENTE_ALLOWED_HOSTS": "127.0.0.1",
        "PUENTE_KEY_FILE": str(key_file), "PUENTE_BASE_URL": "https://puente.example.org",
        "PUENTE_DATA_DIR": str(data_dir), "PUENTE_SSL_REDIRECT": "0", "PUENTE_DB_CONN_MAX_AGE": "60",
        "PUENTE_WEB_WORKERS": str(o.workers), "PUENTE_QUEUE_WORKERS": "1", "PUENTE_TASKS_SYNC": "0",
        "DJANGO_SETTINGS_MODULE": "puente.settings",
    })
    t = time.monotonic()
    if fresh:
        subprocess.run([sys.executable, "-m", "puente.manage", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        subprocess.run([sys.executable, "-m", "puente.manage", "demo"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        if o.people:
            print(f"load_people: {run(env, SEED.replace('{people}', str(o.people)))} people")
        print(f"load_build_time: {time.monotonic() - t:.0f} s")
    sessions, case_ids = [], []
    for line in run(env, SESSIONS).splitlines():
        if line.startswith("CASES"):
            case_ids = [int(x) for x in line.split()[1:]]
        else:
            role, _pk, key = line.split()
            sessions.append((role, key))
    port = free_port()
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115 - closed at the end
    t = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "puente.manage", "serve", "--bind", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/health/", timeout=5).read()  # noqa: S310 - loopback only
                break
            except (urllib.error.URLError, OSError):
                time.sleep(1)
        print(f"load_start_time: {time.monotonic() - t:.1f} s (migrate, collectstatic, {o.workers} web processes)")
        rng = random.Random(7)
        # 10 Coordinators, 15 Advocates, 15 Defenders, 10 public visitors per 50, interleaved.
        mix = ["coordinator", "advocate", "defender", "public", "advocate", "defender", "coordinator", "advocate",
               "defender", "public"]
        results: dict[str, list] = defaultdict(list)
        until = time.monotonic() + o.duration
        by_role = defaultdict(list)
        for role, key in sessions:
            by_role[role].append(key)
        users = []
        for i in range(o.users):
            role = mix[i % len(mix)]
            key = rng.choice(by_role[role]) if role != "public" and by_role[role] else None
            users.append(User(base, role if key or role == "public" else "public", key, case_ids, until, results,
                              random.Random(i)))
        load_before = os.getloadavg()[0]
        for u in users:
            u.start()
            time.sleep(0.02)
        for u in users:
            u.join()
        total = sum(len(v) for v in results.values())
        print(f"load_users: {o.users} users")
        print(f"load_duration: {o.duration} s")
        print(f"load_requests_per_second: {total / o.duration:.1f} req/s")
        for page in PAGES:
            rows = results.get(page, [])
            ok = [ms for ms, st in rows if st in (200, 404)]
            errors = sum(1 for _ms, st in rows if st not in (200, 404))
            slug = page.replace(" ", "_")
            print(f"load_{slug}_requests: {len(rows)} requests")
            print(f"load_{slug}_p50: {pct(ok, 50):.0f} ms")
            print(f"load_{slug}_p95: {pct(ok, 95):.0f} ms")
            print(f"load_{slug}_p99: {pct(ok, 99):.0f} ms")
            print(f"load_{slug}_errors: {errors} requests")
        statuses = defaultdict(int)
        for rows in results.values():
            for _ms, st in rows:
                statuses[st] += 1
        print(f"load_statuses: {dict(sorted(statuses.items()))} count")
        out = subprocess.run(["ps", "-o", "pid=,ppid=,args=", "-e"], capture_output=True, text=True).stdout
        rows = [line.split(None, 2) for line in out.splitlines() if line.strip()]
        masters = [int(p) for p, pp, a in rows if "gunicorn" in a and int(pp) == proc.pid]
        workers = [int(p) for p, pp, a in rows if masters and int(pp) in masters]
        mem = [rss_mb(p) for p in workers]
        if mem:
            print(f"load_web_process_rss_max: {max(mem):.0f} MB ({len(mem)} processes, "
                  f"mean {statistics.mean(mem):.0f})")
        print(f"load_average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores, shared machine)")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        if not o.keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{o.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
