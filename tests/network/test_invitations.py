"""Invitations, account deactivation and password reset."""

import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from puente.core.action_contract import ActionRefused
from puente.core.roles import Role
from puente.network import actions
from puente.network.models import Advocate, Invitation, User
from puente.network.tokens import InvitationTokenGenerator
from tests.factories import PASSWORD, make_coordinator, make_defender_org, make_defender_user

NEW_PASSWORD = "cuaderno-azul-7319"


def committed(action, *args, **kwargs):
    """Run an action with its after-commit side effects (the invitation email) carried out, as
    they are when a request's transaction commits (a test's transaction never does)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return action(*args, **kwargs)


def _link(message):
    return re.search(r"https?://\S+/network/invitation/\S+/", message.body).group(0)


def _path(link):
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _accept(client, link, password=NEW_PASSWORD):
    response = client.get(_path(link))
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")
    form_url = response["Location"]
    assert client.get(form_url).status_code == 200
    return client.post(form_url, {"new_password1": password, "new_password2": password})


@pytest.fixture
def coordinator(db):
    return make_coordinator()


def test_invite_defender_sends_spanish_one_time_link(coordinator, settings):
    settings.PUENTE_BASE_URL = "https://puente.example"  # emails carry absolute links built from it
    org = make_defender_org(name="Colectivo Mam por la Justicia", country="GT", regions=("GT-13",))
    invitation = committed(actions.do_invite, acting_user=coordinator, email="Maria.Tzoc@Example.org",
                           first_name="María", last_name="Tzoc Cux", role=Role.DEFENDER, defender=org)
    user = invitation.user
    assert user.email == "maria.tzoc@example.org" and user.defender == org and user.language == "es"
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria.tzoc@example.org"]
    assert "Puente" in message.subject and "invita" in message.subject.lower()  # Spanish for a Defender
    link = _link(message)
    assert link.startswith("https://puente.example/network/invitation/")

    client = Client()
    response = _accept(client, link)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    # Landed logged in, as the invitee.
    assert int(client.session["_auth_user_id"]) == user.pk
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    # The link is spent: a second use finds nothing and sets nothing.
    other = Client()
    response = other.get(_path(link), follow=True)
    assert response.status_code == 404
    assert "_auth_user_id" not in other.session


def test_invite_advocate_creates_profile(coordinator):
    invitation = committed(actions.do_invite, acting_user=coordinator, email="sarah@fjp.org", first_name="Sarah",
                           last_name="Miller", role=Role.ADVOCATE, organisation="Farmworker Justice Project",
                           advocate_country="US")
    assert Advocate.objects.get(user=invitation.user).organisation == "Farmworker Justice Project"
    assert invitation.user.language == "en"
    assert "invited" in mail.outbox[0].subject.lower()


def test_expired_link_does_not_work(coordinator, monkeypatch):
    invitation = committed(
        actions.do_invite,
        acting_user=coordinator,
        email="late@example.org",
        first_name="Ana",
        last_name="Pérez",
        role=Role.ADVOCATE,
        organisation="Clinic",
    )
    link = _link(mail.outbox[0])
    later = InvitationTokenGenerator._now(InvitationTokenGenerator()) + timedelta(days=15)
    monkeypatch.setattr(InvitationTokenGenerator, "_now", lambda self: later)
    client = Client()
    client.get(_path(link))
    response = client.get(
        reverse("network:accept_invitation", kwargs={"uidb64": _path(link).split("/")[3], "token": "set-password"})
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_resend_replaces_the_old_link(coordinator):
    first = committed(
        actions.do_invite,
        acting_user=coordinator,
        email="twice@example.org",
        first_name="Ana",
        last_name="Pérez",
        role=Role.ADVOCATE,
        organisation="Clinic",
    )
    old_link = _link(mail.outbox[0])
    second = committed(actions.do_resend_invitation, first.user, acting_user=coordinator)
    new_link = _link(mail.outbox[1])
    first.refresh_from_db()
    assert first.revoked_at is not None and second.is_pending
    client = Client()
    client.get(_path(old_link))
    assert (
        client.get(
            reverse(
                "network:accept_invitation", kwargs={"uidb64": _path(old_link).split("/")[3], "token": "set-password"}
            )
        ).status_code
        == 404
    )
    assert _accept(Client(), new_link).status_code == 302


def test_existing_account_cannot_be_invited_again(coordinator):
    defender = make_defender_user()
    with pytest.raises(ActionRefused):
        committed(
            actions.do_invite,
            acting_user=coordinator,
            email=defender.email,
            first_name="X",
            last_name="Y",
            role=Role.DEFENDER,
            defender=defender.defender,
        )
    assert Invitation.objects.count() == 0 and not mail.outbox


def test_only_coordinators_invite(db):
    defender = make_defender_user()
    with pytest.raises(ActionRefused, match="You may not do this"):
        committed(
            actions.do_invite,
            acting_user=defender,
            email="friend@example.org",
            first_name="A",
            last_name="B",
            role=Role.DEFENDER,
            defender=defender.defender,
        )
    assert not User.objects.filter(email="friend@example.org").exists()


def test_defender_invitation_needs_a_defender(coordinator):
    with pytest.raises(ActionRefused):
        committed(
            actions.do_invite,
            acting_user=coordinator,
            email="x@example.org",
            first_name="A",
            last_name="B",
            role=Role.DEFENDER,
        )
    assert not User.objects.filter(email="x@example.org").exists()


def test_invite_through_the_page(coordinator):
    org = make_defender_org(name="Defensoría Popular de Oaxaca", country="MX", regions=("MX-OAX",))
    client = Client()
    client.force_login(coordinator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("network:invite"),
            {
                "email": "rosa@example.org",
                "first_name": "Rosa",
                "last_name": "Martínez Cruz",
                "role": "defender",
                "defender": org.pk,
                "language": "",
            },
        )
    assert response.status_code == 302
    assert User.objects.get(email="rosa@example.org").defender == org
    assert len(mail.outbox) == 1
    # Missing Defender: the form says so and nothing is created.
    response = client.post(
        reverse("network:invite"),
        {"email": "nobody@example.org", "first_name": "A", "last_name": "B", "role": "defender"},
    )
    assert response.status_code == 200 and not User.objects.filter(email="nobody@example.org").exists()


def test_deactivated_account_cannot_log_in(coordinator):
    defender = make_defender_user()
    session = Client()
    assert session.login(email=defender.email, password=PASSWORD)
    assert session.get(reverse("network:my_profile")).status_code == 200
    actions.do_deactivate_account(defender, acting_user=coordinator)
    # The open session stops working at once.
    response = session.get(reverse("network:my_profile"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    defender.refresh_from_db()
    assert not defender.is_active
    assert not Client().login(email=defender.email, password=PASSWORD)
    actions.do_reactivate_account(defender, acting_user=coordinator)
    assert Client().login(email=defender.email, password=PASSWORD)


def test_cannot_deactivate_self(coordinator):
    with pytest.raises(ActionRefused):
        actions.do_deactivate_account(coordinator, acting_user=coordinator)


def test_deactivation_is_audited(coordinator):
    defender = make_defender_user()
    actions.do_deactivate_account(defender, acting_user=coordinator)
    entry = LogEntry.objects.get_for_object(defender).latest("timestamp")
    assert entry.actor == coordinator and "is_active" in entry.changes_dict


def test_password_reset_by_email(db):
    defender = make_defender_user(email="reset.me@example.org")
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": "reset.me@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = client.get(path)
    assert response.status_code == 302  # allauth moves the key into the session
    form_url = response["Location"]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    defender.refresh_from_db()
    assert defender.check_password(NEW_PASSWORD)
    assert Client().login(email="reset.me@example.org", password=NEW_PASSWORD)


def test_token_covers_password_change(coordinator):
    invitation = committed(
        actions.do_invite,
        acting_user=coordinator,
        email="a@example.org",
        first_name="A",
        last_name="B",
        role=Role.ADVOCATE,
        organisation="Clinic",
    )
    token = InvitationTokenGenerator().make_token(invitation)
    assert InvitationTokenGenerator().check_token(invitation, token)
    invitation.user.set_password("something-else-123")
    invitation.user.save()
    assert not InvitationTokenGenerator().check_token(invitation, token)
    assert not InvitationTokenGenerator().check_token(invitation, "garbage")
    assert timezone.now() - invitation.created_at < timedelta(minutes=1)
