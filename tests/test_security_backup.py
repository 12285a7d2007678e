"""Issue 23: every chunk of an encrypted backup is bound to its backup (a random stream id inside
the authenticated token), so a file spliced from the chunks of two backups made with the same key
is refused; so are the first format's unbound files, unless asked for."""

import io
import struct

import pytest
from cryptography.fernet import Fernet

from puente.core import backup


def _backup(fernet, payload):
    raw = io.BytesIO()
    w = backup.EncryptingWriter(raw, fernet)
    w.write(payload)
    w.finish()
    return raw.getvalue()


def _chunks(data):
    """(header, [chunk bytes with their length prefix])."""
    head = len(backup.MAGIC) + backup.STREAM_ID_BYTES
    out, pos = [], head
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos:pos + 4])
        out.append(data[pos:pos + 4 + size])
        pos += 4 + size
    return data[:head], out


def _read(data, fernet, **kw):
    return backup.DecryptingReader(io.BytesIO(data), fernet, **kw).read()


def test_a_file_spliced_from_two_backups_is_refused(monkeypatch):
    monkeypatch.setattr(backup, "CHUNK", 100)
    key = Fernet(Fernet.generate_key())
    first, second = b"A" * 450, b"B" * 450
    a, b = _backup(key, first), _backup(key, second)
    assert _read(a, key) == first and _read(b, key) == second
    head_a, chunks_a = _chunks(a)
    _head_b, chunks_b = _chunks(b)
    assert len(chunks_a) == len(chunks_b) == 5
    # The same positions, from the other backup: sequence numbers and last flags all fit.
    spliced = head_a + chunks_a[0] + chunks_a[1] + chunks_b[2] + chunks_a[3] + chunks_a[4]
    with pytest.raises(backup.BackupError, match="another backup"):
        _read(spliced, key)
    # Taking the other file's header does not help either.
    _head_b, _ = _chunks(b)
    with pytest.raises(backup.BackupError, match="another backup"):
        _read(_head_b + chunks_a[0] + chunks_b[1], key)


def test_first_format_files_are_refused_unless_asked_for():
    key = Fernet(Fernet.generate_key())
    body = key.encrypt(struct.pack(">QB", 0, 1) + b"old backup")
    v1 = backup.MAGIC_V1 + struct.pack(">I", len(body)) + body
    with pytest.raises(backup.BackupError, match="first format"):
        _read(v1, key)
    assert _read(v1, key, allow_unbound=True) == b"old backup"
