"""The content security policy is one the pages satisfy: a real browser visits the main pages of
each role and no violation is reported, and no page carries inline script or style."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from puente.core.context_processors import navigation

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


class InlineFinder(HTMLParser):
    """Collects what a strict CSP forbids: inline scripts, event-handler attributes, style
    attributes and elements, javascript: URLs."""

    DATA_TYPES = {"application/json", "application/ld+json", "text/template"}

    def __init__(self):
        super().__init__()
        self.problems, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in attrs and attrs.get("type") not in self.DATA_TYPES
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")


def pages_for(user):
    """Home, every entry of the role's navigation bar, and the core pages the role may open."""
    request = RequestFactory().get("/")
    request.user = user
    urls = ["/"] + [item["url"] for item in navigation(request).get("nav_items", [])]
    return list(dict.fromkeys(urls))


def signed_in_context(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="es-MX")
    context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    context.add_init_script(RECORD_VIOLATIONS)
    return context


def visit(context, url, problems):
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status < 500, f"{url}: {response and response.status}"
    finder = InlineFinder()
    finder.feed(response.text())
    violations = page.evaluate("window.__csp")
    for p in finder.problems:
        problems.append(f"{url}: {p}")
    for v in violations + console:
        problems.append(f"{url}: CSP violation: {v}")
    page.close()


def test_login_page_satisfies_csp(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(RECORD_VIOLATIONS)
    problems = []
    visit(context, reverse("account_login"), problems)
    visit(context, reverse("account_reset_password"), problems)
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["coordinator", "advocate", "defender"])
def test_main_pages_of_each_role_satisfy_csp(browser, live_server, transactional_db, world, role):
    user = getattr(world, role)
    urls = pages_for(user)
    if role == "coordinator":
        urls += [reverse("core:user_sessions", args=[world.defender.pk]), reverse("core:audit") + "?action=3"]
    context = signed_in_context(browser, live_server, user)
    problems = []
    for url in urls:
        visit(context, url, problems)
    context.close()
    assert len(urls) >= 2
    assert not problems, "\n".join(problems)


def test_the_finder_catches_inline_code():
    finder = InlineFinder()
    finder.feed('<script>alert(1)</script><a href="javascript:x()">x</a><p style="color:red" onclick="y()">'
                '<script src="/static/a.js"></script><script type="application/json">{"a": 1}</script>')
    assert len(finder.problems) == 4
