"""The states a case moves through, and who may move it, as data.

``TRANSITIONS`` lists every allowed move: from which state, to which state, which roles may make
it, and a guard (a function of the case returning ``None`` when the move may go ahead, or the
reason it may not). ``actions.do_transition`` is the only code that changes ``Case.state``; it
refuses any move not listed here, any role not listed for it, and any move whose guard objects.

Putting a case on hold and resuming it are listed too: any open state may go on hold, and
resuming returns to the state it was held from (``Case.held_from_state``).
"""

from dataclasses import dataclass, field
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from puente.core import providers
from puente.core.roles import Role

from .models import CaseState as S
from .models import Task


def _defender_chosen(case):
    """The Defender is chosen, and the case proceeds under the Advocate Agreement the Advocate
    signed (``do_assign_defender`` requires the current version and records it on the case)."""
    if case.defender_id is None:
        return _("No Defender has been chosen.")
    if case.agreement_signature_id is None:
        return _("The Advocate has not signed the Advocate Agreement yet.")
    return None


def _contract_signed(case):
    if case.agreement_signature_id is None:
        return _("The Advocate has not signed the Advocate Agreement yet.")
    latest = case.contract_versions.order_by("-number").first()
    if latest is None or not latest.fully_signed:
        return _("The Case Facilitation Contract is not signed by all three parties.")
    return None


def _tasks_finished(case):
    if case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.IN_PROGRESS]).exists():
        return _("Some tasks are still open: mark them done or cancelled first.")
    return None


def _reporting_settled(case):
    """Billing decides, through the provider ``cases.reporting_blockers`` (billing sits above
    cases): what keeps the case in reporting, each named (a report's ``str`` is "PU-2026-00012
    v2 (Returned for correction)"; a text is shown as it is)."""
    blockers = list(providers.call("cases.reporting_blockers", case) or ())
    if blockers:
        return _("Reporting is not settled: %(blockers)s.") % {"blockers": "; ".join(str(b) for b in blockers)}
    return None


def _evaluations_in(case):
    sides = set(case.evaluations.values_list("side", flat=True))
    if sides < {"advocate", "defender"}:
        return _("Both the Advocate and the Defender must submit their evaluation first.")
    return None


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset
    label: object
    guard: Callable | None = None
    # Moves made only inside a specific action (assigning, signing ...), never from the generic
    # "move" button, because they need data the button does not carry.
    internal: bool = field(default=False)


C, A, D = Role.COORDINATOR, Role.ADVOCATE, Role.DEFENDER

OPEN_STATES = [S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED, S.AGREEMENT_PENDING, S.ACTIVE, S.REPORTING, S.EVALUATION]
FINAL_STATES = [S.DECLINED, S.CLOSED]

TRANSITIONS = [
    Transition(S.SUBMITTED, S.IN_REVIEW, frozenset({C}), _("Start review")),
    Transition(S.IN_REVIEW, S.INFO_REQUESTED, frozenset({C}), _("Request more information"), internal=True),
    Transition(S.INFO_REQUESTED, S.IN_REVIEW, frozenset({A}), _("Answer and return to review"), internal=True),
    Transition(S.SUBMITTED, S.DECLINED, frozenset({C}), _("Decline"), internal=True),
    Transition(S.IN_REVIEW, S.DECLINED, frozenset({C}), _("Decline"), internal=True),
    Transition(S.INFO_REQUESTED, S.DECLINED, frozenset({C}), _("Decline"), internal=True),
    Transition(
        S.IN_REVIEW, S.AGREEMENT_PENDING, frozenset({C}), _("Choose a Defender"), _defender_chosen, internal=True
    ),
    Transition(
        S.AGREEMENT_PENDING, S.ACTIVE, frozenset({C, A, D}), _("Contract signed"), _contract_signed, internal=True
    ),
    Transition(S.ACTIVE, S.REPORTING, frozenset({C, D}), _("Work done: report hours and expenses"), _tasks_finished),
    Transition(S.REPORTING, S.EVALUATION, frozenset({C}), _("Report invoiced: move to evaluation"), _reporting_settled),
    Transition(S.EVALUATION, S.CLOSED, frozenset({C}), _("Close the case"), _evaluations_in),
    *[Transition(s, S.ON_HOLD, frozenset({C}), _("Put on hold"), internal=True) for s in OPEN_STATES],
]

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def find(source, target):
    return _BY_PAIR.get((source, target))


def resume_transition(case):
    """Resuming is a move from on_hold back to the state the case was held from."""
    if case.state != S.ON_HOLD or case.held_from_state not in OPEN_STATES:
        return None
    return Transition(S.ON_HOLD, case.held_from_state, frozenset({C}), _("Resume"), internal=True)


def check(case, target, role):
    """Return (transition, None) if ``role`` may move ``case`` to ``target`` now, else (None, reason)."""
    t = find(case.state, target)
    if t is None and case.state == S.ON_HOLD:
        resume = resume_transition(case)
        t = resume if resume and resume.target == target else None
    if t is None:
        return None, _("A case cannot move from “%(source)s” to “%(target)s”.") % {
            "source": S(case.state).label,
            "target": S(target).label if target in S.values else target,
        }
    if role not in t.roles:
        return None, _("Your role may not make this move.")
    if t.guard is not None:
        reason = t.guard(case)
        if reason:
            return None, reason
    return t, None


def buttons(case, role):
    """The generic moves this role may offer on the case page (with the reason when blocked)."""
    out = []
    for t in TRANSITIONS:
        if t.source == case.state and not t.internal and role in t.roles:
            reason = t.guard(case) if t.guard else None
            out.append({"target": t.target, "label": t.label, "blocked": reason})
    return out
