"""The browsable documentation works under the content security policy: Swagger UI comes from
the sidecar package's static files (no CDN), starts from a script file of its own, and renders
the operations of the served OpenAPI document, in a real browser, with no CSP violation."""

import pytest

from tests.test_security_browser import RECORD_VIOLATIONS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "es"])
def test_swagger_ui_renders_under_the_csp(browser, live_server, transactional_db, lang):
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(30_000)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"/api/v1/docs/?lang={lang}")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/cases/" in p for p in paths)
    if lang == "es":
        assert "Documentación de la API de Puente" in page.title()
    assert not page.evaluate("window.__csp") and not console
    assert not [u for u in outside if not u.startswith(("data:", "blob:"))]
    context.close()
