"""A small network every access test runs against: two Advocates, two Defenders, a Coordinator,
and whatever objects each app adds (``tests/<app>/world.py``: ``extend(world)``).

The roles the access matrix checks are named here: anonymous, coordinator, advocate (owner),
other_advocate, defender (assigned) and other_defender.

Building the world takes a few hundred queries. An access-matrix module
(``tests/<app>/test_access_matrix.py``, or any module that sets ``WORLD_PER_MODULE = True``)
builds it once: in a transaction opened for the module and rolled back at its end, and each
test then runs in a savepoint inside it (pytest-django's ``db``), so what one test changes is
gone before the next. Every test gets its own copy of the Python objects. Other modules build
it for each test that asks.
"""

import copy
import os
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.db import transaction

from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

ROLES = ["anonymous", "coordinator", "advocate", "other_advocate", "defender", "other_defender"]
APPS = ["network", "locate", "cases", "billing", "visas", "abuse", "voice", "core"]


def build_world():
    w = SimpleNamespace()
    w.coordinator = make_coordinator()
    w.advocate_profile = make_advocate(first_name="Sarah", last_name="Miller")
    w.advocate = w.advocate_profile.user
    w.other_advocate_profile = make_advocate(
        organisation="Maple Legal Clinic", country="CA", first_name="Daniel", last_name="Tremblay"
    )
    w.other_advocate = w.other_advocate_profile.user
    w.defender_org = make_defender_org(
        name="Centro de Derechos Mam", country="GT", regions=("GT-13", "GT-12")
    )  # Huehuetenango, San Marcos
    w.defender = make_defender_user(w.defender_org)
    w.other_defender_org = make_defender_org(
        name="Defensoría Popular de Oaxaca", country="MX", regions=("MX-OAX",), languages=("spa", "zap")
    )
    w.other_defender = make_defender_user(w.other_defender_org, first_name="Rosa", last_name="Martínez Cruz")
    w.users = {role: getattr(w, role, None) for role in ROLES}
    for app in APPS:
        try:
            module = import_module(f"tests.{app}.world")
        except ModuleNotFoundError:
            continue
        module.extend(w)
    return w


def per_module(module) -> bool:
    """Build the world once for ``module``? ``PUENTE_WORLD_PER_TEST=1`` builds it for every test
    everywhere, to tell a test that depends on another's leftovers from a real failure."""
    if os.environ.get("PUENTE_WORLD_PER_TEST") == "1":
        return False
    return module.__name__.rsplit(".", 1)[-1] == "test_access_matrix" or getattr(module, "WORLD_PER_MODULE", False)


@pytest.fixture(scope="module")
def module_world(request, django_db_setup, django_db_blocker):
    """The world of a per-module module, in a transaction rolled back when the module ends
    (``None`` for other modules). Module-scoped, so pytest sets it up before ``db`` opens the
    first test's transaction, which then nests as a savepoint."""
    if not per_module(request.module):
        yield None
        return
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(module_world, db):
    if module_world is None:
        return build_world()
    return copy.deepcopy(module_world)
