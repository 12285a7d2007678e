"""The search page in a real browser: results appear while typing (htmx), with reasons."""

import pytest
from django.conf import settings
from django.test import Client

from puente.locate import actions
from tests.factories import make_coordinator

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_search_as_you_type(page, live_server):
    coordinator = make_coordinator()
    actions.do_create_person(
        acting_user=coordinator,
        given_names="José",
        surname_1="Hernández",
        surname_2="López",
        birth_date="1984-07-12",
        country="MX",
        consent_to_search=True,
    )
    actions.do_create_person(
        acting_user=coordinator,
        given_names="Juan Carlos",
        surname_1="Hernández",
        surname_2="López",
        birth_date="1987-02-03",
        country="MX",
        consent_to_search=True,
    )
    client = Client()
    client.force_login(coordinator)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto("/people/")
    page.fill("input[name=q]", "pepe ernandes lopes")
    page.wait_for_selector("#results table")
    rows = page.locator("#results tbody tr")
    assert "José Hernández López" in rows.first.inner_text()
    assert "nickname Pepe = José" in rows.first.inner_text()
    # No navigation happened: the results came as a partial, and the URL follows the query.
    assert "q=pepe" in page.url
