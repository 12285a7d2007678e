"""The directory: Coordinators' edits, a Defender's own profile, filters, coverage, audit."""

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from puente.core.action_contract import ActionRefused
from puente.network import actions
from puente.network.models import Defender, Expertise, Language, Region
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user


@pytest.fixture
def coordinator(db):
    return make_coordinator()


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_coordinator_creates_defender_through_the_page(coordinator):
    client = client_for(coordinator)
    regions = Region.objects.filter(code__in=["SV-SS", "SV-LI"])
    response = client.post(reverse("network:defender_create"), {
        "name": "Centro de Defensa Laboral de Cuscatlán", "kind": "organisation", "country": "SV",
        "city": "Cojutepeque", "capacity": "5", "hourly_rate_0": "40.00", "hourly_rate_1": "USD", "status": "active",
        "regions": [r.pk for r in regions], "languages": [Language.objects.get(code="spa").pk],
        "expertise": [Expertise.objects.get(code="wage_hour").pk],
    })
    assert response.status_code == 302
    defender = Defender.objects.get(name="Centro de Defensa Laboral de Cuscatlán")
    assert set(defender.regions.values_list("code", flat=True)) == {"SV-SS", "SV-LI"}
    assert defender.hourly_rate == Money("40.00", "USD")
    entry = LogEntry.objects.get_for_object(defender).first()
    assert entry.actor == coordinator


def test_only_coordinators_save_directory_entries(db):
    defender_user = make_defender_user()
    with pytest.raises(ActionRefused) as refused:
        actions.do_save_defender(defender_user.defender, acting_user=defender_user, data={"name": "Renamed"})
    assert refused.value.refusal_code == "permission"
    defender_user.defender.refresh_from_db()
    assert defender_user.defender.name != "Renamed"


def test_defender_edits_own_profile_but_not_its_name(db):
    user = make_defender_user(make_defender_org(name="Colectivo Mam", country="GT", regions=("GT-13",)))
    client = client_for(user)
    page = client.get(reverse("network:my_profile"))
    assert page.status_code == 200
    assert "Mi perfil" in page.content.decode()  # a Defender's interface is Spanish
    data = {
        "account-first_name": "Juan Carlos", "account-last_name": "Tzoc Ajanel", "account-phone": "+502 5555 1234",
        "account-language": "es",
        "profile-city": "Huehuetenango", "profile-email": "info@colectivomam.org", "profile-phone": "+502 7764 0000",
        "profile-whatsapp": "", "profile-website": "", "profile-capacity": "6", "profile-status": "paused",
        "profile-bio": "Acompañamos a trabajadores de la Sierra de los Cuchumatanes.",
        "profile-regions": [r.pk for r in Region.objects.filter(code__in=["GT-13", "GT-12", "MX-CHP"])],
        "profile-languages": [lang.pk for lang in Language.objects.filter(code__in=["spa", "mam", "kjb"])],
        "profile-expertise": [Expertise.objects.get(code="locating_people").pk],
        # Fields a Defender may not change are ignored even when posted.
        "profile-name": "Otro nombre", "profile-hourly_rate_0": "1", "profile-hourly_rate_1": "GTQ",
    }
    response = client.post(reverse("network:my_profile"), data)
    assert response.status_code == 302
    d = Defender.objects.get(pk=user.defender_id)
    assert d.name == "Colectivo Mam" and d.hourly_rate != Money("1", "GTQ")
    assert d.capacity == 6 and d.status == "paused" and d.city == "Huehuetenango"
    assert set(d.regions.values_list("code", flat=True)) == {"GT-13", "GT-12", "MX-CHP"}
    assert set(d.languages.values_list("code", flat=True)) == {"spa", "mam", "kjb"}
    user.refresh_from_db()
    assert user.phone == "+502 5555 1234"
    entry = LogEntry.objects.get_for_object(d).filter(action=LogEntry.Action.UPDATE).first()
    assert entry.actor == user


def test_defender_switches_interface_to_english(db):
    user = make_defender_user()
    assert user.language == "es"
    client = client_for(user)
    client.post(reverse("network:account"), {"account-first_name": "Juan", "account-last_name": "Tzoc",
                                             "account-phone": "", "account-language": "en"})
    user.refresh_from_db()
    assert user.language == "en"
    assert "My account" in client.get(reverse("network:account")).content.decode()


def test_advocate_edits_own_profile_not_the_agreement(db):
    advocate = make_advocate()
    client = client_for(advocate.user)
    response = client.post(reverse("network:my_profile"), {
        "account-first_name": "Sarah", "account-last_name": "Miller", "account-phone": "", "account-language": "en",
        "profile-organisation": "Farmworker Justice Project NC", "profile-country": "US", "profile-city": "Raleigh",
        "profile-phone": "", "profile-agreement_signed_at": "2020-01-01T10:00",
    })
    assert response.status_code == 302
    advocate.refresh_from_db()
    assert advocate.organisation == "Farmworker Justice Project NC"
    assert advocate.agreement_signed_at is None


def test_coordinator_cannot_mark_the_agreement_signed(coordinator):
    """Only the Advocate signs the Advocate Agreement (issue 14, cases' agreement page): the
    directory form has no such field, and posting one changes nothing."""
    advocate = make_advocate()
    client = client_for(coordinator)
    page = client.get(reverse("network:advocate_edit", kwargs={"pk": advocate.pk})).content.decode()
    assert 'name="agreement_signed_at"' not in page and 'name="agreement_version"' not in page
    response = client.post(reverse("network:advocate_edit", kwargs={"pk": advocate.pk}), {
        "organisation": advocate.organisation, "country": "US", "city": "", "phone": "",
        "agreement_signed_at": "2026-03-02T10:30", "agreement_version": "2025-1",
    })
    assert response.status_code == 302
    advocate.refresh_from_db()
    assert not advocate.has_signed_agreement and advocate.agreement_version == ""


def test_filters(coordinator):
    mam = make_defender_org(name="Colectivo Mam", country="GT", regions=("GT-13",), languages=("spa", "mam"),
                            expertise=("locating_people",))
    oax = make_defender_org(name="Defensoría Zapoteca", country="MX", regions=("MX-OAX",), languages=("spa", "zap"),
                            expertise=("wage_hour",))
    paused = make_defender_org(name="Despacho en pausa", country="MX", regions=("MX-OAX",), status="paused",
                              languages=("spa",), expertise=())
    full = make_defender_org(name="Sin cupo", country="HN", regions=("HN-CR",), capacity=0, languages=("spa",),
                            expertise=())
    client = client_for(coordinator)

    def names(query):
        response = client.get(reverse("network:defender_list") + query)
        assert response.status_code == 200
        return {d.name for d in response.context["page"]}

    assert names("") == {mam.name, oax.name, paused.name, full.name}
    assert names("?country=MX") == {oax.name, paused.name}
    assert names(f"?region={Region.objects.get(code='MX-OAX').pk}") == {oax.name, paused.name}
    assert names(f"?language={Language.objects.get(code='mam').pk}") == {mam.name}
    assert names(f"?expertise={Expertise.objects.get(code='wage_hour').pk}") == {oax.name}
    assert names("?status=paused") == {paused.name}
    assert names("?free=on") == {mam.name, oax.name, paused.name}
    assert names("?q=zapot") == {oax.name}


def test_coverage_lists_uncovered_regions_first(coordinator):
    make_defender_org(name="A", country="GT", regions=("GT-13", "GT-12"))
    make_defender_org(name="B", country="GT", regions=("GT-13",))
    make_defender_org(name="Paused", country="GT", regions=("GT-01",), status="paused")
    response = client_for(coordinator).get(reverse("network:coverage"))
    assert response.status_code == 200
    countries = {c["code"]: c for c in response.context["countries"]}
    gt = countries["GT"]["regions"]
    counts = {r.code: r.active_defenders for r in gt}
    assert counts["GT-13"] == 2 and counts["GT-12"] == 1 and counts["GT-01"] == 0
    # None first, then ascending.
    assert [r.active_defenders for r in gt] == sorted(r.active_defenders for r in gt)
    assert gt[-1].code == "GT-13"
    uncovered = {r.code for r in response.context["uncovered"]}
    assert len(uncovered) == 103 - 2 and "GT-01" in uncovered  # a paused Defender does not cover
    assert sum(len(c["regions"]) for c in countries.values()) == 103
    body = response.content.decode()
    assert body.index('id="uncovered"') < body.index("Huehuetenango")


def test_contacts_and_conflicts(coordinator):
    org = make_defender_org()
    client = client_for(coordinator)
    client.post(reverse("network:contact_add", kwargs={"pk": org.pk}), {"name": "Petrona Cux", "position": "Directora"})
    client.post(reverse("network:conflict_add", kwargs={"pk": org.pk}),
                {"party_kind": "recruiter", "party_name": "Agencia Tierra Caliente"})
    assert org.contacts.get().name == "Petrona Cux"
    conflict = org.conflicts.get()
    page = client.get(reverse("network:defender_detail", kwargs={"pk": org.pk})).content.decode()
    assert "Petrona Cux" in page and "Agencia Tierra Caliente" in page
    client.post(reverse("network:conflict_delete", kwargs={"pk": org.pk, "conflict_pk": conflict.pk}))
    assert not org.conflicts.exists()


def test_audit_page_shows_changes(coordinator):
    org = make_defender_org(name="Colectivo Mam")
    actions.do_save_defender(org, acting_user=coordinator, data={"city": "Huehuetenango",
                                                                 "regions": list(Region.objects.filter(code="GT-12"))})
    page = client_for(coordinator).get(reverse("network:audit")).content.decode()
    assert "Huehuetenango" in page and "San Marcos" in page


def test_footer_language_switch_changes_the_account(db):
    user = make_defender_user()
    client = client_for(user)
    response = client.post(reverse("network:set_language"), {"language": "en", "next": "/network/me/"})
    assert response.status_code == 302 and response["Location"] == "/network/me/"
    user.refresh_from_db()
    assert user.language == "en"
    assert "My profile" in client.get("/network/me/").content.decode()
    # No open redirect, no unknown language.
    response = client.post(reverse("network:set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.language == "en"


def test_phone_numbers_are_checked_against_the_country(coordinator):
    org = make_defender_org(country="GT", regions=("GT-13",))
    client = client_for(coordinator)
    client.post(reverse("network:contact_add", kwargs={"pk": org.pk}), {"name": "Petrona Cux", "phone": "7764 0000"})
    assert org.contacts.get().phone == "+502 7764 0000"  # Guatemala's code added
    response = client.post(reverse("network:contact_add", kwargs={"pk": org.pk}), {"name": "Otro", "phone": "123"})
    assert org.contacts.count() == 1
    user = make_defender_user(org)
    own = client_for(user)
    page = own.get(reverse("network:my_profile"))
    form = page.context["form"]
    data = {f"profile-{k}": v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"account-first_name": "Juan", "account-last_name": "Tzoc", "account-phone": "",
                 "account-language": "es", "profile-phone": "12", "profile-regions": [r.pk for r in org.regions.all()]})
    response = own.post(reverse("network:my_profile"), data)
    assert response.status_code == 200 and "+502 5555 1234" in response.content.decode()
    assert response is not None
