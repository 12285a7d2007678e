"""The access matrix: for every view, what each role gets (role x object x view).

Each app's ``tests/<app>/test_access_matrix.py`` declares ``MATRIX``, a list of ``Entry``, and runs
``check_entry`` over it. ``tests/test_access_coverage.py`` fails when a URL exists that no
matrix names, so a new view cannot ship without its access rules being written down.

Expectations per role are HTTP status codes; ``LOGIN`` means "redirected to the login page".
Use 404 (not 403) where the object itself must not be revealed to that role.
"""

from dataclasses import dataclass, field
from typing import Callable

from django.test import Client
from django.urls import reverse

from tests.world import ROLES

LOGIN = "login"


@dataclass
class Entry:
    url_name: str
    expect: dict  # role -> status code, a tuple of acceptable codes, or LOGIN; roles not named default to ``default``
    kwargs: Callable = lambda w: {}
    method: str = "get"
    data: Callable = lambda w: {}
    default: object = 403
    note: str = ""
    id: str = field(default="")

    def __post_init__(self):
        unknown = set(self.expect) - set(ROLES)
        if unknown:
            raise ValueError(f"{self.url_name}: unknown roles {unknown}")
        self.id = self.id or f"{self.url_name}:{self.method}"

    def expected(self, role):
        if role in self.expect:
            return self.expect[role]
        if role == "anonymous":
            return LOGIN
        return self.default


def check_entry(entry: Entry, world, role: str):
    client = Client()
    user = world.users.get(role) if role != "anonymous" else None
    if user is not None:
        client.force_login(user)
    url = reverse(entry.url_name, kwargs=entry.kwargs(world))
    response = getattr(client, entry.method)(url, entry.data(world))
    expected = entry.expected(role)
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], (
            f"{role} {entry.method.upper()} {url}: expected login redirect, got {response.status_code}"
        )
    elif isinstance(expected, tuple):
        assert response.status_code in expected, (
            f"{role} {entry.method.upper()} {url}: expected one of {expected}, got {response.status_code}"
        )
    else:
        assert response.status_code == expected, (
            f"{role} {entry.method.upper()} {url}: expected {expected}, got {response.status_code}"
        )
    return response


def matrix_params(matrix):
    """pytest parameters: one per (entry, role)."""
    import pytest

    return [pytest.param(entry, role, id=f"{entry.id}-{role}") for entry in matrix for role in ROLES]
