"""Builders for the objects tests need, with real-looking names. Fixtures wrap them."""

import itertools

import pytest
from djmoney.money import Money

from puente.core.roles import Role

_seq = itertools.count(1)
PASSWORD = "puente-test-pass-2026"


def make_user(role, email=None, first_name="Ana", last_name="Hernández", password=PASSWORD, **extra):
    from puente.network.models import User

    n = next(_seq)
    return User.objects.create_user(
        email=email or f"{role}{n}@example.org", password=password, role=role,
        first_name=first_name, last_name=last_name, **extra,
    )


def enable_totp(user):
    """Give a Coordinator an active TOTP authenticator, as if they had set it up."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def make_coordinator(**kw):
    user = make_user(
        Role.COORDINATOR, first_name=kw.pop("first_name", "Lucía"), last_name=kw.pop("last_name", "Ramírez Soto"), **kw
    )
    enable_totp(user)
    return user


def make_defender_org(
    name=None, country="GT", regions=("GT-13",), languages=("spa", "mam"), expertise=("evidence",), **kw
):
    from puente.network.models import Defender, Expertise, Language, Region

    n = next(_seq)
    defender = Defender.objects.create(
        name=name or f"Colectivo Defensa Laboral {n}",
        country=country,
        hourly_rate=kw.pop("hourly_rate", Money("250.00", "GTQ" if country == "GT" else "MXN")),
        **kw,
    )
    defender.regions.set(Region.objects.filter(code__in=regions))
    defender.languages.set(Language.objects.filter(code__in=languages))
    defender.expertise.set(Expertise.objects.filter(code__in=expertise))
    return defender


def make_defender_user(defender=None, **kw):
    defender = defender or make_defender_org()
    return make_user(
        Role.DEFENDER,
        defender=defender,
        first_name=kw.pop("first_name", "Juan Carlos"),
        last_name=kw.pop("last_name", "Tzoc Ajanel"),
        **kw,
    )


def make_advocate(organisation="Farmworker Justice Project", country="US", **kw):
    from puente.network.models import Advocate

    user = make_user(
        Role.ADVOCATE, first_name=kw.pop("first_name", "Sarah"), last_name=kw.pop("last_name", "Miller"), **kw
    )
    return Advocate.objects.create(user=user, organisation=organisation, country=country)


@pytest.fixture
def coordinator(db):
    return make_coordinator()


@pytest.fixture
def defender_user(db):
    return make_defender_user()


@pytest.fixture
def advocate(db):
    return make_advocate()


__all__ = ["coordinator", "defender_user", "advocate"]
