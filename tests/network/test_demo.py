"""Demo data: realistic, spread over the five countries, and idempotent."""

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from puente.network import demo
from puente.network.models import Advocate, Defender, DefenderConflict, DefenderContact, User


def state():
    return (
        sorted(User.objects.values_list("email", "first_name", "last_name", "role", "defender__name", "password")),
        sorted((d.name, d.country, d.city, d.capacity, str(d.hourly_rate), d.status,
                tuple(sorted(d.regions.values_list("code", flat=True))),
                tuple(sorted(d.languages.values_list("code", flat=True)))) for d in Defender.objects.all()),
        sorted(Advocate.objects.values_list("user__email", "organisation", "agreement_signed_at")),
        DefenderContact.objects.count(), DefenderConflict.objects.count(), Authenticator.objects.count(),
    )


@pytest.mark.django_db
def test_demo_is_realistic_and_idempotent():
    out = io.StringIO()
    demo.load(out)
    first = state()
    defenders = Defender.objects.all()
    assert defenders.count() >= 40
    assert set(defenders.values_list("country", flat=True)) == {"MX", "GT", "SV", "HN", "NI"}
    assert {d.kind for d in defenders} == {"organisation", "individual"}
    assert Advocate.objects.count() == 30
    assert set(Advocate.objects.values_list("country", flat=True)) == {"US", "CA"}
    assert User.objects.filter(role="coordinator").count() == 3
    assert Authenticator.objects.filter(type="totp", user__role="coordinator").count() == 3
    for d in defenders:
        assert d.users.exists() and d.regions.exists()
        # Regions in or next to the Defender's country; rates in local currency.
        assert all(r.country == d.country or r.borders.filter(country=d.country).exists() for r in d.regions.all())
        assert (
            str(d.hourly_rate.currency) == {"MX": "MXN", "GT": "GTQ", "SV": "USD", "HN": "HNL", "NI": "NIO"}[d.country]
        )
    # Indigenous languages where they are spoken.
    assert Defender.objects.filter(regions__code="GT-13", languages__code="mam").exists()
    assert Defender.objects.filter(regions__code="MX-OAX", languages__code="zap").exists()
    assert Defender.objects.filter(regions__code="MX-CHP", languages__code="tzo").exists()
    assert Defender.objects.filter(regions__code="HN-GD", languages__code="miq").exists()
    assert Defender.objects.filter(regions__code="NI-AN", languages__code="miq").exists()
    assert Defender.objects.filter(regions__code="HN-AT", languages__code="cab").exists()
    names = [f"{u.first_name} {u.last_name}" for u in User.objects.all()]
    assert not any(re.search(r"\btest\b|user \d", n, re.I) for n in names)
    assert all(u.first_name and u.last_name for u in User.objects.all())
    assert User.objects.get(email="defender1@demo.puente.org").language == "es"
    assert "TOTP secret for coordinator1@demo.puente.org" in out.getvalue()

    demo.load(io.StringIO())
    assert state() == first


@pytest.mark.django_db
def test_demo_totp_command(settings):
    from allauth.mfa.totp.internal.auth import validate_totp_code

    demo.load(io.StringIO())
    with pytest.raises(CommandError):
        call_command("demo-totp", "coordinator1@demo.puente.org")  # refused without DEBUG
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo-totp", "coordinator1@demo.puente.org", stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    from allauth.mfa.adapter import get_adapter

    auth = Authenticator.objects.get(user__email="coordinator1@demo.puente.org", type="totp")
    assert validate_totp_code(get_adapter().decrypt(auth.data["secret"]), code)
    with pytest.raises(CommandError):
        call_command("demo-totp", "defender1@demo.puente.org")
