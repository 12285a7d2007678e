import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_by_default():
    """Requests in the test client activate the user's language in this thread and leave it
    active; start every test in English so that messages compared in tests are predictable."""
    translation.activate("en")
    yield
    translation.deactivate()
