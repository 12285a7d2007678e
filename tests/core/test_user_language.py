from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import make_defender_user


def test_a_defenders_request_is_in_spanish_and_leaves_the_thread_as_it_was(db):
    defender = make_defender_user()
    assert defender.language == "es"
    client = Client()
    client.force_login(defender)
    with translation.override("en"):
        response = client.get(reverse("network:my_profile"))
        assert response.status_code == 200
        assert response["Content-Language"] == "es"
        assert 'lang="es"' in response.content.decode()
        # The user's language applied to that request only.
        assert translation.get_language() == "en"
