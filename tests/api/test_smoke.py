import pytest

from tests.api.helpers import make_token, token_client
from tests.factories import make_coordinator

pytestmark = pytest.mark.django_db


def test_schema_and_visas_public(client):
    r = client.get("/api/v1/schema/?format=json")
    assert r.status_code == 200, r.content[:500]
    r = client.get("/api/v1/visas/employers/")
    assert r.status_code == 200, r.content
    assert r.json()["count"] == 0


def test_directory_with_token():
    c = make_coordinator()
    _t, secret = make_token(c)
    r = token_client(secret).get("/api/v1/directory/defenders/")
    assert r.status_code == 200, r.content


def test_the_document_speaks_english_and_spanish(client):
    en = client.get("/api/v1/schema/?format=json").json()
    es = client.get("/api/v1/schema/?format=json&lang=es").json()
    assert en["paths"]["/api/v1/cases/"]["get"]["description"].startswith("Cases the user takes part in")
    assert es["paths"]["/api/v1/cases/"]["get"]["description"].startswith("Los casos en los que participa")
    assert es["components"]["securitySchemes"]["tokenAuth"]["description"].startswith("Un token de acceso personal")
