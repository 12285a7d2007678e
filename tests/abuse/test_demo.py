import io

import pytest

from puente.abuse import demo
from puente.abuse.models import AbuseReport, MergeCandidate, Recruiter
from tests.factories import make_coordinator, make_defender_org, make_defender_user

pytestmark = pytest.mark.django_db


def test_demo_skips_without_network_demo():
    out = io.StringIO()
    demo.load(out)
    assert "skipped" in out.getvalue() and not Recruiter.objects.exists()


def test_demo_loads_once():
    make_coordinator(email="coordinator1@demo.puente.org")
    for i, country in enumerate(["MX", "GT", "HN"], start=1):
        make_defender_user(make_defender_org(country=country), email=f"defender{i}@demo.puente.org")
    demo.load(io.StringIO())
    counts = (Recruiter.objects.count(), AbuseReport.objects.count())
    assert counts[1] == 60 and Recruiter.active.count() >= len(demo.RECRUITERS)
    # The doubtful spelling waits for review instead of being merged.
    assert MergeCandidate.objects.filter(status="pending").exists()
    out = io.StringIO()
    demo.load(out)
    assert "already loaded" in out.getvalue()
    assert (Recruiter.objects.count(), AbuseReport.objects.count()) == counts
