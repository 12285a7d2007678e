"""Messages and attachments: type decided by content, size limit, encrypted storage outside the
web root, download only through the access-checked view, nothing half-written on a bad file."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from puente.core.action_contract import ActionRefused
from puente.cases import actions
from puente.cases.models import Attachment, Message
from tests.cases.helpers import PDF_BYTES

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40


def docx_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("evil.txt", "x")
    return buf.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("name,data,expected", [
    ("acta.pdf", PDF_BYTES, "application/pdf"),
    ("foto.png", PNG, "image/png"),
    ("foto.jpg", JPEG, "image/jpeg"),
    ("IMG_0001.HEIC", HEIC, "image/heic"),
    ("declaracion.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("notas.txt", "Declaración de la señora Xol".encode(), "text/plain"),
])
def test_accepted_types_by_content(world, name, data, expected):
    message = actions.do_post_message(world.case, acting_user=world.advocate, files=[upload(name, data)])
    att = message.attachments.get()
    assert att.content_type == expected and att.size == len(data) and att.original_name == name


@pytest.mark.parametrize("name,data", [
    ("programa.pdf", b"MZ\x90\x00" + b"\x00" * 60),          # an executable renamed .pdf
    ("archivo.docx", zip_bytes()),                            # a zip that is not a Word document
    ("pagina.txt", b"<html><script>alert(1)</script></html>"),
    ("binario.png", b"\x00\x01\x02\x03" * 20),
])
def test_refused_types_write_nothing(world, name, data):
    before = (Message.objects.count(), Attachment.objects.count())
    with pytest.raises(ActionRefused, match=name.split(".")[0]):
        actions.do_post_message(world.case, acting_user=world.advocate, body="con archivo",
                                files=[upload("ok.pdf", PDF_BYTES), upload(name, data)])
    assert (Message.objects.count(), Attachment.objects.count()) == before


@override_settings(PUENTE_UPLOAD_MAX_BYTES=1024)
def test_size_limit(world):
    big = PDF_BYTES + b"0" * 2000
    with pytest.raises(ActionRefused, match="limit"):
        actions.do_post_message(world.case, acting_user=world.advocate, files=[upload("grande.pdf", big)])
    # Through the view: the error is shown, nothing stored.
    client = Client()
    client.force_login(world.defender)
    before = Message.objects.count()
    response = client.post(reverse("cases:message_post", args=[world.case.pk]),
                           {"body": "adjunto", "files": [upload("grande.pdf", big)]}, follow=True)
    assert Message.objects.count() == before
    assert "grande.pdf" in response.content.decode()


def test_stored_encrypted_and_served_only_to_parties(world, settings):
    secret = "Declaración jurada de María Guadalupe Xol".encode()
    message = actions.do_post_message(world.case, acting_user=world.defender, files=[upload("declaracion.txt", secret)])
    att = message.attachments.get()
    path = Path(att.file.path)
    assert str(path).startswith(str(settings.MEDIA_ROOT))
    raw = path.read_bytes()
    assert secret not in raw and b"declaracion" not in path.name.encode()
    url = reverse("cases:attachment", args=[world.case.pk, att.pk])
    for user, status in [(world.advocate, 200), (world.coordinator, 200), (world.defender, 200),
                         (world.other_advocate, 404), (world.other_defender, 404)]:
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert response.content == secret
            assert response["X-Content-Type-Options"] == "nosniff"
    # The attachment cannot be fetched through another case's URL either.
    client = Client()
    client.force_login(world.advocate)
    assert client.get(reverse("cases:attachment", args=[world.submitted_case.pk, att.pk])).status_code == 404


def test_thread_shows_to_parties_and_message_needs_content(world):
    client = Client()
    client.force_login(world.advocate)
    page = client.get(reverse("cases:detail", args=[world.case.pk])).content.decode()
    assert "Encontramos a la señora en Cobán." in page
    with pytest.raises(ActionRefused):
        actions.do_post_message(world.case, acting_user=world.advocate, body="   ")
    with pytest.raises(ActionRefused):
        actions.do_post_message(world.case, acting_user=world.other_defender, body="hola")
