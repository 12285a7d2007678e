"""Checks on files attached to a case thread. The rules are the network's shared ones
(``puente.core.uploads``: size limit ``PUENTE_UPLOAD_MAX_BYTES``; PDF, JPEG, PNG, HEIC, DOCX or
plain text decided from the file's bytes, not its name); this returns the content type to store."""

from puente.core.uploads import check_upload as _core_check


def check_upload(f) -> str:
    """Validate an attachment; return its content type. Raises ValidationError naming the file."""
    return _core_check(f).mime
