import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from puente.abuse import actions
from puente.abuse.models import EvidenceFile

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_upload_is_sniffed_encrypted_and_served_to_parties_only(world):
    client = client_for(world.defender)
    url = reverse("abuse:evidence_upload", args=[world.abuse_report.pk])
    # The browser says PDF and the name says .pdf, but the bytes are a PNG photo.
    upload = SimpleUploadedFile("foto_recibo_Marvin.pdf", PNG, content_type="application/pdf")
    assert client.post(url, {"file": upload, "description": "recibo"}).status_code == 302
    evidence = EvidenceFile.objects.latest("pk")
    assert evidence.content_type == "image/png" and evidence.size == len(PNG)
    # On disk: encrypted, under a random name.
    with evidence.file.storage.open(evidence.file.name, "rb") as fh:
        raw = fh.read()
    assert PNG not in raw and "Marvin" not in evidence.file.name
    download = reverse("abuse:evidence_download", args=[world.abuse_report.pk, evidence.pk])
    response = client_for(world.coordinator).get(download)
    assert response.status_code == 200 and response.content == PNG
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert client_for(world.other_defender).get(download).status_code == 404
    # The file id under another report of the same user is not found either.
    other = actions.do_file_report(acting_user=world.defender, recruiter_names=["Agencia Xol"])
    wrong = reverse("abuse:evidence_download", args=[other.pk, evidence.pk])
    assert client.get(wrong).status_code == 404


def test_executable_refused_and_nothing_written(world):
    before = EvidenceFile.objects.count()
    response = client_for(world.defender).post(
        reverse("abuse:evidence_upload", args=[world.abuse_report.pk]),
        {"file": SimpleUploadedFile("declaracion.pdf", ELF, content_type="application/pdf")},
    )
    assert response.status_code == 400
    assert "declaracion.pdf" in response.content.decode()
    assert EvidenceFile.objects.count() == before


def test_size_limit(world, settings):
    settings.PUENTE_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        actions.do_add_evidence(
            world.abuse_report, SimpleUploadedFile("grande.png", PNG + b"\x00" * 2000), acting_user=world.defender,
        )
    assert "grande.png" in str(exc.value)
    text = "Declaración: me cobraron 5,000 quetzales.".encode()
    evidence = actions.do_add_evidence(
        world.abuse_report, SimpleUploadedFile("nota.txt", text), acting_user=world.defender,
    )
    assert evidence.content_type == "text/plain"


def test_voice_note_accepted_html_refused(world):
    ogg = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1eOpusHead" + b"\x00" * 100
    evidence = actions.do_add_evidence(
        world.abuse_report, SimpleUploadedFile("audio.opus", ogg), acting_user=world.defender,
    )
    assert evidence.content_type == "audio/ogg"
    with pytest.raises(ValidationError) as exc:
        actions.do_add_evidence(
            world.abuse_report, SimpleUploadedFile("recibo.txt", b"<html><script>alert(1)</script></html>"),
            acting_user=world.defender,
        )
    assert "recibo.txt" in str(exc.value)
