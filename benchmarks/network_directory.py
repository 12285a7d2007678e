"""The directory at scale: import N synthetic Defenders from CSV (every row checked, then one
transaction), export them as CSV and XLSX, import the export again (all updates), and render the
Coordinators' Defender list and coverage pages. Runs on a fresh SQLite database under /tmp.

    .venv/bin/python benchmarks/network_directory.py [N]
"""

import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["PUENTE_DATA_DIR"] = tempfile.mkdtemp(prefix="puente-bench-network-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import setup_test_environment

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
call_command("migrate", verbosity=0)
setup_test_environment()
settings.DEBUG = True  # count queries

from puente.network import actions, directory_io
from puente.network.models import Defender, Region
from tests.factories import make_coordinator


def import_file(actor, name, content):
    return actions.do_import_directory(directory_io.read_file(name, content), acting_user=actor)


rng = random.Random(11)
coordinator = make_coordinator()
regions = {}
for r in Region.objects.all():
    regions.setdefault(r.country, []).append(r.code)
currency = {"MX": "MXN", "GT": "GTQ", "SV": "USD", "HN": "HNL", "NI": "NIO"}
langs = ["spa", "mam", "quc", "kek", "zap", "mix", "tzo", "miq", "cab", "nah"]
exp = ["wage_hour", "recruitment_fraud", "trafficking", "evidence", "service_of_process", "locating_people"]
lines = [",".join(directory_io.DEFENDER_COLUMNS)]
for i in range(N):
    c = rng.choice(list(currency))
    rs = ";".join(rng.sample(regions[c], min(3, len(regions[c]))))
    lines.append(",".join([
        f"Colectivo de Defensa {i}", rng.choice(["organisation", "individual"]), c, "Ciudad", rs,
        ";".join(rng.sample(langs, 2)), ";".join(rng.sample(exp, 2)), str(rng.randint(0, 8)),
        str(rng.randint(100, 900)), currency[c], rng.choice(["active", "paused"]), "", "", "", "", "",
    ]))
content = "\n".join(lines).encode()

t = time.perf_counter()
import_file(coordinator, "bench.csv", content)
print(f"import_create_{N}: {time.perf_counter() - t:.2f} s")
assert Defender.objects.count() == N

t = time.perf_counter()
csv_bytes = directory_io.export_csv("defenders")
print(f"export_csv_{N}: {time.perf_counter() - t:.2f} s")
t = time.perf_counter()
xlsx_bytes = directory_io.export_xlsx()
print(f"export_xlsx_{N}: {time.perf_counter() - t:.2f} s")
print(f"export_xlsx_size: {len(xlsx_bytes) / 1024:.0f} KiB")

t = time.perf_counter()
import_file(coordinator, "again.xlsx", xlsx_bytes)
print(f"import_update_xlsx_{N}: {time.perf_counter() - t:.2f} s")

bad = content.replace(b"Colectivo de Defensa 7,", b",", 1).replace(b",GTQ,", b",EUR,", 1)
t = time.perf_counter()
try:
    import_file(coordinator, "bad.csv", bad)
except directory_io.ImportFailed as exc:
    print(f"check_with_errors_{N}: {time.perf_counter() - t:.2f} s")
    print(f"errors_reported: {len(exc.errors)} rows")

client = Client()
client.force_login(coordinator)
for name, path in [
    ("defender_list", "/network/defenders/"),
    ("defender_list_filtered", "/network/defenders/?country=GT&free=on"),
    ("coverage", "/network/coverage/"),
]:
    client.get(path)  # warm
    reset_queries()
    t = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200
    print(f"{name}_page: {(time.perf_counter() - t) * 1000:.0f} ms")
    print(f"{name}_queries: {len(connection.queries)} queries")
