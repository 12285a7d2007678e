"""Encrypted, consistent backups: ``puente backup OUT`` and ``puente restore IN``.

What a backup holds, in one tar stream:

- ``manifest.json``: format, date, the models in load order, the encrypted fields.
- ``db/NNNN-<app.model>-NNNN.json.gz``: every row of every model (Django's serialisation with natural
  keys for content types and permissions, so it restores on PostgreSQL or SQLite alike), read in
  one transaction (REPEATABLE READ on PostgreSQL), so the dump is one consistent moment.
  Encrypted fields stay encrypted with the data keys inside the dump: the backup key alone does
  not reveal a name.
- ``media/...``: every file under ``MEDIA_ROOT`` as it is on the disk (encrypted with the data
  keys).

The stream is encrypted with the backup key (``PUENTE_BACKUP_KEY`` or ``--key-file``; a Fernet key
from ``puente generate-key``, kept apart from the data keys) in chunks, each one a Fernet token
carrying, inside what the key authenticates, the backup's random stream id (16 bytes, also in the
file's header), its sequence number and a last-chunk flag. A large backup is never held in
memory; a truncated, reordered or altered file is refused, and so is a file spliced together from
the chunks of two backups made with the same key (their stream ids differ). Files of the first
format (``PUENTE-BACKUP-1``, chunks not bound to their backup) are refused unless the restore is
asked to accept them (``allow_unbound``), after checking where the file comes from.
Not included: sessions (a restore signs everybody out),
content types and permissions (recreated by ``migrate``).
"""

import datetime
import gzip
import io
import json
import os
import struct
import tarfile
import time
from pathlib import Path, PurePosixPath

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.functions import Cast

from . import crypto
from .fields import Ciphertext, EncryptedMixin

MAGIC_V1 = b"PUENTE-BACKUP-1\n"
MAGIC = b"PUENTE-BACKUP-2\n"
STREAM_ID_BYTES = 16
_HEADER_V1 = ">QB"  # sequence number, last-chunk flag
_HEADER = ">16sQB"  # stream id, sequence number, last-chunk flag
CHUNK = 4 * 1024 * 1024
OBJECTS_PER_PART = 5000
# Not backed up: recreated by migrate (content types, permissions) or deliberately dropped.
SKIP = {"contenttypes.contenttype", "auth.permission", "sessions.session", "core.usersession"}
KEEP_ON_RESTORE = {"contenttypes.contenttype", "auth.permission"}


class BackupError(Exception):
    pass


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but datetimes and times keep their microseconds (it rounds to ms)."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


# --- the backup key and the encrypted stream --------------------------------------------------

def load_backup_key(key_file=None) -> Fernet:
    if key_file:
        text = Path(key_file).read_text()
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
        if not lines:
            raise BackupError(f"{key_file}: no key in the file")
        key = lines[0]
    else:
        key = os.environ.get("PUENTE_BACKUP_KEY", "") or getattr(settings, "PUENTE_BACKUP_KEY", "")
    if not key:
        raise BackupError("No backup key: set PUENTE_BACKUP_KEY or pass --key-file (puente generate-key makes one).")
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError) as exc:
        raise BackupError("The backup key is not a valid Fernet key.") from exc


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts what it is given, chunk by chunk."""

    def __init__(self, raw, fernet: Fernet):
        self.raw, self.fernet, self.buffer, self.seq = raw, fernet, bytearray(), 0
        self.stream_id = os.urandom(STREAM_ID_BYTES)
        self.raw.write(MAGIC + self.stream_id)

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        while len(self.buffer) >= CHUNK:
            self._emit(bytes(self.buffer[:CHUNK]))
            del self.buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, last: bool = False):
        header = struct.pack(_HEADER, self.stream_id, self.seq, 1 if last else 0)
        token = self.fernet.encrypt(header + plain)
        self.raw.write(struct.pack(">I", len(token)) + token)
        self.seq += 1

    def finish(self):
        self._emit(bytes(self.buffer), last=True)
        self.buffer.clear()


class DecryptingReader(io.RawIOBase):
    def __init__(self, raw, fernet: Fernet, name: str = "backup", allow_unbound: bool = False):
        self.raw, self.fernet, self.name_ = raw, fernet, name
        self.buffer, self.seq, self.done = bytearray(), 0, False
        magic = raw.read(len(MAGIC))
        if magic == MAGIC:
            self.stream_id: bytes | None = raw.read(STREAM_ID_BYTES)
            if len(self.stream_id) != STREAM_ID_BYTES:
                raise BackupError(f"{name}: the backup is truncated (header)")
        elif magic == MAGIC_V1 and allow_unbound:
            self.stream_id = None
        elif magic == MAGIC_V1:
            raise BackupError(
                f"{name}: a backup of the first format, whose chunks are not bound to their backup; "
                "restore it only if you know where the file comes from (--allow-unbound)"
            )
        else:
            raise BackupError(f"{name}: not a Puente backup (bad header)")

    def readable(self):
        return True

    def _next_chunk(self):
        size_bytes = self.raw.read(4)
        if len(size_bytes) < 4:
            raise BackupError(f"{self.name_}: the backup is truncated (chunk {self.seq} missing)")
        (size,) = struct.unpack(">I", size_bytes)
        token = self.raw.read(size)
        if len(token) < size:
            raise BackupError(f"{self.name_}: the backup is truncated (chunk {self.seq} incomplete)")
        try:
            plain = self.fernet.decrypt(token)
        except InvalidToken as exc:
            raise BackupError(
                f"{self.name_}: chunk {self.seq} does not decrypt: wrong backup key, or the file was altered"
            ) from exc
        if self.stream_id is None:
            size = struct.calcsize(_HEADER_V1)
            seq, last = struct.unpack(_HEADER_V1, plain[:size])
        else:
            size = struct.calcsize(_HEADER)
            stream_id, seq, last = struct.unpack(_HEADER, plain[:size])
            if stream_id != self.stream_id:
                raise BackupError(
                    f"{self.name_}: chunk {self.seq} belongs to another backup: the file was spliced together"
                )
        if seq != self.seq:
            raise BackupError(f"{self.name_}: chunk {self.seq} is out of order")
        self.seq += 1
        self.buffer += plain[size:]
        if last:
            self.done = True
            if self.raw.read(1):
                raise BackupError(f"{self.name_}: unexpected data after the end of the backup")

    def readinto(self, b):
        while not self.buffer and not self.done:
            self._next_chunk()
        n = min(len(b), len(self.buffer))
        b[:n] = self.buffer[:n]
        del self.buffer[:n]
        return n


# --- what is backed up -------------------------------------------------------------------------

def backed_up_models() -> list:
    """Every concrete model except SKIP, in an order where natural-key targets come first."""
    app_list: dict = {}
    existing = set(connection.introspection.table_names())
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.label_lower in SKIP:
            continue
        if model._meta.db_table not in existing:  # migrations not applied: nothing to back up
            continue
        app_list.setdefault(model._meta.app_config, []).append(model)
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _encrypted_names(model) -> list[str]:
    fields = model._meta.concrete_fields
    return [f.name for f in fields if isinstance(f, EncryptedMixin)]  # type: ignore[attr-defined]  # a model field under the mixin


def serialise_model(model, batch: int = OBJECTS_PER_PART):
    """Yield lists of serialised rows (python format). Encrypted fields are copied as the tokens
    stored in the database (read with a Cast, so nothing is decrypted on the way)."""
    enc = _encrypted_names(model)
    others = [f.name for f in (*model._meta.concrete_fields, *model._meta.many_to_many) if f.name not in enc]
    raw = {f"_raw_{n}": Cast(n, output_field=models.TextField()) for n in enc}
    qs = model._base_manager.order_by("pk")
    if enc:
        qs = qs.defer(*enc).annotate(**raw)
    last = None
    while True:
        page = qs.filter(pk__gt=last) if last is not None else qs
        objs = list(page[:batch])
        if not objs:
            return
        last = objs[-1].pk
        rows = serializers.serialize("python", objs, use_natural_foreign_keys=True, fields=others if enc else None)
        for obj, row in zip(objs, rows, strict=True):
            for name in enc:
                row["fields"][name] = getattr(obj, f"_raw_{name}")
        yield rows


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime=None):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(mtime or time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def write_backup(out_path, fernet: Fernet) -> dict:
    """Write the backup to ``out_path`` (atomically: a ``.partial`` file renamed at the end)."""
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    stats = {"models": 0, "objects": 0, "files": 0}
    try:
        with os.fdopen(fd, "wb") as raw:
            writer = EncryptingWriter(raw, fernet)
            with tarfile.open(fileobj=writer, mode="w|") as tar:
                models = backed_up_models()
                manifest = {
                    "format": 1,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "engine": connection.vendor,
                    "models": [m._meta.label_lower for m in models],
                    "encrypted_fields": {
                        m._meta.label_lower: _encrypted_names(m) for m in models if _encrypted_names(m)
                    },
                }
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
                with _snapshot():
                    for i, model in enumerate(models):
                        stats["models"] += 1
                        for part, rows in enumerate(serialise_model(model)):
                            stats["objects"] += len(rows)
                            data = json.dumps(rows, cls=ExactJSONEncoder, ensure_ascii=False).encode()
                            # The rows are compressed; the files are not (they are ciphertext,
                            # which does not compress).
                            _add_bytes(tar, f"db/{i:04d}-{model._meta.label_lower}-{part:04d}.json.gz",
                                       gzip.compress(data, compresslevel=6))
                root = Path(settings.MEDIA_ROOT)
                from .keys import private_files

                for path in private_files(root):
                    rel = path.relative_to(root).as_posix()
                    _add_bytes(tar, f"media/{rel}", path.read_bytes(), path.stat().st_mtime)
                    stats["files"] += 1
            writer.finish()
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return stats


class _snapshot:
    """One transaction for every read; REPEATABLE READ on PostgreSQL so that every query sees the
    same moment. (SQLite's transaction already reads one snapshot.)"""

    def __enter__(self):
        outer = connection.in_atomic_block
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return self

    def __exit__(self, *exc):
        return self.atomic.__exit__(*exc)


# --- restore -----------------------------------------------------------------------------------

def database_is_empty() -> bool:
    from django.contrib.auth import get_user_model
    from auditlog.models import LogEntry

    return not get_user_model()._base_manager.exists() and not LogEntry.objects.exists()


def _safe_media_path(root: Path, member_name: str) -> Path:
    rel = PurePosixPath(member_name[len("media/"):])
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise BackupError(f"{member_name}: unsafe path in the backup")
    return root.joinpath(*rel.parts)


def _flush_tables():
    """Empty every table we restore into (and sessions), in the current transaction."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        if model._meta.label_lower in KEEP_ON_RESTORE:
            continue
        tables.add(model._meta.db_table)
    tables &= set(connection.introspection.table_names())
    # DELETE rather than the engine's flush (TRUNCATE on PostgreSQL): TRUNCATE refuses a table
    # with pending deferred foreign-key checks in the same transaction. Foreign keys are
    # deferred, so the order does not matter: they are checked at commit, after the load.
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"DELETE FROM {q(table)}")  # noqa: S608  (table names from model metadata)


def _load_rows(rows, deferred, loaded_models) -> int:
    """Save deserialised rows: in bulk where a model has no many-to-many data to set and no
    parents (most rows), one by one otherwise."""
    n = 0
    pending: list = []

    def flush():
        if pending:
            model = type(pending[0])
            fields = list(model._meta.local_concrete_fields)
            size = max(1, connection.ops.bulk_batch_size(fields, pending))
            for start in range(0, len(pending), size):
                # raw=True, as Django's own fixture loading does: the values go in exactly as
                # they were dumped (bulk_create would refresh auto_now dates).
                model._base_manager._insert(pending[start:start + size], fields=fields, raw=True)
            pending.clear()

    for obj in serializers.deserialize("python", rows, handle_forward_references=True):
        model = type(obj.object)
        loaded_models.add(model)
        n += 1
        if any((obj.m2m_data or {}).values()) or obj.deferred_fields or model._meta.parents:
            flush()
            obj.save()
            if obj.deferred_fields:
                deferred.append(obj)
            continue
        if pending and type(pending[0]) is not model:
            flush()
        pending.append(obj.object)
    flush()
    return n


def restore_backup(in_path, fernet: Fernet, force: bool = False, allow_unbound: bool = False) -> dict:
    from auditlog.context import disable_auditlog

    if not force and not database_is_empty():
        raise BackupError(
            "The database is not empty (it has accounts or audit history): restore refuses to overwrite it. "
            "Use --force to replace everything."
        )
    root = Path(settings.MEDIA_ROOT)
    stats = {"objects": 0, "files": 0}
    loaded_models: set = set()
    with open(in_path, "rb") as raw:
        reader = io.BufferedReader(DecryptingReader(raw, fernet, name=str(in_path), allow_unbound=allow_unbound), CHUNK)
        try:
            tar = tarfile.open(fileobj=reader, mode="r|")
        except tarfile.TarError as exc:
            raise BackupError(f"{in_path}: the archive inside the backup is damaged") from exc
        with tar, transaction.atomic(), disable_auditlog():
            manifest = None
            deferred: list = []
            written = []
            with connection.constraint_checks_disabled():
                for member in tar:
                    extracted = tar.extractfile(member) if member.isfile() else None
                    if extracted is None:
                        continue
                    data = extracted.read()
                    if member.name == "manifest.json":
                        manifest = json.loads(data)
                        if manifest.get("format") != 1:
                            raise BackupError(f"{in_path}: unknown backup format {manifest.get('format')!r}")
                        _flush_tables()
                        continue
                    if manifest is None:
                        raise BackupError(f"{in_path}: the manifest is missing")
                    if member.name.startswith("db/"):
                        rows = json.loads(gzip.decompress(data) if member.name.endswith(".gz") else data)
                        checked = False
                        for row in rows:
                            for name in manifest["encrypted_fields"].get(row["model"], []):
                                token = row["fields"].get(name)
                                if token:
                                    if not checked:
                                        # The tokens are stored as they are (no decrypting and
                                        # re-encrypting a million values); one per part is
                                        # opened to make sure the data keys are the right ones.
                                        try:
                                            crypto.decrypt(token)
                                        except InvalidToken as exc:
                                            raise BackupError(
                                                f"{in_path}: {member.name}: the encrypted fields do not open with "
                                                "the configured data keys (PUENTE_DATA_KEYS): restore needs the "
                                                "data keys of the backed-up install"
                                            ) from exc
                                        checked = True
                                    row["fields"][name] = Ciphertext(token)
                        try:
                            stats["objects"] += _load_rows(rows, deferred, loaded_models)
                        except BackupError:
                            raise
                        except Exception as exc:
                            raise BackupError(f"{in_path}: {member.name}: {exc}") from exc
                    elif member.name.startswith("media/"):
                        target = _safe_media_path(root, member.name)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(data)
                        os.chmod(target, 0o600)
                        written.append(target)
                        stats["files"] += 1
                for obj in deferred:
                    obj.save_deferred_fields()
            if manifest is None:
                raise BackupError(f"{in_path}: empty backup")
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded_models])
            statements = connection.ops.sequence_reset_sql(no_style(), list(loaded_models))
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    return stats
