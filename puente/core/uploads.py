"""Checks for uploaded files, shared by every app that accepts them (evidence, receipts,
declarations, attachments).

The declared content type and the file name come from the client and prove nothing: the kind is
decided from the bytes (magic numbers, via the ``filetype`` library, plus checks for DOCX and
plain text). Accepted kinds: PDF, JPEG, PNG, HEIC and WebP (phone photos), DOCX and plain
UTF-8 text. Executables, HTML, SVG (which can carry scripts), archives and anything unrecognised
are refused, and so is a PDF or an image with a web page anywhere inside it (a polyglot), as is a
file larger than ``settings.PUENTE_UPLOAD_MAX_BYTES``. Every upload goes through here: case
attachments, abuse evidence, expense receipts, declarations.

Use it in a form::

    from puente.core.uploads import UploadValidator
    file = forms.FileField(validators=[UploadValidator()])            # every accepted kind
    receipt = forms.FileField(validators=[UploadValidator({"pdf", "jpeg", "png", "heic"})])

or directly: ``kind = check_upload(uploaded_file)`` (raises ``ValidationError``); ``kind.mime``
is the content type to store and to serve the file with later. Then save the file to
``puente.core.storage.private_storage`` (encrypted, outside the web root).
"""

import io
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Kind:
    name: str
    mime: str
    extension: str


KINDS = {
    "pdf": Kind("pdf", "application/pdf", "pdf"),
    "jpeg": Kind("jpeg", "image/jpeg", "jpg"),
    "png": Kind("png", "image/png", "png"),
    "heic": Kind("heic", "image/heic", "heic"),
    "webp": Kind("webp", "image/webp", "webp"),
    "docx": Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "text": Kind("text", "text/plain", "txt"),
}
ALL_KINDS = frozenset(KINDS)

HEAD = 8192
_DANGEROUS_PREFIXES = (
    b"MZ",  # Windows executables
    b"\x7fELF",  # Linux executables
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe",  # Mach-O
    b"#!",  # scripts
)
_MARKUP = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml", b"<iframe", b"<body", b"<head", b"<object", b"<embed")


def _read(uploaded, limit=None) -> bytes:
    uploaded.seek(0)
    data = uploaded.read() if limit is None else uploaded.read(limit)
    uploaded.seek(0)
    return data


# Active web content anywhere in a PDF or an image (a polyglot): "<?xml" is left out, as photos
# and PDFs carry XMP metadata in clear.
_ACTIVE_MARKUP = (b"<html", b"<script", b"<svg", b"<iframe", b"<body", b"<object", b"<embed", b"<!doctype html")


def _has_active_markup(data: bytes) -> bool:
    """A web page anywhere in the file. A PDF or an image with a page inside ("%PDF-1.4 ...
    <html><script>", a PNG with a page after its last chunk) is what a browser sniffing the
    bytes, or a careless viewer, would run as a page; a real document or photo has no such text
    in clear (its contents are compressed)."""
    lowered = data.lower()
    return any(marker in lowered for marker in _ACTIVE_MARKUP)


def sniff(data: bytes) -> str | None:
    """The kind of file these bytes are (a key of ``KINDS``), "dangerous", or None."""
    kind = _sniff(data)
    if kind in ("pdf", "jpeg", "png", "heic", "webp") and _has_active_markup(data):
        return "dangerous"
    return kind


def _sniff(data: bytes) -> str | None:
    head = data[:HEAD]
    if head.startswith(_DANGEROUS_PREFIXES):
        return "dangerous"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in lowered[:1024] for marker in _MARKUP):
        return "dangerous"
    guess = filetype.guess(head)
    if guess is not None:
        ext = guess.extension
        if ext == "pdf":
            return "pdf"
        if ext == "jpg":
            return "jpeg"
        if ext == "png":
            return "png"
        if ext == "webp":
            return "webp"
        if ext in ("heic", "avif") and guess.mime in ("image/heic", "image/heif", "image/avif"):
            return "heic" if ext == "heic" else None
        if ext in ("exe", "elf", "wasm", "crx", "swf", "deb", "rpm", "cab"):
            return "dangerous"
        if ext in ("docx", "zip"):
            return "docx" if _is_docx(data) else None
        return None
    if _is_text(data):
        return "text"
    return None


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        return False
    # Macro-enabled documents (vbaProject.bin) are refused: they are how documents run code.
    return not any(n.lower().endswith("vbaproject.bin") for n in names)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    lowered = text[:4096].lower()
    if any(m.decode() in lowered for m in _MARKUP):
        return False
    # Printable text: letters, digits, punctuation and whitespace; no control characters.
    return all(ch.isprintable() or ch in "\r\n\t\f" for ch in text[:HEAD])


def check_upload(uploaded, allowed=ALL_KINDS, max_bytes: int | None = None) -> Kind:
    """Check an uploaded file; return its kind or raise ``ValidationError`` naming the file."""
    name = getattr(uploaded, "name", "") or _("the file")
    max_bytes = max_bytes if max_bytes is not None else settings.PUENTE_UPLOAD_MAX_BYTES
    size = getattr(uploaded, "size", None)
    if size is None:
        size = len(_read(uploaded))
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    # DOCX needs the whole file (zip directory at the end); others are decided by the head.
    data = _read(uploaded) if size <= max_bytes else _read(uploaded, HEAD)
    kind = sniff(data)
    accepted = ", ".join(KINDS[k].extension.upper() for k in sorted(allowed))
    if kind == "dangerous":
        raise ValidationError(
            _("%(name)s looks like a program or a web page, which cannot be uploaded. Accepted: %(accepted)s.")
            % {"name": name, "accepted": accepted},
            code="dangerous",
        )
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("%(name)s is not an accepted kind of file. Accepted: %(accepted)s.")
            % {"name": name, "accepted": accepted},
            code="kind",
        )
    return KINDS[kind]


@deconstructible
class UploadValidator:
    """A field validator: ``forms.FileField(validators=[UploadValidator({"pdf", "jpeg"})])``."""

    def __init__(self, allowed=ALL_KINDS, max_bytes: int | None = None):
        self.allowed = frozenset(allowed)
        unknown = self.allowed - ALL_KINDS
        if unknown:
            raise ValueError(f"Unknown upload kinds {sorted(unknown)}; known: {sorted(ALL_KINDS)}")
        self.max_bytes = max_bytes

    def __call__(self, uploaded):
        check_upload(uploaded, self.allowed, self.max_bytes)

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and (self.allowed, self.max_bytes) == (other.allowed, other.max_bytes)
