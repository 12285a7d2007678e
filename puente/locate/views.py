"""Views of the locate app: thin; rules live in actions.py, access.py and search.py."""

import base64
import io

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from puente.core import crypto, providers, tabular
from puente.core.access import get_visible_or_404, require_login, require_perm
from puente.core.action_contract import ActionRefused
from puente.core.audit import log_access
from puente.core.forms import add_refusal
from puente.core.roles import has_perm

from . import actions, api
from .access import visible_entries, visible_people, visible_projects
from .forms import (
    AddToProjectForm,
    AssignForm,
    AttemptForm,
    ConsentForm,
    MappingForm,
    PersonForm,
    PreferenceForm,
    ProjectForm,
    SearchForm,
    StatusForm,
    UploadForm,
)
from .evidence import evidence
from .importing import ImportErrors, guess_mapping, read_table, validate
from .linkage import person_row
from .models import ImportBatch, LinkReview, PersonConsent, PersonMerge
from .report import project_report, report_csv, report_pdf
from .search import Query, search_people


def _posted(request):
    """The POST data (even when empty: an empty POST is a bound form with errors), or None."""
    return request.POST if request.method == "POST" else None


# ---------------------------------------------------------------------------------------------
# Search and people


@require_perm("people.search")
def search(request):
    form = SearchForm(request.GET or None, user=request.user)
    results, searched, project = [], False, None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        project = d.get("project")
        query = Query(
            name=d["q"],
            birth_date=d["birth_date"],
            region=d["region"],
            municipality=d["municipality"],
            phone=d["phone"],
        )
        searched = query.has_name()
        if searched:
            matches = search_people(request.user, query, limit=20, project=project)
            people = visible_people(request.user).select_related("region").in_bulk([m.person_id for m in matches])
            results = [(m, people[m.person_id]) for m in matches if m.person_id in people]
    context = {
        "form": form,
        "results": results,
        "searched": searched,
        "project": project,
        "add_form": AddToProjectForm(),
    }
    template = "locate/_results.html" if request.htmx else "locate/search.html"
    return render(request, template, context)


@require_perm("people.manage")
def person_new(request):
    """Search before create: a first POST whose person looks like people already in the registry
    shows them and asks again ("create anyway"); ``?project=`` adds the new person to a project."""
    project = None
    project_pk = request.GET.get("project") or request.POST.get("project")
    if project_pk and str(project_pk).isdigit():
        project = get_visible_or_404(visible_projects(request.user), pk=project_pk)
    form = PersonForm(_posted(request))
    likely = None
    if request.method == "POST" and form.is_valid():
        likely = api.likely_matches(request.user, form.sent_data())
        if likely and "create_anyway" not in request.POST:
            return render(request, "locate/person_form.html", {"form": form, "likely": likely, "project": project})
        try:
            with transaction.atomic():  # the person and their project entry, or neither
                person = actions.do_create_person(acting_user=request.user, **form.sent_data())
                if project is not None:
                    actions.do_add_to_project(project, person, acting_user=request.user)
        except ActionRefused as e:
            add_refusal(form, e)
        else:
            messages.success(request, _("Person saved."))
            return redirect("locate:person_detail", pk=person.pk)
    return render(request, "locate/person_form.html", {"form": form, "likely": likely, "project": project})


# Who enters people: Coordinators (new person, project), Advocates (the client of a case request),
# anyone filing an abuse report (the worker).
@require_perm("people.manage", "cases.request", "abuse.report")
def likely_matches(request):
    """The htmx partial of ``api.likely_matches`` for any form entering a person (GET fields)."""
    likely = api.likely_matches(request.user, request.GET)
    return render(request, api.LIKELY_PARTIAL, {"likely": likely})


@require_login
def person_detail(request, pk):
    person = get_visible_or_404(visible_people(request.user).select_related("region", "language"), pk=pk)
    # Reading a person's record is logged, as changing it is.
    log_access(person)
    is_coord = request.user.is_coordinator
    context = {
        "person": person,
        "cases": _visible_cases(request.user, person).select_related("advocate__user", "defender"),
        "entries": person.project_entries.select_related("project", "defender")
        if is_coord
        else person.project_entries.filter(pk__in=visible_entries(request.user)),
        "consents": person.consents.select_related("advocate__user") if is_coord else [],
        "merges": PersonMerge.objects.filter(kept=person).select_related("merged") if is_coord else [],
        "consent_form": ConsentForm() if is_coord else None,
        "can_manage": has_perm(request.user, "people.manage"),
    }
    return render(request, "locate/person_detail.html", context)


def _visible_cases(user, person):
    """The person's cases this user takes part in (all of them for a Coordinator)."""
    if user.is_coordinator:
        return person.client_cases.all()
    if user.is_advocate:
        return person.client_cases.filter(advocate__user=user)
    if user.is_defender and user.defender_id:
        return person.client_cases.filter(defender_id=user.defender_id)
    return person.client_cases.none()


@require_perm("people.manage")
def person_edit(request, pk):
    person = get_visible_or_404(visible_people(request.user), pk=pk)
    form = PersonForm(_posted(request), instance=person, partial=True)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_person(person, acting_user=request.user, **form.sent_data())
        except ActionRefused as e:
            add_refusal(form, e)
        else:
            messages.success(request, _("Person saved."))
            return redirect("locate:person_detail", pk=person.pk)
    return render(request, "locate/person_form.html", {"form": form, "person": person})


@require_POST
@require_perm("people.manage")
def consent_add(request, pk):
    person = get_visible_or_404(visible_people(request.user), pk=pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        actions.do_record_consent(
            person, form.cleaned_data["advocate"], acting_user=request.user, how=form.cleaned_data["how"]
        )
        messages.success(request, _("Consent recorded."))
    return redirect("locate:person_detail", pk=person.pk)


@require_POST
@require_perm("people.manage")
def consent_withdraw(request, pk):
    consent = get_visible_or_404(PersonConsent.objects.filter(person__in=visible_people(request.user)), pk=pk)
    actions.do_withdraw_consent(consent, acting_user=request.user)
    messages.success(request, _("Consent withdrawn."))
    return redirect("locate:person_detail", pk=consent.person_id)


@require_POST
@require_perm("people.manage")
def merge_undo(request, pk):
    merge = get_visible_or_404(PersonMerge.objects.all(), pk=pk)
    try:
        actions.do_undo_merge(merge, acting_user=request.user)
        messages.success(request, _("Merge undone."))
    except ActionRefused as e:
        messages.error(request, e.text)
    return redirect("locate:person_detail", pk=merge.kept_id)


# ---------------------------------------------------------------------------------------------
# Import with column mapping and review


SESSION_KEY = "locate_import"


@require_perm("people.manage")
def import_people(request):
    """Step 1: upload. Step 2: map columns and preview errors. Step 3: import (all or nothing)."""
    stored = request.session.get(SESSION_KEY)
    if request.method == "POST" and "file" in request.FILES:
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            f = form.cleaned_data["file"]
            content = f.read()
            try:
                headers, _rows = read_table(io.BytesIO(content), f.name)
            except ImportErrors as e:
                return render(request, "locate/import.html", {"form": form, "errors": e.errors})
            # The uploaded list is kept encrypted in the session between the steps, never in clear.
            request.session[SESSION_KEY] = {
                "name": f.name,
                "data": base64.b64encode(crypto.encrypt_bytes(content)).decode("ascii"),
                "project": form.cleaned_data["project"].pk if form.cleaned_data["project"] else None,
                "search_basis": form.cleaned_data["search_basis"],
                "search_basis_note": form.cleaned_data["search_basis_note"],
            }
            return redirect("locate:import")
        return render(request, "locate/import.html", {"form": form})
    if not stored or request.GET.get("restart"):
        request.session.pop(SESSION_KEY, None)
        return render(request, "locate/import.html", {"form": UploadForm()})
    content = crypto.decrypt_bytes(base64.b64decode(stored["data"]))
    headers, rows = read_table(io.BytesIO(content), stored["name"])
    mapping_form = MappingForm(request.POST or None, headers=headers, initial_map=guess_mapping(headers))
    context = {"mapping_form": mapping_form, "filename": stored["name"], "row_count": len(rows), "headers": headers}
    if request.method == "POST" and mapping_form.is_valid():
        mapping = {k: v for k, v in mapping_form.cleaned_data.items() if v}
        try:
            clean = validate(headers, rows, mapping, stored["name"])
        except ImportErrors as e:
            context["errors"] = e.errors
            return render(request, "locate/import_map.html", context)
        if "confirm" not in request.POST:
            context["preview"] = clean[:20]
            context["valid"] = True
            return render(request, "locate/import_map.html", context)
        project = visible_projects(request.user).filter(pk=stored.get("project")).first()
        # The import runs in the background (do_import_people, one transaction): the job's page
        # shows its progress and links to the batch when it is done (docs/deploy.md).
        rows = [{**c.fields, "region": getattr(c.fields.get("region"), "pk", None)} for c in clean]
        try:
            job_url = providers.call("core.start_job", "locate.import_people", acting_user=request.user, payload={
                "rows": rows, "name": stored["name"], "project": project.pk if project else None,
                "options": {"search_basis": stored.get("search_basis", ""),
                            "search_basis_note": stored.get("search_basis_note", "")},
            })
        except ActionRefused as e:
            context["errors"] = e.messages
            return render(request, "locate/import_map.html", context)
        request.session.pop(SESSION_KEY, None)
        return redirect(job_url)
    return render(request, "locate/import_map.html", context)


@require_perm("people.manage")
def import_detail(request, pk):
    batch = get_visible_or_404(ImportBatch.objects.all(), pk=pk)
    reviews = list(batch.reviews.select_related("imported", "existing", "imported__region", "existing__region"))
    # What agrees and what does not, side by side (a shared phone or surname is never enough).
    rows = [(r, evidence(person_row(r.imported), person_row(r.existing))) for r in reviews]
    return render(request, "locate/import_detail.html", {"batch": batch, "rows": rows})


@require_POST
@require_perm("people.manage")
def review_decide(request, pk):
    review = get_visible_or_404(LinkReview.objects.all(), pk=pk)
    try:
        actions.do_decide_review(review, acting_user=request.user, confirm=request.POST.get("decision") == "confirm")
    except ActionRefused as e:
        messages.error(request, e.text)
    return redirect("locate:import_detail", pk=review.batch_id)


# ---------------------------------------------------------------------------------------------
# Reunification


@require_perm("reunification.manage", "reunification.search_assigned")
def projects(request):
    qs = visible_projects(request.user).annotate(n=Count("people"))
    entries = None
    if request.user.is_defender:
        entries = visible_entries(request.user).select_related("project", "person", "person__region")
    return render(request, "locate/projects.html", {"projects": qs, "entries": entries})


@require_perm("reunification.manage")
def project_new(request):
    form = ProjectForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            project = actions.do_create_project(acting_user=request.user, **form.cleaned_data)
        except ActionRefused as e:
            add_refusal(form, e)
        else:
            return redirect("locate:project_detail", pk=project.pk)
    return render(request, "locate/project_form.html", {"form": form})


@require_perm("reunification.manage", "reunification.search_assigned")
def project_detail(request, pk):
    project = get_visible_or_404(visible_projects(request.user), pk=pk)
    entries = (
        visible_entries(request.user).filter(project=project).select_related("person", "person__region", "defender")
    )
    context = {
        "project": project,
        "entries": entries,
        "report": project_report(project) if request.user.is_coordinator else None,
    }
    return render(request, "locate/project_detail.html", context)


@require_POST
@require_perm("reunification.manage")
def project_add_person(request, pk):
    project = get_visible_or_404(visible_projects(request.user), pk=pk)
    form = AddToProjectForm(request.POST)
    if form.is_valid():
        person = get_visible_or_404(visible_people(request.user), pk=form.cleaned_data["person"])
        entry = actions.do_add_to_project(project, person, acting_user=request.user)
        messages.success(request, _("Added to the project."))
        return redirect("locate:entry_detail", pk=entry.pk)
    return redirect("locate:project_detail", pk=project.pk)


@require_perm("reunification.manage", "reunification.search_assigned")
def entry_detail(request, pk):
    entry = get_visible_or_404(
        visible_entries(request.user).select_related("project", "person", "defender", "person__region"), pk=pk
    )
    log_access(entry.person)
    context = {
        "entry": entry,
        "person": entry.person,
        "attempts": entry.attempts.select_related("by"),
        "attempt_form": AttemptForm(),
        "status_form": StatusForm(initial={"status": entry.status}),
        "preference_form": PreferenceForm(initial={"preference": entry.preference or None}),
        "assign_form": AssignForm(initial={"defender": entry.defender_id}) if request.user.is_coordinator else None,
    }
    return render(request, "locate/entry_detail.html", context)


def _entry_for_post(request, pk):
    return get_visible_or_404(visible_entries(request.user), pk=pk)


@require_POST
@require_perm("reunification.manage")
def entry_assign(request, pk):
    entry = _entry_for_post(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        actions.do_assign(entry, form.cleaned_data["defender"], acting_user=request.user)
        messages.success(request, _("Assignment saved."))
    return redirect("locate:entry_detail", pk=entry.pk)


@require_POST
@require_perm("reunification.manage", "reunification.search_assigned")
def entry_attempt(request, pk):
    entry = _entry_for_post(request, pk)
    form = AttemptForm(request.POST)
    if form.is_valid():
        try:
            actions.do_log_contact_attempt(entry, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("Contact attempt recorded."))
        except ActionRefused as e:
            messages.error(request, e.text)
    else:
        messages.error(request, _("Check the contact attempt: %(e)s") % {"e": form.errors.as_text()})
    return redirect("locate:entry_detail", pk=entry.pk)


@require_POST
@require_perm("reunification.manage", "reunification.search_assigned")
def entry_status(request, pk):
    entry = _entry_for_post(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_status(entry, form.cleaned_data["status"], acting_user=request.user)
            messages.success(request, _("Status saved."))
        except ActionRefused as e:
            messages.error(request, e.text)
    return redirect("locate:entry_detail", pk=entry.pk)


@require_POST
@require_perm("reunification.manage", "reunification.search_assigned")
def entry_preference(request, pk):
    entry = _entry_for_post(request, pk)
    form = PreferenceForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_preference(entry, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("Preference recorded."))
        except ActionRefused as e:
            messages.error(request, e.text)
    else:
        messages.error(request, _("Check the preference: %(e)s") % {"e": form.errors.as_text()})
    return redirect("locate:entry_detail", pk=entry.pk)


@require_perm("reunification.manage")
def project_report_csv(request, pk):
    project = get_visible_or_404(visible_projects(request.user), pk=pk)
    response = HttpResponse(report_csv(project), content_type="text/csv; charset=utf-8")
    return tabular.attachment(response, f"reunification-{project.pk}.csv")


@require_perm("reunification.manage")
def project_report_pdf(request, pk):
    project = get_visible_or_404(visible_projects(request.user), pk=pk)
    response = HttpResponse(report_pdf(project), content_type="application/pdf")
    return tabular.attachment(response, f"reunification-{project.pk}.pdf")
