import pytest

from tests.access import LOGIN, Entry, check_entry, matrix_params

EVERYONE = ["anonymous", "coordinator", "advocate", "other_advocate", "defender", "other_defender"]
PUBLIC = {r: 200 for r in EVERYONE}
COORDINATOR_ONLY = {"anonymous": LOGIN, "coordinator": 200}



def agents(w):
    """The agent merge objects, made on first use (``tests/visas/world.py`` has one agent only):
    a pair of agents to review (``w.agent_review``) and a merge (``w.agent_merge`` of
    ``w.agent_merged``)."""
    if not hasattr(w, "agent_review"):
        from puente.visas import actions
        from puente.visas.models import Agent, AgentMergeReview

        left = Agent.objects.create(name="GARCIA LAW FIRM, PLLC", key="GARCIA LAW FIRM")
        right = Agent.objects.create(name="GARCIA AND RAMIREZ LAW OFFICE", key="GARCIA AND RAMIREZ LAW OFFICE")
        kept = Agent.objects.create(name="FARM LABOR SERVICES INC", key="FARM LABOR SERVICE")
        w.agent_merged = Agent.objects.create(name="FARM LABOUR SERVICES", key="FARM LABOUR SERVICE")
        w.agent_review = AgentMergeReview.objects.create(left=left, right=right, probability=0.5)
        w.agent_merge = actions.do_merge_agents(kept, w.agent_merged, acting_user=None, probability=0.97,
                                                automatic=True)
    return w


MATRIX = [
    # Public records (OFLC disclosure data, DOL debarments): open to everyone, signed in or not.
    Entry("visas:search", expect=PUBLIC, data=lambda w: {"q": "growers"}),
    Entry("visas:employer", expect=PUBLIC, kwargs=lambda w: {"pk": w.visa_employer.pk}),
    # A merged employer's page sends everyone to the employer it was merged into.
    Entry("visas:employer", expect={r: 302 for r in EVERYONE}, kwargs=lambda w: {"pk": w.visa_merged.pk},
          id="employer-merged"),
    Entry("visas:agent", expect=PUBLIC, kwargs=lambda w: {"pk": w.visa_agent.pk}),
    # A merged agent's page sends everyone to the agent it was merged into.
    Entry("visas:agent", expect={r: 302 for r in EVERYONE}, kwargs=lambda w: {"pk": agents(w).agent_merged.pk},
          id="agent-merged"),
    Entry("visas:stats", expect=PUBLIC),
    # The network's own material: Coordinators only.
    Entry("visas:case_employer_history", expect=COORDINATOR_ONLY, kwargs=lambda w: {"case_pk": w.case.pk}),
    Entry("visas:reviews", expect=COORDINATOR_ONLY),
    Entry("visas:review_decide", method="post", expect={"anonymous": LOGIN, "coordinator": 302},
          kwargs=lambda w: {"pk": w.merge_review.pk}, data=lambda w: {"decision": "reject"}),
    Entry("visas:merge_undo", method="post", expect={"anonymous": LOGIN, "coordinator": 302},
          kwargs=lambda w: {"pk": w.employer_merge.pk}),
    Entry("visas:agent_reviews", expect=COORDINATOR_ONLY),
    Entry("visas:agent_review_decide", method="post", expect={"anonymous": LOGIN, "coordinator": 302},
          kwargs=lambda w: {"pk": agents(w).agent_review.pk}, data=lambda w: {"decision": "reject"}),
    Entry("visas:agent_merge_undo", method="post", expect={"anonymous": LOGIN, "coordinator": 302},
          kwargs=lambda w: {"pk": agents(w).agent_merge.pk}),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
