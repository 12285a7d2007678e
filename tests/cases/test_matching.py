"""Matching: each signal's effect on the order, exclusions, gaps, determinism, and the views that
show the suggestions and record the choice."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from puente.abuse.models import Recruiter, RecruiterAlias
from puente.cases import matching
from puente.cases.matching import suggest
from puente.cases.models import Case, CaseParty, CaseState, CaseTransition, Evaluation, MatchRecord, Task
from puente.locate.models import Person
from puente.network.models import Defender, DefenderConflict, Language, Region
from tests.cases.helpers import sign_agreement
from tests.factories import make_advocate, make_coordinator, make_defender_org

pytestmark = pytest.mark.django_db
_refs = itertools.count(1)


def region(name):
    return Region.objects.get(name=name)


def border(a, b):
    region(a).borders.add(region(b))


def defender(name, regions, languages=("spa",), expertise=(), capacity=5, **kw):
    codes = [region(r).code for r in regions]
    return make_defender_org(
        name=name, regions=codes, languages=languages, expertise=expertise, capacity=capacity, **kw
    )


@pytest.fixture
def advocate_profile():
    advocate = make_advocate()
    sign_agreement(advocate)
    return advocate


def make_case(
    advocate,
    *,
    region_name="Huehuetenango",
    language="spa",
    speaks_spanish=True,
    claim="wage_hour",
    tasks=("declaration",),
    parties=(),
    state=CaseState.IN_REVIEW,
    defender=None,
):
    client = Person.objects.create(
        given_names="María Guadalupe",
        surname_1="Tzoc",
        surname_2="Ajanel",
        region=region(region_name) if region_name else None,
        country=region(region_name).country if region_name else "GT",
        language=Language.objects.get(code=language) if language else None,
        speaks_spanish=speaks_spanish,
    )
    case = Case.objects.create(
        reference=f"MT-{next(_refs):05d}",
        advocate=advocate,
        client=client,
        claim_type=claim,
        state=state,
        defender=defender,
    )
    for kind in tasks:
        Task.objects.create(case=case, kind=kind)
    for kind, name in parties:
        CaseParty.objects.create(case=case, kind=kind, name=name)
    return case


def names(result):
    return [s.defender.name for s in result.suggestions]


def reasons_of(result, name):
    return next(s.reasons for s in result.suggestions if s.defender.name == name)


# --- Signals ---------------------------------------------------------------------------------------


def test_region_same_beats_border_beats_country_beats_none(advocate_profile):
    border("Huehuetenango", "San Marcos")
    far = defender("Defensa Oaxaca", ["Oaxaca"], country="MX")
    country = defender("Defensa Jutiapa", ["Jutiapa"])
    next_door = defender("Defensa San Marcos", ["San Marcos"])
    same = defender("Defensa Huehue", ["Huehuetenango"])
    result = suggest(make_case(advocate_profile))
    assert names(result) == [same.name, next_door.name, country.name, far.name]
    assert "serves Huehuetenango" in reasons_of(result, same.name)
    assert "borders Huehuetenango (serves San Marcos)" in reasons_of(result, next_door.name)
    assert "works in Guatemala" in reasons_of(result, country.name)
    assert not any("Huehuetenango" in r or "Guatemala" in r for r in reasons_of(result, far.name))


def test_indigenous_language_decides_when_client_does_not_speak_spanish(advocate_profile):
    border("Huehuetenango", "San Marcos")
    here = defender("Sin Mam", ["Huehuetenango"], languages=("spa",))
    mam = defender("Con Mam", ["San Marcos"], languages=("spa", "mam"))
    result = suggest(make_case(advocate_profile, language="mam", speaks_spanish=False))
    assert names(result) == [mam.name, here.name]
    assert "speaks Mam" in reasons_of(result, mam.name)
    assert any("does not speak Mam" in r for r in reasons_of(result, here.name))

    # The same client who also speaks Spanish: the region counts more than the language.
    result = suggest(make_case(advocate_profile, language="mam", speaks_spanish=True))
    assert names(result) == [here.name, mam.name]
    assert "speaks Mam" in reasons_of(result, mam.name)


def test_expertise_for_the_tasks_and_the_claim(advocate_profile):
    none = defender("Sin experiencia", ["Huehuetenango"])
    half = defender("Trata", ["Huehuetenango"], expertise=("trafficking",))
    full = defender("Trata y localización", ["Huehuetenango"], expertise=("trafficking", "locating_people"))
    result = suggest(make_case(advocate_profile, claim="trafficking", tasks=("locate",)))
    assert names(result) == [full.name, half.name, none.name]
    assert "experienced in Human trafficking, Locating people" in reasons_of(result, full.name)
    assert "no listed experience in Locating people" in reasons_of(result, half.name)


def test_load_against_capacity_and_full_defenders_fall_far(advocate_profile):
    busy = defender("Ocupada", ["Huehuetenango"], capacity=5)
    free = defender("Libre", ["Huehuetenango"], capacity=5)
    full = defender("Llena", ["Huehuetenango"], capacity=2)
    elsewhere = defender("Jutiapa libre", ["Jutiapa"], capacity=2)
    for _ in range(3):
        make_case(advocate_profile, state=CaseState.ACTIVE, defender=busy)
    make_case(advocate_profile, state=CaseState.AGREEMENT_PENDING, defender=full)
    make_case(advocate_profile, state=CaseState.REPORTING, defender=full)
    make_case(advocate_profile, state=CaseState.CLOSED, defender=free)  # closed cases take no slot
    result = suggest(make_case(advocate_profile))
    assert names(result) == [free.name, busy.name, elsewhere.name, full.name]
    assert "5 of 5 slots free" in reasons_of(result, free.name)
    assert "2 of 5 slots free" in reasons_of(result, busy.name)
    assert "full: 2 of 2 slots taken" in reasons_of(result, full.name)
    assert result.suggestions[-1].full


def test_the_case_itself_does_not_count_against_its_defender(advocate_profile):
    only = defender("Única", ["Huehuetenango"], capacity=1)
    case = make_case(advocate_profile, state=CaseState.AGREEMENT_PENDING, defender=only)
    assert "1 of 1 slots free" in reasons_of(suggest(case), only.name)


def test_paused_defenders_are_excluded_and_listed(advocate_profile):
    paused = defender("En pausa", ["Huehuetenango"], status=Defender.Status.PAUSED)
    active = defender("Activa", ["Jutiapa"])
    result = suggest(make_case(advocate_profile))
    assert names(result) == [active.name]
    assert [(s.defender.name, s.exclusion_reason) for s in result.excluded] == [(paused.name, "paused")]
    assert result.excluded[0].excluded


def _evaluate(advocate_profile, who, overall_values):
    for value in overall_values:
        past = make_case(advocate_profile, state=CaseState.CLOSED, defender=who)
        Evaluation.objects.create(case=past, side="advocate", author=advocate_profile.user, overall=Decimal(value))
        # The Defender's own evaluation does not count towards its rating.
        Evaluation.objects.create(case=past, side="defender", author=advocate_profile.user, overall=Decimal("1"))


def test_ratings_with_a_prior_so_one_case_does_not_dominate(advocate_profile):
    steady = defender("Constante", ["Huehuetenango"])
    lucky = defender("Un caso", ["Huehuetenango"])
    poor = defender("Baja", ["Huehuetenango"])
    unrated = defender("Sin evaluar", ["Huehuetenango"])
    _evaluate(advocate_profile, steady, ["4.80"] * 6)
    _evaluate(advocate_profile, lucky, ["5.00"])
    _evaluate(advocate_profile, poor, ["2.00"] * 4)
    result = suggest(make_case(advocate_profile))
    assert names(result) == [steady.name, lucky.name, unrated.name, poor.name]
    assert "average rating 4.8 over 6 cases" in reasons_of(result, steady.name)
    assert "average rating 5 over 1 case" in reasons_of(result, lucky.name)
    assert "no ratings yet" in reasons_of(result, unrated.name)


def _took_up(advocate_profile, who, days_list):
    for days in days_list:
        past = make_case(advocate_profile, state=CaseState.CLOSED, defender=who)
        start = timezone.now() - timedelta(days=100)
        Case.objects.filter(pk=past.pk).update(assigned_at=start)
        pending = CaseTransition.objects.create(case=past, from_state="in_review", to_state="agreement_pending")
        active = CaseTransition.objects.create(case=past, from_state="agreement_pending", to_state="active")
        CaseTransition.objects.filter(pk=pending.pk).update(at=start)
        CaseTransition.objects.filter(pk=active.pk).update(at=start + timedelta(days=days))


def test_uptake_quick_defenders_first(advocate_profile):
    slow = defender("Lenta", ["Huehuetenango"])
    quick = defender("Rápida", ["Huehuetenango"])
    _took_up(advocate_profile, slow, [20, 25, 18])
    _took_up(advocate_profile, quick, [2, 3, 1])
    result = suggest(make_case(advocate_profile), use_cache=False)
    assert names(result) == [quick.name, slow.name]
    assert "took up cases in 2 days (median)" in reasons_of(result, quick.name)
    assert "took up cases in 20 days (median)" in reasons_of(result, slow.name)


def test_aggregates_cache_is_invalidated_by_a_new_evaluation(advocate_profile):
    first = defender("Primera", ["Huehuetenango"])
    second = defender("Segunda", ["Huehuetenango"])
    case = make_case(advocate_profile)
    assert names(suggest(case)) == [first.name, second.name]  # tie: by id
    _evaluate(advocate_profile, second, ["5.00", "5.00"])
    assert names(suggest(case)) == [second.name, first.name]


# --- Conflicts, gaps, determinism ----------------------------------------------------------------


def test_conflict_of_interest_excludes_and_says_why(advocate_profile):
    conflicted = defender("Con conflicto", ["Huehuetenango"])
    clean = defender("Sin conflicto", ["Huehuetenango"])
    DefenderConflict.objects.create(
        defender=conflicted, party_kind="recruiter", party_name="Reclutadora del Norte S.A. de C.V."
    )
    DefenderConflict.objects.create(defender=clean, party_kind="employer", party_name="Reclutadora del Sur")
    case = make_case(
        advocate_profile, parties=[("recruiter", "RECLUTADORA  DEL NORTE, SA DE CV"), ("employer", "Granjas Unidas")]
    )
    result = suggest(case)
    assert names(result) == [clean.name]
    [excluded] = result.excluded
    assert excluded.defender == conflicted
    assert excluded.exclusion_reason == (
        "conflict of interest: acted for Reclutadora del Norte S.A. de C.V. "
        "(named in the case as RECLUTADORA  DEL NORTE, SA DE CV)"
    )


def test_conflict_found_through_party_aliases(advocate_profile):
    """The abuse app knows "ALT Recruiting" as an alias of the recruiter Agencia Laboral Tzul
    (provider ``cases.conflict_aliases``): a Defender who acted for the agency is excluded."""
    conflicted = defender("Con conflicto", ["Huehuetenango"])
    DefenderConflict.objects.create(defender=conflicted, party_kind="recruiter", party_name="Agencia Laboral Tzul")
    recruiter = Recruiter.objects.create(name="Agencia Laboral Tzul")
    RecruiterAlias.objects.create(recruiter=recruiter, name="ALT Recruiting")
    result = suggest(make_case(advocate_profile, parties=[("recruiter", "ALT Recruiting")]))
    assert [s.defender for s in result.excluded] == [conflicted]
    assert result.suggestions == []


def test_gap_names_the_nearest_served_region(advocate_profile):
    border("Gracias a Dios", "Colón")
    defender("Defensa Colón", ["Colón"], country="HN")
    result = suggest(make_case(advocate_profile, region_name="Gracias a Dios"))
    assert "No Defender serves Gracias a Dios; nearest: Colón" in result.gaps


def test_gap_falls_back_to_the_same_country(advocate_profile):
    defender("Defensa Choluteca", ["Choluteca"], country="HN")
    defender("Defensa Oaxaca", ["Oaxaca"], country="MX")
    result = suggest(make_case(advocate_profile, region_name="Gracias a Dios"))
    assert "No Defender serves Gracias a Dios or a bordering region; elsewhere in Honduras: Choluteca" in result.gaps


def test_gaps_for_language_and_expertise_and_none_when_covered(advocate_profile):
    defender("Defensa Huehue", ["Huehuetenango"], languages=("spa",), expertise=("trafficking",))
    result = suggest(
        make_case(advocate_profile, language="mam", speaks_spanish=False, claim="trafficking", tasks=("serve",))
    )
    assert "No available Defender speaks Mam" in result.gaps
    assert "No available Defender lists Service of process" in result.gaps
    assert not any("serves" in g for g in result.gaps)
    covered = suggest(make_case(advocate_profile, claim="trafficking", tasks=()))
    assert covered.gaps == []


def test_deterministic_ties_broken_by_defender_id(advocate_profile):
    created = [defender(f"Igual {i}", ["Huehuetenango"]) for i in range(7)]
    case = make_case(advocate_profile)
    first = suggest(case, limit=7)
    assert [s.defender.pk for s in first.suggestions] == sorted(d.pk for d in created)
    assert [s.rank for s in first.suggestions] == list(range(1, 8))
    again = suggest(case, limit=7, use_cache=False)
    assert first.shown() == again.shown()
    assert len(suggest(case).suggestions) == 5  # the default limit


def test_weights_live_in_one_place(advocate_profile, monkeypatch):
    border("Huehuetenango", "San Marcos")
    same = defender("Misma", ["Huehuetenango"])
    near = defender("Vecina", ["San Marcos"])
    assert names(suggest(make_case(advocate_profile))) == [same.name, near.name]
    monkeypatch.setattr(matching, "WEIGHTS", matching.Weights(region_border=50))
    assert names(suggest(make_case(advocate_profile))) == [near.name, same.name]


# --- Views -----------------------------------------------------------------------------------------


@pytest.fixture
def coordinator_client():
    client = Client()
    client.force_login(make_coordinator())
    return client


def _shown(response):
    return response.context["shown"]


def test_panel_lists_suggestions_exclusions_and_gaps(advocate_profile, coordinator_client):
    border("Gracias a Dios", "Colón")
    near = defender("Defensa Colón", ["Colón"], country="HN")
    paused = defender("Pausada Colón", ["Colón"], country="HN", status=Defender.Status.PAUSED)
    case = make_case(advocate_profile, region_name="Gracias a Dios")
    response = coordinator_client.get(reverse("cases:match_suggestions", args=[case.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # an htmx partial
    assert near.name in html and "borders Gracias a Dios (serves Colón)" in html
    assert paused.name in html and "paused" in html
    assert "No Defender serves Gracias a Dios; nearest: Colón" in html
    full_page = coordinator_client.get(reverse("cases:match_suggestions", args=[case.pk]))
    assert "<html" in full_page.content.decode()


def test_choose_records_suggestions_and_rank(advocate_profile, coordinator_client):
    first = defender("Primera", ["Huehuetenango"])
    second = defender("Segunda", ["Huehuetenango"])
    case = make_case(advocate_profile, state=CaseState.IN_REVIEW)
    shown = _shown(coordinator_client.get(reverse("cases:match_suggestions", args=[case.pk])))
    url = reverse("cases:match_choose", args=[case.pk])

    # Not the first suggestion, and no reason given: refused, nothing written.
    response = coordinator_client.post(url, {"defender": second.pk, "shown": shown, "note": ""})
    assert response.status_code == 400
    assert not MatchRecord.objects.exists()

    response = coordinator_client.post(url, {"defender": second.pk, "shown": shown, "note": "Conoce a la familia"})
    assert response.status_code == 302
    record = MatchRecord.objects.get(case=case)
    assert record.chosen == second and record.chosen_rank == 2 and record.note == "Conoce a la familia"
    assert [s["defender_id"] for s in record.suggestions] == [first.pk, second.pk]
    assert record.suggestions[0]["rank"] == 1 and "serves Huehuetenango" in record.suggestions[0]["reasons"]
    case.refresh_from_db()
    assert case.defender == second and case.state == CaseState.AGREEMENT_PENDING


def test_choose_a_defender_outside_the_suggestions(advocate_profile, coordinator_client):
    defender("Primera", ["Huehuetenango"])
    outsider = defender("Lejana", ["Oaxaca"], country="MX")
    case = make_case(advocate_profile)
    response = coordinator_client.get(reverse("cases:match_suggestions", args=[case.pk]))
    shown = signing.loads(_shown(response), salt="puente.cases.matching.shown")
    shown["shown"] = shown["shown"][:1]  # only the first was shown
    only_first_shown = signing.dumps(shown, salt="puente.cases.matching.shown")
    response = coordinator_client.post(
        reverse("cases:match_choose", args=[case.pk]),
        {"defender": outsider.pk, "shown": only_first_shown, "note": "Pedido por la Defensora"},
    )
    assert response.status_code == 302
    assert MatchRecord.objects.get(case=case).chosen_rank is None


def test_choose_refuses_tampered_suggestions_and_conflicts(advocate_profile, coordinator_client):
    conflicted = defender("Con conflicto", ["Huehuetenango"])
    DefenderConflict.objects.create(defender=conflicted, party_kind="employer", party_name="Granjas Unidas Inc.")
    case = make_case(advocate_profile, parties=[("employer", "GRANJAS UNIDAS")])
    other = make_case(advocate_profile)
    url = reverse("cases:match_choose", args=[case.pk])
    shown = _shown(coordinator_client.get(reverse("cases:match_suggestions", args=[case.pk])))
    shown_for_other = _shown(coordinator_client.get(reverse("cases:match_suggestions", args=[other.pk])))

    response = coordinator_client.post(url, {"defender": conflicted.pk, "shown": shown, "note": "x"})
    assert response.status_code == 400 and "conflict of interest" in response.content.decode()
    response = coordinator_client.post(url, {"defender": conflicted.pk, "shown": shown + "x", "note": "x"})
    assert response.status_code == 400 and "altered" in response.content.decode()
    response = coordinator_client.post(url, {"defender": conflicted.pk, "shown": shown_for_other, "note": "x"})
    assert response.status_code == 400 and "another case" in response.content.decode()
    assert not MatchRecord.objects.exists()


def test_choose_refused_by_the_workflow_writes_nothing(advocate_profile, coordinator_client):
    only = defender("Única", ["Huehuetenango"])
    case = make_case(advocate_profile, state=CaseState.CLOSED)
    shown = _shown(coordinator_client.get(reverse("cases:match_suggestions", args=[case.pk])))
    response = coordinator_client.post(
        reverse("cases:match_choose", args=[case.pk]), {"defender": only.pk, "shown": shown}
    )
    assert response.status_code == 409
    assert not MatchRecord.objects.exists()


def test_choose_by_htmx_redirects_the_page(advocate_profile, coordinator_client):
    only = defender("Única", ["Huehuetenango"])
    case = make_case(advocate_profile)
    shown = _shown(coordinator_client.get(reverse("cases:match_suggestions", args=[case.pk])))
    response = coordinator_client.post(
        reverse("cases:match_choose", args=[case.pk]), {"defender": only.pk, "shown": shown}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204 and response["HX-Redirect"]
    assert MatchRecord.objects.get(case=case).chosen_rank == 1


def test_stats_show_how_often_the_first_suggestion_is_followed(advocate_profile, coordinator_client):
    coordinator = make_coordinator()
    chosen = defender("Elegida", ["Huehuetenango"])
    for rank, note in [(1, ""), (1, ""), (1, ""), (2, "Habla la variante local"), (None, "Pedida por el Abogado")]:
        MatchRecord.objects.create(
            case=make_case(advocate_profile), chosen=chosen, chosen_rank=rank, chosen_by=coordinator, note=note
        )
    response = coordinator_client.get(reverse("cases:match_stats"))
    assert response.status_code == 200
    assert response.context["total"] == 5
    assert response.context["followed"] == 3 and response.context["followed_share"] == 60
    assert response.context["outside"] == 1
    html = response.content.decode()
    assert "Habla la variante local" in html and "Pedida por el Abogado" in html


def test_ranking_points_and_explained_points_agree(advocate_profile):
    """The ranking scores everyone without words; the panel explains the shown ones. Both must
    give the same number for every Defender, whatever signals apply."""
    border("Huehuetenango", "San Marcos")
    defenders = [
        defender("A", ["Huehuetenango"], languages=("spa", "mam"), expertise=("trafficking",), capacity=1),
        defender("B", ["San Marcos"], languages=("spa",), expertise=("trafficking", "locating_people"), capacity=3),
        defender("C", ["Jutiapa"], languages=("spa", "mam"), capacity=2, status=Defender.Status.PAUSED),
        defender("D", ["Oaxaca"], country="MX", languages=("spa",), expertise=("locating_people",)),
    ]
    make_case(advocate_profile, state=CaseState.ACTIVE, defender=defenders[0])
    _evaluate(advocate_profile, defenders[1], ["4.50", "3.00"])
    _took_up(advocate_profile, defenders[3], [4, 9])
    for speaks_spanish in (True, False):
        case = make_case(
            advocate_profile, language="mam", speaks_spanish=speaks_spanish, claim="trafficking", tasks=("locate",)
        )
        ctx = matching._Context(case, use_cache=False)
        fast = matching._all_points(ctx)
        explained = {row[0]: matching._explain(ctx, row)[0] for row in ctx.defenders}
        assert fast == explained
        assert len(set(fast.values())) == 4  # the signals really differ here


def test_assigning_a_case_updates_the_load_at_once(advocate_profile):
    from puente.cases.actions import do_assign_defender

    coordinator = make_coordinator()
    only = defender("Única", ["Huehuetenango"], capacity=1)
    waiting = make_case(advocate_profile)
    assert "1 of 1 slots free" in reasons_of(suggest(waiting), only.name)
    do_assign_defender(make_case(advocate_profile), only, acting_user=coordinator, note="")
    result = suggest(waiting)
    assert "full: 1 of 1 slots taken" in reasons_of(result, only.name)
    assert "Every Defender serving Huehuetenango is full" in result.gaps


def test_refused_choice_by_htmx_comes_back_as_the_panel_with_the_error(advocate_profile, coordinator_client):
    defender("Primera", ["Huehuetenango"])
    second = defender("Segunda", ["Huehuetenango"])
    case = make_case(advocate_profile)
    shown = _shown(coordinator_client.get(reverse("cases:match_suggestions", args=[case.pk])))
    response = coordinator_client.post(
        reverse("cases:match_choose", args=[case.pk]), {"defender": second.pk, "shown": shown}, HTTP_HX_REQUEST="true"
    )
    # htmx 2 swaps only 2xx responses: the panel with its error comes back as 200, not a page.
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'class="match-panel"' in html
    assert "Say why you chose a Defender other than the first suggestion." in html
    assert not MatchRecord.objects.exists()


def test_queries_do_not_grow_with_the_network(advocate_profile, django_assert_max_num_queries):
    """A fixed number of queries whatever the size of the network (the benchmark times it)."""
    border("Huehuetenango", "San Marcos")
    for i in range(12):
        who = defender(
            f"Red {i}",
            ["Huehuetenango" if i % 2 else "San Marcos"],
            languages=("spa", "mam"),
            expertise=("trafficking",),
        )
        _evaluate(advocate_profile, who, ["4.00"])
    case = make_case(
        advocate_profile,
        language="mam",
        speaks_spanish=False,
        claim="trafficking",
        parties=[("employer", "Granjas Unidas S.A.")],
    )
    suggest(case)  # fills the per-process aggregates
    with django_assert_max_num_queries(20) as counted:
        result = suggest(case)
    assert len(result.suggestions) == 5
    small = len(counted)
    for i in range(12, 30):
        defender(f"Red {i}", ["Jutiapa"])
    with django_assert_max_num_queries(small):
        suggest(case)
