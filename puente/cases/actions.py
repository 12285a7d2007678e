"""Every change to a case, one ``do_*`` function each.

Each runs in one transaction and locks the case row (``select_for_update``) before reading its
state, so that two people acting at once (a Coordinator declining while another assigns, two
parties signing together) cannot both act on a stale state. State changes go through ``_move``,
which asks ``workflow.check`` whether the move is allowed for this role now, and writes the
``CaseTransition`` row (the timeline) in the same transaction. django-auditlog records the
changed rows; ``set_actor`` ties them to the user even outside a request.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from puente.core import providers
from puente.core.action_contract import SIGNED_IN, ActionRefused, action
from puente.core.roles import Role
from puente.locate import actions as locate_actions
from puente.network import actions as network_actions
from puente.network.api import Advocate

from . import conflicts
from . import contract as contract_text
from . import workflow
from .access import visible_cases
from .api import agreement_signature, find_case
from .evaluation import CRITERIA
from .evaluation import overall as overall_rating
from .models import (
    AgreementSignature,
    Attachment,
    Case,
    CaseParty,
    CaseState,
    CaseTransition,
    ContractSignature,
    ContractVersion,
    Evaluation,
    InfoRequest,
    InternalNote,
    MatchRecord,
    Message,
    Notification,
    Outcome,
    Task,
)
from .notify import case_parties, coordinators, defender_users, notify
from .uploads import check_upload

S = CaseState


def _lock(case) -> Case:
    # of=("self",): lock only the case row; the Defender join is an outer join (nullable), which
    # PostgreSQL cannot lock.
    return Case.objects.select_for_update(of=("self",)).select_related("advocate__user", "defender").get(pk=case.pk)


def _require(condition, message, *, field=None, code="state"):
    """Refuse the action with ``message`` (on the form field ``field``) unless ``condition``."""
    if not condition:
        raise ActionRefused(message, field=field, code=code)


def is_party(case, user) -> bool:
    """Coordinators, the case's Advocate and the assigned Defender's users take part in a case."""
    if user.role == Role.COORDINATOR:
        return True
    if user.role == Role.ADVOCATE:
        return case.advocate.user_id == user.pk
    if user.role == Role.DEFENDER:
        return case.defender_id is not None and case.defender_id == user.defender_id
    return False


def _in_both_languages(text, params=None) -> str:
    """A note written once and read by every party whatever their language (a contract
    version's note): the English, then the Spanish. ``text`` is a lazy translatable string."""
    out = []
    for language in ("en", "es"):
        with translation.override(language):
            out.append(str(text) % dict(params or {}))
    return " / ".join(out)


def _move(case, target, acting_user, note=""):
    """Move a locked case to ``target`` if the workflow allows it for ``by``'s role."""
    transition, reason = workflow.check(case, target, acting_user.role)
    _require(transition is not None, reason)
    source = case.state
    now = timezone.now()
    if target == S.ON_HOLD:
        case.held_from_state = source
    elif source == S.ON_HOLD:
        case.held_from_state = ""
    case.state = target
    case.state_changed_at = now
    if target == S.CLOSED:
        case.closed_at = now
    case.save()
    CaseTransition.objects.create(case=case, from_state=source, to_state=target, actor=acting_user, note=note)
    notify(
        case_parties(case),
        Notification.Kind.STATE,
        case,
        gettext_lazy("Case %(ref)s moved from “%(source)s” to “%(target)s”."),
        {"source": S(source).label, "target": S(target).label},
        exclude=acting_user,
    )
    return case


# --- Step 1: request and review ------------------------------------------------------------------


PERSON_FIELDS = [
    "given_names",
    "surname_1",
    "surname_2",
    "sex",
    "birth_date",
    "country",
    "region",
    "municipality",
    "community",
    "phone",
    "whatsapp",
    "language",
    "speaks_spanish",
]


def _create_client_person(data: dict, acting_user):
    """The client as a locate Person, created by locate's own action (which normalises phones and
    dates and computes the search keys). Missing details are normal (no phone, no birth date)."""
    fields = {k: v for k, v in data.items() if k in PERSON_FIELDS and v is not None}
    return locate_actions.do_create_person(acting_user=acting_user, **fields)


@action("cases.request")
def do_submit_request(advocate, *, acting_user, client: dict, case: dict, parties=(), tasks=()) -> Case:
    """An Advocate's request: the client, the case, its opposing parties and the tasks needed."""
    _require(
        acting_user.role == Role.ADVOCATE and advocate.user_id == acting_user.pk,
        _("Only the Advocate may submit a request."),
    )
    _require(list(tasks), _("Name at least one task the Defender should do."))
    person = _create_client_person(client, acting_user)
    allowed = {"claim_type", "court", "docket_number", "summary", "urgency", "deadline"}
    new = Case.objects.create(advocate=advocate, client=person, **{k: v for k, v in case.items() if k in allowed})
    new.reference = f"PU-{new.submitted_at:%Y}-{new.pk:05d}"
    new.save(update_fields=["reference"])
    for party in parties:
        CaseParty.objects.create(case=new, kind=party["kind"], name=party["name"])
    for task in tasks:
        Task.objects.create(
            case=new, kind=task["kind"], description=task.get("description", ""), due_date=task.get("due_date")
        )
    CaseTransition.objects.create(case=new, from_state="", to_state=S.SUBMITTED, actor=acting_user)
    notify(coordinators(), Notification.Kind.STATE, new, gettext_lazy("New request %(ref)s to review."))
    return new


@action(("cases.review", "cases.view_assigned"))
def do_transition(case, target, *, acting_user, note="") -> Case:
    """A generic move (start review, start reporting, move to evaluation, close). Moves that need
    more data (decline, assign, sign ...) have their own action and are refused here."""
    case = _lock(case)
    _require(is_party(case, acting_user), _("You do not take part in this case."))
    transition = workflow.find(case.state, target)
    _require(transition is None or not transition.internal, _("This move has its own form."))
    return _move(case, target, acting_user, note)


@action("cases.review")
def do_add_internal_note(case, *, acting_user, body) -> InternalNote:
    _require(acting_user.role == Role.COORDINATOR, _("Only Coordinators write internal notes."))
    _require(body.strip(), _("The note is empty."))
    return InternalNote.objects.create(case=case, author=acting_user, body=body.strip())


@action("cases.review")
def do_request_info(case, *, acting_user, question) -> InfoRequest:
    case = _lock(case)
    _require(question.strip(), _("Write the question for the Advocate."))
    if case.state == S.SUBMITTED:
        _move(case, S.IN_REVIEW, acting_user)
    _move(case, S.INFO_REQUESTED, acting_user)
    request = InfoRequest.objects.create(case=case, question=question.strip(), asked_by=acting_user)
    notify(
        [case.advocate.user],
        Notification.Kind.INFO,
        case,
        gettext_lazy("The network asks for more information on case %(ref)s."),
    )
    return request


@action("cases.request")
def do_answer_info(case, *, acting_user, answer) -> InfoRequest:
    case = _lock(case)
    _require(
        acting_user.role == Role.ADVOCATE and case.advocate.user_id == acting_user.pk,
        _("Only the case's Advocate may answer."),
    )
    _require(answer.strip(), _("Write your answer."))
    request = case.info_requests.filter(answered_at__isnull=True).order_by("-asked_at").first()
    _require(request is not None, _("There is no open question on this case."))
    request.answer = answer.strip()
    request.answered_by = acting_user
    request.answered_at = timezone.now()
    request.save()
    _move(case, S.IN_REVIEW, acting_user)
    notify(coordinators(), Notification.Kind.INFO, case, gettext_lazy("The Advocate answered on case %(ref)s."))
    return request


@action("cases.review")
def do_decline(case, *, acting_user, reason) -> Case:
    case = _lock(case)
    _require(reason.strip(), _("Give the reason for declining: the Advocate will read it."))
    case.decline_reason = reason.strip()
    return _move(case, S.DECLINED, acting_user, note=reason.strip())


def invoice_currency(case) -> str:
    """The currency of the Advocate's invoices: CAD for an Advocate in Canada, else USD."""
    return "CAD" if case.advocate.country == "CA" else "USD"


def initial_terms(case, defender) -> dict:
    """The terms of a contract generated for the first time: the Defender's profile rate and the
    Network's fee from the billing settings (provider ``cases.default_fee_terms``), at this
    moment. From then on the contract's own terms rule; a later change of the profile or the
    settings changes no contract."""
    fees = providers.call("cases.default_fee_terms", invoice_currency(case))
    return {
        "hourly_rate": defender.hourly_rate,
        "fee_percent": fees.get("fee_percent"),
        "fee_flat": fees.get("fee_flat"),
        "hours_cap": None,
        "expenses_cap": None,
        "payer_note": "",
    }


def _refuse_conflict(case, defender) -> None:
    """Refuse ``defender`` for the locked ``case`` when it is in conflict with one of its parties.
    The message names the party as this case names it and why, never another case."""
    conflict = conflicts.conflict_of(case, defender)
    _require(
        conflict is None,
        _("%(defender)s cannot take this case: conflict of interest with %(party)s (%(reason)s).")
        % {
            "defender": defender.name,
            "party": conflict.party if conflict else "",
            "reason": conflict.reason if conflict else "",
        },
        field="defender",
        code="conflict",
    )


@action("cases.review")
def do_assign_defender(case, defender, *, acting_user, note="", suggestions=None) -> MatchRecord:
    """The Coordinator chooses a Defender. Records what matching suggested (``suggestions``: the
    list of {"defender_id", "rank", "score", "reasons"} that was shown) and whom they chose, moves
    the case to agreement_pending and generates the first version of the contract.

    The conflict-of-interest check (``conflicts.conflict_of``) runs here, under the case's lock,
    whatever the route (review page, matching panel, a command): a Defender in conflict with one
    of the case's parties is refused, with the party and the reason."""
    case = _lock(case)
    _require(acting_user.role == Role.COORDINATOR, _("Only Coordinators choose the Defender."))
    _require(defender.is_active, _("This Defender is paused and takes no new cases."), field="defender")
    _require(case.state in (S.SUBMITTED, S.IN_REVIEW), _("A Defender can be chosen only while the case is in review."))
    signed = agreement_signature(case.advocate)
    _require(
        signed is not None,
        _(
            "The Advocate has not signed the current Advocate Agreement (version %(v)s) yet: "
            "their next case proceeds once they do."
        )
        % {"v": contract_text.AGREEMENT_VERSION},
    )
    _refuse_conflict(case, defender)
    if case.state == S.SUBMITTED:
        _move(case, S.IN_REVIEW, acting_user)
    suggestions = list(suggestions or [])
    rank = next((s.get("rank") for s in suggestions if s.get("defender_id") == defender.pk), None)
    record = MatchRecord.objects.create(
        case=case,
        suggestions=suggestions,
        chosen=defender,
        chosen_rank=rank,
        chosen_by=acting_user,
        note=note or "",
    )
    case.defender = defender
    case.assigned_at = timezone.now()
    case.agreement_signature = signed
    case.save()
    _move(case, S.AGREEMENT_PENDING, acting_user, note=note or "")
    terms = initial_terms(case, defender)
    ContractVersion.objects.create(
        case=case,
        number=1,
        text=contract_text.generate_text(case, terms),
        created_by=acting_user,
        note=_in_both_languages(gettext_lazy("Generated from the template")),
        **terms,
    )
    notify(
        case_parties(case),
        Notification.Kind.ASSIGNMENT,
        case,
        gettext_lazy("Case %(ref)s has been assigned to %(defender)s. Please review the contract."),
        {"defender": defender.name},
        exclude=acting_user,
    )
    return record


@action("cases.review")
def do_hold(case, *, acting_user, reason="") -> Case:
    case = _lock(case)
    return _move(case, S.ON_HOLD, acting_user, note=reason)


@action("cases.review")
def do_resume(case, *, acting_user, note="") -> Case:
    case = _lock(case)
    _require(case.state == S.ON_HOLD, _("The case is not on hold."))
    return _move(case, case.held_from_state, acting_user, note=note)


# --- Step 2: agreement and contract --------------------------------------------------------------


@action("cases.request")
def do_sign_advocate_agreement(advocate, *, acting_user, typed_name, accepted, sha256=None) -> AgreementSignature:
    """The Advocate signs the current version of the Advocate Agreement: typed name, account,
    time, version, language and the SHA-256 of the exact text shown are kept. ``sha256`` is the
    hash of the text the page showed: if the agreement changed since, the signature is refused.
    Signing a version already signed returns that signature. Only the Advocate signs their own."""
    _require(
        acting_user.role == Role.ADVOCATE and advocate.user_id == acting_user.pk,
        _("Only the Advocate may sign their agreement."),
    )
    Advocate.objects.select_for_update().get(pk=advocate.pk)  # one signature at a time per Advocate
    existing = agreement_signature(advocate)
    if existing is not None:
        return existing
    language = translation.get_language() or settings.LANGUAGE_CODE
    digest = contract_text.agreement_sha256(language=language)
    _require(
        sha256 is None or sha256 == digest,
        _("The Advocate Agreement changed since you opened it: read the new version and sign again."),
    )
    _require(accepted, _("Tick the box to accept the Advocate Agreement."), field="accepted")
    typed_name = (typed_name or "").strip()
    _require(typed_name, _("Type your full name to sign."), field="typed_name")
    signature = AgreementSignature.objects.create(
        advocate=advocate,
        user=acting_user,
        version=contract_text.AGREEMENT_VERSION,
        language=language,
        typed_name=typed_name,
        text_sha256=digest,
    )
    # The directory shows the latest signature (list, detail, signed/unsigned filter, the API).
    network_actions.do_record_agreement_signature(
        advocate, acting_user=acting_user, version=signature.version, signed_at=signature.signed_at)
    return signature


CONTRACT_STATES = (S.AGREEMENT_PENDING, S.ACTIVE, S.REPORTING)


def latest_version(case):
    return case.contract_versions.order_by("-number").first()


@action(SIGNED_IN)
def do_propose_contract_edit(case, *, acting_user, text, note="", base_number=None) -> ContractVersion:
    """A party proposes new contract text: a new version, needing all three signatures again.
    ``base_number`` is the version the party edited; if someone saved a newer one meanwhile the
    edit is refused rather than silently overwriting theirs. The version keeps the latest terms,
    and the text must keep the rates-and-fees clause they render (terms change only through
    ``do_edit_terms``), so the text and the terms billing prices from never disagree.

    ``SIGNED_IN``: any of the three parties may propose a change (Coordinator, the case's
    Advocate, the Defender's users); ``is_party`` is the rule, checked under the case's lock."""
    case = _lock(case)
    _require(is_party(case, acting_user), _("You do not take part in this case."))
    _require(case.state in CONTRACT_STATES, _("The contract cannot be changed at this step."))
    latest = latest_version(case)
    _require(latest is not None, _("This case has no contract yet."))
    if base_number is not None:
        _require(
            int(base_number) == latest.number,
            _("Someone saved version %(n)s meanwhile: open it and make your change again.") % {"n": latest.number},
        )
    text = contract_text.normalise(text)
    _require(text.strip(), _("The contract text is empty."), field="text")
    _require(text != latest.text, _("The text is unchanged."), field="text")
    terms = latest.terms()
    if contract_text.keeps_terms(latest.text, terms):
        _require(
            contract_text.keeps_terms(text, terms),
            _(
                "The rates and fees clause is written from the contract's terms: a Coordinator changes them "
                "with “Change the terms”. Leave that clause as it is."
            ),
            field="text",
        )
    version = ContractVersion.objects.create(
        case=case, number=latest.number + 1, text=text, created_by=acting_user, note=note, **terms
    )
    notify(
        case_parties(case, include_coordinators=True),
        Notification.Kind.CONTRACT,
        case,
        gettext_lazy("New version %(n)s of the contract for case %(ref)s: it needs your signature."),
        {"n": version.number},
        exclude=acting_user,
    )
    return version


def _clean_terms(hourly_rate, fee_percent, fee_flat, hours_cap, expenses_cap, payer_note) -> dict:
    _require(
        hourly_rate is not None and hourly_rate.amount > 0, _("Give the Defender's hourly rate."), field="hourly_rate"
    )
    _require(
        fee_percent is None or Decimal(0) <= fee_percent <= Decimal(100),
        _("The Network's fee is a percentage from 0 to 100."),
        field="fee_percent",
    )
    _require(fee_flat is None or fee_flat.amount >= 0, _("The flat fee cannot be negative."), field="fee_flat")
    _require(hours_cap is None or hours_cap > 0, _("A cap on hours must be more than zero."), field="hours_cap")
    _require(
        expenses_cap is None or expenses_cap.amount > 0,
        _("A cap on expenses must be more than zero."),
        field="expenses_cap",
    )
    return {
        "hourly_rate": hourly_rate,
        "fee_percent": fee_percent if fee_percent else None,
        "fee_flat": fee_flat if fee_flat is not None and fee_flat.amount > 0 else None,
        "hours_cap": hours_cap,
        "expenses_cap": expenses_cap,
        "payer_note": (payer_note or "").strip(),
    }


@action("cases.review")
def do_edit_terms(
    case,
    *,
    acting_user,
    hourly_rate,
    fee_percent=None,
    fee_flat=None,
    hours_cap=None,
    expenses_cap=None,
    payer_note="",
    note="",
    base_number=None,
) -> ContractVersion:
    """A Coordinator changes the contract's money terms, before or after signature: a new
    version with the new terms and its rates-and-fees clause written from them (the parties'
    other changes kept; the whole text generated again when the clause is not as the template
    wrote it). All three parties sign it again; until they have, the case works under the last
    version all three signed (``api.signed_terms``), so billing keeps pricing at the agreed
    terms. ``base_number`` guards against overwriting a version saved meanwhile."""
    case = _lock(case)
    _require(case.state in CONTRACT_STATES, _("The contract cannot be changed at this step."))
    latest = latest_version(case)
    _require(latest is not None, _("This case has no contract yet."))
    if base_number is not None:
        _require(
            int(base_number) == latest.number,
            _("Someone saved version %(n)s meanwhile: open it and make your change again.") % {"n": latest.number},
        )
    terms = _clean_terms(hourly_rate, fee_percent, fee_flat, hours_cap, expenses_cap, payer_note)
    old_terms = latest.terms()
    _require(terms != old_terms, _("The terms are unchanged."))
    text = contract_text.replace_terms(latest.text, case, old_terms, terms)
    if text is None:
        text = contract_text.generate_text(case, terms)
        generated = gettext_lazy("New terms; the contract is generated again from the current template.")
    else:
        generated = gettext_lazy("New terms.")
    reason = (note or "").strip()
    version = ContractVersion.objects.create(
        case=case,
        number=latest.number + 1,
        text=text,
        created_by=acting_user,
        note=_in_both_languages(generated) + (f" {reason}" if reason else ""),
        **terms,
    )
    notify(
        case_parties(case, include_coordinators=True),
        Notification.Kind.CONTRACT,
        case,
        gettext_lazy(
            "New terms in version %(n)s of the contract for case %(ref)s: it needs your signature. "
            "Until all three parties sign it, the case continues under the terms last signed."
        ),
        {"n": version.number},
        exclude=acting_user,
    )
    return version


def side_of(user):
    return {
        Role.COORDINATOR: ContractSignature.Side.COORDINATOR,
        Role.ADVOCATE: ContractSignature.Side.ADVOCATE,
        Role.DEFENDER: ContractSignature.Side.DEFENDER,
    }[user.role]


@action(SIGNED_IN)
def do_sign_contract(case, *, acting_user, typed_name, accepted, sha256) -> ContractSignature:
    """Sign the latest version. ``sha256`` is the hash of the text the signer was shown: if the
    contract changed since, the signature is refused. When the third party signs, the version is
    locked and a case waiting for its agreement becomes active."""
    case = _lock(case)
    _require(is_party(case, acting_user), _("You do not take part in this case."))
    _require(case.state in CONTRACT_STATES, _("The contract cannot be signed at this step."))
    _require(case.defender_id is not None, _("No Defender has been chosen."))
    _require(case.agreement_signature_id is not None, _("The Advocate has not signed the Advocate Agreement yet."))
    version = latest_version(case)
    _require(version is not None, _("This case has no contract yet."))
    _require(
        sha256 == version.sha256, _("The contract changed since you opened it: read the new version and sign again.")
    )
    _require(accepted, _("Tick the box to accept the contract."))
    _require(typed_name.strip(), _("Type your full name to sign."))
    side = side_of(acting_user)
    _require(not version.signatures.filter(side=side).exists(), _("Your side has already signed this version."))
    signature = ContractSignature.objects.create(
        version=version,
        side=side,
        user=acting_user,
        typed_name=typed_name.strip(),
        accepted=True,
        text_sha256=version.sha256,
    )
    if version.fully_signed and case.state == S.AGREEMENT_PENDING:
        _move(
            case, S.ACTIVE, acting_user, note=_("Contract version %(n)s signed by all parties.") % {"n": version.number}
        )
    return signature


DEFENDER_CHANGE_STATES = (S.AGREEMENT_PENDING,)


def _refuse_defender_change(case, latest):
    """Why the Defender of ``case`` cannot be changed now, or None."""
    if case.state in (S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED) or case.defender_id is None:
        return _("No Defender has been chosen yet: choose one on the review page.")
    if case.state == S.ON_HOLD:
        return _(
            "The case is on hold: resume it first. The Defender can be changed while the contract waits for signatures."
        )
    if case.state not in DEFENDER_CHANGE_STATES or (latest is not None and latest.fully_signed):
        return _(
            "The contract has been signed by all three parties and the case is “%(state)s”: the Defender "
            "can no longer be changed, since the work and its payment rest on the signed contract."
        ) % {"state": S(case.state).label}
    if latest is None:
        return _("This case has no contract yet.")
    return None


@action("cases.review")
def do_change_defender(case, defender, *, acting_user, reason) -> ContractVersion:
    """A Coordinator gives the case to another Defender while the contract waits for signatures
    (the Defender declined, or does not answer). In one transaction, under the case's row lock
    (a party signing at the same moment waits, then finds a new version and is refused):

    - the signatures of the latest version are voided: they were given to a contract with
      another party (kept, with ``voided_at``, never deleted);
    - a new version names the new Defender, at the new Defender's profile rate (the other terms
      kept; a cap on expenses in another currency dropped): the lines the template wrote about the old one are
      replaced, keeping the parties' other changes, or, when those lines were edited or come from
      an older template, the text is generated again from the current template;
    - the timeline gets a row with the reason (Coordinators read it), auditlog the changed rows;
    - the old Defender's users lose the case (``access.visible_cases`` follows ``Case.defender``;
      checked here, so that a wider access rule cannot silently keep them in);
    - the old Defender, the new one, the Advocate and the other Coordinators are told.

    The conflict-of-interest check (``conflicts.conflict_of``) runs here, under the lock: no
    route can give the case to a Defender in conflict with one of its parties."""
    case = _lock(case)
    _require(acting_user.role == Role.COORDINATOR, _("Only Coordinators change the Defender."))
    latest = latest_version(case)
    refusal = _refuse_defender_change(case, latest)
    _require(refusal is None, refusal)
    reason = (reason or "").strip()
    _require(reason, _("Give the reason for changing the Defender."))
    old = case.defender
    _require(defender.pk != old.pk, _("This Defender already has the case."))
    _require(defender.is_active, _("This Defender is paused and takes no new cases."), field="defender")
    _refuse_conflict(case, defender)

    now = timezone.now()
    voided = 0
    for signature in latest.signatures.filter(voided_at__isnull=True):
        signature.voided_at = now
        signature.save(update_fields=["voided_at"])  # one save per row, so auditlog records each
        voided += 1

    old_users = defender_users(old.pk)
    case.defender = defender
    case.assigned_at = now
    case.save()
    _require(
        not any(visible_cases(u).filter(pk=case.pk).exists() for u in old_users),
        _("The previous Defender would keep access to the case; nothing has been changed."),
    )

    old_terms = latest.terms()
    terms = {**old_terms, "hourly_rate": defender.hourly_rate}
    if old_terms["expenses_cap"] is not None and old_terms["expenses_cap"].currency != defender.hourly_rate.currency:
        terms["expenses_cap"] = None  # a cap in the old Defender's currency: the Coordinator sets a new one
    text = contract_text.replace_defender(latest.text, case, old, defender, old_terms, terms)
    if text is not None:
        note = gettext_lazy(
            "The Defender changed: the lines naming the Defender are replaced. Every party signs this version."
        )
    else:
        text = contract_text.generate_text(case, terms)
        note = gettext_lazy(
            "The Defender changed: the contract is generated again from the current template. "
            "Changes made to earlier versions must be proposed again."
        )
    version = ContractVersion.objects.create(
        case=case, number=latest.number + 1, text=text, created_by=acting_user, note=_in_both_languages(note), **terms
    )
    CaseTransition.objects.create(
        case=case,
        from_state=case.state,
        to_state=case.state,
        actor=acting_user,
        event=CaseTransition.Event.DEFENDER_CHANGED,
        note=_("%(old)s → %(new)s (signatures voided: %(voided)s): %(reason)s")
        % {"old": old.name, "new": defender.name, "voided": voided, "reason": reason},
    )

    # The old Defender is told without a link to the case (it is a 404 for them now) and without
    # the new Defender's name.
    notify(
        old_users,
        Notification.Kind.REASSIGNED,
        None,
        gettext_lazy(
            "The network has given case %(ref)s to another Defender. You no longer have access to it; "
            "any signature you gave to its contract is void."
        ),
        {"ref": case.reference},
        exclude=acting_user,
    )
    notify(
        defender_users(defender.pk),
        Notification.Kind.ASSIGNMENT,
        case,
        gettext_lazy("Case %(ref)s has been assigned to %(defender)s. Please review the contract."),
        {"defender": defender.name},
        exclude=acting_user,
    )
    notify(
        [case.advocate.user, *coordinators()],
        Notification.Kind.CONTRACT,
        case,
        gettext_lazy(
            "The Defender of case %(ref)s is now %(defender)s: version %(n)s of the contract needs your signature."
        ),
        {"defender": defender.name, "n": version.number},
        exclude=acting_user,
    )
    return version


# --- Step 3: assignment --------------------------------------------------------------------------


@action(("cases.review", "cases.view_assigned"))
def do_update_task(task, *, acting_user, status) -> Task:
    task = Task.objects.select_for_update().select_related("case").get(pk=task.pk)
    case = task.case
    _require(
        acting_user.role in (Role.COORDINATOR, Role.DEFENDER) and is_party(case, acting_user),
        _("Only the assigned Defender or a Coordinator updates tasks."),
    )
    _require(case.state == S.ACTIVE, _("Tasks are updated while the case is active."))
    _require(status in Task.Status.values, _("Unknown task status."))
    task.status = status
    task.completed_at = timezone.now() if status == Task.Status.DONE else None
    task.save()
    return task


MESSAGE_STATES = (
    S.SUBMITTED,
    S.IN_REVIEW,
    S.INFO_REQUESTED,
    S.AGREEMENT_PENDING,
    S.ACTIVE,
    S.REPORTING,
    S.EVALUATION,
    S.ON_HOLD,
)


@action(SIGNED_IN)
def do_post_message(case, *, acting_user, body="", files=()) -> Message:
    """A message on the case thread, with attachments checked by size and by their first bytes.
    One bad file refuses the whole message: nothing is stored."""
    case = _lock(case)
    _require(is_party(case, acting_user), _("You do not take part in this case."))
    _require(case.state in MESSAGE_STATES, _("This case is closed to new messages."))
    _require(body.strip() or files, _("Write a message or attach a file."))
    checked = []
    for f in files:
        try:
            checked.append((f, check_upload(f)))
        except ValidationError as exc:
            raise ActionRefused(" ".join(exc.messages), field="files", code="upload") from exc
    message = Message.objects.create(case=case, author=acting_user, body=body.strip())
    for f, content_type in checked:
        attachment = Attachment(message=message, original_name=f.name[:255], content_type=content_type, size=f.size)
        attachment.file.save("upload.bin", f, save=False)
        attachment.save()
    notify(
        case_parties(case, include_coordinators=False),
        Notification.Kind.MESSAGE,
        case,
        gettext_lazy("New message on case %(ref)s."),
        exclude=acting_user,
    )
    return message


# --- Step 5: evaluation and outcome --------------------------------------------------------------


@action(("cases.view_own", "cases.view_assigned"))
def do_submit_evaluation(case, *, acting_user, ratings: dict, comments="") -> Evaluation:
    case = _lock(case)
    _require(
        acting_user.role in (Role.ADVOCATE, Role.DEFENDER) and is_party(case, acting_user),
        _("Only the case's Advocate and Defender evaluate it."),
    )
    _require(case.state == S.EVALUATION, _("The case is not at the evaluation step."))
    side = acting_user.role
    _require(not case.evaluations.filter(side=side).exists(), _("Your side has already evaluated this case."))
    names = [name for name, _label in CRITERIA[side]]
    clean = {}
    for name in names:
        value = ratings.get(name)
        _require(
            value is not None and str(value).isdigit() and 1 <= int(value) <= 5,
            _("Rate “%(criterion)s” from 1 to 5.") % {"criterion": name},
        )
        clean[name] = int(str(value))
    return Evaluation.objects.create(
        case=case,
        side=side,
        author=acting_user,
        ratings=clean,
        overall=overall_rating(clean),
        comments=comments.strip(),
    )


OUTCOME_STATES = (S.ACTIVE, S.REPORTING, S.EVALUATION, S.CLOSED, S.ON_HOLD)


@action("cases.view_own")
def do_report_outcome(case, *, acting_user, result, amount_recovered=None, outcome_date=None, note="") -> Outcome:
    case = _lock(case)
    _require(
        acting_user.role == Role.ADVOCATE and case.advocate.user_id == acting_user.pk,
        _("Only the case's Advocate reports the outcome."),
    )
    _require(case.state in OUTCOME_STATES, _("An outcome can be reported once the case is active."))
    _require(result in Outcome.Result.values, _("Unknown outcome."))
    outcome, _created = Outcome.objects.update_or_create(
        case=case,
        defaults={
            "result": result,
            "amount_recovered": amount_recovered,
            "outcome_date": outcome_date,
            "note": note.strip(),
            "reported_by": acting_user,
        },
    )
    return outcome


def mark_notifications_read(user):
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# --- Asked by lower apps through providers (registered in apps.CasesConfig.ready) ----------------


@action("people.manage", system=True)
def do_move_client(from_person, to_person, *, acting_user, reason, case_ids=None) -> list[int]:
    """Make ``to_person`` the client of every case whose client is ``from_person`` (with
    ``case_ids``, only of those cases): locate merges two records of one person, or undoes a
    merge. Each case row is locked and saved on its own, so the audit history records every
    change of client, and the case's timeline gets a row naming the two records by number (never
    by name) with the reason. Returns the pks of the cases moved.

    Permission ``people.manage``, the merge's own; ``system=True`` because locate's bulk imports
    may merge in a job with no user."""
    _require(from_person.pk != to_person.pk, _("A client cannot be moved to the same person."))
    cases = Case.objects.select_for_update().filter(client_id=from_person.pk).order_by("pk")
    if case_ids is not None:
        cases = cases.filter(pk__in=list(case_ids))
    note = _("Client record #%(old)s → #%(new)s: %(reason)s") % {
        "old": from_person.pk,
        "new": to_person.pk,
        "reason": (reason or "").strip() or "—",
    }
    moved = []
    for case in cases:
        case.client_id = to_person.pk
        case.save(update_fields=["client"])
        CaseTransition.objects.create(
            case=case,
            from_state=case.state,
            to_state=case.state,
            actor=acting_user,
            event=CaseTransition.Event.CLIENT_MOVED,
            note=note,
        )
        moved.append(case.pk)
    return moved


@action("retention.manage")
def do_set_legal_hold(case, *, acting_user, on: bool, reason: str) -> Case:
    """Put a case under legal hold (the retention schedule then keeps it and its people), or lift
    the hold. The case row is locked so that a concurrent retention run or a second Coordinator
    sees one consistent answer; auditlog records the change with the Coordinator as actor."""
    reason = (reason or "").strip()
    _require(not on or reason, _("Say why the case is under legal hold."), field="reason")
    locked = _lock(case)
    locked.legal_hold = bool(on)
    locked.legal_hold_reason = reason if on else ""
    locked.save(update_fields=["legal_hold", "legal_hold_reason"])
    case.legal_hold, case.legal_hold_reason = locked.legal_hold, locked.legal_hold_reason
    return locked


def set_legal_hold(case_or_reference, *, acting_user, on: bool, reason: str) -> Case:
    """The ``core.set_legal_hold`` provider: ``do_set_legal_hold`` on a case or its reference."""
    from_reference = not isinstance(case_or_reference, Case)
    case = find_case(str(case_or_reference)) if from_reference else case_or_reference
    _require(case is not None, _("No case has this reference."), field="case")
    return do_set_legal_hold(case, acting_user=acting_user, on=on, reason=reason)
