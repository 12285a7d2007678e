"""Every change to people and reunification work. Views and commands call only these.

Each function is atomic; the audit history (django-auditlog) records the change in the same
transaction. Rows two Coordinators or Defenders could change at once are locked first.
"""

from auditlog.receivers import log_create as audit_log_create
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from puente.core import providers
from puente.core.action_contract import ActionRefused, action
from puente.network.api import Defender

from .keys import apply_keys, format_partial_date, normalise_phone, parse_partial_date
from .linkage import decide, link_to_registry, person_row
from .models import (
    ContactAttempt,
    ImportBatch,
    LinkReview,
    Person,
    PersonChange,
    PersonConsent,
    PersonMerge,
    ProjectPerson,
    ReunificationProject,
    SearchBasis,
    SearchStatus,
)

PERSON_FIELDS = [
    "given_names",
    "surname_1",
    "surname_2",
    "other_names",
    "sex",
    "birth_date",
    "country",
    "region",
    "municipality",
    "community",
    "phone",
    "whatsapp",
    "other_phones",
    "language",
    "speaks_spanish",
    "relatives",
    "last_known_address",
    "notes",
    "consent_to_search",
    "search_basis",
    "search_basis_note",
]
# Fields a merge may fill on the kept person when they are empty there.
FILLABLE = [
    "other_names",
    "sex",
    "birth_date",
    "country",
    "region",
    "municipality",
    "community",
    "phone",
    "whatsapp",
    "relatives",
    "last_known_address",
]


def normalise_person_fields(data: dict, country: str = "") -> dict:
    """Phones normalised (``keys.normalise_phone``: E.164 when valid, else kept as written and
    flagged), dates checked, whitespace trimmed; ValidationError naming the field. ``country``:
    the person's country when ``data`` does not change it (a partial edit)."""
    out = dict(data)
    errors = {}
    country = out.get("country", country) or ""

    def phone(value):
        try:
            return normalise_phone(value, country)
        except ValueError:
            raise ValidationError(_("“%(v)s” is not a valid phone number.") % {"v": value.strip()}) from None

    for f in ("phone", "whatsapp"):
        if out.get(f):
            try:
                out[f] = phone(out[f])
            except ValidationError as e:
                errors[f] = e.messages[0]
    if out.get("other_phones"):
        phones = []
        for line in str(out["other_phones"]).replace(",", "\n").splitlines():
            if line.strip():
                try:
                    phones.append(phone(line))
                except ValidationError as e:
                    errors["other_phones"] = e.messages[0]
        out["other_phones"] = "\n".join(phones)
    if out.get("birth_date"):
        try:
            out["birth_date"] = format_partial_date(*parse_partial_date(out["birth_date"]))
        except ValueError:
            errors["birth_date"] = _("“%(v)s” is not a date (YYYY, YYYY-MM or YYYY-MM-DD).") % {"v": out["birth_date"]}
    if errors:
        raise ValidationError(errors)
    for k, v in out.items():
        if isinstance(v, str):
            out[k] = v.strip()
    return out


def _check_basis(person, user, before: tuple[str, str]) -> None:
    """A basis for searching names what it is (the order, the partner); who recorded it is kept."""
    if person.search_basis and person.search_basis not in SearchBasis.values:
        raise ActionRefused(_("Unknown basis for searching."), field="search_basis", code="invalid")
    if person.search_basis and not (person.search_basis_note or "").strip():
        raise ActionRefused(_("Name the court order or the partner organisation."), field="search_basis_note",
                            code="required")
    if not person.search_basis:
        person.search_basis_note = ""
    if (person.search_basis, person.search_basis_note) != before:
        person.search_basis_by = user if person.search_basis else None


def _set_consent(person, user, consent):
    if consent and not person.consent_to_search or (person.pk is None and consent):
        person.consent_recorded_at = timezone.now()
        person.consent_recorded_by = user
    if not consent:
        person.consent_recorded_at = None
        person.consent_recorded_by = None


def _require_name(person) -> None:
    """A person always has at least one name (given names or a surname)."""
    if not any((getattr(person, f) or "").strip() for f in ("given_names", "surname_1", "surname_2")):
        raise ActionRefused(_("Give at least the given names or a surname."), field="given_names", code="required")


# Coordinators enter people; an Advocate enters the client of a case request; anyone who files an
# abuse report may enter the worker it concerns.
@action(("people.manage", "cases.request", "abuse.report"))
def do_create_person(*, acting_user, **fields) -> Person:
    fields = normalise_person_fields(fields)
    consent = fields.pop("consent_to_search", False)
    person = Person(created_by=acting_user, **fields)
    _require_name(person)
    _check_basis(person, acting_user, ("", ""))
    _set_consent(person, acting_user, consent)
    person.consent_to_search = consent
    person.save()
    return person


@action("people.manage")
def do_update_person(person, *, acting_user, **fields) -> Person:
    """Change only the fields given (a partial form changes only what it sent)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"do_update_person: unknown fields {sorted(unknown)}")
    fields = normalise_person_fields(fields, country=person.country)
    if "consent_to_search" in fields:
        _set_consent(person, acting_user, fields["consent_to_search"])
    before = (person.search_basis, person.search_basis_note)
    for k, v in fields.items():
        setattr(person, k, v)
    _require_name(person)
    _check_basis(person, acting_user, before)
    person.save()
    return person


@action("people.manage")
def do_record_consent(person, advocate, *, acting_user, how="", given_at=None) -> PersonConsent:
    """The person agrees that their data may be shared with this Advocate (issue 10)."""
    existing = PersonConsent.objects.filter(person=person, advocate=advocate, withdrawn_at__isnull=True).first()
    if existing:
        return existing
    return PersonConsent.objects.create(
        person=person, advocate=advocate, how=how, given_at=given_at or timezone.now(), recorded_by=acting_user
    )


@action("people.manage")
def do_withdraw_consent(consent, *, acting_user) -> PersonConsent:
    consent = PersonConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
    return consent


# ---------------------------------------------------------------------------------------------
# Merging duplicates


def _move_cases(from_person, to_person, *, acting_user, reason, case_ids=None) -> list[int]:
    """Cases are the cases app's: it moves their client (timeline and audit) when asked."""
    if not from_person.client_cases.exists():
        return []
    return list(
        providers.call(
            "locate.client_moved", from_person, to_person, acting_user=acting_user, reason=reason, case_ids=case_ids
        )
    )


@action("people.manage")
def do_merge_people(kept, merged, *, acting_user, reason="") -> PersonMerge:
    """Merge the duplicate ``merged`` into ``kept``: its cases, project entries and consents move
    to ``kept``; ``kept``'s empty fields are filled from it; ``merged`` stays, hidden, so that
    ``do_undo_merge`` can put everything back."""
    if kept.pk == merged.pk:
        raise ActionRefused(_("A person cannot be merged into themselves."), code="state")
    kept, merged = (Person.objects.select_for_update().get(pk=pk) for pk in (kept.pk, merged.pk))
    if merged.merged_into_id or kept.merged_into_id:
        raise ActionRefused(_("One of these people has already been merged."), code="state")
    moved: dict = {"cases": [], "project_people": [], "consents": [], "filled": []}
    moved["cases"] = _move_cases(
        merged,
        kept,
        acting_user=acting_user,
        reason=_("Duplicate person #%(merged)s merged into #%(kept)s") % {"merged": merged.pk, "kept": kept.pk},
    )
    kept_projects = set(kept.project_entries.values_list("project_id", flat=True))
    entries = [e for e in merged.project_entries.all() if e.project_id not in kept_projects]
    moved["project_people"] = [e.pk for e in entries]
    ProjectPerson.objects.filter(pk__in=moved["project_people"]).update(person=kept)
    moved["consents"] = list(merged.consents.values_list("pk", flat=True))
    PersonConsent.objects.filter(pk__in=moved["consents"]).update(person=kept)
    for f in FILLABLE:
        if not getattr(kept, f) and getattr(merged, f):
            setattr(kept, f, getattr(merged, f))
            moved["filled"].append(f)
    # The other spellings of the duplicate's name stay findable under the kept person.
    extra = " ".join(p for p in (merged.given_names, merged.surname_1, merged.surname_2) if p)
    if extra and extra != kept.full_name and extra not in (kept.other_names or ""):
        moved["other_names_before"] = kept.other_names
        kept.other_names = "\n".join(p for p in (kept.other_names, extra) if p)
    if merged.consent_to_search and not kept.consent_to_search:
        moved["consent_filled"] = True
        kept.consent_to_search = True
        kept.consent_recorded_at = merged.consent_recorded_at
        kept.consent_recorded_by = merged.consent_recorded_by
    kept.save()
    merged.merged_into = kept
    merged.save()
    return PersonMerge.objects.create(kept=kept, merged=merged, moved=moved, reason=reason, by=acting_user)


@action("people.manage")
def do_undo_merge(merge, *, acting_user) -> PersonMerge:
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise ActionRefused(_("This merge has already been undone."), code="state")
    kept = Person.objects.select_for_update().get(pk=merge.kept_id)
    merged = Person.objects.select_for_update().get(pk=merge.merged_id)
    if kept.merged_into_id:
        raise ActionRefused(
            _("Person #%(id)s has since been merged into another: undo that merge first.") % {"id": kept.pk},
            code="state",
        )
    moved = merge.moved
    if moved.get("cases"):
        _move_cases(
            kept,
            merged,
            acting_user=acting_user,
            case_ids=moved["cases"],
            reason=_("Merge of person #%(merged)s into #%(kept)s undone") % {"merged": merged.pk, "kept": kept.pk},
        )
    ProjectPerson.objects.filter(pk__in=moved.get("project_people", []), person=kept).update(person=merged)
    PersonConsent.objects.filter(pk__in=moved.get("consents", []), person=kept).update(person=merged)
    for f in moved.get("filled", []):
        if getattr(kept, f) == getattr(merged, f):
            setattr(kept, f, None if f in ("region",) else "")
    if "other_names_before" in moved:
        kept.other_names = moved["other_names_before"]
    if moved.get("consent_filled"):
        kept.consent_to_search = False
        kept.consent_recorded_at = kept.consent_recorded_by = None
    kept.save()
    merged.merged_into = None
    merged.save()
    merge.undone_at = timezone.now()
    merge.undone_by = acting_user
    merge.save(update_fields=["undone_at", "undone_by"])
    return merge


# ---------------------------------------------------------------------------------------------
# Reunification


@action("reunification.manage")
def do_create_project(*, acting_user, name, court="", docket_number="", description="") -> ReunificationProject:
    if not name.strip():
        raise ActionRefused(_("Give the project a name."), field="name", code="required")
    return ReunificationProject.objects.create(
        name=name.strip(), court=court, docket_number=docket_number, description=description, created_by=acting_user
    )


def suggest_defender(project, person):
    """An active Defender serving the person's region, the least loaded in this project first."""
    if not person.region_id:
        return None
    return (
        Defender.objects.filter(status=Defender.Status.ACTIVE, regions=person.region_id)
        .annotate(load=Count("search_assignments", filter=Q(search_assignments__project=project)))
        .order_by("load", "name")
        .first()
    )


@action("reunification.manage")
def do_add_to_project(project, person, *, acting_user, defender=None, auto_assign=True) -> ProjectPerson:
    entry, _created = ProjectPerson.objects.get_or_create(project=project, person=person)
    if entry.defender_id is None:
        defender = defender or (suggest_defender(project, person) if auto_assign else None)
        if defender is not None:
            entry.defender = defender
            entry.assigned_at = timezone.now()
            entry.save(update_fields=["defender", "assigned_at"])
    return entry


@action("reunification.manage")
def do_assign(entry, defender, *, acting_user) -> ProjectPerson:
    entry = ProjectPerson.objects.select_for_update().get(pk=entry.pk)
    entry.defender = defender
    entry.assigned_at = timezone.now() if defender else None
    entry.save(update_fields=["defender", "assigned_at"])
    return entry


@action(("reunification.manage", "reunification.search_assigned"))
def do_set_status(entry, status, *, acting_user) -> ProjectPerson:
    entry = _entry_for(acting_user, entry)
    if status not in SearchStatus.values:
        raise ActionRefused(_("Unknown status."), field="status", code="invalid")
    if entry.status != status:
        entry.status = status
        entry.status_changed_at = timezone.now()
        entry.save(update_fields=["status", "status_changed_at"])
    return entry


# Where a contact attempt moves the status: reaching the person means contacted; refusing means
# declined; any other attempt means the search is on.
_AFTER_ATTEMPT = {
    ContactAttempt.Result.REACHED: SearchStatus.CONTACTED,
    ContactAttempt.Result.REFUSED: SearchStatus.DECLINED,
}


def _entry_for(user, entry) -> ProjectPerson:
    """The entry, locked; a Defender works only on their own organisation's assignments."""
    entry = ProjectPerson.objects.select_for_update().get(pk=entry.pk)
    if not user.is_coordinator and (not user.defender_id or entry.defender_id != user.defender_id):
        raise ActionRefused(_("This person is not assigned to your organisation."), code="permission")
    return entry


@action(("reunification.manage", "reunification.search_assigned"))
def do_log_contact_attempt(entry, *, acting_user, date, method, result, notes="") -> ContactAttempt:
    entry = _entry_for(acting_user, entry)
    attempt = ContactAttempt.objects.create(
        entry=entry, date=date, method=method, result=result, notes=notes, by=acting_user
    )
    new = _AFTER_ATTEMPT.get(result)
    if new is None and entry.status == SearchStatus.NOT_SEARCHED:
        new = SearchStatus.SEARCHING
    if new and entry.status != new:
        entry.status = new
        entry.status_changed_at = timezone.now()
        entry.save(update_fields=["status", "status_changed_at"])
    return attempt


@action(("reunification.manage", "reunification.search_assigned"))
def do_record_preference(entry, *, acting_user, preference, method, at=None, notes="") -> ProjectPerson:
    """The person's stated wish about reunification, once contacted: when and how obtained."""
    entry = _entry_for(acting_user, entry)
    if entry.status != SearchStatus.CONTACTED:
        raise ActionRefused(_("A preference can be recorded only once the person has been contacted."), code="state")
    entry.preference = preference
    entry.preference_method = method
    entry.preference_at = at or timezone.now()
    entry.preference_notes = notes
    entry.save(update_fields=["preference", "preference_method", "preference_at", "preference_notes"])
    return entry


# ---------------------------------------------------------------------------------------------
# Imports


BULK = 1000  # people written per INSERT on import


def _create_people_in_bulk(rows, user, search_basis: str, search_basis_note: str) -> list[Person]:
    """The people of an import, written a thousand at a time: the same fields, checks, keys,
    change-log rows and audit entries as ``do_create_person``, without one transaction and one
    INSERT per person."""
    created: list[Person] = []
    for start in range(0, len(rows), BULK):
        chunk = []
        for row in rows[start : start + BULK]:
            fields = normalise_person_fields(row)
            consent = fields.pop("consent_to_search", False)
            person = Person(created_by=user, search_basis=search_basis, search_basis_note=search_basis_note,
                            **fields)
            _require_name(person)
            _check_basis(person, user, ("", ""))
            _set_consent(person, user, consent)
            person.consent_to_search = consent
            apply_keys(person)
            chunk.append(person)
        Person.objects.bulk_create(chunk)  # ids come back (PostgreSQL; SQLite 3.35 and later)
        PersonChange.objects.bulk_create([PersonChange(person_id=p.pk) for p in chunk])
        for person in chunk:
            # The audit entry Person.save would have written (masked fields and all).
            audit_log_create(sender=Person, instance=person, created=True)
        created += chunk
    return created


@action("people.manage")
def do_import_people(rows, *, acting_user, filename, project=None, link=True, search_basis="",
                     search_basis_note="") -> ImportBatch:
    """Create the (already validated) ``rows`` as people, find duplicates within the list and
    link each row to the registry (``puente.locate.linkage``): certain links are merged at once,
    uncertain ones wait in the review list. All or nothing."""
    user = acting_user
    if search_basis and search_basis not in SearchBasis.values:
        raise ActionRefused(_("Unknown basis for searching."), field="search_basis", code="invalid")
    if search_basis and not search_basis_note.strip():
        raise ActionRefused(_("Name the court order or the partner organisation."), field="search_basis_note",
                            code="required")
    batch = ImportBatch.objects.create(filename=filename[:200], uploaded_by=user, rows=len(rows), project=project,
                                       search_basis=search_basis, search_basis_note=search_basis_note.strip())
    existing_ids = set(Person.objects.filter(merged_into__isnull=True).values_list("id", flat=True)) if link else set()
    created = _create_people_in_bulk(rows, user, search_basis, search_basis_note.strip())
    if project is not None:
        for person in created:
            do_add_to_project(project, person, acting_user=user)
    batch.created = len(created)
    if link and created:
        pairs = link_to_registry(created, existing_ids)
        merged_away: set[int] = set()
        seen_rows: dict[int, dict] = {}

        def row(pk):
            if pk not in seen_rows:
                seen_rows[pk] = person_row(Person.objects.select_related("region").get(pk=pk))
            return seen_rows[pk]

        for new_id, other_id, prob, within in pairs:
            if new_id in merged_away or other_id in merged_away:
                continue
            verdict = decide(prob, row(new_id), row(other_id))
            if verdict == "merge":
                # Keep the older record; the imported row becomes its other spelling.
                kept_id, dup_id = sorted((new_id, other_id))
                do_merge_people(Person.objects.get(pk=kept_id), Person.objects.get(pk=dup_id), acting_user=user,
                                reason=f"import {batch.pk}: p={prob:.3f}")
                merged_away.add(dup_id)
                if within:
                    batch.duplicates_in_list += 1
                else:
                    batch.linked += 1
            elif verdict == "review":
                LinkReview.objects.create(batch=batch, imported_id=new_id, existing_id=other_id, probability=prob)
    batch.save()
    return batch


@action("people.manage")
def do_decide_review(review, *, acting_user, confirm: bool) -> LinkReview:
    user = acting_user
    review = LinkReview.objects.select_for_update().get(pk=review.pk)
    if review.status != LinkReview.Status.PENDING:
        raise ActionRefused(_("This link has already been decided."), code="state")
    if confirm:
        kept, dup = sorted([review.existing, review.imported], key=lambda p: p.pk)
        review.merge = do_merge_people(kept, dup, acting_user=user, reason=f"review {review.pk}")
        review.status = LinkReview.Status.CONFIRMED
    else:
        review.status = LinkReview.Status.REJECTED
    review.decided_by = user
    review.decided_at = timezone.now()
    review.save()
    return review
