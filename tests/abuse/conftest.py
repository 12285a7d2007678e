import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """A Defender's request activates Spanish in the thread and leaves it there; start each test in English."""
    with translation.override("en"):
        yield
