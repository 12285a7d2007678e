"""Agent and attorney resolution with Splink: merges, review list, undo, and the import around it."""

import io

import pytest

from tests.factories import make_coordinator

from puente.core.action_contract import ActionRefused
from auditlog.models import LogEntry
from django.core.management import call_command

from puente.visas import actions, normalise, resolve
from puente.visas.models import Agent, AgentMerge, AgentMergeReview, AgentName, ImportedFile, VisaCase

from .world import make_employer


def make_agent(name, employers=(), fiscal_year=2016):
    """An agent as the importer makes it (one per normalised name) with one row per employer."""
    key = normalise.name_key(name)
    agent, _ = Agent.objects.get_or_create(key=key, defaults={"name": name})
    AgentName.objects.create(name=name, key=key, agent=agent)
    for employer in employers:
        add_row(agent, name, employer, fiscal_year)
    return agent


def add_row(agent, filed, employer, fiscal_year=2016):
    file, _ = ImportedFile.objects.get_or_create(name=f"agents-{fiscal_year}.csv", defaults={
        "sha256": f"{fiscal_year:064d}", "visa": "H-2A", "fiscal_year": fiscal_year})
    n = VisaCase.objects.count()
    return VisaCase.objects.create(
        file=file, row_number=n + 2, case_number=f"H-300-A{n}", visa="H-2A", fiscal_year=fiscal_year,
        status="certified", employer_name_filed=employer.name, employer=employer, employer_state=employer.state,
        agent=agent, agent_name_filed=filed, workers_certified=5,
    )


def employers(*names, state="NC"):
    return [make_employer(n, state=state, city="TOWN") for n in names]


def active(agent):
    agent.refresh_from_db()
    while agent.merged_into_id:
        agent = agent.merged_into
    return agent


@pytest.mark.django_db
def test_spelling_variants_of_one_agent_become_one_and_different_agents_stay_apart():
    growers = employers("ALPHA FARM", "BETA ORCHARD", "GAMMA NURSERY")
    farm_labor = make_agent("FARM LABOR SERVICES INC", growers)
    # Same normalised name ("SVCS" = "SERVICES", "INC" dropped): the same agent from the start.
    assert make_agent("Farm Labor Svcs., Inc.", growers[:1]) == farm_labor
    labour = make_agent("FARM LABOUR SERVICES, INC.", growers[1:], fiscal_year=2014)
    # Law firms: "Law Office(s) of", "PLLC", "Attorney at Law" are not what tells them apart.
    texas = employers("DELTA RANCH", "EPSILON DAIRY", "ZETA FARM", state="TX")
    gonzalez = make_agent("LAW OFFICES OF MARIA GONZALEZ, PLLC", texas)
    gonzalez_pllc = make_agent("Maria Gonzalez PLLC", texas[:1])
    gonzalez_office = make_agent("Law Office of Maria Gonzalez", texas[1:2], fiscal_year=2010)
    # The attorney's own name, for the employers the firm files for.
    alcala_firm = make_agent("ALCALA LAW FIRM", texas[1:])
    alcala = make_agent("JAMES ALCALA", texas[1:], fiscal_year=2010)
    # Must NOT merge: another firm whose name contains the first one's, other employers.
    alleman = make_agent("ALLEMAN FARM LABOR SERVICE", employers("ETA CANE", "THETA CANE", state="LA"))
    # Must NOT merge: two Texas firms sharing a surname, no employer in common.
    garcia = make_agent("GARCIA LAW FIRM, PLLC", employers("IOTA FARM", state="TX"))
    garcia_ramirez = make_agent("GARCIA & RAMIREZ LAW OFFICE", employers("KAPPA FARM", state="TX"))

    result = actions.do_resolve(acting_user=None)

    assert active(labour) == farm_labor  # the agent with more rows survives
    assert active(gonzalez_pllc) == active(gonzalez_office) == gonzalez
    assert active(alcala) == active(alcala_firm)
    for agent in (alleman, garcia, garcia_ramirez):
        assert active(agent) == agent
    assert active(farm_labor) == farm_labor and active(gonzalez) == gonzalez
    apart = [(alleman, farm_labor), (garcia, garcia_ramirez), (garcia, gonzalez)]
    for a, b in apart:
        assert not AgentMergeReview.objects.filter(left__in=(a, b), right__in=(a, b)).exists()
    merge = AgentMerge.objects.get(merged=labour)
    assert merge.probability >= resolve.AUTO_MERGE and merge.method == "splink"
    assert result["agents"] == {"agents": 10, "merged": 4, "review": 0}
    # The survivor now holds every row and every name as filed, with the certainty of its link.
    assert set(VisaCase.objects.filter(agent=farm_labor).values_list("agent_name_filed", flat=True)) == {
        "FARM LABOR SERVICES INC", "Farm Labor Svcs., Inc.", "FARM LABOUR SERVICES, INC."}
    moved = AgentName.objects.get(name="FARM LABOUR SERVICES, INC.")
    assert moved.agent == farm_labor and moved.method == "splink" and moved.certainty == merge.probability
    # Running again proposes nothing new.
    again = actions.do_resolve(acting_user=None)
    assert again["agents"]["merged"] == 0 and again["agents"]["review"] == 0


@pytest.mark.django_db
def test_uncertain_pair_goes_to_review_and_a_coordinator_decides(world):
    rudy = make_agent("RUDY SANCHEZ", employers("ALPHA FARM", state="GA"))
    ruby = make_agent("RUBY SANCHEZ", employers("BETA FARM", state="GA"))
    result = actions.do_resolve(acting_user=None)
    review = AgentMergeReview.objects.get()
    assert {review.left_id, review.right_id} == {rudy.pk, ruby.pk}
    assert resolve.REVIEW <= review.probability < resolve.AUTO_MERGE
    assert result["agents"]["review"] == 1 and result["agents"]["merged"] == 0
    coordinator = world.users["coordinator"]
    actions.do_reject_agent_review(review, acting_user=coordinator)
    review.refresh_from_db()
    assert review.state == "rejected" and review.decided_by == coordinator
    with pytest.raises(ActionRefused):
        actions.do_confirm_agent_review(review, acting_user=coordinator)
    # A rejected pair is not proposed again.
    assert actions.do_resolve(acting_user=None)["agents"]["review"] == 0
    assert AgentMergeReview.objects.count() == 1


@pytest.mark.django_db
def test_confirmed_review_merges_and_undo_restores_rows_names_and_the_review(world):
    coordinator = world.users["coordinator"]
    big = make_agent("KY FARMERS AID", employers("ALPHA FARM", "BETA FARM", state="KY"))
    small = make_agent("KYFARMERS AID LLC", employers("GAMMA FARM", state="KY"))
    small_rows = set(VisaCase.objects.filter(agent=small).values_list("pk", flat=True))
    review = AgentMergeReview.objects.create(left=small, right=big, probability=0.6)

    actions.do_confirm_agent_review(review, acting_user=coordinator)
    review.refresh_from_db()
    merge = review.merge
    assert review.state == "confirmed" and merge.into == big and merge.merged == small
    assert merge.method == "coordinator" and merge.by == coordinator
    assert set(VisaCase.objects.filter(agent=big).values_list("pk", flat=True)) >= small_rows
    assert AgentName.objects.get(name="KYFARMERS AID LLC").agent == big
    # Audited, with the Coordinator as actor: the merge row, and the merged agent's merged_into.
    assert LogEntry.objects.get_for_object(merge).get().actor == coordinator
    entry = LogEntry.objects.get_for_object(small).latest("timestamp")
    assert entry.actor == coordinator and "merged_into" in entry.changes_dict

    actions.do_undo_agent_merge(merge, acting_user=coordinator)
    small.refresh_from_db()
    merge.refresh_from_db()
    assert small.merged_into is None and merge.undone_by == coordinator and merge.undone_at
    assert set(VisaCase.objects.filter(agent=small).values_list("pk", flat=True)) == small_rows
    assert VisaCase.objects.filter(agent=big).count() == 2
    restored = AgentName.objects.get(name="KYFARMERS AID LLC")
    assert restored.agent == small and restored.method == "exact" and restored.certainty == 1.0
    review.refresh_from_db()
    assert review.state == "pending" and review.merge is None  # back on the list to decide again
    with pytest.raises(ActionRefused):
        actions.do_undo_agent_merge(merge, acting_user=coordinator)
    # An undone merge is not redone by the next resolution.
    actions.do_resolve(acting_user=None)
    assert active(small) == small


@pytest.mark.django_db
def test_undo_follows_rows_imported_after_the_merge_and_refuses_out_of_order():
    coordinator = make_coordinator()
    growers = employers("ALPHA FARM", "BETA FARM")
    a = make_agent("MOUNTAIN PLAINS AGRICULTURAL SERVICE", growers)
    b = make_agent("MOUNTAIN PLAINS AGRICULTURE SERVICE LLC", growers[:1])
    c = make_agent("OTHER AGENT", growers[:1])
    first = actions.do_merge_agents(a, b, acting_user=None, probability=0.99, automatic=True)
    # A later import: the importer finds agents by name, so a known spelling lands on the survivor,
    # and a new spelling with the merged agent's normalised name lands on the merged agent.
    later_known = add_row(a, "MOUNTAIN PLAINS AGRICULTURE SERVICE LLC", growers[1], 2017)
    stray_name = AgentName.objects.create(name="Mountain Plains Agriculture Svc.", key=b.key, agent=b)
    stray_row = add_row(b, "Mountain Plains Agriculture Svc.", growers[1], 2017)
    assert actions.do_rehome_agent_rows(acting_user=None) == 1
    stray_row.refresh_from_db()
    stray_name.refresh_from_db()
    assert stray_row.agent == a and stray_name.agent == a
    # Undo in the wrong order is refused: a was merged into c since.
    second = actions.do_merge_agents(c, a, acting_user=None)
    with pytest.raises(ActionRefused):
        actions.do_undo_agent_merge(first, acting_user=coordinator)
    actions.do_undo_agent_merge(second, acting_user=coordinator)
    actions.do_undo_agent_merge(first, acting_user=coordinator)
    for row in (later_known, stray_row):
        row.refresh_from_db()
        assert row.agent == b
    assert set(AgentName.objects.filter(agent=b).values_list("name", flat=True)) == {
        "MOUNTAIN PLAINS AGRICULTURE SERVICE LLC", "Mountain Plains Agriculture Svc."}
    assert VisaCase.objects.filter(agent=a).count() == 2 and VisaCase.objects.filter(agent=c).count() == 1


@pytest.mark.django_db
def test_import_makes_one_agent_per_normalised_name_and_the_command_reports_agents(tmp_path):
    csv = tmp_path / "H-2A_FY2015_agents.csv"
    csv.write_text(
        "CASE_NO,DECISION_DATE,CASE_STATUS,EMPLOYER_NAME,EMPLOYER_CITY,EMPLOYER_STATE,AGENT_ATTORNEY_NAME,"
        "NBR_WORKERS_CERTIFIED\n"
        'H-300-1,02/01/2015,Certified - Full,ALPHA FARMS LLC,KINSTON,NC,FARM LABOR SERVICES INC,10\n'
        'H-300-2,02/01/2015,Certified - Full,BETA ORCHARD,KINSTON,NC,"Farm Labor Svcs., Inc.",12\n'
        'H-300-6,02/01/2015,Certified - Full,BETA ORCHARD,KINSTON,NC,FARM LABOR SERVICES INC,2\n'
        'H-300-3,02/01/2015,Certified - Full,ALPHA FARMS LLC,KINSTON,NC,"FARM LABOUR SERVICES, INC.",7\n'
        'H-300-4,02/01/2015,Certified - Full,BETA ORCHARD,KINSTON,NC,"FARM LABOUR SERVICES, INC.",3\n'
        'H-300-5,02/01/2015,Certified - Full,GAMMA CANE,THIBODAUX,LA,ALLEMAN FARM LABOR SERVICE,20\n',
        encoding="utf-8")
    out = io.StringIO()
    call_command("visas", "import", str(csv), stdout=out, stderr=io.StringIO())
    assert "resolution: 3 agents compared, 1 merged, 0 to review" in out.getvalue()
    survivor = Agent.objects.get(key="FARM LABOR SERVICE")  # 3 rows against 2: it survives
    assert survivor.merged_into is None
    assert VisaCase.objects.filter(agent=survivor).count() == 5
    assert Agent.objects.get(key="ALLEMAN FARM LABOR SERVICE").merged_into is None
    out = io.StringIO()
    call_command("visas", "resolve", stdout=out)
    assert "resolution: 2 agents compared, 0 merged, 0 to review" in out.getvalue()
