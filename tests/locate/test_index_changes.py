"""The per-process search index follows the change log (issue 16): after any import or edit it
reads only the people who changed, and sees creations, edits, merges and deletions made by other
processes (which reach it only through the database) at its next search."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.test.utils import CaptureQueriesContext

from puente.locate import actions
from puente.locate import search as S
from puente.locate.models import Person, PersonChange
from puente.locate.search import Query, get_index


def ids(name):
    return [m.person_id for m in get_index().search(Query(name=name), limit=5)]


@pytest.mark.django_db
def test_the_index_follows_creations_edits_merges_and_deletions(coordinator):
    rosa = actions.do_create_person(acting_user=coordinator, given_names="Rosa Elvira", surname_1="Chuc",
                                    surname_2="Tzul", consent_to_search=True)
    assert ids("Rosa Elvira Chuc Tzul") == [rosa.pk]
    # Another process edits her name: this one learns it from the log at its next search.
    actions.do_update_person(rosa, acting_user=coordinator, surname_1="Ixcoy")
    assert ids("Rosa Elvira Ixcoy Tzul")[:1] == [rosa.pk] and rosa.pk not in ids("Rosa Elvira Chuc")
    dup = actions.do_create_person(acting_user=coordinator, given_names="Rosa", surname_1="Ixcoy", surname_2="Tzul",
                                   consent_to_search=True)
    assert dup.pk in ids("Rosa Ixcoy Tzul")
    actions.do_merge_people(rosa, dup, acting_user=coordinator)
    assert dup.pk not in ids("Rosa Ixcoy Tzul")
    other = actions.do_create_person(acting_user=coordinator, given_names="Eulalia", surname_1="Batz",
                                     consent_to_search=True)
    assert ids("Eulalia Batz") == [other.pk]
    Person.objects.filter(pk=other.pk).delete()  # a deletion (retention) in another process
    assert ids("Eulalia Batz") == []


@pytest.mark.django_db
def test_a_refresh_reads_only_the_people_who_changed(coordinator):
    people = [actions.do_create_person(acting_user=coordinator, given_names=g, surname_1="Xol", consent_to_search=True)
              for g in ("Ana", "Pedro", "Luis", "Marta", "Sofía")]
    get_index()
    actions.do_update_person(people[2], acting_user=coordinator, given_names="Luis Alberto")
    with CaptureQueriesContext(connection) as ctx:
        index = get_index()
    person_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "locate_person"' in q["sql"]]
    assert len(person_reads) == 1 and str(people[2].pk) in person_reads[0]
    assert str(people[0].pk) not in person_reads[0].split("IN")[-1]
    assert index.search(Query(name="Luis Alberto Xol"), limit=1)[0].person_id == people[2].pk


@pytest.mark.django_db
def test_a_change_committed_late_is_not_lost(coordinator):
    ana = actions.do_create_person(acting_user=coordinator, given_names="Ana", surname_1="Cux", consent_to_search=True)
    get_index()
    last = S._CURSOR.last_id
    # A slower transaction took id last+1 but commits after last+2 is seen.
    late = Person.objects.create(given_names="Pedro", surname_1="Cux", consent_to_search=True)
    PersonChange.objects.filter(person_id=late.pk).delete()
    PersonChange.objects.create(id=last + 2, person_id=ana.pk)
    get_index()
    assert last + 1 in S._CURSOR.gaps
    PersonChange.objects.create(id=last + 1, person_id=late.pk)
    assert late.pk in ids("Pedro Cux") and not S._CURSOR.gaps


@pytest.mark.django_db
def test_pruning_the_log_loses_nothing(coordinator):
    ana = actions.do_create_person(acting_user=coordinator, given_names="Ana", surname_1="Cux", consent_to_search=True)
    get_index()
    PersonChange.objects.update(at=timezone.now() - timedelta(days=3))
    call_command("locate", "prune-changes")
    assert not PersonChange.objects.exists()
    pedro = actions.do_create_person(acting_user=coordinator, given_names="Pedro", surname_1="Cux",
                                     consent_to_search=True)
    assert set(ids("Cux")) >= {ana.pk, pedro.pk}
