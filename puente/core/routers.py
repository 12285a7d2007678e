"""Read replicas for the public visa pages (off unless ``PUENTE_REPLICA_DATABASE_URL`` is set).

The public visa pages (``@public`` views of the ``visas`` app: DOL disclosure data anyone may
read) are the read-heavy, anonymous part of Puente. With a replica configured,
:class:`ReplicaMiddleware` marks such a request and :class:`ReplicaRouter` sends its reads to
the ``replica`` database; everything else, and every write, stays on ``default``. A replica
lags the primary by a little: only data that is public and imported in bulk is read from it, so a
page that is a few seconds stale shows nothing wrong and nothing private.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
REPLICA_APPS = frozenset({"visas"})

_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("puente_use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads of the visa models inside go to the replica (when one is configured)."""
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    """Reads of the visa models go to the replica while a public visa page is served."""

    def db_for_read(self, model, **hints):
        if _use_replica.get() and model._meta.app_label in REPLICA_APPS and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as default: objects from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is a copy made by PostgreSQL's replication: never migrated by Django.
        return db != REPLICA


class ReplicaMiddleware:
    """Marks the public pages of the apps in ``REPLICA_APPS`` so that their reads use the replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if (replica_configured() and request.method in ("GET", "HEAD") and getattr(view_func, "is_public", False)
                and match is not None and match.app_name in REPLICA_APPS):
            with reading_from_replica():
                return view_func(request, *view_args, **view_kwargs)
        return None
