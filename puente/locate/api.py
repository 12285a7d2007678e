"""What other apps may ask the locate app (queries; changes are in ``actions.py``).

- ``people_named(names)``: the ids of the people with one of these full names (and every record
  merged with them), for the cases app's conflict check (issue 14).
- ``likely_matches(user, fields)``: search before create (issue 16). When someone is about to
  enter a person (the new-person page, a person for a reunification project, the new client of a
  case request in the cases app), the people already in the registry who look like them: those
  the user may see, and how many more exist that the user may not see (shown as "a possible
  match exists; a Coordinator can check", never who).
- ``LIKELY_PARTIAL``: the template of the reusable htmx partial, served by the view
  ``locate:likely_matches`` (GET with the same field names as ``fields``). A form includes it as::

      {% include "locate/_likely.html" %}   {# renders <div id="likely-matches"> #}
      <form hx-get="{% url 'locate:likely_matches' %}" hx-trigger="change delay:400ms"
            hx-target="#likely-matches" hx-select="#likely-matches" hx-swap="outerHTML"> ...

  (field names given_names, surname_1, surname_2, birth_date, sex, country, region (pk, code or
  name), municipality, phone).

For ``likely_matches`` everyone is compared (consent or not, as duplicate detection on import
does): the point is not to create a second record of someone the network already holds. Nothing
about a person the user may not see is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from puente.network.api import Region

from . import names as name_keys
from .access import visible_people
from .models import Person
from .search import Match, Query, get_index


def _linked(ids: set[int]) -> set[int]:
    """``ids`` with every record merged into one of them or that one of them was merged into,
    transitively: the same person under all their records."""
    found = set(ids)
    frontier = set(ids)
    while frontier:
        rows = Person.objects.filter(Q(pk__in=frontier) | Q(merged_into_id__in=frontier)).values_list(
            "pk", "merged_into_id"
        )
        new = {i for row in rows for i in row if i is not None} - found
        found |= new
        frontier = new
    return found


def people_named(names: Iterable[str]) -> set[int]:
    """The ids of the people whose full name, or one of their other names, is one of ``names``
    (compared folded: case, accents and punctuation do not matter), with every record merged
    with them. A name of one word is too common to say who it is and finds nobody.

    The names are encrypted, so the search keys (phonetic codes of the first and last words)
    pick the candidates in SQL and their decrypted names decide."""
    wanted = {name_keys.fold(n) for n in names if n}
    wanted = {w for w in wanted if len(w.split()) >= 2}
    matched: set[int] = set()
    for name in sorted(wanted):
        words = name.split()
        codes = [c for c in (name_keys.name_codes(words[0])[:1] + name_keys.name_codes(words[-1])[:1]) if c]
        if not codes:
            continue
        candidates = Person.objects.all()
        for code in codes:
            candidates = candidates.filter(search_keys__regex=rf"(^| )[a-z0-9]+={code}( |$)")
        for person in candidates.only("pk", "given_names", "surname_1", "surname_2", "other_names"):
            spellings = {name_keys.fold(person.full_name)}
            spellings |= {name_keys.fold(line) for line in (person.other_names or "").splitlines()}
            if name in spellings:
                matched.add(person.pk)
    return _linked(matched) if matched else set()


# ---------------------------------------------------------------------------------------------
# Search before create

LIKELY_PARTIAL = "locate/_likely.html"
FIELDS = ("given_names", "surname_1", "surname_2", "birth_date", "sex", "country", "region", "municipality", "phone")


@dataclass
class LikelyMatches:
    visible: list[tuple[Match, Person]] = field(default_factory=list)
    hidden: int = 0  # possible matches the user may not see

    def __bool__(self) -> bool:
        return bool(self.visible or self.hidden)


def _text(value) -> str:
    if value is None:
        return ""
    code = getattr(value, "code", None)  # a network.Region
    return str(code if code is not None else value).strip()


def _region(value) -> str:
    """A Region, its pk as a form's select sends it, a code or a name -> what search reads."""
    text = _text(value)
    if text.isdigit():
        region = Region.objects.filter(pk=int(text)).only("code").first()
        return region.code if region else ""
    return text


def likely_matches(user, fields, limit: int = 5) -> LikelyMatches:
    """The existing people who look like ``fields`` (a dict or QueryDict of person field names),
    best first, split into those ``user`` may see and a count of the others. Needs a given name
    and a surname: nobody is listed by less."""
    f = {k: _text(fields.get(k)) for k in FIELDS}
    f["region"] = _region(fields.get("region"))
    query = Query(given_names=f["given_names"], surname_1=f["surname_1"], surname_2=f["surname_2"],
                  birth_date=f["birth_date"], sex=f["sex"], country=f["country"], region=f["region"],
                  municipality=f["municipality"], phone=f["phone"])
    if not f["given_names"] or not (f["surname_1"] or f["surname_2"]) or not query.has_name():
        return LikelyMatches()
    matches = get_index().search(query, limit=limit, include_nonconsenting=True)
    if not matches:
        return LikelyMatches()
    seen = visible_people(user).select_related("region").in_bulk([m.person_id for m in matches])
    visible = [(m, seen[m.person_id]) for m in matches if m.person_id in seen]
    return LikelyMatches(visible=visible, hidden=len(matches) - len(visible))
