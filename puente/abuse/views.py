"""Views of the abuse app: thin; rules live in actions.py, access.py, patterns.py and dossier.py."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from puente.core.access import get_visible_or_404, require_perm
from puente.core.action_contract import ActionRefused
from puente.core.audit import log_access
from puente.core.forms import add_refusal
from puente.core.roles import has_perm
from puente.core import tabular
from puente.core.storage import serve_private_file

from . import actions, patterns, visa_link
from .access import (
    cases_for_linking,
    may_see_worker,
    report_count_label,
    visible_evidence,
    visible_recruiters,
    visible_reports,
    worker_label,
)
from .dossier import build_dossier, dossier_csv, dossier_pdf
from .forms import (
    AliasForm,
    ConflictForm,
    EmployerForm,
    EvidenceForm,
    IncidentForm,
    LinkCaseForm,
    PhoneForm,
    RecruiterEditForm,
    RecruiterForm,
    RecruiterSearchForm,
    ReportFilterForm,
    ReportForm,
)
from .models import MergeCandidate, Recruiter, RecruiterMerge
from .resolution import normalise


# ---------------------------------------------------------------- reports


@require_perm("abuse.report")
def report_list(request):
    reports = (
        visible_reports(request.user).select_related("region", "worker", "reported_by", "case")
        .prefetch_related("recruiters", "incidents")
    )
    form = ReportFilterForm(request.GET or None)
    if form.is_valid():
        d = form.cleaned_data
        q = normalise(d.get("q") or "")
        if q:
            reports = reports.filter(
                Q(recruiters__name_key__contains=q) | Q(recruiters__aliases__name_key__contains=q)
            ).distinct()
        if d.get("kind"):
            reports = reports.filter(incidents__kind=d["kind"]).distinct()
        if d.get("region"):
            reports = reports.filter(region=d["region"])
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    rows = [(r, worker_label(request.user, r)) for r in page]
    return render(request, "abuse/report_list.html", {"page": page, "rows": rows, "form": form})


@require_perm("abuse.report")
def report_new(request):
    cases = cases_for_linking(request.user)
    form = ReportForm(request.POST or None, cases=cases)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        worker = d["case"].client if d.get("worker_is_client") and d.get("case") else None
        try:
            report = actions.do_file_report(
                acting_user=request.user, recruiter_names=d["recruiter_names"], worker=worker,
                new_worker={k: d[k] for k in ("given_names", "surname_1", "surname_2")},
                employer_name=d["employer_name"], programme=d["programme"], occurred_from=d["occurred_from"],
                occurred_to=d["occurred_to"], region=d["region"], municipality=d["municipality"],
                narrative=d["narrative"], case=d["case"],
            )
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Report filed. Add what happened, by type, and the evidence."))
            return redirect("abuse:report_detail", pk=report.pk)
    return render(request, "abuse/report_form.html", {"form": form})


def _report_context(request, report, **extra):
    if report.worker_id and may_see_worker(request.user, report):
        log_access(report.worker)
    return {
        "report": report,
        "worker": worker_label(request.user, report),
        "incidents": report.incidents.all(),
        "evidence": report.evidence.all(),
        "incident_form": extra.pop("incident_form", None) or IncidentForm(),
        "evidence_form": extra.pop("evidence_form", None) or EvidenceForm(),
        "max_mb": round(settings.PUENTE_UPLOAD_MAX_BYTES / 1048576),
        "case_form": extra.pop("case_form", None) or LinkCaseForm(
            initial={"case": report.case_id}, cases=cases_for_linking(request.user)
        ),
        **extra,
    }


@require_perm("abuse.report")
def report_detail(request, pk):
    report = get_visible_or_404(visible_reports(request.user).select_related("region", "case", "worker"), pk=pk)
    return render(request, "abuse/report_detail.html", _report_context(request, report))


@require_perm("abuse.report")
def incident_add(request, pk):
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_add_incident(
                report, acting_user=request.user, kind=d["kind"], amount=d.get("money"), paid_to=d["paid_to"],
                paid_on=d["paid_on"], job_did_not_exist=d["job_did_not_exist"], money_taken=d["money_taken"],
                documents_taken=d["documents_taken"], documents=d["documents"], blacklisted=d["blacklisted"],
                indicators=d["indicators"], description=d["description"],
            )
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Incident added."))
            return redirect("abuse:report_detail", pk=report.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "abuse/report_detail.html", _report_context(request, report, incident_form=form),
                  status=status)


@require_perm("abuse.report")
@require_POST
def evidence_upload(request, pk):
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.do_add_evidence(report, form.cleaned_data["file"], acting_user=request.user,
                                    description=form.cleaned_data["description"])
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Evidence uploaded."))
            return redirect("abuse:report_detail", pk=report.pk)
    return render(request, "abuse/report_detail.html", _report_context(request, report, evidence_form=form),
                  status=400)


@require_perm("abuse.report")
@require_POST
def report_link_case(request, pk):
    """Link the report to the case it led to (one the user may link to), or unlink it."""
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    form = LinkCaseForm(request.POST, cases=cases_for_linking(request.user))
    if form.is_valid():
        try:
            actions.do_link_case(report, form.cleaned_data["case"], acting_user=request.user)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Case link saved."))
            return redirect("abuse:report_detail", pk=report.pk)
    return render(request, "abuse/report_detail.html", _report_context(request, report, case_form=form), status=400)


@require_perm("abuse.report")
def evidence_download(request, pk, file_pk):
    evidence = get_visible_or_404(visible_evidence(request.user), pk=file_pk, report_id=pk)
    log_access(evidence)
    return serve_private_file(evidence.file, evidence.original_name, evidence.content_type)


# ---------------------------------------------------------------- recruiters


@require_perm("abuse.report")
def recruiter_list(request):
    form = RecruiterSearchForm(request.GET or None)
    qs = visible_recruiters(request.user).annotate(n_reports=Count("reports", distinct=True))
    if form.is_valid():
        q = normalise(form.cleaned_data.get("q") or "")
        if q:
            qs = qs.filter(Q(name_key__contains=q) | Q(aliases__name_key__contains=q)).distinct()
        if form.cleaned_data.get("region"):
            qs = qs.filter(regions=form.cleaned_data["region"])
    page = Paginator(qs.order_by("name"), 50).get_page(request.GET.get("page"))
    rows = [(r, report_count_label(request.user, r, r.n_reports)) for r in page]
    return render(request, "abuse/recruiter_list.html", {"form": form, "page": page, "rows": rows})


@require_perm("abuse.report")
def recruiter_new(request):
    form = RecruiterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            recruiter = actions.do_create_recruiter(
                acting_user=request.user, name=d["name"], kind=d["kind"], country=d["country"], regions=d["regions"],
                municipalities=d["municipalities"], notes=d["notes"], phones=d["phones"], aliases=d["aliases"],
            )
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Recruiter recorded."))
            return redirect("abuse:recruiter_detail", pk=recruiter.pk)
    return render(request, "abuse/recruiter_form.html", {"form": form})


@require_perm("abuse.analyse")
def recruiter_edit(request, pk):
    recruiter = get_visible_or_404(visible_recruiters(request.user), pk=pk)
    initial = {
        "name": recruiter.name, "kind": recruiter.kind, "country": recruiter.country,
        "regions": recruiter.regions.all(), "municipalities": recruiter.municipalities, "notes": recruiter.notes,
    }
    form = RecruiterEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_update_recruiter(
                recruiter, acting_user=request.user, name=d["name"], kind=d["kind"], country=d["country"],
                regions=d["regions"], municipalities=d["municipalities"], notes=d["notes"],
            )
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Recruiter saved."))
            return redirect("abuse:recruiter_detail", pk=recruiter.pk)
    return render(request, "abuse/recruiter_form.html", {"form": form, "recruiter": recruiter})


def _recruiter_context(request, recruiter, **forms):
    user = request.user
    n_reports = recruiter.reports.count()
    ctx = {
        "recruiter": recruiter,
        "aliases": recruiter.aliases.all(),
        "phones": recruiter.phones.all(),
        "employers": recruiter.employers.all(),
        "regions": recruiter.regions.all(),
        "report_count": report_count_label(user, recruiter, n_reports),
        "my_reports": [(r, worker_label(user, r)) for r in visible_reports(user).filter(recruiters=recruiter)],
        "alias_form": forms.get("alias_form") or AliasForm(),
        "phone_form": forms.get("phone_form") or PhoneForm(),
        "employer_form": forms.get("employer_form") or EmployerForm(),
        "may_analyse": has_perm(user, "abuse.analyse"),
    }
    if ctx["may_analyse"]:
        ctx["conflicts"] = recruiter.conflicts.select_related("defender")
        ctx["conflict_form"] = forms.get("conflict_form") or ConflictForm()
        ctx["merges"] = RecruiterMerge.objects.filter(Q(survivor=recruiter) | Q(merged=recruiter)).select_related(
            "survivor", "merged"
        )
    return ctx


@require_perm("abuse.report")
def recruiter_detail(request, pk):
    recruiter = get_visible_or_404(visible_recruiters(request.user), pk=pk)
    return render(request, "abuse/recruiter_detail.html", _recruiter_context(request, recruiter))


def _recruiter_post(request, pk, form_class, form_key, action, success):
    recruiter = get_visible_or_404(visible_recruiters(request.user), pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(recruiter, form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, success)
            return redirect("abuse:recruiter_detail", pk=recruiter.pk)
    return render(request, "abuse/recruiter_detail.html", _recruiter_context(request, recruiter, **{form_key: form}),
                  status=400)


@require_perm("abuse.report")
@require_POST
def recruiter_alias_add(request, pk):
    return _recruiter_post(request, pk, AliasForm, "alias_form",
                           lambda r, d: actions.do_add_alias(r, acting_user=request.user, name=d["name"]),
                           _("Alias added."))


@require_perm("abuse.report")
@require_POST
def recruiter_phone_add(request, pk):
    return _recruiter_post(request, pk, PhoneForm, "phone_form",
                           lambda r, d: actions.do_add_phone(
                               r, acting_user=request.user, number=d["number"], note=d["note"]
                           ),
                           _("Phone added."))


@require_perm("abuse.report")
@require_POST
def recruiter_employer_add(request, pk):
    return _recruiter_post(
        request, pk, EmployerForm, "employer_form",
        lambda r, d: actions.do_add_employer(
            r, acting_user=request.user, employer_name=d["employer_name"], programme=d["programme"]
        ),
        _("Employer added."),
    )


@require_perm("abuse.analyse")
@require_POST
def conflict_add(request, pk):
    return _recruiter_post(request, pk, ConflictForm, "conflict_form",
                           lambda r, d: actions.do_add_conflict(
                               r, d["defender"], acting_user=request.user, note=d["note"]
                           ),
                           _("Conflict recorded."))


# ---------------------------------------------------------------- resolution review


@require_perm("abuse.analyse")
def review(request):
    candidates = (
        MergeCandidate.objects.filter(
            status=MergeCandidate.Status.PENDING, left__merged_into__isnull=True, right__merged_into__isnull=True
        ).select_related("left", "right")
    )
    merges = RecruiterMerge.objects.select_related("survivor", "merged", "merged_by")[:100]
    return render(request, "abuse/review.html", {"candidates": candidates, "merges": merges})


@require_perm("abuse.analyse")
@require_POST
def resolution_run(request):
    result = actions.do_run_resolution(acting_user=request.user)
    actions.do_link_visa_employers(acting_user=request.user)
    messages.success(request, _("%(merged)s certain merges applied, %(queued)s pairs to review.")
                     % {"merged": result.merged, "queued": result.queued})
    return redirect("abuse:review")


@require_perm("abuse.analyse")
@require_POST
def candidate_decide(request, pk):
    candidate = get_visible_or_404(MergeCandidate.objects.all(), pk=pk)
    confirm = request.POST.get("decision") == "confirm"
    try:
        actions.do_decide_candidate(candidate, acting_user=request.user, confirm=confirm)
    except ActionRefused as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("Merged.") if confirm else _("Kept apart."))
    return redirect("abuse:review")


@require_perm("abuse.analyse")
@require_POST
def merge_undo(request, pk):
    merge = get_visible_or_404(RecruiterMerge.objects.all(), pk=pk)
    try:
        actions.do_undo_merge(merge, acting_user=request.user)
    except ActionRefused as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("Merge undone."))
    return redirect("abuse:review")


# ---------------------------------------------------------------- patterns and dossiers


@require_perm("abuse.analyse")
def pattern_overview(request):
    by_reports = patterns.ranking_by_reports()
    ctx = {
        "by_reports": patterns.bars([(r.name, r.n_reports) for r in by_reports]),
        "by_reports_ids": [r.pk for r in by_reports],
        "fees": {
            currency: list(zip(rows, patterns.bars([(r.name, total) for r, total, _n in rows]), strict=True))
            for currency, rows in patterns.fee_totals_by_recruiter().items()
        },
        "per_month": patterns.bars(patterns.reports_per_month()),
        "by_region": patterns.bars(patterns.reports_by_region()),
        "employers": patterns.employers_supplied(),
    }
    ctx["ranked"] = list(zip(by_reports, ctx["by_reports"], strict=True))
    ranking, ctx["usd_missing"] = patterns.fee_ranking_usd()
    ctx["usd"] = list(zip(ranking, patterns.bars([(r.name, total) for r, total, _n in ranking]), strict=True))
    ctx["month_columns"], ctx["month_width"] = patterns.columns(patterns.reports_per_month())
    for _recruiter, links in ctx["employers"]:
        for link in links:
            link.certified = visa_link.certified_workers(link)
    return render(request, "abuse/patterns.html", ctx)


def _dossier(request, pk):
    recruiter = get_visible_or_404(Recruiter.active.all(), pk=pk)
    return recruiter, build_dossier(recruiter, request.user)


@require_perm("abuse.analyse")
def dossier(request, pk):
    _recruiter, d = _dossier(request, pk)
    return render(request, "abuse/dossier.html", {"d": d})


@require_perm("abuse.analyse")
def dossier_csv_view(request, pk):
    recruiter, d = _dossier(request, pk)
    response = HttpResponse(dossier_csv(d), content_type="text/csv; charset=utf-8")
    return tabular.attachment(response, f"dossier-{slugify(recruiter.name) or recruiter.pk}.csv")


@require_perm("abuse.analyse")
def dossier_pdf_view(request, pk):
    recruiter, d = _dossier(request, pk)
    response = HttpResponse(dossier_pdf(d, request), content_type="application/pdf")
    return tabular.attachment(response, f"dossier-{slugify(recruiter.name) or recruiter.pk}.pdf")
