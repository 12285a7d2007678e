"""Shared fixtures. Settings that tests need are set here at import, before any code reads them
(the encryption keys and the upload folder are read lazily)."""

import os
import shutil
import tempfile

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls in the same test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

settings.PUENTE_DATA_KEYS = Fernet.generate_key().decode()
settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="puente-test-media-")
# Django's live server wraps every request in a media-files handler that parses MEDIA_URL; with
# the production value (None, uploads are never served by URL) each request fails with a 500.
settings.MEDIA_URL = "/test-media-never-linked/"
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Whitenoise would want collectstatic; tests serve static files from the finders.
settings.STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from tests.factories import *  # noqa: E402,F401,F403  (fixtures)
from tests.world import module_world, world  # noqa: E402,F401 - fixtures, after the settings above


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright. Skips where chromium is missing, unless
    PUENTE_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""
    executable = shutil.which("chromium")
    if not executable:
        if os.environ.get("PUENTE_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """A factory for more pages, one browser context each (one per user in multi-user tests)."""
    contexts = []

    def make(locale="en-US"):
        context = browser.new_context(base_url=live_server.url, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()
