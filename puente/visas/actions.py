"""Every state change of the visas app, as one ``do_*`` function each, on the action contract
(``puente.core.action_contract``: objects first, keyword-only ``acting_user``, atomic, audited,
``ActionRefused`` for every refusal).

Imports write many thousands of rows; those are bulk inserts inside one transaction (see
``importing``), and the ImportedFile row itself is audited. Merges lock both employers (or agents),
so that two Coordinators confirming overlapping pairs cannot interleave. A merge's audit trail is
its merge row (``EmployerMerge``/``AgentMerge``, created and later marked undone) and the merged
record's ``merged_into``; the names and rows it moves are listed in the merge row.

Commands, the demo loader and resolution run the ``system=True`` actions with ``acting_user=None``.
"""

import csv
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from puente.core.action_contract import ActionRefused, action

from . import columns, normalise, resolve as resolution
from .importing import FileRefused, Progress, Summary, detect_encoding, import_file
from .models import (
    Agent, AgentMerge, AgentMergeReview, AgentName, Debarment, Employer, EmployerMerge, EmployerName, EmployerToken,
    LinkMethod, MergeReview, VisaCase,
)
from .search import index_names
from .stats import refresh_employer_totals


@action("visas.manage", system=True)
def do_import_file(path, *, acting_user, visa=None, fiscal_year=None, importer_label="",
                   progress: Progress | None = None, run_resolution=True, stdout=None) -> Summary:
    """Import one disclosure file (refused whole on any problem: ``FileRefused``), then resolve
    employers and agents unless ``run_resolution`` is False."""
    summary = import_file(path, visa=visa, fiscal_year=fiscal_year, importer=importer_label, progress=progress)
    if run_resolution and summary.new_employers:
        do_resolve(acting_user=acting_user, stdout=stdout)
    return summary


@action("visas.manage", system=True)
def do_resolve(*, acting_user, stdout=None):
    """Employer and agent resolution (Splink): merge the certain pairs, list the uncertain."""
    return resolution.resolve(
        merge_employers=lambda into, gone, p, evidence="": do_merge_employers(
            into, gone, acting_user=acting_user, probability=p, automatic=True, evidence=evidence),
        merge_agents=lambda into, gone, p: do_merge_agents(
            into, gone, acting_user=acting_user, probability=p, automatic=True),
        rehome_agents=lambda: do_rehome_agent_rows(acting_user=acting_user),
        stdout=stdout)


@action("visas.manage", system=True)
def do_rekey(*, acting_user):
    """Recompute every name's key with the current ``normalise.name_key`` (after a change of the
    key, e.g. the move to ``puente.core.orgnames.org_key``) and the search words of employer names,
    so that names imported before and after the change meet. Agents whose new keys coincide keep
    their old keys (resolution then compares them: their names are the same). Returns counts."""
    changed = {"employer_names": 0, "employers": 0, "agent_names": 0, "agents": 0, "agents_kept": 0}
    names = []
    for name in EmployerName.objects.only("pk", "name", "key").iterator(chunk_size=5_000):
        key = (normalise.name_key(name.name) or name.name.upper())[:300]
        if key != name.key:
            name.key = key
            names.append(name)
    EmployerName.objects.bulk_update(names, ["key"], batch_size=2_000)
    changed["employer_names"] = len(names)
    employers = []
    for employer in Employer.objects.only("pk", "name", "key").iterator(chunk_size=5_000):
        key = (normalise.name_key(employer.name) or employer.name.upper())[:300]
        if key != employer.key:
            employer.key = key
            employers.append(employer)
    Employer.objects.bulk_update(employers, ["key"], batch_size=2_000)
    changed["employers"] = len(employers)
    agent_names = []
    for name in AgentName.objects.only("pk", "name", "key").iterator(chunk_size=5_000):
        key = (normalise.name_key(name.name) or name.name.upper())[:300]
        if key != name.key:
            name.key = key
            agent_names.append(name)
    AgentName.objects.bulk_update(agent_names, ["key"], batch_size=2_000)
    changed["agent_names"] = len(agent_names)
    taken = set(Agent.objects.values_list("key", flat=True))
    for agent in Agent.objects.order_by("pk").only("pk", "name", "key"):
        key = (normalise.name_key(agent.name) or agent.name.upper())[:300]
        if key == agent.key:
            continue
        if key in taken:
            changed["agents_kept"] += 1
            continue
        taken.discard(agent.key)
        taken.add(key)
        agent.key = key
        agent.save(update_fields=["key"])
        changed["agents"] += 1
    EmployerToken.objects.all().delete()
    index_names(EmployerName.objects.values_list("pk", "key"))
    return changed


def _active(employer):
    while employer.merged_into_id:
        employer = employer.merged_into
    return employer


@action("visas.manage", system=True)
def do_merge_employers(into, merged, *, acting_user, probability=None, automatic=False, evidence=""):
    """Merge employer ``merged`` into ``into``: its names, rows and debarments move; the merged
    employer stays (marked ``merged_into``) so that ``do_undo_merge`` can restore it."""
    into_id = into if isinstance(into, int) else into.pk
    merged_id = merged if isinstance(merged, int) else merged.pk
    locked = {e.pk: e for e in Employer.objects.select_for_update().filter(pk__in=[into_id, merged_id])}
    into, merged = locked[into_id], locked[merged_id]
    if into.pk == merged.pk or merged.merged_into_id or into.merged_into_id:
        raise ActionRefused(_("Only two different employers that are not merged already can be merged."), code="state")
    method = LinkMethod.SPLINK if automatic else LinkMethod.COORDINATOR
    names = list(EmployerName.objects.filter(employer=merged).values_list("pk", "certainty", "method"))
    debarment_ids = list(Debarment.objects.filter(employer=merged).values_list("pk", flat=True))
    merge = EmployerMerge.objects.create(
        into=into, merged=merged, probability=probability, method=method,
        name_ids=[list(n) for n in names], debarment_ids=debarment_ids, by=acting_user, evidence=evidence[:500],
    )
    name_ids = [n[0] for n in names]
    certainty = probability if probability is not None else 1.0
    EmployerName.objects.filter(pk__in=name_ids).update(employer=into, method=method, certainty=certainty)
    VisaCase.objects.filter(employer=merged).update(employer=into)
    Debarment.objects.filter(pk__in=debarment_ids).update(employer=into)
    merged.merged_into = into
    merged.save(update_fields=["merged_into"])
    refresh_employer_totals([into.pk, merged.pk])
    return merge


@action("visas.manage")
def do_undo_merge(merge, *, acting_user):
    """Move back exactly the names, rows and debarments that the merge moved."""
    merge = EmployerMerge.objects.select_for_update().get(pk=merge if isinstance(merge, int) else merge.pk)
    if merge.undone_at:
        raise ActionRefused(_("This merge was already undone."), code="state")
    locked = {e.pk: e for e in Employer.objects.select_for_update().filter(pk__in=[merge.into_id, merge.merged_id])}
    if locked[merge.into_id].merged_into_id:
        # The names moved on with ``into``: undoing this merge first would move nothing back.
        raise ActionRefused(_("%(employer)s was merged again since: undo that merge first.")
                            % {"employer": locked[merge.into_id].name}, code="state")
    merged = locked[merge.merged_id]
    for pk, certainty, method in merge.name_ids:
        EmployerName.objects.filter(pk=pk, employer_id=merge.into_id).update(
            employer_id=merge.merged_id, certainty=certainty, method=method)
    name_ids = [n[0] for n in merge.name_ids]
    VisaCase.objects.filter(employer_name_id__in=name_ids, employer_id=merge.into_id).update(
        employer_id=merge.merged_id)
    Debarment.objects.filter(pk__in=merge.debarment_ids, employer_id=merge.into_id).update(employer_id=merge.merged_id)
    merged.merged_into = None
    merged.save(update_fields=["merged_into"])
    refresh_employer_totals([merge.into_id, merge.merged_id])
    merge.undone_at = timezone.now()
    merge.undone_by = acting_user
    merge.save(update_fields=["undone_at", "undone_by"])
    MergeReview.objects.filter(merge=merge).update(state=MergeReview.State.PENDING, merge=None,
                                                   decided_by=None, decided_at=None)
    return merge


@action("visas.manage")
def do_confirm_review(review, *, acting_user):
    review = MergeReview.objects.select_for_update().get(pk=review.pk)
    if review.state != MergeReview.State.PENDING:
        raise ActionRefused(_("This pair was already decided."), code="state")
    left, right = _active(review.left), _active(review.right)
    merge = None
    if left.pk != right.pk:
        sizes = {e.pk: e.visa_cases.count() for e in (left, right)}
        into, gone = (left, right) if (sizes[left.pk], -left.pk) >= (sizes[right.pk], -right.pk) else (right, left)
        merge = do_merge_employers(into, gone, acting_user=acting_user, probability=review.probability,
                                   evidence=review.evidence)
    review.state, review.merge, review.decided_by, review.decided_at = (
        MergeReview.State.CONFIRMED, merge, acting_user, timezone.now())
    review.save()
    return review


@action("visas.manage")
def do_reject_review(review, *, acting_user):
    review = MergeReview.objects.select_for_update().get(pk=review.pk)
    if review.state != MergeReview.State.PENDING:
        raise ActionRefused(_("This pair was already decided."), code="state")
    review.state, review.decided_by, review.decided_at = MergeReview.State.REJECTED, acting_user, timezone.now()
    review.save()
    return review


# --- agents -------------------------------------------------------------------------------------

def _pk(obj):
    return obj if isinstance(obj, int) else obj.pk


@action("visas.manage", system=True)
def do_merge_agents(into, merged, *, acting_user, probability=None, automatic=False):
    """Merge agent ``merged`` into ``into``: its names as filed and its rows move; the merged agent
    stays (marked ``merged_into``) so that ``do_undo_agent_merge`` can restore it."""
    into_id, merged_id = _pk(into), _pk(merged)
    locked = {a.pk: a for a in Agent.objects.select_for_update().filter(pk__in=[into_id, merged_id])}
    into, merged = locked[into_id], locked[merged_id]
    if into.pk == merged.pk or merged.merged_into_id or into.merged_into_id:
        raise ActionRefused(_("Only two different agents that are not merged already can be merged."), code="state")
    method = LinkMethod.SPLINK if automatic else LinkMethod.COORDINATOR
    names = list(AgentName.objects.filter(agent=merged).values_list("pk", "certainty", "method", "name"))
    rows = VisaCase.objects.filter(agent=merged)
    row_names = set(rows.values_list("agent_name_filed", flat=True).order_by().distinct())
    merge = AgentMerge.objects.create(
        into=into, merged=merged, probability=probability, method=method,
        name_ids=[[pk, certainty, m] for pk, certainty, m, _n in names],
        row_names=sorted(row_names | {n[3] for n in names}), by=acting_user,
    )
    AgentName.objects.filter(pk__in=[n[0] for n in names]).update(
        agent=into, method=method, certainty=probability if probability is not None else 1.0)
    rows.update(agent=into)
    merged.merged_into = into
    merged.save(update_fields=["merged_into"])
    return merge


@action("visas.manage")
def do_undo_agent_merge(merge, *, acting_user):
    """Move back exactly the names as filed that the merge moved, and the rows filed under them
    (also rows imported since the merge, which followed their name to the survivor)."""
    merge = AgentMerge.objects.select_for_update().get(pk=_pk(merge))
    if merge.undone_at:
        raise ActionRefused(_("This merge was already undone."), code="state")
    agents = {a.pk: a for a in Agent.objects.select_for_update().filter(pk__in=[merge.into_id, merge.merged_id])}
    into, merged = agents[merge.into_id], agents[merge.merged_id]
    if into.merged_into_id:
        # The names moved on with ``into``; undoing this one first would leave them behind.
        raise ActionRefused(_("%(agent)s was merged again since: undo that merge first.") % {"agent": into.name},
                            code="state")
    for pk, certainty, method in merge.name_ids:
        AgentName.objects.filter(pk=pk, agent=into).update(agent=merged, certainty=certainty, method=method)
    VisaCase.objects.filter(agent=into, agent_name_filed__in=merge.row_names).update(agent=merged)
    merged.merged_into = None
    merged.save(update_fields=["merged_into"])
    merge.undone_at, merge.undone_by = timezone.now(), acting_user
    merge.save(update_fields=["undone_at", "undone_by"])
    AgentMergeReview.objects.filter(merge=merge).update(
        state=AgentMergeReview.State.PENDING, merge=None, decided_by=None, decided_at=None)
    return merge


@action("visas.manage", system=True)
def do_rehome_agent_rows(*, acting_user):
    """Names and rows that an import attached to an agent merged earlier (the importer finds agents
    by normalised name, merged ones included) move on to the agent it was merged into, recorded on
    that merge so that its undo takes them back too. Oldest merge first, so that chains
    (A into B, then B into C) end at the survivor. Returns how many rows moved."""
    moved = 0
    for merge in AgentMerge.objects.select_for_update().filter(undone_at__isnull=True).order_by("at", "pk"):
        names = list(AgentName.objects.filter(agent_id=merge.merged_id).values_list(
            "pk", "certainty", "method", "name"))
        rows = VisaCase.objects.filter(agent_id=merge.merged_id)
        row_names = set(rows.values_list("agent_name_filed", flat=True).order_by().distinct())
        if not names and not row_names:
            continue
        AgentName.objects.filter(pk__in=[n[0] for n in names]).update(
            agent_id=merge.into_id, method=merge.method,
            certainty=merge.probability if merge.probability is not None else 1.0)
        moved += rows.update(agent_id=merge.into_id)
        merge.name_ids = merge.name_ids + [[pk, c, m] for pk, c, m, _n in names]
        merge.row_names = sorted(set(merge.row_names) | row_names | {n[3] for n in names})
        merge.save(update_fields=["name_ids", "row_names"])
    return moved


@action("visas.manage")
def do_confirm_agent_review(review, *, acting_user):
    """A Coordinator says the two agents are one: merge them (the one with more rows survives)."""
    review = AgentMergeReview.objects.select_for_update().get(pk=_pk(review))
    if review.state != AgentMergeReview.State.PENDING:
        raise ActionRefused(_("This pair was already decided."), code="state")
    left, right = _active(review.left), _active(review.right)
    merge = None
    if left.pk != right.pk:
        sizes = {a.pk: a.visa_cases.count() for a in (left, right)}
        into, gone = (left, right) if (sizes[left.pk], -left.pk) >= (sizes[right.pk], -right.pk) else (right, left)
        merge = do_merge_agents(into, gone, acting_user=acting_user, probability=review.probability)
    review.state, review.merge, review.decided_by, review.decided_at = (
        AgentMergeReview.State.CONFIRMED, merge, acting_user, timezone.now())
    review.save()
    return review


@action("visas.manage")
def do_reject_agent_review(review, *, acting_user):
    """A Coordinator says the two agents are different: the pair is never proposed again."""
    review = AgentMergeReview.objects.select_for_update().get(pk=_pk(review))
    if review.state != AgentMergeReview.State.PENDING:
        raise ActionRefused(_("This pair was already decided."), code="state")
    review.state, review.decided_by, review.decided_at = AgentMergeReview.State.REJECTED, acting_user, timezone.now()
    review.save()
    return review


# --- debarments ---------------------------------------------------------------------------------

DEBARMENT_COLUMNS = {
    "program": ["Program", "Programme", "Visa"],
    "name": ["Entity Debarred", "Name", "Employer", "Employer Name", "Debarred Entity"],
    "city": ["City"],
    "state": ["State"],
    "start": ["Start Date", "Debarment Start", "Start"],
    "end": ["End Date", "Debarment End", "End"],
}


def link_debarment(name, state):
    """(employer, certainty, method) for a debarred name: the same normalised name in the same
    state is certain; the same name elsewhere, or the trade name after "DBA", is less so; a close
    spelling (rapidfuzz) is scored by its similarity."""
    keys = normalise.name_keys(name) or [normalise.name_key(name)]
    for i, key in enumerate(keys):
        names = EmployerName.objects.filter(key=key, employer__isnull=False).select_related("employer")
        same_state = [n for n in names if n.state == state]
        if same_state:
            return _active(same_state[0].employer), (1.0 if i == 0 else 0.9), LinkMethod.EXACT
        if names:
            return _active(names[0].employer), 0.6, LinkMethod.EXACT
    candidates = dict(EmployerName.objects.filter(state=state, employer__isnull=False).order_by("key", "pk")
                      .values_list("key", "employer_id"))
    if candidates:
        best = process.extractOne(keys[0], list(candidates), scorer=fuzz.token_sort_ratio, score_cutoff=88)
        if best:
            employer = Employer.objects.get(pk=candidates[best[0]])
            return _active(employer), round(best[1] / 100 * 0.9, 2), LinkMethod.SPLINK
    return None, None, LinkMethod.NONE


@action("visas.manage", system=True)
def do_import_debarments(path, *, acting_user):
    """Import a list of debarments (CSV); replaces an earlier import of the same file. Refused whole
    on a row without a name or with an unreadable date."""
    path = Path(path)
    if not path.exists():
        raise FileRefused(path, [_("%(file)s: no such file") % {"file": path}])
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        headers = next(reader, [])
        index = {columns.header_key(h): i for i, h in enumerate(headers)}
        where = {}
        for fname, aliases in DEBARMENT_COLUMNS.items():
            for alias in aliases:
                if columns.header_key(alias) in index:
                    where[fname] = index[columns.header_key(alias)]
                    break
        if "name" not in where:
            raise FileRefused(path, [f"{path.name}: row 1 (header): no name column "
                                              f"(looked for {', '.join(DEBARMENT_COLUMNS['name'])})"])
        problems, records = [], []
        for n, row in enumerate(reader, start=2):
            if not any(c.strip() for c in row):
                continue
            cell = {f: (row[i].strip() if i < len(row) else "") for f, i in where.items()}
            if not cell.get("name"):
                problems.append(f"{path.name}: row {n}, column {headers[where['name']]}: blank name")
                continue
            dates = {}
            for f in ("start", "end"):
                value = cell.get(f, "")
                dates[f] = normalise.date(value) if value else None
                if value and dates[f] is None:
                    problems.append(f"{path.name}: row {n}, column {headers[where[f]]}: {value!r} is not a date")
            records.append((cell, dates, dict(zip(headers, row, strict=False))))
    if problems:
        raise FileRefused(path, problems)
    Debarment.objects.filter(source_file=path.name).delete()
    created = []
    for cell, dates, raw in records:
        state = normalise.state_code(cell.get("state", ""))
        employer, certainty, method = link_debarment(cell["name"], state)
        created.append(Debarment.objects.create(
            program=cell.get("program", "")[:20], name=cell["name"][:300], city=cell.get("city", "")[:120],
            state=state, start=dates["start"], end=dates["end"], raw=raw, source_file=path.name,
            employer=employer, certainty=certainty, method=method,
        ))
    return created
