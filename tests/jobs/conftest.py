"""The shared world plus jobs: one started by the Advocate, one by the Defender, one failed job and
one finished report of the Coordinator (``w.advocate_job``, ``w.defender_job``, ``w.failed_job``,
``w.report_job``)."""

import json

import pytest
from django.core.files.base import ContentFile

from puente.core.storage import private_storage

from puente.jobs.models import Job
from tests.world import build_world


@pytest.fixture
def world(db):
    w = build_world()
    w.advocate_job = Job.objects.create(kind="visas.resolve", label="Advocate's job", user=w.advocate,
                                        status=Job.Status.DONE)
    w.defender_job = Job.objects.create(kind="visas.resolve", label="Defender's job", user=w.defender,
                                        status=Job.Status.RUNNING)
    w.failed_job = Job.objects.create(kind="visas.resolve", label="A failed run", user=w.coordinator,
                                      status=Job.Status.FAILED, error="boom", payload=json.dumps({}))
    w.report_job = Job.objects.create(
        kind="locate.project_report_pdf", label="Report", user=w.coordinator, status=Job.Status.DONE,
        result={"file": private_storage.save("jobs/report.bin", ContentFile(b"%PDF-1.7 test")), "file_name": "r.pdf"})
    return w
