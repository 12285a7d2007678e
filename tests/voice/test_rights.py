import pytest
from django.test import Client
from django.urls import reverse

from puente.core.action_contract import ActionRefused
from puente.voice import actions

pytestmark = pytest.mark.django_db


def test_coordinator_writes_a_rights_page_shown_in_both_languages(world):
    client = Client()
    client.force_login(world.coordinator)
    response = client.post(reverse("voice:rights_edit", kwargs={"visa": "a3g5"}),
                           {"body_es": "Su pasaporte es suyo.", "body_en": "Your passport is yours."})
    assert response.status_code == 302
    public = Client()
    assert "Su pasaporte es suyo." in public.get(reverse("voice:rights_visa", kwargs={"lang": "es", "visa": "a3g5"}))\
        .content.decode()
    english = public.get(reverse("voice:rights_visa", kwargs={"lang": "en", "visa": "a3g5"})).content.decode()
    assert "Your passport is yours." in english and "A-3/G-5" in english
    index = public.get(reverse("voice:rights", kwargs={"lang": "es"})).content.decode()
    assert "A-3/G-5" in index and "J-1" in index


def test_both_languages_required_and_only_coordinators(world):
    with pytest.raises(ActionRefused):
        actions.do_save_rights_page("b1", acting_user=world.coordinator, body_es="Algo", body_en="")
    with pytest.raises(ActionRefused):
        actions.do_save_rights_page("b1", acting_user=world.defender, body_es="a", body_en="b")
