"""PFIF 1.4 (Person Finder Interchange Format) export and import of people and notes.

What is shared: only people who consented to be searched for (``consent_to_search``), and of
them what PFIF carries (names, sex, date of birth, home municipality/region/country, the record's
description). Notes are a reunification project's contact attempts: date, whether the searcher
reached the person, status, text. Puente's own detail (the method and result of an attempt) rides
in elements of the ``puente`` namespace, which other PFIF readers ignore, so that a feed moved
between two Puente installations loses nothing.

Parsing uses defusedxml (no entity expansion, no external entities, no DTDs).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only to *build* XML; parsing goes through defusedxml
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

NS = "http://zesty.ca/pfif/1.4"
PUENTE_NS = "https://puente.invalid/pfif-extension/1"
ET.register_namespace("pfif", NS)
ET.register_namespace("puente", PUENTE_NS)

SEX = {"F": "female", "M": "male", "X": "other"}
SEX_BACK = {v: k for k, v in SEX.items()}
#: A contact attempt's result as a PFIF note status (PFIF has no "no answer": information sought).
STATUS = {"reached": "believed_alive", "refused": "believed_alive", "moved": "information_sought"}
EXPIRY_DAYS = 365


def domain() -> str:
    return getattr(settings, "PUENTE_PFIF_DOMAIN", "puente.invalid")


def _q(tag, ns=NS):
    return f"{{{ns}}}{tag}"


def _stamp(dt) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent, tag, text, ns=NS):
    if text in (None, ""):
        return None
    el = ET.SubElement(parent, _q(tag, ns))
    el.text = str(text)
    return el


def person_record_id(person) -> str:
    return f"{domain()}/person.{person.pk}"


def note_record_id(attempt) -> str:
    return f"{domain()}/note.{attempt.pk}"


def export(people, attempts_by_person: dict, *, now=None) -> bytes:
    """A PFIF 1.4 document for ``people`` (already narrowed to consenting people the user may
    see) with, nested in each person, the notes in ``attempts_by_person[person.pk]``."""
    now = now or timezone.now()
    root = ET.Element(_q("pfif"))
    for person in people:
        el = ET.SubElement(root, _q("person"))
        _sub(el, "person_record_id", person_record_id(person))
        _sub(el, "entry_date", _stamp(now))
        _sub(el, "expiry_date", _stamp(now + timedelta(days=EXPIRY_DAYS)))
        _sub(el, "source_name", "Puente")
        _sub(el, "source_date", _stamp(person.updated_at))
        _sub(el, "full_name", person.full_name)
        _sub(el, "given_name", person.given_names)
        _sub(el, "family_name", " ".join(p for p in (person.surname_1, person.surname_2) if p))
        _sub(el, "alternate_names", (person.other_names or "").strip())
        _sub(el, "sex", SEX.get(person.sex, ""))
        _sub(el, "date_of_birth", person.birth_date)
        _sub(el, "home_city", person.municipality)
        _sub(el, "home_state", person.region.code if person.region_id else "")
        _sub(el, "home_country", person.country)
        # Puente keeps the two surnames apart; PFIF has one family name.
        _sub(el, "surname_1", person.surname_1, PUENTE_NS)
        _sub(el, "surname_2", person.surname_2, PUENTE_NS)
        for attempt in attempts_by_person.get(person.pk, []):
            note = ET.SubElement(el, _q("note"))
            _sub(note, "note_record_id", note_record_id(attempt))
            _sub(note, "person_record_id", person_record_id(person))
            _sub(note, "entry_date", _stamp(attempt.created_at))
            _sub(note, "author_name", attempt.by.get_full_name() if attempt.by_id else "")
            _sub(note, "source_date", f"{attempt.date.isoformat()}T00:00:00Z")
            _sub(note, "author_made_contact", "true" if attempt.result == "reached" else "false")
            _sub(note, "status", STATUS.get(attempt.result, "information_sought"))
            _sub(note, "text", attempt.notes)
            _sub(note, "method", attempt.method, PUENTE_NS)
            _sub(note, "result", attempt.result, PUENTE_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@dataclass
class NoteIn:
    record_id: str
    date: date
    text: str
    method: str
    result: str
    author: str
    row: int


@dataclass
class PersonIn:
    record_id: str
    fields: dict
    notes: list[NoteIn] = field(default_factory=list)
    row: int = 0


class PfifError(ValueError):
    """A PFIF document that cannot be read, with a message naming the record and the field."""


def _text(el, tag, ns=NS) -> str:
    child = el.find(_q(tag, ns))
    return (child.text or "").strip() if child is not None and child.text else ""


def _parse_date(text: str, where: str) -> date:
    try:
        return datetime.strptime(text[:10], "%Y-%m-%d").date()
    except ValueError:
        raise PfifError(
            _("%(where)s: the date %(value)r is not a PFIF date (YYYY-MM-DDThh:mm:ssZ).")
            % {"where": where, "value": text}
        ) from None


def parse(data: bytes, *, now=None) -> list[PersonIn]:
    """The people and notes of a PFIF 1.2-1.4 document. Records past their expiry date are left
    out (PFIF says they must be deleted); notes at the top level join their person by
    ``person_record_id``."""
    now = now or timezone.now()
    try:
        root = SafeET.fromstring(data)
    except Exception as exc:  # noqa: BLE001 - defusedxml raises several types for hostile or broken XML
        raise PfifError(_("The file is not well-formed XML: %(error)s") % {"error": exc}) from None
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if not ns.startswith("http://zesty.ca/pfif/") or root.tag.split("}")[-1] != "pfif":
        raise PfifError(_("This is not a PFIF document (the root element must be pfif:pfif)."))

    def q(tag):
        return f"{{{ns}}}{tag}"

    def text(el, tag):
        child = el.find(q(tag))
        return (child.text or "").strip() if child is not None and child.text else ""

    people: dict[str, PersonIn] = {}
    loose_notes = []
    for index, el in enumerate(root.findall(q("person")), start=1):
        where = _("person %(n)s") % {"n": index}
        record_id = text(el, "person_record_id")
        if not record_id or "/" not in record_id:
            raise PfifError(_("%(where)s: person_record_id must be domain/id.") % {"where": where})
        expiry = text(el, "expiry_date")
        if expiry and _parse_date(expiry, where) < now.date():
            continue
        surname_1, surname_2 = _text(el, "surname_1", PUENTE_NS), _text(el, "surname_2", PUENTE_NS)
        if not (surname_1 or surname_2):
            surname_1 = text(el, "family_name")
        given = text(el, "given_name")
        if not (given or surname_1 or surname_2):
            given = text(el, "full_name")
        sex = text(el, "sex")
        if sex and sex not in SEX_BACK:
            raise PfifError(
                _("%(where)s: sex must be female, male or other, not %(value)r.") % {"where": where, "value": sex}
            )
        fields = {
            "given_names": given[:120],
            "surname_1": surname_1[:120],
            "surname_2": surname_2[:120],
            "other_names": text(el, "alternate_names"),
            "sex": SEX_BACK.get(sex, ""),
            "birth_date": text(el, "date_of_birth")[:10],
            "municipality": text(el, "home_city")[:120],
            "region_code": text(el, "home_state"),
            "country": text(el, "home_country")[:2].upper(),
        }
        person = PersonIn(record_id=record_id[:500], fields=fields, row=index)
        people[person.record_id] = person
        for note_el in el.findall(q("note")):
            loose_notes.append((note_el, record_id))
    for note_el in root.findall(q("note")):
        loose_notes.append((note_el, text(note_el, "person_record_id")))
    for index, (el, person_id) in enumerate(loose_notes, start=1):
        where = _("note %(n)s") % {"n": index}
        record_id = text(el, "note_record_id")
        if not record_id:
            raise PfifError(_("%(where)s: note_record_id is missing.") % {"where": where})
        about = people.get(person_id)
        if about is None:
            continue  # a note about a person not in this feed (or expired): nothing to attach it to
        when = text(el, "source_date") or text(el, "entry_date")
        made_contact = text(el, "author_made_contact") == "true"
        about.notes.append(
            NoteIn(
                record_id=record_id[:500],
                date=_parse_date(when, where) if when else now.date(),
                text=text(el, "text"),
                method=_text(el, "method", PUENTE_NS) or "other",
                result=_text(el, "result", PUENTE_NS) or ("reached" if made_contact else "other"),
                author=text(el, "author_name"),
                row=index,
            )
        )
    return list(people.values())
