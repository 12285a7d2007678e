"""/health/ for a load balancer, the periodic schedules, and the read-replica router."""

import json

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django_q.models import Schedule

from puente.core import routers
from puente.jobs import tasks
from puente.jobs.models import WorkerHeartbeat
from puente.visas.models import Employer


def test_health_reports_database_keys_and_a_late_worker(db, settings):
    r = Client().get("/health/")
    body = r.json()
    assert r.status_code == 200 and r["Cache-Control"].startswith("max-age=0")
    assert body["status"] == "degraded"  # no worker heartbeat yet: served, but the queue is not running
    assert body["checks"]["database"]["ok"] and body["checks"]["keys"] == {"ok": True, "count": 1}
    assert body["checks"]["worker"]["ok"] is False and body["checks"]["worker"]["heartbeat_age_seconds"] is None
    assert settings.PUENTE_DATA_KEYS not in r.content.decode() and settings.SECRET_KEY not in r.content.decode()


def test_health_is_ok_once_the_worker_beats(db):
    tasks.heartbeat()
    body = Client().get("/health/").json()
    assert body["status"] == "ok" and body["checks"]["worker"]["heartbeat_age_seconds"] < 5
    assert WorkerHeartbeat.objects.count() == 1


def test_health_fails_without_keys(db, settings, monkeypatch):
    monkeypatch.setattr("puente.jobs.views.crypto.load_keys", lambda: [])
    r = Client().get("/health/")
    assert r.status_code == 503 and json.loads(r.content)["status"] == "failing"


def test_periodic_schedules_are_created_once_and_backups_only_when_configured(db, monkeypatch, tmp_path):
    monkeypatch.delenv("PUENTE_BACKUP_DIR", raising=False)
    assert tasks.ensure_schedules() == ["puente heartbeat", "puente reminders", "puente retention"]
    tasks.ensure_schedules()
    assert Schedule.objects.filter(name__startswith="puente ").count() == 3
    monkeypatch.setenv("PUENTE_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("PUENTE_BACKUP_KEY", "x")
    assert "puente backup" in tasks.ensure_schedules()
    assert Schedule.objects.get(name="puente backup").func == "puente.jobs.tasks.backup"


def test_router_is_off_without_a_replica(db):
    with routers.reading_from_replica():
        assert routers.ReplicaRouter().db_for_read(Employer) is None
    assert Employer.objects.all().db == "default"


def test_router_reads_visa_models_from_the_replica_only_on_public_visa_pages(db, settings, monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "replica", dict(settings.DATABASES["default"]))
    router = routers.ReplicaRouter()
    assert router.db_for_read(Employer) is None  # outside a public visa page
    with routers.reading_from_replica():
        assert router.db_for_read(Employer) == "replica"
        assert router.db_for_read(WorkerHeartbeat) is None  # other apps stay on the primary
    assert router.db_for_write(Employer) == "default"
    assert router.allow_migrate("replica", "visas") is False


@pytest.mark.parametrize("path,public", [("/visas/?q=farms", True), ("/visas/?q=farms&format=csv", True),
                                         ("/people/?q=Xol", False)])
def test_the_middleware_marks_only_public_visa_pages(coordinator, settings, monkeypatch, path, public):
    monkeypatch.setitem(settings.DATABASES, "replica", dict(settings.DATABASES["default"]))
    seen = []
    original = routers.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        seen.append(routers._use_replica.get())
        return None  # the test database has no replica: read from default, record the marking

    monkeypatch.setattr(routers.ReplicaRouter, "db_for_read", spy)
    client = Client()
    client.force_login(coordinator)
    assert client.get(path).status_code == 200
    monkeypatch.setattr(routers.ReplicaRouter, "db_for_read", original)
    assert seen and any(seen) is public


def test_periodic_tasks_run_the_apps_own_commands(db):
    assert "deadline reminders:" in tasks.remind()
    assert "records in all" in tasks.retention()


def test_scheduled_backup_writes_an_encrypted_file_and_keeps_the_newest(db, tmp_path, monkeypatch):
    monkeypatch.setenv("PUENTE_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("PUENTE_BACKUP_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("PUENTE_BACKUP_KEEP", "2")
    for name in ("puente-20200101-000000.backup", "puente-20200102-000000.backup"):
        (tmp_path / name).write_bytes(b"old")
    written = tasks.backup()
    kept = sorted(p.name for p in tmp_path.glob("puente-*.backup"))
    assert len(kept) == 2 and written.endswith(kept[-1]) and "puente-20200101-000000.backup" not in kept
    content = (tmp_path / kept[-1]).read_bytes()
    assert content.startswith(b"PUENTE-BACKUP-") and b"network.user" not in content  # encrypted, not a dump
