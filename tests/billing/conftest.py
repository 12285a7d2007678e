from types import SimpleNamespace

import pytest

from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

from .helpers import make_case, make_rates


@pytest.fixture
def b(db):
    """A small billing set-up: Coordinator, US Advocate, Guatemalan Defender (250 GTQ/h), a case in reporting."""
    s = SimpleNamespace()
    s.coordinator = make_coordinator()
    s.advocate = make_advocate()
    s.defender_org = make_defender_org(name="Centro de Derechos Mam", country="GT")
    s.defender = make_defender_user(s.defender_org)
    s.case = make_case(s.advocate, s.defender_org)
    make_rates()
    return s
