import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and used TOTP codes live in the cache; each test starts without them
    (the database is rolled back between tests, so ids and codes repeat)."""
    cache.clear()
    yield
    cache.clear()
