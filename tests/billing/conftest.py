from decimal import Decimal
from types import SimpleNamespace

import pytest

from puente.billing.models import BillingSettings
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

from .helpers import make_case, make_rates


def set_settings(percent="10.00", flat_usd="25.00", flat_cad="30.00"):
    config = BillingSettings.load()
    config.charge_percent, config.charge_flat_usd, config.charge_flat_cad = (
        Decimal(percent),
        Decimal(flat_usd),
        Decimal(flat_cad),
    )
    config.save()


@pytest.fixture
def b(db):
    """A small billing set-up: Coordinator, US Advocate, Guatemalan Defender (250 GTQ/h), a case in
    reporting whose contract (version 1: GTQ 250 an hour, a 10 % fee and USD 25 a case, from the
    settings at the time) all three parties signed on 2026-01-15."""
    s = SimpleNamespace()
    set_settings()
    s.coordinator = make_coordinator()
    s.advocate = make_advocate()
    s.defender_org = make_defender_org(name="Centro de Derechos Mam", country="GT")
    s.defender = make_defender_user(s.defender_org)
    s.case = make_case(s.advocate, s.defender_org, coordinator=s.coordinator, defender_user=s.defender)
    make_rates()
    return s
