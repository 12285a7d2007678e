import pytest


@pytest.fixture(autouse=True)
def fresh_index():
    """The search index is per process; each test starts from the database it builds."""
    from django.utils import translation

    from puente.locate.search import reset_index

    # Views activate the user's language in this thread; tests read English unless they sign in.
    translation.activate("en")
    reset_index()
    yield
    reset_index()
