"""Key rotation: re-encrypt every encrypted field and every private file with the newest key.

Rotation, step by step (docs/security.md):

1. ``puente generate-key`` prints a new key.
2. Put it *first* in ``PUENTE_DATA_KEYS`` (or the key file), keeping the old keys after it, and
   restart: new data is written with the new key, old data stays readable.
3. ``puente rotate-keys``: re-encrypts, in batches, every value and file not yet under the new
   key. It can be interrupted and run again: what is already under the newest key is skipped.
4. Drop the old key from the configuration (and from every copy of it), and restart.

Encrypted fields are discovered, not listed: every concrete field of every installed model that
is an ``EncryptedMixin`` (so a new app's fields are covered without touching this code).
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.functions import Cast

from . import crypto
from .fields import Ciphertext, EncryptedMixin


def encrypted_fields() -> dict[type[models.Model], list[str]]:
    """model -> names of its encrypted fields, for every installed model."""
    found = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if names:
            found[model] = names
    return found


def _newest() -> Fernet:
    return Fernet(crypto.load_keys()[0])


def _is_current(newest: Fernet, token: bytes) -> bool:
    try:
        newest.decrypt(token)
        return True
    except InvalidToken:
        return False


@dataclass
class RotationReport:
    values: int = 0  # values re-encrypted
    files: int = 0  # files re-encrypted
    skipped: int = 0  # already under the newest key
    per_model: dict = field(default_factory=dict)


def rotate_fields(batch_size: int = 500, report: RotationReport | None = None, stdout=None) -> RotationReport:
    report = report or RotationReport()
    crypto.reset_keys()
    newest = _newest()
    existing = set(connection.introspection.table_names())
    for model, names in encrypted_fields().items():
        if model._meta.db_table not in existing:  # an app whose migrations are not applied yet
            continue
        label = model._meta.label
        # Read the stored tokens as plain text (Cast skips the field's decryption).
        raw = {f"_raw_{n}": Cast(n, output_field=models.TextField()) for n in names}
        last_pk = None
        while True:
            # One transaction a batch, with the rows locked so that an edit made meanwhile is not
            # overwritten: an interruption loses at most one batch of work, and the next run
            # skips what is already done.
            with transaction.atomic():
                qs = model._base_manager.order_by("pk").annotate(**raw).select_for_update()
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                rows = list(qs.values("pk", *raw.keys())[:batch_size])
                if not rows:
                    break
                last_pk = rows[-1]["pk"]
                for row in rows:
                    changes = {}
                    for n in names:
                        token = row[f"_raw_{n}"]
                        if not token:
                            continue
                        if _is_current(newest, token.encode("ascii")):
                            report.skipped += 1
                            continue
                        # Re-encrypt the token itself (MultiFernet.rotate) and store it as it is.
                        changes[n] = Ciphertext(crypto.rotate_bytes(token.encode("ascii")).decode("ascii"))
                    if changes:
                        # update(), not save(): no audit noise, no auto_now. (One UPDATE a row is
                        # faster than bulk_update's CASE expressions over many text columns.)
                        model._base_manager.filter(pk=row["pk"]).update(**changes)
                        report.values += len(changes)
                        report.per_model[label] = report.per_model.get(label, 0) + len(changes)
        if stdout is not None:
            stdout.write(f"{label}: {report.per_model.get(label, 0)} values re-encrypted")
    return report


def private_files(root=None):
    root = Path(root or settings.MEDIA_ROOT)
    if not root.exists():
        return
    for dirpath, _dirs, files in os.walk(root):
        for name in sorted(files):
            if name.endswith(".rotating"):
                continue
            yield Path(dirpath) / name


def rotate_files(report: RotationReport | None = None, root=None) -> RotationReport:
    report = report or RotationReport()
    crypto.reset_keys()
    newest = _newest()
    for path in private_files(root):
        token = path.read_bytes()
        if _is_current(newest, token):
            report.skipped += 1
            continue
        new_token = crypto.rotate_bytes(token)
        # Write beside it, then rename over it: a crash leaves either the old or the new file.
        tmp = path.with_name(path.name + ".rotating")
        tmp.write_bytes(new_token)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
        report.files += 1
    return report


def rotate_all(batch_size: int = 500, stdout=None) -> RotationReport:
    report = rotate_fields(batch_size=batch_size, stdout=stdout)
    rotate_files(report)
    return report
