"""Agent pages after a merge (public) and the Coordinators' agent review list."""

import pytest
from django.test import Client
from django.urls import reverse

from puente.visas import actions
from puente.visas.models import AgentMerge, AgentMergeReview, VisaCase
from tests.factories import make_coordinator, make_defender_user

from .test_resolve_agents import employers, make_agent


@pytest.fixture
def farm_labor(db):
    """Two spellings of one recruiter, each with its own rows, not merged yet."""
    growers = employers("ALPHA FARM", "BETA ORCHARD")
    kept = make_agent("FARM LABOR SERVICES INC", growers)
    other = make_agent("FARM LABOUR SERVICES, INC.", growers[:1], fiscal_year=2014)
    return kept, other


def coordinator_client(language=""):
    coordinator = make_coordinator()
    if language:
        coordinator.language = language
        coordinator.save(update_fields=["language"])
    client = Client()
    client.force_login(coordinator)
    return client


def test_public_pages_and_search_show_the_merged_agent(farm_labor):
    kept, other = farm_labor
    actions.do_merge_agents(kept, other, acting_user=None, probability=0.98, automatic=True)
    client = Client()
    # The merged agent's page sends to the survivor, which shows the rows and names of both.
    response = client.get(reverse("visas:agent", args=[other.pk]))
    assert response.status_code == 302 and response.url == reverse("visas:agent", args=[kept.pk])
    html = client.get(response.url).content.decode()
    assert "3 applications" in html
    for text in ("FARM LABOUR SERVICES, INC.", "ALPHA FARM", "BETA ORCHARD", "98&nbsp;%"):
        assert text in html, text
    names = client.get(reverse("visas:agent", args=[kept.pk]), {"format": "json", "table": "names"}).json()["rows"]
    assert sorted(n["name"] for n in names) == ["FARM LABOR SERVICES INC", "FARM LABOUR SERVICES, INC."]
    cases = client.get(reverse("visas:agent", args=[kept.pk]), {"format": "json"}).json()["rows"]
    assert len(cases) == 3
    # Either spelling finds the one agent, with the positions of both.
    for q in ("farm labour", "farm labor"):
        found = client.get(reverse("visas:search"), {"q": q, "kind": "agent", "format": "json"}).json()["results"]
        assert [(r["id"], r["positions_certified"]) for r in found] == [(kept.pk, 15)], q


def test_coordinator_confirms_a_pair_then_undoes_the_merge(farm_labor):
    kept, other = farm_labor
    review = AgentMergeReview.objects.create(left=other, right=kept, probability=0.7)
    client = coordinator_client()
    html = client.get(reverse("visas:agent_reviews")).content.decode()
    assert "FARM LABOUR SERVICES, INC." in html and "70&nbsp;%" in html and "1 application" in html
    client.post(reverse("visas:agent_review_decide", args=[review.pk]), {"decision": "confirm"})
    review.refresh_from_db()
    other.refresh_from_db()
    assert review.state == "confirmed" and other.merged_into == kept  # more rows: kept survives
    assert set(VisaCase.objects.filter(agent__isnull=False).values_list("agent_id", flat=True)) == {kept.pk}
    merge = AgentMerge.objects.get()
    assert "Undo" in client.get(reverse("visas:agent_reviews")).content.decode()
    response = client.post(reverse("visas:agent_merge_undo", args=[merge.pk]), follow=True)
    assert "Merge undone" in response.content.decode()
    other.refresh_from_db()
    assert other.merged_into is None
    assert VisaCase.objects.filter(agent=other).count() == 1 and VisaCase.objects.filter(agent=kept).count() == 2
    # Undoing twice says why, and changes nothing.
    response = client.post(reverse("visas:agent_merge_undo", args=[merge.pk]), follow=True)
    assert "already undone" in response.content.decode()


def test_reject_keeps_apart_and_only_coordinators_decide(farm_labor):
    kept, other = farm_labor
    review = AgentMergeReview.objects.create(left=other, right=kept, probability=0.5)
    defender = Client()
    defender.force_login(make_defender_user())
    url = reverse("visas:agent_review_decide", args=[review.pk])
    assert defender.post(url, {"decision": "confirm"}).status_code == 403
    assert defender.get(reverse("visas:agent_reviews")).status_code == 403
    client = coordinator_client()
    assert client.post(reverse("visas:agent_review_decide", args=[review.pk]), {"decision": "maybe"}).status_code == 400
    response = client.post(reverse("visas:agent_review_decide", args=[review.pk]), {"decision": "reject"}, follow=True)
    assert "will not be proposed again" in response.content.decode()
    review.refresh_from_db()
    assert review.state == "rejected" and not AgentMerge.objects.exists()
    response = client.post(reverse("visas:agent_review_decide", args=[review.pk]), {"decision": "confirm"}, follow=True)
    assert "already decided" in response.content.decode() and not AgentMerge.objects.exists()


def test_agent_review_page_in_spanish(farm_labor):
    kept, other = farm_labor
    AgentMergeReview.objects.create(left=other, right=kept, probability=0.5)
    client = coordinator_client(language="es")
    html = client.get(reverse("visas:agent_reviews")).content.decode()
    assert "Fusiones de agentes" in html and "Mismo agente" in html
    html = Client(HTTP_ACCEPT_LANGUAGE="es").get(reverse("visas:agent", args=[kept.pk])).content.decode()
    assert "Nombres tal como se presentaron" in html


def test_review_list_shows_pairs_as_the_agents_they_now_stand_for(farm_labor):
    kept, other = farm_labor
    third = make_agent("FARM LABOR SERVICES OF GEORGIA", employers("GAMMA FARM", state="GA"))
    moot = AgentMergeReview.objects.create(left=other, right=kept, probability=0.6)
    moved = AgentMergeReview.objects.create(left=other, right=third, probability=0.4)
    actions.do_merge_agents(kept, other, acting_user=None, probability=0.97, automatic=True)
    client = coordinator_client()
    html = client.get(reverse("visas:agent_reviews")).content.decode()
    # "other" is now part of "kept": the first pair is moot, the second is kept ~ third.
    assert reverse("visas:agent_review_decide", args=[moot.pk]) not in html
    assert reverse("visas:agent_review_decide", args=[moved.pk]) in html
    assert f'href="{reverse("visas:agent", args=[other.pk])}"' not in html
    assert f'href="{reverse("visas:agent", args=[kept.pk])}"' in html and "To review (1)" in html
