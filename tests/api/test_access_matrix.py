"""Who may call each API endpoint (tests/access.py's conventions): every endpoint, every role,
through the browser's session and through a personal access token with every scope. Another
party's object is a 404, an endpoint the role may not use at all a 403, no credentials a 401.

One test per entry, one world per test: a GET changes nothing, and for a POST the roles that are
refused are checked before the ones that succeed, so each role meets the world as it was built.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tests.access import LOGIN, Entry
from tests.api.helpers import make_token, token_client
from tests.world import ROLES

ANON = 401
ALL_SIGNED_IN = ["coordinator", "advocate", "other_advocate", "defender", "other_defender"]


def everyone(code=200):
    return {role: code for role in ROLES}


def signed_in(code=200, **overrides):
    return {"anonymous": ANON, **{r: code for r in ALL_SIGNED_IN}, **overrides}


def only(anonymous=ANON, **codes):
    return {"anonymous": anonymous, **codes}


PARTIES = only(coordinator=200, advocate=200, defender=200, other_advocate=404, other_defender=404)
REPORTERS = only(coordinator=200, defender=200, other_defender=200)
INVOICE_READERS = only(coordinator=200, advocate=200, other_advocate=200)
PROJECT_READERS = only(coordinator=200, defender=200, other_defender=200)


def pk(name, attr="pk"):
    return lambda w: {attr: getattr(w, name).pk}


def _pfif_file(w):
    from puente.api import pfif

    person = w.locate_person
    return {
        "file": SimpleUploadedFile("feed.xml", pfif.export([person], {}), content_type="application/xml"),
        "project_name": "Imported",
    }


def _own_token(w):
    return {"pk": make_token(w.advocate, name="to revoke")[0].pk}


MATRIX = [
    # the document and its browsable form: public
    Entry("api:schema", expect=everyone()),
    Entry("api:docs", expect=everyone()),
    # visa data: public, read-only
    Entry("api:visa-employer-list", expect=everyone()),
    Entry("api:visa-employer-detail", kwargs=pk("visa_employer"), expect=everyone()),
    Entry("api:visa-years", expect=everyone()),
    Entry("api:visa-statistics", expect=everyone()),
    # directory: Coordinators
    Entry("api:defender-list", expect=only(coordinator=200)),
    Entry("api:defender-detail", kwargs=pk("defender_org"), expect=only(coordinator=200)),
    Entry("api:advocate-list", expect=only(coordinator=200)),
    Entry("api:advocate-detail", kwargs=pk("advocate_profile"), expect=only(coordinator=200)),
    # cases
    Entry("api:case-list", expect=signed_in()),
    Entry(
        "api:case-list",
        method="post",
        id="case-request",
        data=lambda w: {
            "client": {"given_names": "Pedro", "surname_1": "Chuc", "country": "GT"},
            "case": {"claim_type": "wage_hour", "summary": "Unpaid overtime, 2025 season."},
            "tasks": [{"kind": "locate"}],
        },
        expect=only(advocate=201, other_advocate=201),
    ),
    Entry("api:case-detail", kwargs=pk("case"), expect=PARTIES),
    Entry(
        "api:case-detail",
        kwargs=pk("submitted_case"),
        id="case-unassigned",
        expect=only(coordinator=200, advocate=200, defender=404, other_advocate=404, other_defender=404),
    ),
    Entry("api:case-messages", kwargs=pk("case"), expect=PARTIES),
    Entry(
        "api:case-messages",
        kwargs=pk("case"),
        method="post",
        id="message-post",
        data=lambda w: {"body": "¿Hay novedades?"},
        expect=only(coordinator=201, advocate=201, defender=201, other_advocate=404, other_defender=404),
    ),
    Entry("api:case-contract-versions", kwargs=pk("case"), expect=PARTIES),
    # every party has signed the active case's contract: the refusal is the action's (409)
    Entry(
        "api:case-sign",
        kwargs=pk("case"),
        method="post",
        data=lambda w: {"typed_name": "X", "accepted": True, "sha256": w.case.contract_versions.last().sha256},
        expect=only(coordinator=409, advocate=409, defender=409, other_advocate=404, other_defender=404),
    ),
    Entry("api:task-list", expect=signed_in()),
    Entry("api:task-detail", kwargs=pk("task"), expect=PARTIES),
    Entry(
        "api:task-set-status",
        kwargs=pk("task"),
        method="post",
        data=lambda w: {"status": "in_progress"},
        expect=only(coordinator=200, defender=200, advocate=403, other_advocate=404, other_defender=404),
    ),
    Entry("api:attachment-detail", kwargs=pk("attachment"), expect=PARTIES),
    # billing: reports for Defenders (and Coordinators), invoices for Advocates (and Coordinators)
    Entry("api:time-report-list", expect=REPORTERS),
    Entry(
        "api:time-report-list",
        method="post",
        id="report-new",
        data=lambda w: {"case": w.billing_case.pk},
        expect=only(defender=201, other_defender=400),
    ),
    Entry(
        "api:time-report-detail", kwargs=pk("report"), expect=only(coordinator=200, defender=200, other_defender=404)
    ),
    Entry(
        "api:time-report-add-entry",
        kwargs=pk("draft_report"),
        method="post",
        data=lambda w: {"date": "2026-02-10", "hours": "1.50", "description": "Visita a la familia"},
        expect=only(defender=201, other_defender=404),
    ),
    Entry(
        "api:time-report-add-expense",
        kwargs=pk("draft_report"),
        method="post",
        data=lambda w: {"date": "2026-02-10", "category": "copies", "amount": "12.00", "currency": "GTQ"},
        expect=only(defender=201, other_defender=404),
    ),
    Entry(
        "api:time-report-submit",
        kwargs=pk("draft_report"),
        method="post",
        expect=only(defender=200, other_defender=404),
    ),
    Entry(
        "api:time-report-receipt",
        kwargs=pk("expense", "expense_pk"),
        expect=only(coordinator=200, defender=200, other_defender=404),
    ),
    Entry("api:invoice-list", expect=INVOICE_READERS),
    Entry("api:invoice-detail", kwargs=pk("invoice"), expect=only(coordinator=200, advocate=200, other_advocate=404)),
    Entry("api:payment-list", expect=INVOICE_READERS),
    Entry("api:payment-detail", kwargs=pk("payment"), expect=only(coordinator=200, advocate=200, other_advocate=404)),
    # people and reunification
    Entry("api:person-detail", kwargs=pk("locate_person"), expect=PARTIES),
    Entry("api:person-search", data=lambda w: {"q": "Lupe Tzoc"}, expect=REPORTERS),
    Entry("api:pfif-export", expect=only(coordinator=200)),
    Entry("api:pfif-import", method="post", data=_pfif_file, expect=only(coordinator=201)),
    Entry("api:project-list", expect=PROJECT_READERS),
    Entry("api:project-detail", kwargs=pk("locate_project"), expect=PROJECT_READERS),
    Entry("api:project-people", kwargs=pk("locate_project"), expect=PROJECT_READERS),
    Entry("api:project-pfif", kwargs=pk("locate_project"), expect=only(coordinator=200)),
    Entry("api:entry-list", expect=PROJECT_READERS),
    Entry(
        "api:entry-detail", kwargs=pk("locate_entry"), expect=only(coordinator=200, defender=200, other_defender=404)
    ),
    Entry(
        "api:entry-attempts", kwargs=pk("locate_entry"), expect=only(coordinator=200, defender=200, other_defender=404)
    ),
    Entry(
        "api:entry-attempts",
        kwargs=pk("locate_entry"),
        method="post",
        id="attempt-new",
        data=lambda w: {"date": "2026-01-15", "method": "phone", "result": "no_answer"},
        expect=only(coordinator=201, defender=201, other_defender=404),
    ),
    # abuse
    Entry("api:abuse-report-list", expect=signed_in()),
    Entry(
        "api:abuse-report-list",
        method="post",
        id="abuse-report-new",
        data=lambda w: {"recruiter_names": ["Enganchadores del Valle"], "programme": "H-2B"},
        expect=signed_in(201),
    ),
    Entry(
        "api:abuse-report-detail",
        kwargs=pk("abuse_report"),
        expect=only(coordinator=200, defender=200, advocate=404, other_advocate=404, other_defender=404),
    ),
    Entry("api:recruiter-list", expect=signed_in()),
    Entry("api:recruiter-detail", kwargs=pk("recruiter"), expect=signed_in()),
    # the account page for tokens (a web page: anonymous -> login)
    Entry("tokens:list", expect={"anonymous": LOGIN, **{r: 200 for r in ALL_SIGNED_IN}}),
    Entry(
        "tokens:revoke",
        kwargs=_own_token,
        method="post",
        expect={
            "anonymous": LOGIN,
            "advocate": 302,
            "coordinator": 404,
            "other_advocate": 404,
            "defender": 404,
            "other_defender": 404,
        },
    ),
]


def _expected(entry, role):
    return entry.expected(role)


def _request(client, entry, url, data):
    if entry.method == "get":
        return client.get(url, data)
    if any(hasattr(v, "read") for v in data.values()):
        return client.post(url, data, format="multipart")
    return client.post(url, json.dumps(data), content_type="application/json")


def _order(entry):
    """Refused roles first, so that the world is unchanged when the successful ones call."""
    return sorted(ROLES, key=lambda r: (_expected(entry, r) in (200, 201, 302), r))


def _check(entry, world, role, auth):
    if auth == "token" and (entry.url_name.startswith("tokens:") or role == "anonymous"):
        return
    user = world.users.get(role)
    if auth == "token":
        _token, secret = make_token(user)
        client = token_client(secret)
    else:
        client = APIClient()
        if user is not None:
            client.force_login(user)
    url = reverse(entry.url_name, kwargs=entry.kwargs(world))
    response = _request(client, entry, url, entry.data(world))
    expected = _expected(entry, role)
    where = f"{auth} {role} {entry.method.upper()} {url}"
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], where
    else:
        body = response.content[:300] if response.status_code != expected else b""
        assert response.status_code == expected, f"{where}: expected {expected}, got {response.status_code} {body!r}"
        if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
            assert set(response.json()) == {"error"}, where  # the one error shape


@pytest.mark.parametrize("entry", MATRIX, ids=[e.id for e in MATRIX])
@pytest.mark.parametrize("auth", ["session", "token"])
def test_access(entry, auth, world):
    for role in _order(entry):
        _check(entry, world, role, auth)
