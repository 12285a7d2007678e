"""Employer search: which employers a query finds and in what order, and that its word prefixes
are answered from the token index (what kept it fast on a million rows; see docs/visas.md)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from puente.visas import actions
from puente.visas.models import EmployerName
from puente.visas.search import index_names, matching_name_ids, search_employers

from .world import make_employer


def found(text):
    return [r["id"] for r in search_employers(text)]


def add_name(employer, name, city="", state=""):
    from puente.visas import normalise

    EmployerName.objects.create(name=name, key=normalise.name_key(name), city=city, state=state, employer=employer)
    index_names()


@pytest.mark.django_db
def test_every_word_is_the_start_of_a_word_of_one_name_as_filed():
    sunny = make_employer("SUNNY RIDGE ORCHARDS LLC", rows=((2016, 30),))
    mixed = make_employer("SUNNY FARM", state="GA", rows=((2016, 90),))
    add_name(mixed, "OAK ORCHARD CO", state="GA")  # a second name as filed, its own words
    ridgeway = make_employer("RIDGEWAY DAIRY", state="WA")

    assert found("orch sun") == [sunny.pk]  # prefixes, any order
    # "SUNNY" is in one of its names and "ORCHARD" in another: not one name with both words.
    assert mixed.pk not in found("sunny orchard")
    assert found("oak orch") == [mixed.pk]  # found under a name as filed that is not its own
    assert set(found("sunny")) == {sunny.pk, mixed.pk}
    assert set(found("ridge")) == {sunny.pk, ridgeway.pk} and found("ridgew") == [ridgeway.pk]
    assert found("sunny zzz") == [] and found("zzz") == []


@pytest.mark.django_db
def test_a_repeated_word_or_one_starting_another_word_changes_nothing():
    golden = make_employer("GOLDEN ORCHARD FARMS", rows=((2016, 5),))
    make_employer("GOLDEN VALLEY DAIRY", state="ID", rows=((2016, 50),))
    make_employer("ORCHID NURSERY", state="FL")
    assert found("golden golden") == found("golden") and len(found("golden")) == 2
    assert found("orch orchard golden") == found("golden orchard") == [golden.pk]
    assert found("or golden orchard") == [golden.pk]


@pytest.mark.django_db
def test_like_wildcards_in_a_query_match_only_themselves():
    make_employer("ACME FARMS")
    # Nothing of these survives normalisation: the query falls back to the text itself, which no
    # word of a name starts with (an unescaped LIKE '%%' would find every employer).
    assert found("%") == [] and found("_") == [] and found("%_%") == []


@pytest.mark.django_db
def test_merged_employers_are_found_as_their_survivor_once():
    kept = make_employer("BLUE CREEK FARMS INC", rows=((2016, 40),))
    merged = make_employer("BLUE CREEK FARM", city="DUNN", rows=((2014, 10),))
    actions.do_merge_employers(kept, merged, acting_user=None, probability=0.97, automatic=True)
    result = search_employers("blue creek")
    assert [r["id"] for r in result] == [kept.pk]
    assert result[0]["names"] == ["BLUE CREEK FARM", "BLUE CREEK FARMS INC"]
    assert result[0]["positions_certified"] == 50
    assert [(y["fy"], y["positions_certified"]) for y in result[0]["years"]] == [(2014, 10), (2016, 40)]


@pytest.mark.django_db
def test_ranked_by_positions_then_name_then_id_whatever_the_plan():
    small = make_employer("VALLEY FRESH PRODUCE", state="GA", rows=((2016, 7),))
    # The same name and positions in eight states: a sort leaves ties in no set order (PostgreSQL
    # put the 6th after the 7th here before the id was added to the order), so the id decides.
    twins = [make_employer("VALLEY FRESH PRODUCE", state=state, rows=((2016, 20),))
             for state in ("FL", "TX", "AL", "MS", "SC", "NC", "VA", "TN")]
    big = make_employer("VALLEY FRESH FARMS", state="CA", rows=((2016, 300),))
    expected = [big.pk, *sorted(t.pk for t in twins), small.pk]
    assert found("valley fresh") == expected
    assert [r["id"] for r in search_employers("valley fresh", limit=3)] == expected[:3]
    json = Client().get(reverse("visas:search"), {"q": "Valley Fresh", "format": "json"}).json()
    assert [r["id"] for r in json["results"]] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["orchard", "orchard sunny"])
def test_word_prefixes_are_an_index_condition_on_the_token_index(text):
    """Not a timing: the plan must look the prefixes up in ``visas_token_prefix_idx`` (a range of
    its keys), not filter every token. On PostgreSQL that needs LIKE with the index's pattern
    operator class (the test database's collation, C.UTF-8, is not "C" to PostgreSQL 15's LIKE)."""
    make_employer("SUNNY ORCHARDS")
    sql, params = matching_name_ids(text).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: make the index the choice
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert re.search(r"Index (Only )?Scan (on|using) visas_token_prefix_idx", plan), plan
            assert re.search(r"Index Cond: .*token.*~>=~ 'ORCHARD'", plan), plan
            assert "Seq Scan on visas_employertoken" not in plan, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            details = [row[-1] for row in cursor.fetchall()]
            assert any("visas_token_prefix_idx (token>? AND token<?)" in d for d in details), details
            assert not any(d.startswith("SCAN") for d in details), details
