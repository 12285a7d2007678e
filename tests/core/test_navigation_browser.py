"""The navigation on a phone and on a wide screen, in a real browser, as a Defender (about a dozen
entries, in Spanish).

At 412 px: a "Menu" button, closed at first; opening it (by touch or keyboard, with JavaScript or
without) shows every entry, grouped by app, within the screen; following one works. At 1280 px:
the bar shows every entry and there is no button.

PUENTE_SCREENSHOTS=folder saves what the phone shows, to look at.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from puente.core.context_processors import navigation

pytestmark = pytest.mark.browser

PHONE = {"width": 412, "height": 900}
WIDE = {"width": 1280, "height": 900}


def entries_of(user):
    """(label, url) of every entry the user's pages show, Home first, and the group labels, in
    Spanish (the Defender's language)."""
    request = RequestFactory().get("/")
    request.user = user
    with translation.override("es"):
        nav = navigation(request)
        entries = [("Inicio", reverse("home"))] + [(str(i["label"]), i["url"]) for i in nav["nav_items"]]
        groups = [str(g["label"]) for g in nav["nav_groups"]]
    return entries, groups


@pytest.fixture
def open_as(browser, live_server):
    """open_as(user, viewport, javascript=True) -> a page of Puente's home, signed in as user."""
    contexts = []

    def open_(user, viewport, javascript=True):
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=live_server.url, viewport=viewport,
                                      java_script_enabled=javascript, locale="es-MX")
        contexts.append(context)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/")
        return page

    yield open_
    for context in contexts:
        context.close()


def screenshot(page, name):
    folder = os.environ.get("PUENTE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def shown_nav_links(page):
    """The navigation links a person can see (and a screen reader reaches): a closed menu's
    entries, and the bar's while it is not displayed, are not among them."""
    links = page.get_by_role("navigation").get_by_role("link")
    return [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]


def assert_within_width(locator, width):
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_phone_menu_closed_at_first_opens_onto_every_entry(open_as, transactional_db, world, javascript):
    entries, groups = entries_of(world.defender)
    assert len(entries) >= 10, entries  # why the menu exists: a Defender has about a dozen entries
    page = open_as(world.defender, PHONE, javascript)

    button = page.locator("details.navmenu > summary")
    assert button.is_visible() and button.inner_text().strip() == "Menú"
    assert shown_nav_links(page) == []  # closed: no entry shows, and the bar is not displayed
    assert not page.locator(".mainnav").is_visible()
    screenshot(page, f"phone-closed-{'js' if javascript else 'nojs'}.png")

    button.click()
    assert shown_nav_links(page) == entries  # every entry, each once, in order
    for label, _url in entries:
        assert_within_width(page.locator(".phonenav").get_by_role("link", name=label, exact=True), PHONE["width"])
    for group in groups:
        assert page.locator(".navgroup-title", has_text=group).is_visible()
    # Nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"phone-open-{'js' if javascript else 'nojs'}.png")

    # (Home is the Defender's assignments: follow another page.)
    label, url = next((lbl, u) for lbl, u in entries if u == reverse("billing:payout_list"))
    with page.expect_navigation():
        page.locator(".phonenav").get_by_role("link", name=label, exact=True).click()
    assert page.url.endswith(url)
    assert page.locator("h1").is_visible()
    # The new page starts with the menu closed; opened, it marks where we are.
    assert shown_nav_links(page) == []
    page.locator("details.navmenu > summary").click()
    assert page.locator(".phonenav a[aria-current=page]").inner_text().strip() == label


def test_phone_menu_by_keyboard(open_as, transactional_db, world):
    entries, _groups = entries_of(world.defender)
    page = open_as(world.defender, PHONE)
    for _ in range(5):  # Tab from the top of the page: the brand, then the menu button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    # The focus is visible: the stylesheet's outline, not the browser's default.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineColor") == "rgb(255, 209, 102)"

    page.keyboard.press("Enter")
    assert shown_nav_links(page) == entries
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Inicio"

    page.keyboard.press("Escape")  # puente.js: closes, and the focus goes back to the button
    assert shown_nav_links(page) == []
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"

    page.keyboard.press("Enter")
    assert shown_nav_links(page) == entries
    page.mouse.click(PHONE["width"] - 10, PHONE["height"] - 10)  # a tap outside the menu closes it
    assert shown_nav_links(page) == []


def test_wide_screen_bar_shows_every_entry_without_the_button(open_as, transactional_db, world):
    entries, _groups = entries_of(world.defender)
    page = open_as(world.defender, WIDE)
    assert not page.locator("details.navmenu > summary").is_visible()
    assert shown_nav_links(page) == entries
    for label, _url in entries:
        link = page.locator(".mainnav").get_by_role("link", name=label, exact=True)
        assert link.is_visible()
        assert_within_width(link, WIDE["width"])
    screenshot(page, "wide.png")
