"""The case page leads to billing (the Defender's report) and to the visa data (Coordinators)."""

from django.test import Client
from django.urls import reverse


def _page(user, case):
    client = Client()
    client.force_login(user)
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_assigned_defender_can_start_a_report_from_an_active_case(world):
    assert world.case.state == "active"
    html = _page(world.defender, world.case)
    assert reverse("billing:report_new", args=[world.case.pk]) in html
    assert "Informar horas y gastos" in html  # a Defender reads Spanish


def test_only_coordinators_get_the_employers_visa_history(world):
    url = reverse("visas:case_employer_history", args=[world.case.pk])
    assert url in _page(world.coordinator, world.case)
    assert url not in _page(world.advocate, world.case)
    assert url not in _page(world.defender, world.case)
    assert reverse("billing:report_new", args=[world.case.pk]) not in _page(world.advocate, world.case)
