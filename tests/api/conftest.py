import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache(django_db_blocker):
    """Rate-limit counters and used TOTP codes live in the cache (the database cache, or memory);
    each test starts without them (the database is rolled back between tests, so ids and codes
    repeat)."""
    with django_db_blocker.unblock():
        cache.clear()
    yield
    with django_db_blocker.unblock():
        cache.clear()
