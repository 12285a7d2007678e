"""The shared world plus jobs: one started by the Advocate, one by the Defender, one failed job of
the Coordinator (``w.advocate_job``, ``w.defender_job``, ``w.failed_job``)."""

import json

import pytest

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
    return w
