"""Every change to recruiters and abuse reports. Views call these and nothing else writes.

Each ``do_*`` follows the action contract (``puente.core.action_contract``): objects first,
keyword-only ``acting_user``, one transaction, the audit actor set, refusals as
``ActionRefused``. Merges lock both recruiters so that two Coordinators deciding at once cannot
merge a recruiter twice or undo a merge half-way. Helpers starting with ``_`` are the shared
steps that one action runs inside another (filing a report creates recruiters and runs the
resolution, whoever files it).
"""

from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from puente.core.action_contract import ActionRefused, action
from puente.core.roles import Role
from puente.core.uploads import check_upload
from puente.locate import actions as locate_actions
from puente.network import actions as network_actions

from . import resolution, visa_link
from .access import cases_for_linking, visible_reports
from .models import (
    AbuseReport,
    EvidenceFile,
    Incident,
    MergeCandidate,
    Recruiter,
    RecruiterAlias,
    RecruiterConflict,
    RecruiterEmployer,
    RecruiterMerge,
    RecruiterPhone,
    TraffickingIndicator,
)

# Evidence is checked by ``puente.core.uploads`` (size, dangerous content, documents and
# photos) and may also be what workers have on their phones: WhatsApp voice notes, other audio,
# short videos, screenshots. Those kinds are recognised from their bytes here.
EXTRA_MEDIA_TYPES = {
    "audio/ogg", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/m4a", "audio/amr", "audio/x-wav", "audio/wav",
    "video/mp4", "video/3gpp", "video/quicktime", "image/webp", "image/gif",
}


# ---------------------------------------------------------------- recruiters


def _link_recruiter_by_name(user, name: str, country: str = "") -> tuple[Recruiter, bool]:
    """The recruiter ``name`` resolves to, or a new one. A new spelling of a known recruiter is
    kept as an alias. Returns (recruiter, created)."""
    name = " ".join(name.split())
    found = resolution.resolve_name(name)
    if found is not None:
        known = {n.strip().lower() for n in found.all_names()}
        if name.lower() not in known:
            RecruiterAlias.objects.create(recruiter=found, name=name)
        return found, False
    return Recruiter.objects.create(name=name, country=country, created_by=user), True


@action("abuse.report")
def do_create_recruiter(*, acting_user, name, kind=Recruiter.Kind.AGENCY, country="", regions=(), municipalities="",
                        notes="", phones=(), aliases=()):
    name = " ".join((name or "").split())
    if not resolution.normalise(name):
        raise ValidationError({"name": _("Enter the recruiter's name.")})
    existing = resolution.resolve_name(name)
    if existing is not None:
        raise ValidationError({"name": _("“%(name)s” is already recorded as recruiter “%(existing)s”.")
                               % {"name": name, "existing": existing.name}})
    recruiter = Recruiter.objects.create(
        name=name, kind=kind, country=country, municipalities=municipalities, notes=notes, created_by=acting_user
    )
    recruiter.regions.set(regions)
    for alias in aliases:
        if alias.strip():
            RecruiterAlias.objects.create(recruiter=recruiter, name=alias.strip())
    for phone in phones:
        if phone.strip():
            RecruiterPhone.objects.create(recruiter=recruiter, number=resolution.normalise_phone(phone, country))
    _run_resolution(acting_user, only=[recruiter.pk])
    return recruiter


@action("abuse.analyse")
def do_update_recruiter(recruiter, *, acting_user, name, kind, country="", regions=(), municipalities="", notes=""):
    recruiter = Recruiter.objects.select_for_update().get(pk=recruiter.pk)
    name = " ".join((name or "").split())
    if not resolution.normalise(name):
        raise ValidationError({"name": _("Enter the recruiter's name.")})
    other = resolution.resolve_name(name)
    if other is not None and other.pk != recruiter.pk:
        raise ValidationError({"name": _(
            "“%(name)s” is the name of another recruiter, “%(other)s”: merge them instead."
        ) % {"name": name, "other": other.name}})
    renamed = name != recruiter.name
    if renamed and resolution.normalise(recruiter.name) != resolution.normalise(name):
        # The old name stays known: reports and cases may use it.
        RecruiterAlias.objects.get_or_create(recruiter=recruiter, name=recruiter.name)
    recruiter.name, recruiter.kind, recruiter.country = name, kind, country
    recruiter.municipalities, recruiter.notes = municipalities, notes
    recruiter.save()
    recruiter.regions.set(regions)
    if renamed:
        _run_resolution(acting_user, only=[recruiter.pk])
    return recruiter


@action("abuse.report")
def do_add_alias(recruiter, *, acting_user, name):
    name = " ".join((name or "").split())
    if not resolution.normalise(name):
        raise ValidationError({"name": _("Enter the alias.")})
    other = resolution.resolve_name(name)
    if other is not None and other.pk != recruiter.pk:
        raise ValidationError({"name": _(
            "“%(name)s” is the name of another recruiter, “%(other)s”: merge them instead."
        ) % {"name": name, "other": other.name}})
    if name.lower() in {n.lower() for n in recruiter.all_names()}:
        raise ValidationError({"name": _("The recruiter already has this name.")})
    alias = RecruiterAlias.objects.create(recruiter=recruiter, name=name)
    _run_resolution(acting_user, only=[recruiter.pk])
    return alias


@action("abuse.report")
def do_add_phone(recruiter, *, acting_user, number, note=""):
    try:
        number = resolution.normalise_phone(number, recruiter.country)
    except ValidationError as exc:
        raise ValidationError({"number": exc.messages}) from None
    if recruiter.phones.filter(number=number).exists():
        raise ValidationError({"number": _("The recruiter already has the phone %(n)s.") % {"n": number}})
    phone = RecruiterPhone.objects.create(recruiter=recruiter, number=number, note=note)
    # Another recruiter with the same phone may be the same one.
    _run_resolution(acting_user, only=[recruiter.pk])
    return phone


@action("abuse.report")
def do_add_employer(recruiter, *, acting_user, employer_name, programme=""):
    return _add_employer(recruiter, employer_name, programme)


def _add_employer(recruiter, employer_name, programme=""):
    employer_name = " ".join((employer_name or "").split())
    key = resolution.normalise(employer_name)
    if not key:
        raise ValidationError({"employer_name": _("Enter the employer's name.")})
    link = recruiter.employers.filter(employer_key=key).first()
    if link is not None:
        if programme and not link.programme:
            link.programme = programme
            link.save()
        return link
    return RecruiterEmployer.objects.create(
        recruiter=recruiter, employer_name=employer_name, programme=programme,
        visa_employer_id=_visa_employer_id(employer_name),
    )


def _visa_employer_id(name):
    return visa_link.find_employer_id(name)


@action("abuse.analyse", system=True)
def do_link_visa_employers(*, acting_user) -> int:
    """(Re)link every recruiter's employers to the visa data, e.g. after new files were
    imported. Returns how many links changed."""
    changed = 0
    for link in RecruiterEmployer.objects.select_for_update():
        found = _visa_employer_id(link.employer_name)
        if found != link.visa_employer_id:
            link.visa_employer_id = found
            link.save()
            changed += 1
    return changed


@action("abuse.analyse")
def do_add_conflict(recruiter, defender, *, acting_user, note=""):
    """Record that ``defender`` acted for the recruiter. The conflict is also written in the
    network directory under the recruiter's name: the one conflict check (cases) compares the
    directory's conflicts with every name the recruiter is known by (``conflicts.conflict_aliases``),
    so it holds through aliases, merges and undos."""
    conflict, created = RecruiterConflict.objects.get_or_create(
        defender=defender, recruiter=recruiter, defaults={"note": note, "created_by": acting_user}
    )
    if not created:
        raise ValidationError({"defender": _("This conflict is already recorded.")})
    network_actions.do_add_conflict(
        defender, acting_user=acting_user, party_kind="recruiter", party_name=recruiter.name, note=note,
    )
    return conflict


# ---------------------------------------------------------------- resolution and merges


@dataclass
class ResolutionResult:
    merged: int = 0
    queued: int = 0


@action("abuse.analyse", system=True)
def do_run_resolution(*, acting_user, only=None) -> ResolutionResult:
    """Compare recruiters (all, or those involving ``only``): merge the certain pairs, queue the
    uncertain ones for a Coordinator. Rejected pairs are not asked again."""
    return _run_resolution(acting_user, only)


def _run_resolution(user, only=None) -> ResolutionResult:
    """The resolution itself; also run by the actions that add a recruiter, a name or a phone
    (whoever adds them, the certain merges follow)."""
    result = ResolutionResult()
    only_set = set(only) if only is not None else None
    pairs = list(resolution.candidate_pairs(resolution.profiles(), only=only_set))
    survivor_of: dict[int, int] = {}

    def current(rid):
        while rid in survivor_of:
            rid = survivor_of[rid]
        return rid

    decided = {
        (c.left_id, c.right_id): c for c in MergeCandidate.objects.filter(
            left_id__in={a.id for a, _b, _s, _r in pairs} | {b.id for _a, b, _s, _r in pairs}
        )
    }
    for a, b, score, reasons in sorted(pairs, key=lambda p: (-p[2], p[0].id, p[1].id)):
        existing = decided.get((a.id, b.id))
        if existing is not None and existing.status == MergeCandidate.Status.REJECTED:
            continue
        if score >= resolution.CERTAIN:
            left, right = current(a.id), current(b.id)
            if left == right:
                continue
            survivor_id, merged_id = min(left, right), max(left, right)
            _merge_recruiters(
                user, Recruiter.objects.get(pk=survivor_id), Recruiter.objects.get(pk=merged_id),
                automatic=True, score=score,
            )
            survivor_of[merged_id] = survivor_id
            result.merged += 1
            if existing is not None:
                existing.status = MergeCandidate.Status.CONFIRMED
                existing.decided_at = timezone.now()
                existing.save()
        elif existing is None:
            decided[(a.id, b.id)] = MergeCandidate.objects.create(
                left_id=a.id, right_id=b.id, score=score, reasons=reasons
            )
            result.queued += 1
        elif existing.status == MergeCandidate.Status.PENDING:
            existing.score, existing.reasons = score, reasons
            existing.save()
    return result


@action("abuse.analyse")
def do_merge_recruiters(survivor, merged, *, acting_user, score=None) -> RecruiterMerge:
    """Merge ``merged`` into ``survivor``: its reports, aliases, phones, employers, conflicts and
    regions move; its name becomes an alias. What moved is recorded so that it can be undone."""
    return _merge_recruiters(acting_user, survivor, merged, score=score)


def _merge_recruiters(user, survivor, merged, *, automatic=False, score=None) -> RecruiterMerge:
    locked = {r.pk: r for r in Recruiter.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])}
    survivor, merged = locked.get(survivor.pk), locked.get(merged.pk)
    if survivor is None or merged is None or survivor.pk == merged.pk:
        raise ValidationError(_("Choose two different recruiters."))
    if survivor.merged_into_id or merged.merged_into_id:
        raise ValidationError(_("One of these recruiters has already been merged into another."))

    through = AbuseReport.recruiters.through
    merged_reports = set(through.objects.filter(recruiter_id=merged.pk).values_list("abusereport_id", flat=True))
    survivor_reports = set(through.objects.filter(recruiter_id=survivor.pk).values_list("abusereport_id", flat=True))
    shared = sorted(merged_reports & survivor_reports)
    moved_reports = sorted(merged_reports - survivor_reports)
    through.objects.filter(recruiter_id=merged.pk, abusereport_id__in=moved_reports).update(recruiter_id=survivor.pk)
    through.objects.filter(recruiter_id=merged.pk, abusereport_id__in=shared).delete()

    aliases = list(merged.aliases.values_list("pk", flat=True))
    merged.aliases.update(recruiter=survivor)
    known = {n.lower() for n in survivor.all_names()}
    alias_created = None
    if merged.name.lower() not in known:
        alias_created = RecruiterAlias.objects.create(recruiter=survivor, name=merged.name).pk

    survivor_phones = set(survivor.phones.values_list("number", flat=True))
    phones = list(merged.phones.exclude(number__in=survivor_phones).values_list("pk", flat=True))
    RecruiterPhone.objects.filter(pk__in=phones).update(recruiter=survivor)

    survivor_employers = set(survivor.employers.values_list("employer_key", flat=True))
    employers = list(merged.employers.exclude(employer_key__in=survivor_employers).values_list("pk", flat=True))
    RecruiterEmployer.objects.filter(pk__in=employers).update(recruiter=survivor)

    survivor_defenders = set(survivor.conflicts.values_list("defender_id", flat=True))
    conflicts = list(merged.conflicts.exclude(defender_id__in=survivor_defenders).values_list("pk", flat=True))
    RecruiterConflict.objects.filter(pk__in=conflicts).update(recruiter=survivor)

    survivor_regions = set(survivor.regions.values_list("pk", flat=True))
    regions_added = sorted(set(merged.regions.values_list("pk", flat=True)) - survivor_regions)
    survivor.regions.add(*regions_added)

    merged.merged_into = survivor
    merged.save()
    pair = (min(survivor.pk, merged.pk), max(survivor.pk, merged.pk))
    MergeCandidate.objects.filter(left_id=pair[0], right_id=pair[1], status=MergeCandidate.Status.PENDING).update(
        status=MergeCandidate.Status.CONFIRMED, decided_by=user, decided_at=timezone.now()
    )
    return RecruiterMerge.objects.create(
        survivor=survivor, merged=merged, automatic=automatic, score=score, merged_by=user,
        moved={
            "reports_moved": moved_reports, "reports_shared": shared, "aliases": aliases,
            "alias_created": alias_created, "phones": phones, "employers": employers,
            "conflicts": conflicts, "regions_added": regions_added,
        },
    )


@action("abuse.analyse")
def do_undo_merge(merge, *, acting_user) -> RecruiterMerge:
    """Split a merged recruiter off again, as it was. Later merges into the survivor must be
    undone first (most recent first); reports filed since stay with the survivor."""
    merge = RecruiterMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise ValidationError(_("This merge has already been undone."))
    pks = [merge.survivor_id, merge.merged_id]
    locked = {r.pk: r for r in Recruiter.objects.select_for_update().filter(pk__in=pks)}
    survivor, merged = locked[merge.survivor_id], locked[merge.merged_id]
    if survivor.merged_into_id:
        raise ValidationError(_("“%(name)s” has since been merged into another recruiter: undo that merge first.")
                              % {"name": survivor.name})
    if merged.merged_into_id != survivor.pk:
        raise ValidationError(_("This merge no longer holds."))
    moved = merge.moved
    through = AbuseReport.recruiters.through
    for report_id in moved.get("reports_moved", []):
        through.objects.filter(recruiter_id=survivor.pk, abusereport_id=report_id).delete()
        through.objects.get_or_create(recruiter_id=merged.pk, abusereport_id=report_id)
    for report_id in moved.get("reports_shared", []):
        through.objects.get_or_create(recruiter_id=merged.pk, abusereport_id=report_id)
    RecruiterAlias.objects.filter(pk__in=moved.get("aliases", []), recruiter=survivor).update(recruiter=merged)
    if moved.get("alias_created"):
        RecruiterAlias.objects.filter(pk=moved["alias_created"]).delete()
    RecruiterPhone.objects.filter(pk__in=moved.get("phones", []), recruiter=survivor).update(recruiter=merged)
    RecruiterEmployer.objects.filter(pk__in=moved.get("employers", []), recruiter=survivor).update(recruiter=merged)
    RecruiterConflict.objects.filter(pk__in=moved.get("conflicts", []), recruiter=survivor).update(recruiter=merged)
    survivor.regions.remove(*moved.get("regions_added", []))
    merged.merged_into = None
    merged.save()
    # An undone merge was a wrong decision: do not propose the pair again.
    pair = (min(survivor.pk, merged.pk), max(survivor.pk, merged.pk))
    MergeCandidate.objects.update_or_create(
        left_id=pair[0], right_id=pair[1],
        defaults={"status": MergeCandidate.Status.REJECTED, "decided_by": acting_user, "decided_at": timezone.now(),
                  "score": merge.score or 0},
    )
    merge.undone_at = timezone.now()
    merge.undone_by = acting_user
    merge.save()
    return merge


@action("abuse.analyse")
def do_decide_candidate(candidate, *, acting_user, confirm: bool):
    candidate = MergeCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != MergeCandidate.Status.PENDING:
        raise ValidationError(_("This pair has already been decided."))
    merge = None
    if confirm:
        left, right = candidate.left, candidate.right
        if left.merged_into_id or right.merged_into_id:
            raise ValidationError(_("One of these recruiters has already been merged into another."))
        merge = _merge_recruiters(acting_user, left, right, score=candidate.score)
        candidate.status = MergeCandidate.Status.CONFIRMED
    else:
        candidate.status = MergeCandidate.Status.REJECTED
    candidate.decided_by = acting_user
    candidate.decided_at = timezone.now()
    candidate.save()
    return merge


# ---------------------------------------------------------------- reports


def _create_worker(user, data, region):
    """A new Person for the worker, through the locate app (which keeps its search keys)."""
    return locate_actions.do_create_person(
        acting_user=user, given_names=data.get("given_names", ""), surname_1=data.get("surname_1", ""),
        surname_2=data.get("surname_2", ""), region=region, country=region.country if region else "",
    )


@action("abuse.report")
def do_file_report(*, acting_user, recruiter_names=(), recruiters=(), worker=None, new_worker=None, employer_name="",
                   programme="", occurred_from=None, occurred_to=None, region=None, municipality="", narrative="",
                   case=None) -> AbuseReport:
    """File a report. Recruiter names are resolved to known recruiters (a new spelling becomes an
    alias); unknown ones are created and compared with the others at once."""
    user = acting_user
    if occurred_from and occurred_to and occurred_to < occurred_from:
        raise ValidationError({"occurred_to": _("The end of the period is before its start.")})
    names = [n for n in recruiter_names if resolution.normalise(n)]
    if not names and not recruiters:
        raise ValidationError({"recruiter_names": _("Name at least one recruiter.")})
    if worker is None and new_worker and any(new_worker.get(k) for k in ("given_names", "surname_1", "surname_2")):
        worker = _create_worker(user, new_worker, region)
    if region is None and worker is not None:
        region = worker.region
    report = AbuseReport.objects.create(
        worker=worker, employer_name=" ".join(employer_name.split()), programme=programme,
        occurred_from=occurred_from, occurred_to=occurred_to, region=region, municipality=municipality,
        narrative=narrative, case=case, reported_by=user,
        reporter_defender_id=user.defender_id if user.role == Role.DEFENDER else None,
    )
    country = region.country if region else ""
    linked = list(recruiters)
    created = []
    for name in names:
        recruiter, was_created = _link_recruiter_by_name(user, name, country)
        linked.append(recruiter)
        if was_created:
            created.append(recruiter.pk)
            if region is not None:
                recruiter.regions.add(region)
    report.recruiters.set({r.pk for r in linked})
    if report.employer_name:
        for recruiter in {r.pk: r for r in linked}.values():
            _add_employer(recruiter, report.employer_name, programme)
    if created:
        _run_resolution(user, only=created)
    return report


def _check_incident(kind, amount, indicators):
    errors = {}
    if kind == Incident.Kind.FEE and (amount is None or amount.amount <= 0):
        errors["amount"] = _("An illegal recruitment fee needs the amount paid and its currency.")
    if kind == Incident.Kind.TRAFFICKING and not indicators:
        errors["indicators"] = _("Tick at least one trafficking indicator.")
    unknown = set(indicators or []) - set(TraffickingIndicator.values)
    if unknown:
        errors["indicators"] = _("Unknown indicators: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationError(errors)


def _check_visible(user, report):
    """Refuse an addition to a report the user may not see (views fetch it through access.py;
    this holds for every other caller too)."""
    if not visible_reports(user).filter(pk=report.pk).exists():
        raise ActionRefused(_("You may not change this report."), code="permission")


@action("abuse.report")
def do_add_incident(report, *, acting_user, kind, amount=None, paid_to="", paid_on=None, job_did_not_exist=False,
                    money_taken=False, documents_taken=False, documents="", blacklisted=False, indicators=(),
                    description="") -> Incident:
    _check_visible(acting_user, report)
    indicators = list(indicators or [])
    _check_incident(kind, amount, indicators)
    return Incident.objects.create(
        report=report, kind=kind, amount=amount if kind == Incident.Kind.FEE else None,
        paid_to=paid_to, paid_on=paid_on, job_did_not_exist=job_did_not_exist, money_taken=money_taken,
        documents_taken=documents_taken, documents=documents, blacklisted=blacklisted,
        indicators=indicators if kind == Incident.Kind.TRAFFICKING else [], description=description,
    )


def check_evidence(upload) -> str:
    """The content type of an evidence file, from its bytes; ``ValidationError`` naming the file
    when it is too big, empty, dangerous or of a kind not accepted."""
    try:
        return check_upload(upload).mime
    except ValidationError as exc:
        if getattr(exc, "code", None) != "kind":
            raise
        upload.seek(0)
        guess = filetype.guess(upload.read(8192))
        upload.seek(0)
        if guess is not None and guess.mime in EXTRA_MEDIA_TYPES:
            return guess.mime
        raise


@action("abuse.report")
def do_add_evidence(report, upload, *, acting_user, description="") -> EvidenceFile:
    _check_visible(acting_user, report)
    name = upload.name or "evidence"
    try:
        content_type = check_evidence(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    evidence = EvidenceFile(
        report=report, original_name=name[-255:], content_type=content_type, size=upload.size,
        description=description, uploaded_by=acting_user,
    )
    evidence.file.save("evidence", upload, save=False)
    evidence.save()
    return evidence


@action("abuse.report")
def do_link_case(report, case, *, acting_user):
    """Link the report to the case it led to (``case=None`` unlinks it): a case the user may see."""
    _check_visible(acting_user, report)
    if case is not None and not cases_for_linking(acting_user).filter(pk=case.pk).exists():
        raise ActionRefused(_("Choose one of your cases."), field="case", code="permission")
    report = AbuseReport.objects.select_for_update().get(pk=report.pk)
    report.case = case
    report.save()
    return report
