"""Storage for uploaded files: encrypted on disk, outside the web root, never served directly.

Files are written under ``MEDIA_ROOT`` (``data/private``) as Fernet tokens with random names, so
neither their contents nor their original names can be read from the disk. Views stream them
back with ``serve_private_file`` only after checking that the user may see the record they
belong to.
"""

import mimetypes
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import HttpResponse

from . import crypto
from .tabular import attachment


class EncryptedFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        content.seek(0)
        token = crypto.encrypt_bytes(content.read())
        return super()._save(name, ContentFile(token))

    def get_available_name(self, name, max_length=None):
        # A random name: the original filename can itself be sensitive ("declaración_Juan_Xol.pdf").
        folder = name.rsplit("/", 1)[0] if "/" in name else ""
        random_name = secrets.token_hex(16) + ".bin"
        name = f"{folder}/{random_name}" if folder else random_name
        return super().get_available_name(name, max_length)

    def read_plain(self, name) -> bytes:
        with self.open(name, "rb") as fh:
            return crypto.decrypt_bytes(fh.read())

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through an access-checked view.")


private_storage = EncryptedFileSystemStorage()


def serve_private_file(field_file, download_name: str, content_type: str | None = None) -> HttpResponse:
    """Decrypt and stream a stored file. Call only after the access check."""
    data = field_file.storage.read_plain(field_file.name)
    content_type = content_type or mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    response = HttpResponse(data, content_type=content_type)
    return attachment(response, download_name)  # RFC 6266 filename*: the name survives in any script
