"""Views of the visas app: thin; rules live in actions.py, search.py and stats.py.

Public pages (``@public``) show public records (OFLC disclosure data, DOL debarments) to everyone.
Every table is also CSV (``?format=csv``) and JSON (``?format=json``). The network's own
material (cases naming an employer, the merge review list) is for Coordinators only.
"""


from django.contrib import messages
from django.db.models import Count, F, Q, Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from puente.core.access import get_visible_or_404, public, require_perm
from puente.core.action_contract import ActionRefused
from puente.core import tabular as exports
from puente.core.roles import has_perm

from . import access, actions, stats
from .models import CERTIFIED_STATUSES, Visa
from .search import search_agents, search_employers

CASE_ROW_LIMIT = 200


def _format(request):
    fmt = request.GET.get("format", "")
    return fmt if fmt in ("csv", "json") else ""


def tabular(request, rows, fields, filename):
    """``rows`` (list of dicts) as CSV or JSON, or None for HTML."""
    fmt = _format(request)
    if fmt == "json":
        return JsonResponse({"rows": [{f: r.get(f) for f in fields} for r in rows]}, json_dumps_params={"default": str})
    if fmt == "csv":
        response = exports.attachment(HttpResponse(content_type="text/csv; charset=utf-8"), f"{filename}.csv")
        writer = exports.writer(response)
        writer.writerow(fields)
        for r in rows:
            writer.writerow(["" if r.get(f) is None else r.get(f) for f in fields])
        return response
    return None


def _bars(rows, value="positions_certified"):
    top = max((r[value] or 0 for r in rows), default=0) or 1
    for r in rows:
        r["bar"] = round(100 * (r[value] or 0) / top, 1)
    return rows


def _survivor(record):
    """The active employer or agent that ``record`` was merged into (itself when it was not)."""
    while record.merged_into_id:
        record = record.merged_into
    return record


@public
def search(request):
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "employer")
    results = []
    if q:
        results = search_agents(q) if kind == "agent" else search_employers(q)
    fields = ["id", "name", "positions_certified"] if kind == "agent" else [
        "id", "name", "city", "state", "positions_certified"]
    fmt = _format(request)
    if fmt == "json":
        return JsonResponse({"q": q, "kind": kind, "results": results})
    response = tabular(request, results, fields, "employers" if kind != "agent" else "agents")
    if response:
        return response
    return render(request, "visas/search.html", {"q": q, "kind": kind, "results": results})


def _case_rows(qs, limit=None):
    qs = qs.values(
        "fiscal_year", "visa", "case_number", "status", "status_raw", "decision_date", "employer_name_filed",
        "job_title", "soc_title", "wage_offered", "wage_unit", "worksite_city", "worksite_state",
        "agent_name_filed", "agent_id", "workers_requested", "workers_certified", "role", "counted",
    ).order_by("-fiscal_year", "visa", "case_number", "row_number")
    return list(qs[:limit] if limit else qs)


CASE_FIELDS = ["fiscal_year", "visa", "case_number", "status", "status_raw", "decision_date", "employer_name_filed",
               "job_title", "soc_title", "wage_offered", "wage_unit", "worksite_city", "worksite_state",
               "agent_name_filed", "workers_requested", "workers_certified", "role", "counted"]


@public
def employer(request, pk):
    employer = get_visible_or_404(access.any_employer(), pk=pk)
    if employer.merged_into_id:
        survivor = employer
        while survivor.merged_into_id:
            survivor = survivor.merged_into
        return redirect("visas:employer", pk=survivor.pk)
    rows_qs = access.public_rows().filter(employer=employer)
    table = request.GET.get("table", "cases")
    years = _bars(stats.employer_years([employer.pk]).get(employer.pk, []))
    debarments = list(employer.debarments.values(
        "program", "name", "city", "state", "start", "end", "certainty", "method"))
    names = list(employer.names.values("name", "city", "state", "certainty", "method").order_by("name"))
    if _format(request):
        if table == "years":
            return tabular(request, years, ["visa", "fy", "cases", "positions_certified"], f"employer-{pk}-years")
        if table == "debarments":
            return tabular(request, debarments, ["program", "name", "city", "state", "start", "end", "certainty"],
                           f"employer-{pk}-debarments")
        if table == "names":
            return tabular(request, names, ["name", "city", "state", "certainty", "method"], f"employer-{pk}-names")
        return tabular(request, _case_rows(rows_qs), CASE_FIELDS, f"employer-{pk}-cases")
    case_count = rows_qs.count()
    context = {
        "employer": employer, "years": years, "debarments": debarments, "names": names,
        "rows": _case_rows(rows_qs, CASE_ROW_LIMIT), "case_count": case_count, "row_limit": CASE_ROW_LIMIT,
        "internal": has_perm(request.user, "visas.internal"),
    }
    if context["internal"]:
        context["network_cases"] = access.cases_naming(request.user, employer)
        context["abuse_reports"] = access.abuse_reports_naming(request.user, employer)
    return render(request, "visas/employer.html", context)


@public
def agent(request, pk):
    agent = get_visible_or_404(access.any_agent(), pk=pk)
    if agent.merged_into_id:
        return redirect("visas:agent", pk=_survivor(agent).pk)
    rows_qs = access.public_rows().filter(agent=agent)
    names = list(agent.names.values("name", "certainty", "method").order_by("name"))
    if _format(request):
        if request.GET.get("table") == "names":
            return tabular(request, names, ["name", "certainty", "method"], f"agent-{pk}-names")
        return tabular(request, _case_rows(rows_qs), CASE_FIELDS, f"agent-{pk}-cases")
    employers = _bars(list(
        rows_qs.filter(counted=True, employer__isnull=False).values("employer_id", "employer__name", "employer__state")
        .annotate(positions_certified=Sum("workers_certified", filter=Q(status__in=CERTIFIED_STATUSES)),
                  cases=Count("case_number", distinct=True))
        .order_by(F("positions_certified").desc(nulls_last=True))[:200]))
    return render(request, "visas/agent.html", {
        "agent": agent, "employers": employers, "rows": _case_rows(rows_qs, CASE_ROW_LIMIT),
        "case_count": rows_qs.count(), "row_limit": CASE_ROW_LIMIT, "names": names,
    })


@public
def statistics(request):
    visa = request.GET.get("visa") or None
    if visa not in (None, Visa.H2A, Visa.H2B):
        visa = None
    try:
        fiscal_year = int(request.GET.get("fy") or 0) or None
    except ValueError:
        fiscal_year = None
    table = request.GET.get("table", "year")
    if table not in ("year", "visa", "state", "job"):
        table = "year"
    if _format(request):
        rows = stats.by(table, visa, fiscal_year)
        return tabular(request, rows, ["key", *stats.FIGURES], f"h2-{table}")
    figures = stats.page_figures(visa, fiscal_year)
    context = {
        "visa": visa or "", "fy": fiscal_year or "", "totals": figures["totals"],
        **{k: _bars([dict(r) for r in figures[k]]) for k in ("years", "visas", "states", "jobs")},
        "fiscal_years": figures["fiscal_years"],
    }
    return render(request, "visas/stats.html", context)


@require_perm("visas.internal")
def case_employer_history(request, case_pk):
    """Partial (htmx): the visa history of the employers named in a network case."""
    case = access.visible_case_for_history(request.user, case_pk)
    if case is None:
        raise Http404
    names = list(case.parties.filter(kind="employer").values_list("name", flat=True))
    employers = access.employers_for_names(names)
    years = stats.employer_years([e.pk for e in employers])
    debarred = {e.pk: list(e.debarments.all()) for e in employers}
    found = [{"employer": e, "years": years.get(e.pk, []), "debarments": debarred[e.pk]} for e in employers]
    return render(request, "visas/_case_employer_history.html", {"case": case, "names": names, "found": found})


@require_perm("visas.internal")
def reviews(request):
    pending = access.reviews(request.user).filter(state="pending").select_related("left", "right")[:200]
    decided = access.reviews(request.user).exclude(state="pending").select_related(
        "left", "right", "decided_by").order_by("-decided_at")[:50]
    merges = access.merges(request.user).select_related("into", "merged", "by")[:100]
    return render(request, "visas/reviews.html", {"pending": pending, "decided": decided, "merges": merges})


def _decide(request, review, confirm, reject, merged_message, back):
    """Confirm or reject a proposed pair (of employers or of agents) as the form says."""
    decision = request.POST.get("decision")
    if decision not in ("confirm", "reject"):
        return HttpResponse(status=400)
    try:
        if decision == "confirm":
            confirm(review, acting_user=request.user)
            messages.success(request, merged_message)
        else:
            reject(review, acting_user=request.user)
            messages.success(request, _("Kept apart: this pair will not be proposed again."))
    except ActionRefused as refusal:
        messages.error(request, refusal.text)
    return redirect(back)


@require_POST
@require_perm("visas.internal")
def review_decide(request, pk):
    review = get_visible_or_404(access.reviews(request.user), pk=pk)
    return _decide(request, review, actions.do_confirm_review, actions.do_reject_review,
                   _("Merged: the two employers are now one."), "visas:reviews")


@require_POST
@require_perm("visas.internal")
def merge_undo(request, pk):
    merge = get_visible_or_404(access.merges(request.user), pk=pk)
    return _undo(request, merge, actions.do_undo_merge, _("Merge undone: the employers are separate again."),
                 "visas:reviews")


def _undo(request, merge, undo, undone_message, back):
    """Undo a merge (of employers or of agents); a refusal says why (already undone, merged again)."""
    try:
        undo(merge, acting_user=request.user)
        messages.success(request, undone_message)
    except ActionRefused as refusal:
        messages.error(request, refusal.text)
    return redirect(back)


# --- agent merges (Coordinators) -------------------------------------------------------------------


@require_perm("visas.internal")
def agent_reviews(request):
    pending = list(access.agent_reviews(request.user).filter(state="pending").select_related("left", "right")[:200])
    decided = access.agent_reviews(request.user).exclude(state="pending").select_related(
        "left", "right", "decided_by").order_by("-decided_at")[:50]
    merges = access.agent_merges(request.user).select_related("into", "merged", "by")[:100]
    # Agents have no address in the files: how many applications each filed helps to decide.
    # A pair is shown as the agents it now stands for: one side may have been merged since it was
    # listed, and a pair whose sides are now one agent has nothing left to decide (until an undo).
    sides = [(r, _survivor(r.left), _survivor(r.right)) for r in pending]
    sides = [(r, left, right) for r, left, right in sides if left.pk != right.pk]
    ids = {a.pk for _r, left, right in sides for a in (left, right)}
    sizes = dict(access.public_rows().filter(agent_id__in=ids).values("agent_id").order_by()
                 .annotate(n=Count("pk")).values_list("agent_id", "n"))
    pairs = [{"review": r, "left": left, "right": right, "left_rows": sizes.get(left.pk, 0),
              "right_rows": sizes.get(right.pk, 0)} for r, left, right in sides]
    return render(request, "visas/agent_reviews.html", {"pairs": pairs, "decided": decided, "merges": merges})


@require_POST
@require_perm("visas.internal")
def agent_review_decide(request, pk):
    review = get_visible_or_404(access.agent_reviews(request.user), pk=pk)
    return _decide(request, review, actions.do_confirm_agent_review, actions.do_reject_agent_review,
                   _("Merged: the two agents are now one."), "visas:agent_reviews")


@require_POST
@require_perm("visas.internal")
def agent_merge_undo(request, pk):
    merge = get_visible_or_404(access.agent_merges(request.user), pk=pk)
    return _undo(request, merge, actions.do_undo_agent_merge, _("Merge undone: the agents are separate again."),
                 "visas:agent_reviews")
