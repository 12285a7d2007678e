import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import audit, providers, retention, tabular
from .access import (
    get_visible_or_404, holdable_cases, manageable_users, public, require_login, require_perm, visible_sessions,
)
from .action_contract import ActionRefused
from .actions import DB_SESSION_ENGINES, do_deactivate_user, do_end_all_sessions, do_end_session, do_reactivate_user
from .forms import AuditFilterForm, CaseLookupForm, LegalHoldForm, add_refusal
from .roles import has_perm


@require_login
def home(request):
    """Each role lands on its own dashboard; until an app provides one, a simple welcome."""
    dashboards = {
        "coordinator": "cases:queue",
        "advocate": "cases:my_cases",
        "defender": "cases:my_assignments",
    }
    try:
        return redirect(reverse(dashboards[request.user.role]))
    except (NoReverseMatch, KeyError):
        return render(request, "core/home.html")


@public
def health(request):
    return JsonResponse({"status": "ok"})


# --- audit history -----------------------------------------------------------------------------

ACTION_LABELS = {
    0: gettext_lazy("Created"), 1: gettext_lazy("Changed"), 2: gettext_lazy("Deleted"), 3: gettext_lazy("Read"),
}


def _find_case_pk(value: str):
    """The case with this reference or number, asked of the cases app (provider ``core.find_case``)."""
    case = providers.call("core.find_case", value)
    return case.pk if case is not None else None


def filtered_entries(request):
    """The audit entries matching the filter form in ``request.GET``, newest first."""
    form = AuditFilterForm(request.GET or None)
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["person"]:
            person_ct = ContentType.objects.get_for_model(apps.get_model("locate", "Person"))
            qs = qs.filter(
                Q(additional_data__person_id=d["person"])
                | Q(content_type=person_ct, object_pk=str(d["person"]))
            )
        if d["case"]:
            case_pk = _find_case_pk(d["case"])
            qs = qs.filter(additional_data__case_id=case_pk) if case_pk else qs.none()
        if d["user"]:
            qs = qs.filter(Q(actor__email__icontains=d["user"]) | Q(actor_email__icontains=d["user"]))
        if d["model"]:
            qs = qs.filter(content_type_id=int(d["model"]))
        if d["action"] != "" and d["action"] is not None:
            qs = qs.filter(action=int(d["action"]))
        if d["date_from"]:
            qs = qs.filter(timestamp__date__gte=d["date_from"])
        if d["date_to"]:
            qs = qs.filter(timestamp__date__lte=d["date_to"])
    return form, qs


@require_perm("audit.view")
def audit_list(request):
    form, qs = filtered_entries(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": e,
            "action": ACTION_LABELS.get(e.action, e.action),
            "kind": e.content_type.model_class()._meta.verbose_name
            if e.content_type.model_class()
            else e.content_type.model,
            "changes": list(audit.shown_changes(e.changes_dict).items()),
            "links": e.additional_data or {},
        }
        for e in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "may_restore": has_perm(request.user, "audit.restore"),
        },
    )


@require_perm("audit.view")
def audit_export(request):
    _form, qs = filtered_entries(request)

    def rows():
        yield (
            [
                "timestamp",
                "actor",
                "action",
                "kind",
                "object_id",
                "object",
                "case_id",
                "person_id",
                "ip_address",
                "changes",
            ]
        )
        for e in qs.iterator(chunk_size=2000):
            links = e.additional_data or {}
            yield (
                [
                    v
                    for v in [
                        e.timestamp.isoformat(),
                        e.actor_email or (e.actor.email if e.actor else ""),
                        {0: "create", 1: "update", 2: "delete", 3: "access"}.get(e.action, e.action),
                        e.content_type.app_label + "." + e.content_type.model,
                        e.object_pk,
                        e.object_repr,
                        links.get("case_id") or "",
                        links.get("person_id") or "",
                        e.remote_addr or "",
                        json.dumps(audit.shown_changes(e.changes_dict), ensure_ascii=False),
                    ]
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return tabular.csv_stream(rows(), f"puente-audit-{stamp}.csv")  # every cell defused


# --- sessions and accounts ---------------------------------------------------------------------


def _live(sessions):
    """Only sessions still alive in the session store (the database store: not expired)."""
    if settings.SESSION_ENGINE in DB_SESSION_ENGINES:
        alive = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        return sessions.filter(session_key__in=alive)
    return sessions


@require_perm("accounts.manage")
def session_list(request):
    sessions = _live(visible_sessions(request.user)).order_by("user__email", "-last_seen")
    return render(request, "core/session_list.html", {"sessions": sessions})


@require_perm("accounts.manage")
def user_sessions(request, user_id):
    account = get_visible_or_404(manageable_users(request.user), pk=user_id)
    sessions = _live(visible_sessions(request.user).filter(user=account))
    return render(request, "core/user_sessions.html", {"account": account, "sessions": sessions})


@require_POST
@require_perm("accounts.manage")
def end_session(request, session_id):
    session = get_visible_or_404(visible_sessions(request.user), pk=session_id)
    account = session.user
    do_end_session(session, acting_user=request.user)
    messages.success(request, _("The session was ended."))
    return redirect("core:user_sessions", user_id=account.pk)


@require_POST
@require_perm("accounts.manage")
def end_user_sessions(request, user_id):
    account = get_visible_or_404(manageable_users(request.user), pk=user_id)
    n = do_end_all_sessions(account, acting_user=request.user)
    messages.success(request, _("%(n)s sessions were ended.") % {"n": n})
    return redirect("core:user_sessions", user_id=account.pk)


@require_POST
@require_perm("accounts.manage")
def deactivate_user(request, user_id):
    account = get_visible_or_404(manageable_users(request.user), pk=user_id)
    try:
        do_deactivate_user(account, acting_user=request.user)
    except ActionRefused as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("The account is deactivated and all its sessions have ended."))
    return redirect("core:user_sessions", user_id=account.pk)


@require_POST
@require_perm("accounts.manage")
def reactivate_user(request, user_id):
    account = get_visible_or_404(manageable_users(request.user), pk=user_id)
    do_reactivate_user(account, acting_user=request.user)
    messages.success(request, _("The account can sign in again."))
    return redirect("core:user_sessions", user_id=account.pk)


# --- retention and legal hold ------------------------------------------------------------------


@require_perm("retention.manage")
def retention_overview(request):
    """What the retention schedule will wipe next, and the cases under legal hold."""
    form = CaseLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = providers.call(
                "core.set_legal_hold",
                form.cleaned_data["case"],
                acting_user=request.user,
                on=True,
                reason=form.cleaned_data["reason"],
            )
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Case %(case)s is under legal hold.") % {"case": case})
            return redirect("core:retention")
    return render(
        request,
        "core/retention.html",
        {
            "summary": retention.summary(),
            "upcoming": retention.upcoming(limit=30),
            "held_cases": holdable_cases(request.user).filter(legal_hold=True).order_by("reference"),
            "form": form,
        },
    )


@require_POST
@require_perm("retention.manage")
def legal_hold(request, case_id):
    """Set or lift a case's legal hold (the case page can post here, with ``next``)."""
    case = providers.call("core.find_case", str(case_id))
    if case is None or not holdable_cases(request.user).filter(pk=case.pk).exists():
        raise Http404
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        try:
            case = providers.call(
                "core.set_legal_hold",
                case,
                acting_user=request.user,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ActionRefused as exc:
            messages.error(request, exc.text)
        else:
            if case.legal_hold:
                messages.success(request, _("Case %(case)s is under legal hold.") % {"case": case})
            else:
                messages.success(request, _("The legal hold on case %(case)s was lifted.") % {"case": case})
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("core:retention")
