"""The one merge/undo/review mechanism (puente/core/merging.py), on a real app's models: abuse's
recruiters, their merges and their candidate pairs (the first stack built the way the module
describes: ``survivor``/``merged`` merges, ``left``/``right`` pairs with a ``status``)."""

import pytest

from puente.abuse.models import MergeCandidate, Recruiter, RecruiterMerge
from puente.core import merging
from puente.core.action_contract import ActionRefused
from puente.core.merging import PairStatus

pytestmark = pytest.mark.django_db


def recruiter(name):
    return Recruiter.objects.create(name=name)


def merge(survivor, merged):
    """A merge as the app's action leaves it (its own rows moved, bookkeeping here)."""
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into"])
    return RecruiterMerge.objects.create(survivor=survivor, merged=merged)


def pair(left, right, status=PairStatus.PENDING):
    return MergeCandidate.objects.create(left=left, right=right, score=90, status=status)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_stands_for_follows_the_chain():
    a, b, c = recruiter("A"), recruiter("B"), recruiter("C")
    assert merging.stands_for(a) == a
    merge(b, a)
    merge(c, b)
    assert merging.stands_for(fresh(a)) == c
    assert merging.stands_for_ids(Recruiter, [a.pk, b.pk, c.pk]) == {a.pk: c.pk, b.pk: c.pk, c.pk: c.pk}
    assert merging.members(Recruiter, c.pk) == {a.pk, b.pk, c.pk}
    assert merging.members(Recruiter, a.pk) == {a.pk}


def test_a_merge_cycle_is_an_error_not_a_loop():
    a, b = recruiter("A"), recruiter("B")
    Recruiter.objects.filter(pk=a.pk).update(merged_into=b)
    Recruiter.objects.filter(pk=b.pk).update(merged_into=a)
    with pytest.raises(RuntimeError):
        merging.stands_for(fresh(a))
    with pytest.raises(RuntimeError):
        merging.stands_for_ids(Recruiter, [a.pk])


def test_check_merge_refuses_itself_and_merged_records_and_rejected_automatic_merges():
    a, b, c = recruiter("A"), recruiter("B"), recruiter("C")
    with pytest.raises(ActionRefused):
        merging.check_merge(a, a)
    merge(b, a)
    with pytest.raises(ActionRefused):
        merging.check_merge(c, fresh(a))
    pair(b, c, PairStatus.REJECTED)
    merging.check_merge(c, b)  # a person may still merge them
    with pytest.raises(ActionRefused) as refused:
        merging.check_merge(c, b, pair_model=MergeCandidate, automatic=True)
    assert refused.value.refusal_code == "rejected"


def test_undo_waits_for_the_later_merge_of_its_survivor_and_names_the_order():
    a, b, c, d = recruiter("A"), recruiter("B"), recruiter("C"), recruiter("D")
    first = merge(b, a)
    second = merge(c, b)
    third = merge(d, c)
    assert merging.later_merges(fresh(first)) == [third, second]
    with pytest.raises(ActionRefused) as refused:
        merging.check_undo(fresh(first))
    assert refused.value.refusal_code == "order"
    text = refused.value.text
    assert text.index(f"#{third.pk}") < text.index(f"#{second.pk}")
    merging.check_undo(fresh(third))  # the latest one may go


def test_undo_refused_when_done_or_no_longer_holding():
    a, b, c = recruiter("A"), recruiter("B"), recruiter("C")
    m = merge(b, a)
    Recruiter.objects.filter(pk=a.pk).update(merged_into=c)  # moved on without this merge
    with pytest.raises(ActionRefused):
        merging.check_undo(fresh(m))
    m.undone_at = m.merged_at
    with pytest.raises(ActionRefused):
        merging.check_undo(m)


def test_a_pair_is_decided_as_the_records_its_sides_now_stand_for():
    a, b, c = recruiter("A"), recruiter("B"), recruiter("C")
    p = pair(a, b)
    merge(c, a)
    assert merging.current_sides(fresh(p)) == (c, b)
    assert merging.decision_sides(fresh(p), confirm=True) == (c, b)


def test_a_pair_whose_sides_are_one_record_is_moot_and_reopened_by_an_undo():
    a, b, c, other = recruiter("A"), recruiter("B"), recruiter("C"), recruiter("X")
    p = pair(a, b)
    untouched = pair(c, other)
    m = merge(b, a)
    assert merging.settle_pairs(MergeCandidate, Recruiter, [b.pk]) == (1, 0)
    assert fresh(p).status == PairStatus.MOOT and fresh(p).decided_at is not None
    assert fresh(untouched).status == PairStatus.PENDING
    with pytest.raises(ActionRefused):
        merging.decision_sides(fresh(p), confirm=False)  # decided (moot) already
    MergeCandidate.objects.filter(pk=p.pk).update(status=PairStatus.PENDING)
    with pytest.raises(ActionRefused) as refused:
        merging.decision_sides(fresh(p), confirm=True)  # not closed yet (a race): still refused
    assert refused.value.refusal_code == "moot"
    MergeCandidate.objects.filter(pk=p.pk).update(status=PairStatus.MOOT)
    Recruiter.objects.filter(pk=a.pk).update(merged_into=None)  # the undo's own change
    m.delete()
    assert merging.settle_pairs(MergeCandidate, Recruiter) == (0, 1)
    assert fresh(p).status == PairStatus.PENDING and fresh(p).decided_at is None


def test_a_rejected_pair_stays_rejected_for_the_records_it_now_stands_for():
    a, b, c, d = recruiter("A"), recruiter("B"), recruiter("C"), recruiter("D")
    pair(a, b, PairStatus.REJECTED)
    later = pair(c, d)
    merge(c, a)  # a is now c
    merge(d, b)  # b is now d
    assert merging.rejected_between(MergeCandidate, c, d)
    assert merging.rejected_between(MergeCandidate, d, c)
    assert merging.rejected_pairs(MergeCandidate) == {frozenset((c.pk, d.pk))}
    with pytest.raises(ActionRefused) as refused:
        merging.decision_sides(fresh(later), confirm=True)
    assert refused.value.refusal_code == "rejected"
    assert merging.decision_sides(fresh(later), confirm=False) == (c, d)  # rejecting again is fine
    e = recruiter("E")
    assert not merging.rejected_between(MergeCandidate, c, e)


def test_lock_returns_the_records_in_primary_key_order():
    a, b = recruiter("A"), recruiter("B")
    assert list(merging.lock(Recruiter, b.pk, a.pk)) == [a.pk, b.pk]
