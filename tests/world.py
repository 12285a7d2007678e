"""A small network every access test runs against: two Advocates, two Defenders, a Coordinator,
and whatever objects each app adds (``tests/<app>/world.py``: ``extend(world)``).

The roles the access matrix checks are named here: anonymous, coordinator, advocate (owner),
other_advocate, defender (assigned) and other_defender.
"""

from importlib import import_module
from types import SimpleNamespace

import pytest

from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

ROLES = ["anonymous", "coordinator", "advocate", "other_advocate", "defender", "other_defender"]
APPS = ["network", "locate", "cases", "billing", "visas", "abuse", "core"]


def build_world():
    w = SimpleNamespace()
    w.coordinator = make_coordinator()
    w.advocate_profile = make_advocate(first_name="Sarah", last_name="Miller")
    w.advocate = w.advocate_profile.user
    w.other_advocate_profile = make_advocate(organisation="Maple Legal Clinic", country="CA", first_name="Daniel", last_name="Tremblay")
    w.other_advocate = w.other_advocate_profile.user
    w.defender_org = make_defender_org(name="Centro de Derechos Mam", country="GT", regions=("GT-13", "GT-12"))  # Huehuetenango, San Marcos
    w.defender = make_defender_user(w.defender_org)
    w.other_defender_org = make_defender_org(name="Defensoría Popular de Oaxaca", country="MX", regions=("MX-OAX",), languages=("spa", "zap"))
    w.other_defender = make_defender_user(w.other_defender_org, first_name="Rosa", last_name="Martínez Cruz")
    w.users = {role: getattr(w, role, None) for role in ROLES}
    for app in APPS:
        try:
            module = import_module(f"tests.{app}.world")
        except ModuleNotFoundError:
            continue
        module.extend(w)
    return w


@pytest.fixture
def world(db):
    return build_world()
