"""`puente backup` / `puente restore`: an encrypted round trip that loses nothing."""

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError

from puente.core import backup
from puente.core.audit import log_access, set_actor
from tests.core.helpers import make_case, make_person, store_private_file


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def backup_key(monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("PUENTE_BACKUP_KEY", key)
    return key


def snapshot():
    """Every row of every backed-up model, serialised (natural keys), keyed by model."""
    out = {}
    for model in backup.backed_up_models():
        rows = serializers.serialize("python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True)
        out[model._meta.label_lower] = rows
    return out


def files(root: Path):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def wipe_everything(media_root: Path):
    """Turn this database into an empty install (migrated, no data) and empty the files."""
    backup._flush_tables()
    for p in media_root.rglob("*"):
        if p.is_file():
            p.unlink()


def test_round_trip_restores_every_record_and_file(world, media, backup_key, tmp_path):
    person = make_person()
    case = make_case(client=person, advocate=world.advocate_profile, summary="Pasaporte retenido")
    with set_actor(world.coordinator):
        log_access(person)
        person.notes = "Vive con su tía en San Marcos"
        person.save()
    store_private_file(b"%PDF-1.4 declaration")
    store_private_file(b"\x89PNG\r\n\x1a\n receipt", folder="receipts/2026")
    before, before_files = snapshot(), files(media)
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
    assert len(before_files) == 2 and before["locate.person"] and before["cases.case"]

    out = tmp_path / "puente.backup"
    call_command("backup", str(out))
    blob = out.read_bytes()
    assert blob.startswith(backup.MAGIC)
    for secret in [b"Xiomara", b"Tzoc", b"Pasaporte", b"San Marcos", b"@example.org", b"declaration"]:
        assert secret not in blob
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"

    wipe_everything(media)
    assert not apps.get_model("locate", "Person").objects.exists() and not files(media)

    call_command("restore", str(out))
    after, after_files = snapshot(), files(media)
    assert after.keys() == before.keys()
    for label in before:
        assert len(after[label]) == len(before[label]), label
        for a, b in zip(after[label], before[label], strict=True):
            assert a == b, (
                f"{label}: {[(k, a['fields'].get(k), v) for k, v in b['fields'].items() if a['fields'].get(k) != v]}"
            )

    assert after_files == before_files
    # And the data reads back through the models (the data keys still open it).
    Person = apps.get_model("locate", "Person")
    assert Person.objects.get(pk=person.pk).notes == "Vive con su tía en San Marcos"
    assert apps.get_model("cases", "Case").objects.get(pk=case.pk).client_id == person.pk


def test_restore_refuses_a_non_empty_database_unless_forced(world, media, backup_key, tmp_path):
    make_person()
    out = tmp_path / "b.backup"
    call_command("backup", str(out))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(out))
    call_command("restore", str(out), "--force")


def test_wrong_key_and_tampering_are_refused(world, media, backup_key, tmp_path, monkeypatch):
    make_person()
    out = tmp_path / "b.backup"
    call_command("backup", str(out))
    wipe_everything(media)
    monkeypatch.setenv("PUENTE_BACKUP_KEY", Fernet.generate_key().decode())
    with pytest.raises(CommandError, match="wrong backup key"):
        call_command("restore", str(out))
    monkeypatch.setenv("PUENTE_BACKUP_KEY", backup_key)
    truncated = tmp_path / "t.backup"
    truncated.write_bytes(out.read_bytes()[:-50])
    with pytest.raises(CommandError, match="truncated"):
        call_command("restore", str(truncated))
    # Without the data keys of the backed-up install, the encrypted fields cannot come back.
    from django.conf import settings

    from puente.core import crypto

    suite_keys = settings.PUENTE_DATA_KEYS
    settings.PUENTE_DATA_KEYS = Fernet.generate_key().decode()
    crypto.reset_keys()
    try:
        with pytest.raises(CommandError, match="data keys"):
            call_command("restore", str(out))
    finally:
        settings.PUENTE_DATA_KEYS = suite_keys
        crypto.reset_keys()
    # Nothing was half-written by the failed attempts.
    assert not apps.get_model("network", "User").objects.exists()


def test_key_file_option(world, media, tmp_path, monkeypatch):
    monkeypatch.delenv("PUENTE_BACKUP_KEY", raising=False)
    with pytest.raises(CommandError, match="No backup key"):
        call_command("backup", str(tmp_path / "x.backup"))
    key_file = tmp_path / "backup.key"
    key_file.write_text("# backup key\n" + Fernet.generate_key().decode() + "\n")
    call_command("backup", str(tmp_path / "x.backup"), "--key-file", str(key_file))
    assert (tmp_path / "x.backup").exists()


def test_large_backups_are_streamed_in_chunks(monkeypatch):
    import io

    monkeypatch.setattr(backup, "CHUNK", 1000)
    f = Fernet(Fernet.generate_key())
    raw = io.BytesIO()
    w = backup.EncryptingWriter(raw, f)
    payload = os.urandom(10_500)
    w.write(payload[:7000])
    w.write(payload[7000:])
    w.finish()
    assert w.seq == 11
    raw.seek(0)
    r = backup.DecryptingReader(raw, f)
    assert r.read() == payload
