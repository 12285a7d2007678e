"""`puente check --deploy` passes with production settings, and the production headers are set."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUENTE_", "DJANGO_", "DATABASE_URL"))}
    env.update({
        "PUENTE_SECRET_KEY": secrets.token_urlsafe(64),
        "PUENTE_DEBUG": "0",
        "PUENTE_ALLOWED_HOSTS": "puente.example.org",
        "PUENTE_BASE_URL": "https://puente.example.org",
        "PUENTE_DATA_KEYS": Fernet.generate_key().decode(),
        "PUENTE_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "puente.settings",
    })
    return env


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output and "?: (security" not in output


def test_production_settings_values(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS, s.SESSION_COOKIE_HTTPONLY, s.SECURE_CONTENT_TYPE_NOSNIFF)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=production_env(tmp_path),
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "DENY", "True", "True"], result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["PUENTE_SECRET_KEY"]
    result = subprocess.run([sys.executable, "-m", "django", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "PUENTE_SECRET_KEY" in result.stderr


def test_headers_on_a_page(client):
    r = client.get("/accounts/login/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
