"""Employer resolution with Splink, and debarments."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from puente.visas import actions
from puente.visas.importing import FileRefused
from tests.factories import make_coordinator
from puente.visas.models import Debarment, Employer, EmployerMerge, MergeReview

from .world import make_employer

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.django_db
def test_splink_merges_the_certain_queues_the_uncertain_and_keeps_numbers_apart():
    sure_a = make_employer("BENSON ENTERPRISES OF NEW YORK INC", state="NY", city="VICTOR", rows=((2014, 8), (2016, 9)))
    sure_b = make_employer("BENSON ENTERPRSES OF NEW YORK INC", state="NY", city="VICTOR")
    maybe_a = make_employer("Great Lakes Stripping and Sealing Inc", state="MI", city="Traverse")
    maybe_b = make_employer("Great Lakes Striping and Sealing, Inc.", state="MI", city="Traverse City")
    two = make_employer("STAR NURSERY II", state="LA", city="BELLE CHASE")
    three = make_employer("STAR NURSERY III", state="LA", city="BELLE CHASE")
    elsewhere = make_employer("BENSON ENTERPRISES OF NEW YORK INC", state="TX", city="DALLAS")
    result = actions.do_resolve(acting_user=None)
    sure_b.refresh_from_db()
    assert sure_b.merged_into_id == sure_a.pk  # the one with more rows survives
    assert EmployerMerge.objects.get(merged=sure_b).probability >= 0.95
    review = MergeReview.objects.get(left_id__in=(maybe_a.pk, maybe_b.pk))
    assert {review.left_id, review.right_id} == {maybe_a.pk, maybe_b.pk} and 0.3 <= review.probability < 0.95
    # Different numbers weigh against a match: at most a question for a Coordinator, never a merge.
    numbered = MergeReview.objects.filter(left_id__in=(two.pk, three.pk)).first()
    assert numbered is None or numbered.probability < 0.9
    for e in (two, three, elsewhere, maybe_a, maybe_b):
        e.refresh_from_db()
        assert e.merged_into_id is None
    assert result["merged"] == 1 and result["review"] == MergeReview.objects.count()
    # Running again proposes nothing new; an undone merge is not redone.
    actions.do_undo_merge(EmployerMerge.objects.get(), acting_user=make_coordinator())
    again = actions.do_resolve(acting_user=None)
    assert again["merged"] == 0 and again["review"] == 0
    sure_b.refresh_from_db()
    assert sure_b.merged_into_id is None


@pytest.mark.django_db
def test_debarments_link_with_certainty():
    make_employer("SMITH FARMS LLC", state="NC", city="KINSTON")
    rows = actions.do_import_debarments(FIXTURES / "debarments_small.csv", acting_user=None)
    assert len(rows) == 2
    smith = Debarment.objects.get(name="Smith Farms, LLC")
    assert smith.employer.name == "SMITH FARMS LLC" and smith.certainty == 1.0 and smith.state == "NC"
    assert smith.start.isoformat() == "2011-01-06" and smith.raw["Sources"] == "test"
    assert Debarment.objects.get(name="Nobody Known Here").employer is None
    actions.do_import_debarments(FIXTURES / "debarments_small.csv", acting_user=None)  # re-import replaces
    assert Debarment.objects.count() == 2


@pytest.mark.django_db
def test_bad_debarment_file_is_refused_whole():
    with pytest.raises(FileRefused) as refused:
        actions.do_import_debarments(FIXTURES / "debarments_bad.csv", acting_user=None)
    assert "row 2" in str(refused.value) and "Start Date" in str(refused.value) and "someday" in str(refused.value)
    assert not Debarment.objects.exists()


@pytest.mark.django_db
def test_employers_command_json():
    call_command("visas", "import", str(FIXTURES / "H-2A_FY2012_small.csv"), stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("visas", "employers", "--search", "north carolina growers", "--format", "json", stdout=out)
    found = json.loads(out.getvalue())
    assert len(found) == 1
    assert sorted(found[0]["names"]) == ["NORTH CAROLINA GROWERS ASSOCIATION, INC.",
                                         "NORTH CAROLINA GROWERS ASSOCIATION, INC. (NCGA)"]
    assert found[0]["years"] == [{"visa": "H-2A", "fy": 2012, "positions_certified": 125, "cases": 2}]
    assert Employer.objects.filter(merged_into__isnull=True).count() >= 5
