"""Checks on files attached to a case: size and type, the type decided by the first bytes of the
file (its "magic number"), not by its name, so a renamed executable is refused."""

import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def sniff(head: bytes, fileobj=None) -> str | None:
    """Return the content type of a file from its first bytes, or None if it is not allowed."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "image/heic"
    if head.startswith(b"PK\x03\x04") and fileobj is not None:
        # A DOCX is a zip with a Word document inside; any other zip is refused.
        try:
            fileobj.seek(0)
            with zipfile.ZipFile(fileobj) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            fileobj.seek(0)
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return None
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            if exc.start < len(head) - 4:
                return None
        return "text/plain"
    return None


ALLOWED_LABEL = "PDF, JPEG, PNG, HEIC, DOCX, TXT"


def check_upload(f):
    """Validate an uploaded file; return its sniffed content type. Raises ValidationError naming
    the file and what is wrong."""
    limit = settings.PUENTE_UPLOAD_MAX_BYTES
    name = getattr(f, "name", "") or "?"
    if f.size > limit:
        raise ValidationError(
            _("%(name)s: the file is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(f.size), "limit": filesizeformat(limit)}
        )
    if f.size == 0:
        raise ValidationError(_("%(name)s: the file is empty.") % {"name": name})
    f.seek(0)
    head = f.read(2048)
    f.seek(0)
    fileobj = None
    if head.startswith(b"PK"):
        fileobj = io.BytesIO(f.read())
        f.seek(0)
    content_type = sniff(head, fileobj)
    if content_type is None:
        raise ValidationError(
            _("%(name)s: this kind of file is not accepted. Accepted: %(allowed)s.")
            % {"name": name, "allowed": ALLOWED_LABEL}
        )
    return content_type
