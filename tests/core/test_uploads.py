"""Uploads are checked by their bytes, not by their name or declared type."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from puente.core.uploads import UploadValidator, check_upload, sniff

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def docx(macro=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document>Declaración</w:document>")
        if macro:
            z.writestr("word/vbaProject.bin", b"\x00\x01")
    return buf.getvalue()


def upload(data, name="file.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("data,kind", [
    (PDF, "pdf"), (JPEG, "jpeg"), (PNG, "png"), (HEIC, "heic"), (docx(), "docx"),
    ("Declaración de Juana: trabajó 12 horas diarias.\n".encode(), "text"),
])
def test_accepted_kinds_are_recognised_from_their_bytes(data, kind):
    assert sniff(data) == kind
    # Even under a misleading name and declared type.
    assert check_upload(upload(data, name="photo.exe", content_type="application/x-msdownload")).name == kind


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,  # Windows .exe renamed .pdf
    b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
    b"#!/bin/sh\nrm -rf /\n",
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b"  <html><body onload=alert(1)>",
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"<svg onload=alert(1)>",
])
def test_programs_and_markup_are_refused(data):
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(data, name="recibo.pdf"))
    assert exc.value.code == "dangerous"
    assert "recibo.pdf" in exc.value.messages[0]


@pytest.mark.parametrize(
    "data", [docx(macro=True), b"PK\x03\x04" + b"\x00" * 60, b"\x00\x01\x02binary", b"GIF89a" + b"\x00" * 40]
)
def test_unknown_archives_and_binaries_are_refused(data):
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(data))
    assert exc.value.code == "kind"


def test_size_limit_from_settings(settings):
    settings.PUENTE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(PDF + b"x" * 200, name="big.pdf"))
    assert exc.value.code == "too_large" and "big.pdf" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(b"", name="empty.pdf"))
    assert exc.value.code == "empty"


def test_validator_restricts_kinds():
    only_pdf = UploadValidator({"pdf"})
    only_pdf(upload(PDF))
    with pytest.raises(ValidationError, match="PDF"):
        only_pdf(upload(PNG, name="a.png"))
    with pytest.raises(ValueError):
        UploadValidator({"exe"})
