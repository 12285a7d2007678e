"""The suggestions panel in a real browser: loaded by htmx on the review page, a refused choice
shown in place, a choice recorded and the page sent on to the case."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from puente.cases.models import Case, CaseState, MatchRecord, Task
from puente.locate.models import Person
from puente.network.models import Language, Region
from tests.cases.helpers import sign_agreement
from tests.factories import make_advocate, make_coordinator, make_defender_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )


def test_choose_from_the_panel_on_the_review_page(page, live_server):
    huehue = Region.objects.get(name="Huehuetenango")
    first = make_defender_org(name="Centro Mam de Huehuetenango", regions=(huehue.code,), languages=("spa", "mam"))
    second = make_defender_org(name="Colectivo Jutiapa", regions=(Region.objects.get(name="Jutiapa").code,))
    advocate = make_advocate()
    sign_agreement(advocate)
    client = Person.objects.create(
        given_names="Juana",
        surname_1="Xol",
        region=huehue,
        language=Language.objects.get(code="mam"),
        speaks_spanish=False,
    )
    case = Case.objects.create(
        reference="BR-00001", advocate=advocate, client=client, claim_type="wage_hour", state=CaseState.IN_REVIEW
    )
    Task.objects.create(case=case, kind="declaration")
    login(page, live_server, make_coordinator())

    page.goto(f"/cases/{case.pk}/review/")
    suggestions = page.locator(".match-suggestion")
    suggestions.first.wait_for()
    assert suggestions.count() == 2
    assert first.name in suggestions.nth(0).inner_text()
    assert "speaks Mam" in suggestions.nth(0).inner_text()

    # The second suggestion needs a reason: the browser asks for it before sending anything.
    other = suggestions.nth(1)
    other.get_by_role("button").click()
    assert other.locator("textarea").evaluate("el => el.validity.valueMissing")
    assert page.url.endswith(f"/cases/{case.pk}/review/")

    other.locator("textarea").fill("La familia vive ahora en Jutiapa")
    other.get_by_role("button").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    record = MatchRecord.objects.get(case=case)
    assert record.chosen == second and record.chosen_rank == 2
    assert record.note == "La familia vive ahora en Jutiapa"
