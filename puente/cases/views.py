"""Views of the cases app: thin; rules live in actions.py and workflow.py.

Every view fetches cases through ``access.visible_cases`` (another party's case is a 404) and
every change goes through a ``do_*`` action; its refusal (``ActionRefused``) goes on the form
(``add_refusal``) when the page shows one again, else into a message on the page it redirects to.
"""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from puente.core.access import get_visible_or_404, require_login, require_perm
from puente.core.action_contract import ActionRefused
from puente.core.forms import add_refusal
from puente.core.roles import Role
from puente.core.storage import serve_private_file
from puente.core import tabular

from . import actions, contract, figures, workflow
from .api import agreement_signature, latest_agreement_signature, signed_terms
from .access import client_for, visible_attachments, visible_cases, visible_internal_notes
from .evaluation import CRITERIA
from .forms import (
    AnswerForm,
    CaseForm,
    ChangeDefenderForm,
    ClientForm,
    ContractEditForm,
    ContractSignForm,
    DeclineForm,
    EvaluationForm,
    FiguresFilterForm,
    HoldForm,
    MessageForm,
    NoteForm,
    OutcomeForm,
    PartyFormSet,
    QuestionForm,
    TaskFormSet,
    TaskStatusForm,
    TermsForm,
    AgreementSignForm,
)
from .models import CaseState, ContractVersion, Notification, Outcome, Task
from .workflow import OPEN_STATES

S = CaseState


def _case(request, pk):
    return get_visible_or_404(visible_cases(request.user), pk=pk)


def _back(case):
    return redirect("cases:detail", case.pk)


def _run(request, fn, *args, success=None, form=None, **kwargs):
    """Call an action as ``request.user``. A refusal goes on ``form`` (when the page renders it
    again) or into a message. Returns the result (True for None) or None when refused."""
    try:
        result = fn(*args, acting_user=request.user, **kwargs)
    except ActionRefused as exc:
        if form is not None:
            add_refusal(form, exc)
        else:
            messages.error(request, exc.text)
        return None
    if success:
        messages.success(request, success)
    return result if result is not None else True


def _form_errors_as_messages(request, form) -> None:
    """A form posted from a page this view redirects back to: its errors as messages, each with
    its field's label."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _overdue_tasks(qs):
    today = timezone.localdate()
    return Task.objects.filter(case__in=qs, due_date__lt=today, status__in=[Task.Status.OPEN, Task.Status.IN_PROGRESS])


# --- Dashboards ---------------------------------------------------------------------------------


@require_perm("cases.review")
def queue(request):
    """The Coordinator's queue: open cases grouped by step, with overdue tasks and deadlines."""
    today = timezone.localdate()
    cases = (
        visible_cases(request.user)
        .exclude(state__in=[S.DECLINED, S.CLOSED])
        .annotate(
            overdue=Count(
                "tasks",
                filter=Q(tasks__due_date__lt=today, tasks__status__in=[Task.Status.OPEN, Task.Status.IN_PROGRESS]),
            )
        )
        .order_by("state_changed_at")
    )
    groups = {state: [] for state in [*OPEN_STATES, S.ON_HOLD]}
    for case in cases:
        case.deadline_passed = case.deadline is not None and case.deadline < today
        groups.setdefault(case.state, []).append(case)
    steps = [(S(state).label, state, items) for state, items in groups.items()]
    overdue = _overdue_tasks(visible_cases(request.user).filter(state=S.ACTIVE)).select_related("case")
    return render(request, "cases/queue.html", {"steps": steps, "overdue": overdue})


@require_perm("cases.view_own")
def my_cases(request):
    cases = visible_cases(request.user).order_by("-submitted_at")
    profile = getattr(request.user, "advocate", None)
    return render(
        request,
        "cases/my_cases.html",
        {
            "cases": cases,
            "profile": profile,
            "agreement_current": profile is not None and agreement_signature(profile) is not None,
            "agreement_earlier": latest_agreement_signature(profile) if profile is not None else None,
        },
    )


@require_perm("cases.view_assigned")
def my_assignments(request):
    cases = (
        visible_cases(request.user)
        .exclude(state__in=[S.DECLINED])
        .prefetch_related("tasks")
        .order_by("state", "-assigned_at")
    )
    return render(request, "cases/my_assignments.html", {"cases": cases, "today": timezone.localdate()})


@require_login
def notifications(request):
    items = list(Notification.objects.filter(user=request.user).select_related("case")[:100])
    actions.mark_notifications_read(request.user)
    return render(request, "cases/notifications.html", {"items": items})


# --- Step 1 -------------------------------------------------------------------------------------


@require_perm("cases.request")
def request_new(request):
    advocate = getattr(request.user, "advocate", None)
    if advocate is None:
        messages.error(request, _("Your account has no Advocate profile; ask the network."))
        return redirect("home")
    data = request.POST if request.method == "POST" else None
    client_form, case_form = ClientForm(data, prefix="client"), CaseForm(data, prefix="case")
    parties, tasks = PartyFormSet(data, prefix="party"), TaskFormSet(data, prefix="task")
    if request.method == "POST" and all(f.is_valid() for f in (client_form, case_form, parties, tasks)):
        party_rows = [f.cleaned_data for f in parties if f.cleaned_data.get("name")]
        task_rows = [f.cleaned_data for f in tasks if f.cleaned_data.get("kind")]
        if not task_rows:
            messages.error(request, _("Name at least one task the Defender should do."))
        else:
            case = _run(
                request,
                actions.do_submit_request,
                advocate,
                form=client_form,
                client=client_form.cleaned_data,
                case=case_form.cleaned_data,
                parties=party_rows,
                tasks=task_rows,
                success=_("Your request has been sent to the network."),
            )
            if case:
                return redirect("cases:detail", case.pk)
    return render(
        request,
        "cases/request_form.html",
        {
            "client_form": client_form,
            "case_form": case_form,
            "parties": parties,
            "tasks": tasks,
            "agreement_signed": agreement_signature(advocate) is not None,
        },
    )


@require_login
def detail(request, pk):
    case = _case(request, pk)
    user = request.user
    client = client_for(user, case)
    latest = actions.latest_version(case)
    thread = case.messages.select_related("author").prefetch_related("attachments")
    context = {
        "case": case,
        "client": client,
        "tasks": case.tasks.all(),
        "parties": case.parties.all(),
        "timeline": case.transitions.select_related("actor"),
        "thread": thread,
        "in_step_days": (timezone.now() - case.state_changed_at).days,
        "moves": workflow.buttons(case, user.role),
        "info_requests": case.info_requests.all(),
        "contract": latest,
        "is_coordinator": user.role == Role.COORDINATOR,
        "is_case_advocate": user.role == Role.ADVOCATE,
        "is_case_defender": user.role == Role.DEFENDER,
        "message_form": MessageForm(),
        "answer_form": AnswerForm(),
        "task_status_choices": Task.Status.choices,
        "can_message": case.state in actions.MESSAGE_STATES,
        "can_update_tasks": case.state == S.ACTIVE and user.role in (Role.COORDINATOR, Role.DEFENDER),
        "outcome": Outcome.objects.filter(case=case).first(),
        "evaluations": case.evaluations.all()
        if user.role == Role.COORDINATOR
        else case.evaluations.filter(side=user.role),
        "can_evaluate": case.state == S.EVALUATION
        and user.role in (Role.ADVOCATE, Role.DEFENDER)
        and not case.evaluations.filter(side=user.role).exists(),
        "can_report_outcome": user.role == Role.ADVOCATE and case.state in actions.OUTCOME_STATES,
        "hold_form": HoldForm(),
        "change_defender_form": ChangeDefenderForm(case=case)
        if user.role == Role.COORDINATOR and case.state in actions.DEFENDER_CHANGE_STATES
        else None,
    }
    return render(request, "cases/detail.html", context)


@require_perm("cases.review")
def review(request, pk):
    case = _case(request, pk)
    return render(
        request,
        "cases/review.html",
        {
            "case": case,
            "client": client_for(request.user, case),
            "tasks": case.tasks.all(),
            "parties": case.parties.all(),
            "notes": visible_internal_notes(request.user, case),
            "info_requests": case.info_requests.all(),
            "note_form": NoteForm(),
            "question_form": QuestionForm(),
            "decline_form": DeclineForm(),
            "agreement_current": agreement_signature(case.advocate) is not None,
            "reviewable": case.state in (S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED),
            "match_records": case.match_records.select_related("chosen", "chosen_by"),
        },
    )


@require_POST
@require_login
def move(request, pk):
    case = _case(request, pk)
    target = request.POST.get("to", "")
    _run(
        request,
        actions.do_transition,
        case,
        target,
        note=request.POST.get("note", ""),
        success=_("The case has moved."),
    )
    return _back(case)


@require_POST
@require_perm("cases.review")
def hold(request, pk):
    case = _case(request, pk)
    form = HoldForm(request.POST)
    form.is_valid()
    _run(request, actions.do_hold, case, reason=form.cleaned_data.get("reason", ""), success=_("The case is on hold."))
    return _back(case)


@require_POST
@require_perm("cases.review")
def resume(request, pk):
    case = _case(request, pk)
    _run(request, actions.do_resume, case, success=_("The case has resumed."))
    return _back(case)


@require_POST
@require_perm("cases.review")
def note_add(request, pk):
    case = _case(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        _run(request, actions.do_add_internal_note, case, body=form.cleaned_data["body"], success=_("Note added."))
    else:
        messages.error(request, _("The note is empty."))
    return redirect("cases:review", case.pk)


@require_POST
@require_perm("cases.review")
def request_info(request, pk):
    case = _case(request, pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        _run(
            request,
            actions.do_request_info,
            case,
            question=form.cleaned_data["question"],
            success=_("The question has been sent to the Advocate."),
        )
    else:
        messages.error(request, _("Write the question for the Advocate."))
    return redirect("cases:review", case.pk)


@require_POST
@require_perm("cases.view_own")
def answer_info(request, pk):
    case = _case(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        _run(
            request,
            actions.do_answer_info,
            case,
            answer=form.cleaned_data["answer"],
            success=_("Your answer has been sent; the case is back in review."),
        )
    else:
        messages.error(request, _("Write your answer."))
    return _back(case)


@require_POST
@require_perm("cases.review")
def decline(request, pk):
    case = _case(request, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        _run(
            request,
            actions.do_decline,
            case,
            reason=form.cleaned_data["reason"],
            success=_("The request has been declined."),
        )
    else:
        messages.error(request, _("Give the reason for declining: the Advocate will read it."))
    return redirect("cases:review", case.pk)


@require_POST
@require_perm("cases.review")
def change_defender(request, pk):
    """Give the case to another Defender while the contract waits for signatures."""
    case = _case(request, pk)
    form = ChangeDefenderForm(request.POST, case=case)
    if form.is_valid():
        _run(
            request,
            actions.do_change_defender,
            case,
            form.cleaned_data["defender"],
            reason=form.cleaned_data["reason"],
            success=_("The Defender has been changed; the new version of the contract needs every party's signature."),
        )
    else:
        messages.error(request, _("Choose another active Defender and give the reason for the change."))
        _form_errors_as_messages(request, form)
    return _back(case)


# --- Step 2 -------------------------------------------------------------------------------------


@require_perm("cases.request")
def agreement(request):
    advocate = getattr(request.user, "advocate", None)
    if advocate is None:
        messages.error(request, _("Your account has no Advocate profile; ask the network."))
        return redirect("home")
    form = AgreementSignForm(request.POST or None, initial={"sha256": contract.agreement_sha256()})
    if request.method == "POST" and form.is_valid():
        if _run(
            request,
            actions.do_sign_advocate_agreement,
            advocate,
            form=form,
            typed_name=form.cleaned_data["typed_name"],
            accepted=form.cleaned_data["accepted"],
            sha256=form.cleaned_data["sha256"],
            success=_("Thank you: the Advocate Agreement is signed."),
        ):
            return redirect("cases:my_cases")
    return render(
        request,
        "cases/agreement.html",
        {
            "form": form,
            "advocate": advocate,
            "version": contract.AGREEMENT_VERSION,
            "agreement_template": contract.agreement_template(),
            "signature": agreement_signature(advocate),
            "earlier": latest_agreement_signature(advocate),
        },
    )


def _version(case, number):
    qs = case.contract_versions.prefetch_related("signatures__user")
    if number:
        number = str(number)  # from the query string, or an int from contract_diff
        if not number.isdigit() or len(number) > 9:  # ?version=abc: no such version, not a 500
            raise Http404
        return get_visible_or_404(qs, number=int(number))
    version = qs.order_by("-number").first()
    if version is None:
        raise Http404
    return version


@require_login
def contract_view(request, pk):
    case = _case(request, pk)
    version = _version(case, request.GET.get("version"))
    latest = actions.latest_version(case)
    side = actions.side_of(request.user)
    editable = case.state in actions.CONTRACT_STATES
    signed_by_me = version.signature_for(side) is not None
    return render(
        request,
        "cases/contract.html",
        {
            "case": case,
            "version": version,
            "latest": latest,
            "is_latest": version.number == latest.number,
            "versions": case.contract_versions.prefetch_related("signatures").order_by("-number"),
            "sides": contract.sides_with_signatures(version, list(version.signatures.all())),
            "sign_form": ContractSignForm(
                initial={"sha256": version.sha256, "typed_name": request.user.get_full_name()}
            ),
            "edit_form": ContractEditForm(initial={"text": latest.text, "base_number": latest.number}),
            "can_sign": editable and version.number == latest.number and not signed_by_me,
            "editable": editable,
            "signed_by_me": signed_by_me,
            "in_force": signed_terms(case),
            "terms_form": TermsForm(initial=TermsForm.initial_for(latest))
            if editable and request.user.role == Role.COORDINATOR
            else None,
        },
    )


@require_POST
@require_login
def contract_sign(request, pk):
    case = _case(request, pk)
    form = ContractSignForm(request.POST)
    if form.is_valid():
        _run(
            request,
            actions.do_sign_contract,
            case,
            typed_name=form.cleaned_data["typed_name"],
            accepted=form.cleaned_data["accepted"],
            sha256=form.cleaned_data["sha256"],
            success=_("You have signed the contract."),
        )
    else:
        messages.error(request, _("Type your full name and tick the box to sign."))
    return redirect("cases:contract", case.pk)


@require_POST
@require_perm("cases.review")
def contract_terms(request, pk):
    """A Coordinator changes the contract's money terms: a new version all three sign again."""
    case = _case(request, pk)
    form = TermsForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _run(
            request,
            actions.do_edit_terms,
            case,
            hourly_rate=d["hourly_rate"],
            fee_percent=d["fee_percent"],
            fee_flat=d["fee_flat"],
            hours_cap=d["hours_cap"],
            expenses_cap=d["expenses_cap"],
            payer_note=d["payer_note"],
            note=d["note"],
            base_number=d["base_number"],
            success=_(
                "The new terms are saved as a new version: all three parties sign it again. Until then the "
                "case continues under the terms last signed."
            ),
        )
    else:
        _form_errors_as_messages(request, form)
    return redirect("cases:contract", case.pk)


@require_POST
@require_login
def contract_edit(request, pk):
    case = _case(request, pk)
    form = ContractEditForm(request.POST)
    if form.is_valid():
        _run(
            request,
            actions.do_propose_contract_edit,
            case,
            text=form.cleaned_data["text"],
            note=form.cleaned_data["note"],
            base_number=form.cleaned_data["base_number"],
            success=_("Your version has been saved; it needs all three signatures."),
        )
    else:
        messages.error(request, _("The contract text is empty."))
    return redirect("cases:contract", case.pk)


@require_login
def contract_diff(request, pk):
    case = _case(request, pk)
    versions = case.contract_versions.order_by("number")
    latest = versions.last()
    if latest is None:
        raise Http404
    try:
        a = int(request.GET.get("a", max(latest.number - 1, 1)))
        b = int(request.GET.get("b", latest.number))
    except ValueError:
        a, b = max(latest.number - 1, 1), latest.number
    old, new = _version(case, a), _version(case, b)
    return render(
        request,
        "cases/contract_diff.html",
        {
            "case": case,
            "old": old,
            "new": new,
            "diff": contract.diff_html(old, new),
            "versions": versions,
        },
    )


@require_login
def contract_pdf(request, pk):
    case = _case(request, pk)
    version = _version(case, request.GET.get("version"))
    response = HttpResponse(contract.render_pdf(version), content_type="application/pdf")
    return tabular.attachment(response, f"contract-{case.reference}-v{version.number}.pdf")


# --- Step 3 -------------------------------------------------------------------------------------


@require_POST
@require_login
def task_update(request, pk, task_pk):
    case = _case(request, pk)
    task = get_visible_or_404(case.tasks.all(), pk=task_pk)
    form = TaskStatusForm(request.POST)
    if form.is_valid():
        _run(request, actions.do_update_task, task, status=form.cleaned_data["status"], success=_("Task updated."))
    else:
        messages.error(request, _("Unknown task status."))
    return _back(case)


@require_POST
@require_login
def message_post(request, pk):
    case = _case(request, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        _run(
            request,
            actions.do_post_message,
            case,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["files"],
            success=_("Message sent."),
        )
    else:
        for error in form.errors.get("files", []) + form.non_field_errors():
            messages.error(request, error)
    return redirect(reverse("cases:detail", args=[case.pk]) + "#thread")


@require_login
def attachment(request, pk, att_pk):
    case = _case(request, pk)
    att = get_visible_or_404(visible_attachments(request.user).filter(message__case=case), pk=att_pk)
    return serve_private_file(att.file, att.original_name, att.content_type)


# --- Step 5 -------------------------------------------------------------------------------------


@require_perm("cases.view_own", "cases.view_assigned")
def evaluate(request, pk):
    case = _case(request, pk)
    side = request.user.role
    form = EvaluationForm(request.POST or None, side=side)
    if request.method == "POST" and form.is_valid():
        if _run(
            request,
            actions.do_submit_evaluation,
            case,
            form=form,
            ratings=form.ratings(),
            comments=form.cleaned_data["comments"],
            success=_("Thank you for your evaluation."),
        ):
            return _back(case)
    return render(request, "cases/evaluate.html", {"case": case, "form": form, "criteria": CRITERIA[side]})


@require_perm("cases.view_own")
def outcome(request, pk):
    case = _case(request, pk)
    current = Outcome.objects.filter(case=case).first()
    initial = {}
    if current:
        initial = {
            "result": current.result,
            "amount_recovered": current.amount_recovered,
            "outcome_date": current.outcome_date,
            "note": current.note,
        }
    form = OutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _run(
            request,
            actions.do_report_outcome,
            case,
            form=form,
            result=form.cleaned_data["result"],
            amount_recovered=form.cleaned_data["amount_recovered"],
            outcome_date=form.cleaned_data["outcome_date"],
            note=form.cleaned_data["note"],
            success=_("The outcome has been recorded."),
        ):
            return _back(case)
    return render(request, "cases/outcome.html", {"case": case, "form": form})


# --- Program figures ----------------------------------------------------------------------------


@require_perm("cases.report_figures")
def program_figures(request):
    form = FiguresFilterForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    data = figures.compute(visible_cases(request.user), start, end)
    return render(request, "cases/figures.html", {"figures": data, "form": form, "query": request.GET.urlencode()})


@require_perm("cases.report_figures")
def program_figures_csv(request):
    form = FiguresFilterForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    data = figures.compute(visible_cases(request.user), start, end)
    response = HttpResponse(figures.to_csv(data), content_type="text/csv; charset=utf-8")
    return tabular.attachment(response, "puente-program-figures.csv")


__all__ = ["ContractVersion"]
