"""Benchmark: key rotation, backup and restore on an install with many people and files.

    nice .venv/bin/python benchmarks/protection.py          # a temporary SQLite file under /tmp

Creates BENCH_PEOPLE people (every encrypted field filled) and BENCH_FILES private files of
BENCH_FILE_KB each, then times ``rotate-keys`` (new key first, old key kept), ``backup`` and
``restore`` (into the emptied database), and checks that the restore gave back every person.
Prints ``name: value unit`` lines.
"""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "20000"))
FILES = int(os.environ.get("BENCH_FILES", "200"))
FILE_KB = int(os.environ.get("BENCH_FILE_KB", "200"))


def main():
    tmp = Path(tempfile.mkdtemp(prefix="puente-bench-protection-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")
    os.environ["PUENTE_DATA_DIR"] = str(tmp)
    os.environ.pop("DATABASE_URL", None)
    from cryptography.fernet import Fernet

    old_key, new_key, backup_key = (Fernet.generate_key().decode() for _ in range(3))
    os.environ["PUENTE_DATA_KEYS"] = old_key
    os.environ["PUENTE_BACKUP_KEY"] = backup_key
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from puente.core import crypto
    from puente.core.backup import _flush_tables
    from puente.core.storage import private_storage
    from puente.locate.models import Person

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    batch = []
    for i in range(PEOPLE):
        batch.append(
            Person(
                given_names=f"María Guadalupe {i}",
                surname_1="Hernández",
                surname_2="Tzoc",
                other_names="Lupita",
                birth_date="1988-04-12",
                municipality="San Juan Ixcoy",
                community="Aldea Pojom",
                phone="+502 5555 0101",
                whatsapp="+50255550101",
                relatives="Hijo: Juan (7)",
                last_known_address="Cantón Central",
                notes="Trabajó en Carolina del Norte 2019-2022; le retuvieron el pasaporte.",
                other_phones="+52 962 555 0199",
            )
        )
        if len(batch) == 2000:
            Person.objects.bulk_create(batch)
            batch = []
    Person.objects.bulk_create(batch)
    encrypt_s = time.perf_counter() - t
    payload = os.urandom(FILE_KB * 1024)
    for i in range(FILES):
        private_storage.save(f"bench/{i}.pdf", ContentFile(payload))
    n_values = PEOPLE * 13
    print(f"encrypt_insert_values_per_s: {n_values / encrypt_s:.0f} values/s")

    settings.PUENTE_DATA_KEYS = f"{new_key},{old_key}"
    crypto.reset_keys()
    t = time.perf_counter()
    call_command("rotate-keys", stdout=open(os.devnull, "w"))
    rotate_s = time.perf_counter() - t
    print(f"rotate_keys_s: {rotate_s:.1f} s")
    print(f"rotate_keys_values_per_s: {n_values / rotate_s:.0f} values/s")
    t = time.perf_counter()
    call_command("rotate-keys", stdout=open(os.devnull, "w"))
    print(f"rotate_keys_second_run_s: {time.perf_counter() - t:.1f} s")

    out = tmp / "bench.backup"
    t = time.perf_counter()
    call_command("backup", str(out), stdout=open(os.devnull, "w"))
    backup_s = time.perf_counter() - t
    print(f"backup_s: {backup_s:.1f} s")
    print(f"backup_size_mb: {out.stat().st_size / 1e6:.1f} MB")

    from django.db import transaction

    with transaction.atomic():
        _flush_tables()
    shutil.rmtree(settings.MEDIA_ROOT)
    t = time.perf_counter()
    call_command("restore", str(out), stdout=open(os.devnull, "w"))
    restore_s = time.perf_counter() - t
    print(f"restore_s: {restore_s:.1f} s")
    restored = Person.objects.count()
    sample = Person.objects.order_by("pk").last()
    assert restored == PEOPLE and sample.given_names.startswith("María Guadalupe"), restored
    files_back = sum(1 for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert files_back == FILES, files_back
    print(f"restore_people_per_s: {PEOPLE / restore_s:.0f} people/s")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
