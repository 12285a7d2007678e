"""The one merge / undo / review mechanism: people (locate), recruiters (abuse), employers and
agents (visas) all merge duplicates the same way.

The pieces
==========

*The records* (``Person``, ``Recruiter``, ``Employer``, ``Agent``) have a nullable foreign key to
themselves, ``merged_into``. A merged record keeps its row, hidden from lists, so that the merge
can be undone; what it "is now" is the end of its ``merged_into`` chain (:func:`stands_for`).

*A merge* is a row of a model built on :class:`MergeRecord`: ``survivor`` kept, ``merged``
merged into it, whether it was ``automatic`` (resolution) or a person's decision, its
``score``, ``reason``, what ``moved`` (so that an undo moves back exactly that), who and when,
and, once undone, who, when and why. The concrete model adds the two foreign keys::

    class RecruiterMerge(MergeRecord):
        survivor = models.ForeignKey(Recruiter, on_delete=models.PROTECT, related_name="merges_received")
        merged = models.ForeignKey(Recruiter, on_delete=models.PROTECT, related_name="merges_given")

*A pair to review* is a row of a model built on :class:`ReviewPair`: two records that may be one
(``left``, ``right``), the ``score`` and ``evidence`` that put them on the list, a ``status``
(:class:`PairStatus`: pending, confirmed, rejected, moot) and who decided when. The concrete
model adds ``left`` and ``right`` (and, if it wants, ``merge``: the merge a confirmation made).

The rules (one for every kind of record)
========================================

1. **Merging** (:func:`check_merge`, :func:`mark_merged`): two different records, neither merged
   already, both locked (:func:`lock`, in primary-key order so that two merges cannot deadlock).
   An automatic merge is refused between records a person said are different (rule 3).
2. **A pair whose side has since been merged** is shown and decided as the records its sides
   now stand for (:func:`current_sides`). A pair whose two sides now stand for the same record
   has nothing left to decide: it is **moot**, closed automatically by :func:`settle_pairs`
   after every merge, and opened again (pending) by :func:`settle_pairs` after an undo that
   makes its sides two records again.
3. **A rejected pair stays rejected for the records it now stands for**: once a person said
   A and B are different, whatever A and B are merged into later are different too
   (:func:`rejected_between`, :func:`rejected_pairs`). Resolution does not propose them again
   and confirming another pair between them is refused (:func:`decision_sides`).
4. **Undo in the reverse order of merging** (:func:`check_undo`, :func:`later_merges`,
   :func:`mark_undone`): a merge whose survivor was merged again later can be undone only
   after that later merge; the refusal names the merges to undo and in which order. An undo is
   a person's decision that the two are different: the app records the pair as rejected.

The functions only read, lock and write the merge bookkeeping (``merged_into``, the merge row,
pair statuses); the app's ``do_merge_*`` / ``do_undo_*`` / ``do_decide_*`` actions move their
own related rows and call these inside the action's transaction. They refuse with
:class:`~puente.core.action_contract.ActionRefused`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .action_contract import ActionRefused

__all__ = [
    "MergeRecord", "ReviewPair", "PairStatus", "stands_for", "stands_for_ids", "members", "lock",
    "check_merge", "mark_merged", "later_merges", "check_undo", "mark_undone", "current_sides",
    "decision_sides", "rejected_between", "rejected_pairs", "settle_pairs",
]

M = TypeVar("M", bound=models.Model)

#: Longest chain of merges followed before giving up (a cycle is a bug, never data to trust).
MAX_CHAIN = 100


class PairStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed: the same")
    REJECTED = "rejected", _("Rejected: different")
    MOOT = "moot", _("Moot: already one")


class MergeRecord(models.Model):
    """One merge of ``merged`` into ``survivor`` (both added by the concrete model)."""

    automatic = models.BooleanField(_("automatic"), default=False)
    # Resolution's score or probability when the merge came from one (a person's merge has none).
    score = models.FloatField(_("score"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # What moved to the survivor, listed by the app so that an undo moves back exactly that.
    moved = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("merged by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("undone by"),
    )
    undo_reason = models.CharField(_("reason for the undo"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class ReviewPair(models.Model):
    """Two records (``left``, ``right``, added by the concrete model) that may be one."""

    Status = PairStatus

    score = models.FloatField(_("score"))
    # Why the pair was proposed: reasons, compared fields, resolution's figures.
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PairStatus.choices, default=PairStatus.PENDING,
                              db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-score", "pk"]


# --- what a record stands for ---------------------------------------------------------------------


def stands_for(record: M) -> M:
    """The record ``record`` now stands for: itself, or the end of its ``merged_into`` chain."""
    seen = {record.pk}
    while getattr(record, "merged_into_id", None):
        record = record.merged_into  # type: ignore[attr-defined]  # every mergeable model has it (module doc)
        if record.pk in seen or len(seen) > MAX_CHAIN:
            raise RuntimeError(f"merge cycle through {type(record).__name__} #{record.pk}")
        seen.add(record.pk)
    return record


def stands_for_ids(model: type[models.Model], ids: Iterable[int]) -> dict[int, int]:
    """``{id: id it now stands for}`` for many records at once (one query per level of merging)."""
    result = {pk: pk for pk in ids}
    pending = set(result)
    parent: dict[int, int | None] = {}
    for _level in range(MAX_CHAIN):
        ask = {result[pk] for pk in pending} - parent.keys()
        if ask:
            parent.update(model._default_manager.filter(pk__in=ask).values_list("pk", "merged_into_id"))
        moved = set()
        for pk in pending:
            up = parent.get(result[pk])
            if up:
                result[pk] = up
                moved.add(pk)
        pending = moved
        if not pending:
            return result
    raise RuntimeError(f"merge cycle among {model.__name__} {sorted(pending)[:5]}")


def members(model: type[models.Model], pk: int) -> set[int]:
    """Every record that now stands for record ``pk``: itself and, recursively, those merged into it."""
    out = {pk}
    frontier = {pk}
    while frontier:
        frontier = set(model._default_manager.filter(merged_into_id__in=frontier).values_list("pk", flat=True)) - out
        out |= frontier
    return out


def lock(model: type[M], *pks: int) -> dict[int, M]:
    """The records, locked (``select_for_update``) in primary-key order, by pk."""
    rows = model._default_manager.select_for_update().filter(pk__in=pks).order_by("pk")
    return {r.pk: r for r in rows}


# --- merging and undoing ----------------------------------------------------------------------------


def check_merge(survivor: models.Model, merged: models.Model, *, pair_model: type[ReviewPair] | None = None,
                automatic: bool = False) -> None:
    """Rule 1: refuse to merge a record into itself, a record already merged, or (``automatic``)
    two records a person said are different."""
    if survivor.pk == merged.pk:
        raise ActionRefused(_("Choose two different records."), code="state")
    if getattr(survivor, "merged_into_id", None) or getattr(merged, "merged_into_id", None):
        raise ActionRefused(_("One of the two has already been merged into another record."), code="state")
    if automatic and pair_model is not None and rejected_between(pair_model, survivor, merged):
        raise ActionRefused(_("A Coordinator decided that these two are different."), code="rejected")


def mark_merged(merge_model: type[MergeRecord], survivor: models.Model, merged: models.Model, *,
                acting_user: Any, automatic: bool = False, score: float | None = None, reason: str = "",
                moved: dict | None = None, pair_model: type[ReviewPair] | None = None, **fields: Any) -> MergeRecord:
    """Record the merge: ``merged.merged_into = survivor``, a merge row, and pairs now moot closed
    (rule 2). The caller has locked both, called :func:`check_merge` and moved its rows."""
    merged.merged_into = survivor  # type: ignore[attr-defined]  # every mergeable model has it
    merged.save(update_fields=["merged_into"])
    merge = merge_model._default_manager.create(
        survivor=survivor, merged=merged, automatic=automatic, score=score, reason=reason, moved=moved or {},
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None, **fields,
    )
    if pair_model is not None:
        settle_pairs(pair_model, type(survivor), [survivor.pk])
    return merge


def later_merges(merge: Any) -> list[Any]:
    """The merges to undo before ``merge``, in the order to undo them: the one that merged its
    survivor into another record, the one that merged that record ..., the latest first."""
    chain: list[Any] = []
    record = merge.survivor
    for _level in range(MAX_CHAIN):
        if not record.merged_into_id:
            return list(reversed(chain))
        later = (type(merge)._default_manager.filter(merged_id=record.pk, undone_at__isnull=True)
                 .select_related("survivor", "merged").order_by("-pk").first())
        if later is None:  # merged without a merge row: nothing an undo could follow
            return list(reversed(chain))
        chain.append(later)
        record = later.survivor
    raise RuntimeError(f"merge cycle through {type(record).__name__} #{record.pk}")


def _describe(merge: Any) -> str:
    return str(_("#%(merge)s (#%(merged)s into #%(survivor)s)") % {
        "merge": merge.pk, "merged": merge.merged_id, "survivor": merge.survivor_id})


def check_undo(merge: Any, *, describe: Callable[[Any], str] = _describe) -> None:
    """Rule 4: refuse an undo that is done already, no longer holds, or comes before a later
    merge of its survivor (naming the merges to undo first, in order). Lock the merge and both
    records before calling it."""
    if merge.undone_at:
        raise ActionRefused(_("This merge has already been undone."), code="state")
    if merge.merged.merged_into_id != merge.survivor_id:
        raise ActionRefused(_("This merge no longer holds: the merged record has moved since."), code="state")
    first = later_merges(merge)
    if first:
        raise ActionRefused(
            _("The record kept by this merge was merged again since. Undo these merges first, in this order: "
              "%(order)s.") % {"order": ", ".join(describe(m) for m in first)},
            code="order",
        )


def mark_undone(merge: Any, *, acting_user: Any, reason: str = "",
                pair_model: type[ReviewPair] | None = None) -> Any:
    """Record the undo: the merged record stands for itself again, the merge row says who, when
    and why, and moot pairs that are two records again are pending again (rule 2). The caller
    has called :func:`check_undo` and moved its rows back."""
    merged = merge.merged
    merged.merged_into = None
    merged.save(update_fields=["merged_into"])
    merge.undone_at = timezone.now()
    merge.undone_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    merge.undo_reason = reason
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    if pair_model is not None:
        settle_pairs(pair_model, type(merged), [merge.survivor_id, merged.pk])
    return merge


# --- pairs to review --------------------------------------------------------------------------------


def _record_model(pair_model: type[models.Model]) -> type[models.Model]:
    return pair_model._meta.get_field("left").related_model  # type: ignore[return-value]  # a ForeignKey always has a model class (the stubs allow "self")


def current_sides(pair: Any) -> tuple[Any, Any]:
    """Rule 2: the records the pair's sides now stand for."""
    return stands_for(pair.left), stands_for(pair.right)


def rejected_between(pair_model: type[models.Model], a: models.Model, b: models.Model) -> bool:
    """Rule 3: has a person rejected a pair whose sides now stand for what ``a`` and ``b`` stand for?"""
    record_model = _record_model(pair_model)
    left, right = stands_for(a), stands_for(b)
    if left.pk == right.pk:
        return False
    one, two = members(record_model, left.pk), members(record_model, right.pk)
    return pair_model._default_manager.filter(
        Q(left_id__in=one, right_id__in=two) | Q(left_id__in=two, right_id__in=one),
        status=PairStatus.REJECTED,
    ).exists()


def rejected_pairs(pair_model: type[models.Model]) -> set[frozenset[int]]:
    """Rule 3 for a whole resolution run: the pairs of record ids (as they now stand) never to
    propose or merge automatically."""
    rows = list(pair_model._default_manager.filter(status=PairStatus.REJECTED).values_list("left_id", "right_id"))
    now = stands_for_ids(_record_model(pair_model), {pk for row in rows for pk in row})
    return {frozenset((now[a], now[b])) for a, b in rows if now[a] != now[b]}


def decision_sides(pair: Any, *, confirm: bool) -> tuple[Any, Any]:
    """The two records a decision on ``pair`` is about (rule 2), refusing a pair decided already,
    a moot one, and (rule 3) a confirmation between records a person said are different. Lock
    the pair before calling it."""
    if pair.status != PairStatus.PENDING:
        raise ActionRefused(_("This pair has already been decided."), code="state")
    left, right = current_sides(pair)
    if left.pk == right.pk:
        raise ActionRefused(_("These two are one record already: there is nothing left to decide."), code="moot")
    if confirm and rejected_between(type(pair), left, right):
        raise ActionRefused(_("A Coordinator decided earlier that these two are different."), code="rejected")
    return left, right


def settle_pairs(pair_model: type[models.Model], record_model: type[models.Model],
                 touching: Iterable[int] | None = None) -> tuple[int, int]:
    """Rule 2 after a merge or an undo: pending pairs whose sides now stand for one record become
    moot; moot pairs whose sides are two records again become pending. ``touching``: only pairs
    with a side among the records standing for these ids (all pairs when None). Returns
    ``(closed, reopened)``."""
    pairs = pair_model._default_manager.filter(status__in=[PairStatus.PENDING, PairStatus.MOOT])
    if touching is not None:
        ids: set[int] = set()
        for pk in set(touching):
            ids |= members(record_model, stands_for_ids(record_model, [pk])[pk])
        pairs = pairs.filter(Q(left_id__in=ids) | Q(right_id__in=ids))
    rows = list(pairs.values_list("pk", "left_id", "right_id", "status"))
    now = stands_for_ids(record_model, {pk for _p, a, b, _s in rows for pk in (a, b)})
    close = [p for p, a, b, s in rows if s == PairStatus.PENDING and now[a] == now[b]]
    reopen = [p for p, a, b, s in rows if s == PairStatus.MOOT and now[a] != now[b]]
    if close:
        pair_model._default_manager.filter(pk__in=close).update(
            status=PairStatus.MOOT, decided_at=timezone.now(), decided_by=None)
    if reopen:
        pair_model._default_manager.filter(pk__in=reopen).update(
            status=PairStatus.PENDING, decided_at=None, decided_by=None)
    return len(close), len(reopen)
