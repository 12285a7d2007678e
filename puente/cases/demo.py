"""Demo cases in every step of facilitation, built through the real actions so that each has its
timeline, contract versions, signatures, messages, evaluations and outcome.

Uses the demo accounts of ``puente.network.demo`` (coordinator1@, advocateN@, defenderN@
demo.puente.org); creates nothing when they do not exist. Idempotent: each demo case is found by
its docket number (``DEMO-CASE-NN``) and left alone when it exists.

Moving a case out of *reporting* needs billing's say (report approved and invoiced). Billing's demo
runs after this one, so the demo cases further along (evaluation, closed) are moved past that
guard here with a transition marked "demo data" in the timeline.
"""

import datetime
import random

from django.utils import timezone
from djmoney.money import Money

from puente.network.api import Advocate, Defender, User

from . import actions
from .api import agreement_signature
from .models import Case, CaseState, CaseTransition, Task
from .notify import emails_suppressed

S = CaseState
DOMAIN = "demo.puente.org"

CLIENTS = [
    {
        "given_names": "María Guadalupe",
        "surname_1": "Xol",
        "surname_2": "Chuc",
        "sex": "F",
        "country": "GT",
        "community": "Aldea Chirrepec",
        "birth_date": "1987",
    },
    {
        "given_names": "José Luis",
        "surname_1": "Hernández",
        "surname_2": "López",
        "sex": "M",
        "country": "MX",
        "community": "San Miguel el Grande",
        "whatsapp": "+52 951 555 0101",
    },
    {
        "given_names": "Juana",
        "surname_1": "Tzoc",
        "surname_2": "",
        "sex": "F",
        "country": "GT",
        "community": "Caserío Xetzac",
    },
    {
        "given_names": "Francisco",
        "surname_1": "de la Cruz",
        "surname_2": "Martínez",
        "sex": "M",
        "country": "MX",
        "birth_date": "1979-04",
        "phone": "+52 757 555 0199",
    },
    {"given_names": "Rosa Elena", "surname_1": "Ajanel", "surname_2": "Cux", "sex": "F", "country": "GT"},
    {
        "given_names": "Santiago",
        "surname_1": "Mejía",
        "surname_2": "Orellana",
        "sex": "M",
        "country": "HN",
        "community": "Barrio El Centro",
    },
    {"given_names": "Ana", "surname_1": "López", "surname_2": "García", "sex": "F", "country": "SV"},
    {
        "given_names": "Refugio",
        "surname_1": "Ramírez",
        "surname_2": "Santos",
        "sex": "M",
        "country": "MX",
        "birth_date": "1990-11-02",
    },
    {"given_names": "Dolores", "surname_1": "Chávez", "surname_2": "", "sex": "F", "country": "NI"},
    {"given_names": "Ignacio", "surname_1": "Pérez", "surname_2": "Tzul", "sex": "M", "country": "GT"},
    {"given_names": "Concepción", "surname_1": "Vásquez", "surname_2": "Morales", "sex": "F", "country": "MX"},
]

# (target step, claim type, court, opposing party, tasks)
PLAN = [
    (S.SUBMITTED, "wage_hour", "E.D.N.C.", ("employer", "Blue Ridge Tobacco Farms LLC"), ["locate", "declaration"]),
    (
        S.IN_REVIEW,
        "recruitment_fraud",
        "U.S. DOL Wage and Hour Division",
        ("recruiter", "Reclutamiento Global del Norte"),
        ["declaration", "documents"],
    ),
    (S.INFO_REQUESTED, "trafficking", "S.D. Tex.", ("employer", "Gulf Coast Seafood Processors"), ["locate"]),
    (S.DECLINED, "other", "", ("other", "—"), ["other"]),
    (
        S.AGREEMENT_PENDING,
        "immigration_relief",
        "USCIS",
        ("employer", "Valley Orchards Inc."),
        ["documents", "consulate"],
    ),
    (
        S.ACTIVE,
        "wage_hour",
        "W.D. Wash.",
        ("employer", "Cascade Berry Growers"),
        ["locate", "declaration", "deposition_prep"],
    ),
    (S.ACTIVE, "family_separation", "S.D. Cal.", ("other", "—"), ["locate", "documents"]),
    (S.REPORTING, "civil_rights", "D. Colo.", ("employer", "Mountain Dairy Partners"), ["serve"]),
    (S.EVALUATION, "wage_hour", "M.D. Fla.", ("employer", "Sunshine Citrus Harvesting"), ["declaration"]),
    (S.CLOSED, "recruitment_fraud", "E.D. La.", ("recruiter", "Agencia Laboral del Golfo"), ["locate", "declaration"]),
    (S.ON_HOLD, "wage_hour", "D. Or.", ("employer", "Willamette Nursery Co."), ["locate"]),
]


def _users():
    coordinator = User.objects.filter(email=f"coordinator1@{DOMAIN}").first()
    advocates = list(
        Advocate.objects.filter(user__email__endswith=f"@{DOMAIN}").select_related("user").order_by("user__email")
    )
    defender_users = list(
        User.objects.filter(email__endswith=f"@{DOMAIN}", role="defender", defender__status=Defender.Status.ACTIVE)
        .select_related("defender")
        .order_by("email")
    )
    return coordinator, advocates, defender_users


def _force(case, target, by, note):
    """Demo only: move past billing's guard (billing's demo runs later)."""
    source = case.state
    case.state, case.state_changed_at = target, timezone.now()
    if target == S.CLOSED:
        case.closed_at = timezone.now()
    case.save()
    CaseTransition.objects.create(case=case, from_state=source, to_state=target, actor=by, note=note)


def _build(i, target, claim, court, party, tasks, coordinator, advocate, defender_user, rng):
    today = datetime.date.today()
    client = dict(CLIENTS[i % len(CLIENTS)])
    if agreement_signature(advocate) is None and target not in (S.SUBMITTED, S.INFO_REQUESTED):
        actions.do_sign_advocate_agreement(
            advocate, acting_user=advocate.user, typed_name=advocate.user.get_full_name() or "Advocate", accepted=True
        )
        advocate.refresh_from_db()
    case = actions.do_submit_request(
        advocate,
        acting_user=advocate.user,
        client=client,
        case={
            "claim_type": claim,
            "court": court,
            "docket_number": f"DEMO-CASE-{i + 1:02d}",
            "summary": "Demo case: the client returned home before the case ended; the Advocate needs work done there.",
            "urgency": rng.choice(["routine", "soon", "urgent"]),
            "deadline": today + datetime.timedelta(days=rng.randint(20, 120)),
        },
        parties=[] if party[1] == "—" else [{"kind": party[0], "name": party[1]}],
        tasks=[
            {"kind": k, "description": "", "due_date": today + datetime.timedelta(days=rng.randint(-5, 60))}
            for k in tasks
        ],
    )
    # Spread the requests over the past months so the program figures have something to show.
    days_ago = rng.randint(10, 200)
    Case.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=days_ago))
    case.refresh_from_db()
    if target == S.SUBMITTED:
        return case
    actions.do_transition(case, S.IN_REVIEW, acting_user=coordinator)
    actions.do_add_internal_note(case, acting_user=coordinator, body="Demo: checked the Advocate's bar admission.")
    if target == S.IN_REVIEW:
        return case
    if target == S.INFO_REQUESTED:
        actions.do_request_info(case, acting_user=coordinator, question="Which municipality did the client return to?")
        return case
    if target == S.DECLINED:
        actions.do_decline(
            case, acting_user=coordinator, reason="The client lives outside the network's five countries."
        )
        return case
    actions.do_assign_defender(
        case, defender_user.defender, acting_user=coordinator, note="Demo: covers the client's region."
    )
    Case.objects.filter(pk=case.pk).update(
        assigned_at=case.submitted_at + datetime.timedelta(days=rng.randint(2, 15), hours=rng.randint(0, 20))
    )
    case.refresh_from_db()
    if target == S.AGREEMENT_PENDING:
        return case
    for user in (coordinator, advocate.user, defender_user):
        version = actions.latest_version(case)
        actions.do_sign_contract(
            case, acting_user=user, typed_name=user.get_full_name() or user.email, accepted=True, sha256=version.sha256
        )
    case.refresh_from_db()
    actions.do_post_message(
        case, acting_user=advocate.user, body="Gracias por tomar el caso. ¿Pueden confirmar la dirección?"
    )
    actions.do_post_message(case, acting_user=defender_user, body="Con gusto. Visitaremos la comunidad esta semana.")
    if target == S.ON_HOLD:
        actions.do_hold(case, acting_user=coordinator, reason="Road to the community closed by the rains.")
        return case
    if target == S.ACTIVE:
        first = case.tasks.first()
        actions.do_update_task(first, acting_user=defender_user, status=Task.Status.IN_PROGRESS)
        return case
    for task in case.tasks.all():
        actions.do_update_task(task, acting_user=defender_user, status=Task.Status.DONE)
    actions.do_transition(case, S.REPORTING, acting_user=defender_user)
    actions.do_report_outcome(case, acting_user=advocate.user, result="pending")
    if target == S.REPORTING:
        return case
    _force(case, S.EVALUATION, coordinator, "demo data")
    actions.do_submit_evaluation(
        case,
        acting_user=advocate.user,
        ratings={"communication": 5, "timeliness": 4, "quality": 5, "client_care": 5},
        comments="Very careful with the client.",
    )
    if target == S.EVALUATION:
        return case
    actions.do_submit_evaluation(
        case, acting_user=defender_user, ratings={"instructions": 4, "communication": 5, "support": 4, "payment": 3}
    )
    actions.do_report_outcome(
        case,
        acting_user=advocate.user,
        result="settled",
        amount_recovered=Money("24500.00", "USD"),
        outcome_date=datetime.date.today() - datetime.timedelta(days=3),
    )
    actions.do_transition(case, S.CLOSED, acting_user=coordinator)
    return case


def load(stdout):
    coordinator, advocates, defender_users = _users()
    if coordinator is None or not advocates or not defender_users:
        stdout.write("cases: no demo Coordinator/Advocates/Defenders (network demo missing): no demo cases created")
        return
    rng = random.Random(2026)  # noqa: S311 (demo data, reproducible; nothing secret)
    created = 0
    with emails_suppressed():
        for i, (target, claim, court, party, tasks) in enumerate(PLAN):
            if Case.objects.filter(docket_number=f"DEMO-CASE-{i + 1:02d}").exists():
                continue
            advocate = advocates[i % min(len(advocates), 4)]
            defender_user = defender_users[i % min(len(defender_users), 5)]
            _build(i, target, claim, court, party, tasks, coordinator, advocate, defender_user, rng)
            created += 1
    stdout.write(f"cases: {created} demo cases created ({len(PLAN)} in all, one or more in every step)")
