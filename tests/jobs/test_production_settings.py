"""Production refuses to start without its secrets, keys and base URL, naming what is missing.
(Static files collected, hashed and compressed: tests/jobs/test_production_stack.py.)"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent.parent
REQUIRED = ["PUENTE_SECRET_KEY", "PUENTE_ALLOWED_HOSTS", "PUENTE_DATA_KEYS", "PUENTE_BASE_URL"]


def production_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUENTE_", "DJANGO_", "DATABASE_URL"))}
    env.update({
        "PUENTE_ENV": "production",
        "PUENTE_SECRET_KEY": secrets.token_urlsafe(64),
        "PUENTE_ALLOWED_HOSTS": "puente.example.org",
        "PUENTE_DATA_KEYS": Fernet.generate_key().decode(),
        "PUENTE_BASE_URL": "https://puente.example.org",
        "PUENTE_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "puente.settings",
    })
    return env


def _settings(env, expr="s.DEBUG"):
    code = f"import django; django.setup(); from django.conf import settings as s; print({expr})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_names_what_is_missing(tmp_path, missing):
    env = production_env(tmp_path)
    del env[missing]
    result = _settings(env)
    assert result.returncode != 0
    assert "Puente will not start in production without:" in result.stderr
    assert missing in result.stderr
    others = [name for name in REQUIRED if name != missing and name != "PUENTE_DATA_KEYS"]
    assert not any(f"without: {name}" in result.stderr for name in others)


def test_everything_missing_is_named_at_once(tmp_path):
    env = {k: v for k, v in production_env(tmp_path).items() if k not in REQUIRED}
    result = _settings(env)
    assert all(name in result.stderr for name in REQUIRED), result.stderr


def test_a_key_file_stands_for_the_data_keys(tmp_path):
    env = production_env(tmp_path)
    del env["PUENTE_DATA_KEYS"]
    key_file = tmp_path / "data.keys"
    key_file.write_text(Fernet.generate_key().decode() + "\n")
    env["PUENTE_KEY_FILE"] = str(key_file)
    result = _settings(env, "s.DEBUG, s.PUENTE_BASE_URL")
    assert result.stdout.split() == ["False", "https://puente.example.org"], result.stderr


def test_debug_on_in_production_is_refused(tmp_path):
    env = production_env(tmp_path) | {"PUENTE_DEBUG": "1"}
    result = _settings(env)
    assert result.returncode != 0 and "PUENTE_DEBUG" in result.stderr

