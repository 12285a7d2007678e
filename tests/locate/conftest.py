import pytest


@pytest.fixture(autouse=True)
def fresh_index():
    """The search index is per process; each test starts from the database it builds."""
    from puente.locate.search import reset_index

    reset_index()
    yield
    reset_index()
