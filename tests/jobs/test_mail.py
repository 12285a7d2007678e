"""Every email: after the commit, through the queue, absolute links, a subject naming the event,
failures logged and retried."""

import logging

import pytest
from django.core import mail as outbox
from django.db import transaction
from django_q.models import Schedule

from puente.core import mail
from puente.core.action_contract import ActionRefused
from puente.network.actions import do_invite
from tests.factories import make_coordinator


def test_absolute_url_uses_the_base_url(settings):
    settings.PUENTE_BASE_URL = "https://puente.example.org"
    assert mail.absolute_url("/cases/12/") == "https://puente.example.org/cases/12/"
    assert mail.absolute_url("cases/12/") == "https://puente.example.org/cases/12/"
    settings.PUENTE_BASE_URL = ""
    with pytest.raises(ValueError, match="PUENTE_BASE_URL"):
        mail.absolute_url("/cases/12/")


def test_nothing_is_sent_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                mail.send("a@example.org", "Case X-1: new message", "body", event="test")
                raise RuntimeError
    assert not callbacks and not outbox.outbox


def test_sent_after_the_commit_with_the_event_in_the_subject(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            mail.send(["a@example.org"], "Case X-1: new message", "see https://x/cases/1/", event="cases.message")
        assert not outbox.outbox  # not yet: the queue gets it from the commit hook
    for callback in callbacks:
        callback()
    [message] = outbox.outbox
    assert message.subject == "Puente: Case X-1: new message" and message.to == ["a@example.org"]


def test_a_failed_delivery_is_logged_and_scheduled_again(db, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, False, 2
    sealed = mail.crypto.encrypt('{"to": ["a@example.org"], "subject": "Puente: S", "body": "B", "event": "t.e"}')
    with caplog.at_level(logging.WARNING, logger="puente.mail"):
        assert mail.deliver(sealed, 1) == 0
    assert "mail t.e: attempt 1 of 5 failed" in caplog.text and "B" not in caplog.text.replace("Puente", "")
    retry = Schedule.objects.get(func=mail.TASK)
    assert retry.schedule_type == Schedule.ONCE and retry.args == repr((sealed, 2))
    with caplog.at_level(logging.ERROR, logger="puente.mail"), pytest.raises(OSError):
        mail.deliver(sealed, mail.MAX_ATTEMPTS)
    assert "giving up" in caplog.text


def test_the_queue_carries_the_message_encrypted(db, monkeypatch):
    seen = []
    monkeypatch.setattr(mail, "async_task", lambda func, *args, **kw: seen.append((func, args)))
    mail._enqueue({"to": ["a@example.org"], "subject": "S", "body": "token-123", "event": "e"}, attempt=1)
    [(func, (sealed, attempt))] = seen
    assert func == "puente.core.mail.deliver" and attempt == 1 and "token-123" not in sealed


def test_the_invitation_is_sent_after_the_commit_with_a_link_on_the_base_url(db, settings,
                                                                             django_capture_on_commit_callbacks):
    settings.PUENTE_BASE_URL = "https://puente.example.org"
    coordinator = make_coordinator()
    with django_capture_on_commit_callbacks(execute=True):
        do_invite(acting_user=coordinator, email="new.advocate@example.org", first_name="Ann", last_name="Lee",
                  role="advocate", organisation="Clinic", base_url="http://evil.example.com")
    [message] = outbox.outbox
    assert message.subject.startswith("Puente: ")
    assert "https://puente.example.org/network/invitation/" in message.body or \
        "https://puente.example.org/" in message.body
    assert "evil.example.com" not in message.body


def test_a_refused_invitation_sends_nothing(db, django_capture_on_commit_callbacks):
    coordinator = make_coordinator()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ActionRefused):
        do_invite(acting_user=coordinator, email="x@example.org", first_name="A", last_name="B", role="advocate",
                  organisation="")
    assert not outbox.outbox
