"""The navigation's entries, grouped by app for the phone menu (puente.core.context_processors)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from puente.core.context_processors import NAV_GROUPS, navigation


def nav_for(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    return navigation(request)


@pytest.mark.parametrize("role", ["coordinator", "advocate", "defender"])
def test_groups_hold_every_entry_once_in_the_bars_order(world, role):
    nav = nav_for(getattr(world, role))
    flat = [item for group in nav["nav_groups"] for item in group["items"]]
    assert flat == nav["nav_items"] and len(flat) >= 3
    urls = [item["url"] for item in flat]
    assert len(urls) == len(set(urls))
    assert all(group["items"] for group in nav["nav_groups"])  # no empty group
    order = [str(label) for _app, label in NAV_GROUPS]
    labels = [str(group["label"]) for group in nav["nav_groups"]]
    assert labels == sorted(labels, key=order.index)


def test_a_defenders_groups_in_spanish(world):
    with translation.override("es"):
        nav = nav_for(world.defender)
        groups = {str(g["label"]): [str(i["label"]) for i in g["items"]] for g in nav["nav_groups"]}
    assert groups["Casos"] == ["Mis asignaciones", "Notificaciones"]
    assert groups["Facturación y pagos"] == ["Mis informes", "Mis pagos"]
    assert groups["Red"] == ["Mi perfil"]
    assert "Administración" not in groups  # a Defender has no administration page


def test_the_current_page_is_marked(world):
    url = reverse("billing:payout_list")
    nav = nav_for(world.defender, url)
    assert [item["url"] for item in nav["nav_items"] if item["current"]] == [url]


def test_a_page_two_apps_list_is_one_entry(world, monkeypatch):
    from puente.visas import nav as visas_nav

    monkeypatch.setattr(
        visas_nav, "items", lambda user: [("Again", "cases:notifications"), ("Visa data", "visas:search")]
    )
    nav = nav_for(world.defender)
    urls = [item["url"] for item in nav["nav_items"]]
    assert urls.count(reverse("cases:notifications")) == 1
    visas = next(g for g in nav["nav_groups"] if str(g["label"]) == "H-2 visas")
    assert [str(i["label"]) for i in visas["items"]] == ["Visa data"]


def test_no_navigation_for_an_anonymous_visitor(db):
    assert nav_for(AnonymousUser()) == {}
