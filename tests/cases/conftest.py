import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request by a Spanish-speaking user leaves Spanish active in the thread
    (UserLanguageMiddleware activates without deactivating); start every test in English."""
    translation.activate("en")
    yield
    translation.activate("en")
