import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _check(**params):
    return Client().get(reverse("voice:check", kwargs={"lang": "es"}), params)


def test_certified_employer_with_spelling_mistakes(world):
    response = _check(name="North Carolin Grower Asociation", state="NC")
    html = response.content.decode()
    result = response.context["result"]
    assert [j.workers for j in result.jobs] == [270]
    assert "270" in html and "11,27" in html and "AGWORKS" in html
    assert "Departamento del Trabajo" in html and "pasaporte" in html


def test_season_and_state_narrow_the_answer(world):
    assert not _check(name="North Carolina Growers", state="PA").context["result"].jobs


def test_debarred_employer(world):
    html = _check(name="Smith Farms").content.decode()
    assert "SMITH FARMS LLC" in html and "sancion" in html.lower()


def test_no_match(world):
    response = _check(name="Hongos Fantasma de Pensilvania", state="PA", work="mushroom")
    assert not response.context["result"].found
    assert "No encontramos" in response.content.decode()


def test_never_shows_unreviewed_reports(world):
    # world.worker_report names "Don Chuy" and is not reviewed.
    response = _check(name="Don Chuy")
    html = response.content.decode()
    assert response.context["result"].recruiter_reports == 0
    assert "denuncias de abuso revisadas" not in html and "Me cobró" not in html and "Smith" not in html


def test_page_weight_under_50_kb(world):
    for name in ("landing", "check", "report", "add", "rights"):
        response = Client().get(reverse(f"voice:{name}", kwargs={"lang": "es"}))
        assert len(response.content) < 50_000, name
    assert len(_check(name="North Carolina Growers").content) < 50_000


def test_the_check_is_rate_limited_per_source(world):
    from django.core.cache import cache

    from puente.voice import guard

    cache.clear()
    client = Client()
    url = reverse("voice:check", kwargs={"lang": "es"})
    for _ in range(guard.CHECK_LIMIT):
        assert "Demasiadas preguntas" not in client.get(url, {"name": "Growers"}).content.decode()
    assert "Demasiadas preguntas" in client.get(url, {"name": "Growers"}).content.decode()


def test_a_long_name_searches_at_most_eight_words(world):
    from puente.voice import jobcheck

    assert len(jobcheck._tolerant(" ".join(f"palabra{i}" for i in range(60))).split()) == jobcheck.MAX_WORDS
