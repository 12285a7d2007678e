"""Weight of every page of the workers' corner (HTML plus its one stylesheet), in Spanish and
English, against the 50 kB a page may weigh on a slow phone connection. Runs on a throw-away
test database (no data needed: the check page is weighed with an answer that found nothing).

    .venv/bin/python benchmarks/voice_pages.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")
os.environ.setdefault("PUENTE_DATA_KEYS", "")

import django

django.setup()

from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse

LIMIT = 50_000


def main():
    settings.PUENTE_DATA_KEYS = settings.PUENTE_DATA_KEYS or Fernet.generate_key().decode()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    css = os.path.getsize(finders.find("voice/voice.css"))
    client = Client()
    worst = 0
    print(f"{'page':34} {'HTML':>8} {'+ CSS':>8}")
    for lang in ("es", "en"):
        for name, params in [("landing", {}), ("check", {}), ("check", {"name": "Hongos del Norte", "state": "PA"}),
                             ("report", {}), ("add", {}), ("rights", {})]:
            response = client.get(reverse(f"voice:{name}", kwargs={"lang": lang}), params)
            size = len(response.content)
            total = size + css
            worst = max(worst, total)
            label = f"{lang}/{name}{' (answer)' if params else ''}"
            print(f"{label:34} {size:8,d} {total:8,d}{'  OVER' if total > LIMIT else ''}")
    print(f"heaviest page with its stylesheet: {worst:,d} bytes (limit {LIMIT:,d})")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
