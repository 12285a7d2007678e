import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from puente.voice import sms
from puente.voice.models import Conversation, Message, WorkerReport

pytestmark = pytest.mark.django_db
TOKEN = "test-auth-token"
PHONE = "whatsapp:+5215512345678"


@pytest.fixture(autouse=True)
def _token_and_cache():
    from django.core.cache import cache

    cache.clear()
    with override_settings(PUENTE_TWILIO_AUTH_TOKEN=TOKEN):
        yield


def _send(client, body, sign=True, sender=PHONE):
    url = reverse("voice:twilio_webhook")
    params = {"From": sender, "Body": body, "MessageSid": "SM123", "To": "whatsapp:+14155238886"}
    headers = {}
    if sign:
        signed_url = (settings.PUENTE_BASE_URL or "http://testserver") + url
        headers["HTTP_X_TWILIO_SIGNATURE"] = sms.TwilioAdapter(TOKEN).signature(signed_url, params)
    return client.post(url, params, **headers)


def test_unsigned_or_wrongly_signed_requests_are_refused():
    client = Client()
    assert _send(client, "hola", sign=False).status_code == 403
    url = reverse("voice:twilio_webhook")
    bad = client.post(url, {"From": PHONE, "Body": "hola"}, HTTP_X_TWILIO_SIGNATURE="AAAA")
    assert bad.status_code == 403
    with override_settings(PUENTE_TWILIO_AUTH_TOKEN=""):
        assert _send(client, "hola").status_code == 403
    assert not Conversation.objects.exists()


def test_a_complete_report_dialogue_in_spanish_stores_no_number():
    client = Client()
    menu = _send(client, "hola")
    assert menu.status_code == 200 and menu["Content-Type"].startswith("text/xml")
    assert "Responda 1" in menu.content.decode()
    assert "Quién" in _send(client, "2").content.decode()
    assert "números" in _send(client, "Don Chuy").content.decode()
    assert "moneda" in _send(client, "1 2").content.decode()
    assert "mensaje" in _send(client, "9,000 mxn").content.decode()
    done = _send(client, "Me cobró y se quedó con mi pasaporte.").content.decode()
    report = WorkerReport.objects.get()
    assert report.code in done
    assert report.recruiter_name == "Don Chuy" and report.kinds == ["document_retention", "fee"]
    assert report.fee_amount == 9000 and report.fee_currency == "MXN"
    assert Message.objects.count() == 12
    with connection.cursor() as cur:
        cur.execute("SELECT sender_key, channel, step, data FROM voice_conversation")
        stored = " ".join(str(v) for row in cur.fetchall() for v in row)
        cur.execute("SELECT body FROM voice_message")
        stored += " ".join(row[0] for row in cur.fetchall())
    for fragment in ("5512345678", "+521", "pasaporte"):
        assert fragment not in stored


def test_job_check_by_message(world):
    client = Client()
    _send(client, "1")
    answer = _send(client, "North Carolina Growers").content.decode()
    assert "270" in answer and "H-2A" in answer and "pasaporte" in answer


def test_worker_deletes_their_messages():
    client = Client()
    _send(client, "hola")
    _send(client, "1", sender="+50212345678")
    assert "borrados" in _send(client, "borrar").content.decode()
    assert Conversation.objects.count() == 1 and Message.objects.count() == 2


def test_a_zero_or_huge_fee_is_asked_again_at_its_step_and_nothing_is_stuck():
    client = Client()
    _send(client, "hola")
    _send(client, "2")
    _send(client, "Don Chuy")
    _send(client, "1")
    for bad in ("0 MXN", "99999999999999 MXN"):
        assert "moneda" in _send(client, bad).content.decode()
        assert Conversation.objects.get().step == "report_fee"
    assert "mensaje" in _send(client, "500 GTQ").content.decode()
    assert _send(client, "Me cobró.").status_code == 200
    assert WorkerReport.objects.get().fee_amount == 500
