"""Pages of the jobs a user started, the pages that start them, and the health endpoint.

Thin: a start page checks the upload, stores it, calls :func:`runner.start` and redirects to the
job's page, which htmx refreshes every two seconds until the job ends.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_q.models import OrmQ

from puente.core import crypto, tabular
from puente.core.access import get_visible_or_404, public, require_login, require_perm
from puente.core.action_contract import ActionRefused
from puente.core.roles import has_perm
from puente.core.storage import private_storage
from puente.locate.access import visible_projects

from . import kinds, runner
from .access import visible_jobs
from .models import Job, WorkerHeartbeat
from .progress import overlay

#: Jobs started from a page of their own (the people import and the court report start from locate's pages).
START_PAGES = [(kinds.VISAS_IMPORT, "jobs:start_visas_import"), (kinds.VISAS_RESOLVE, "jobs:start_visas_resolve"),
               (kinds.DIRECTORY_IMPORT, "jobs:start_directory_import"),
               (kinds.RECRUITER_RESOLVE, "jobs:start_recruiter_resolve")]

#: The worker counts as alive while its newest heartbeat (every minute) is younger than this.
WORKER_FRESH = timedelta(minutes=3)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_login
def my_jobs(request: HttpRequest) -> HttpResponse:
    jobs = [overlay(j) for j in visible_jobs(request.user).filter(user_id=request.user.pk or 0)[:50]]
    running = any(not j.finished for j in jobs)
    template = "jobs/_job_list.html" if _htmx(request) else "jobs/my_jobs.html"
    startable = [(kind.label, url) for kind, url in START_PAGES if has_perm(request.user, kind.permission)]
    return render(request, template, {"jobs": jobs, "running": running, "startable": startable})


@require_login
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = overlay(get_visible_or_404(visible_jobs(request.user), pk=pk))
    template = "jobs/_job_status.html" if _htmx(request) else "jobs/detail.html"
    return render(request, template, {"job": job})


@require_POST
@require_login
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(visible_jobs(request.user), pk=pk)
    try:
        runner.retry(job, acting_user=request.user)
    except ActionRefused as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("The job was queued again."))
    return redirect("jobs:detail", pk=job.pk)


# --- start pages --------------------------------------------------------------------------------

class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))


class VisaFileForm(UploadForm):
    visa = forms.ChoiceField(label=gettext_lazy("Visa"), required=False,
                             choices=[("", gettext_lazy("From the file")), ("H-2A", "H-2A"), ("H-2B", "H-2B")])
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year"), required=False, min_value=2000,
                                     max_value=2100)


def _start_upload(request, form_class, kind: kinds.Kind, template: str, extra=None) -> HttpResponse:
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        payload = kinds.store_upload(upload.name, upload.read())
        payload.update({k: form.cleaned_data.get(k) for k in (extra or ())})
        try:
            job = runner.start(kind.name, acting_user=request.user, payload=payload)
        except ActionRefused as exc:
            form.add_error(None, exc.text)
        else:
            return redirect("jobs:detail", pk=job.pk)
    return render(request, template, {"form": form, "kind": kind})


@require_perm("visas.manage")
def start_visas_import(request: HttpRequest) -> HttpResponse:
    return _start_upload(request, VisaFileForm, kinds.VISAS_IMPORT, "jobs/start_upload.html",
                         extra=("visa", "fiscal_year"))


@require_perm("directory.import_export")
def start_directory_import(request: HttpRequest) -> HttpResponse:
    return _start_upload(request, UploadForm, kinds.DIRECTORY_IMPORT, "jobs/start_upload.html")


@require_perm("visas.manage")
def start_visas_resolve(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        job = runner.start(kinds.VISAS_RESOLVE.name, acting_user=request.user)
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/start_confirm.html", {"kind": kinds.VISAS_RESOLVE})


@require_perm("abuse.analyse")
def start_recruiter_resolve(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        job = runner.start(kinds.RECRUITER_RESOLVE.name, acting_user=request.user)
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/start_confirm.html", {"kind": kinds.RECRUITER_RESOLVE})


@require_perm("reunification.manage")
def start_project_report(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = get_visible_or_404(visible_projects(request.user), pk=project_pk)
    if request.method == "POST":
        job = runner.start(kinds.PROJECT_REPORT.name, acting_user=request.user, payload={"project": project.pk},
                           label=f"{kinds.PROJECT_REPORT.label}: {project.pk}")
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/start_confirm.html", {"kind": kinds.PROJECT_REPORT})


@require_login
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file a job made (a report), to whoever may see the job; streamed after the check."""
    job = get_visible_or_404(visible_jobs(request.user).filter(status=Job.Status.DONE), pk=pk)
    if not job.result.get("file"):
        raise Http404
    response = HttpResponse(private_storage.read_plain(job.result["file"]), content_type="application/pdf")
    return tabular.attachment(response, job.result.get("file_name", "report.pdf"))  # RFC 6266 filename*


# --- health ------------------------------------------------------------------------------------

@public
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For a load balancer: 200 while this process can serve (database reachable, data keys
    loaded), 503 otherwise. The worker's state is reported but does not take the web process out
    of rotation. No secrets, no counts of people: states and ages only."""
    checks: dict[str, dict] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any database failure is "not healthy", named by type only
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        healthy = False
    try:
        keys = crypto.load_keys()
        checks["keys"] = {"ok": bool(keys), "count": len(keys)}
        healthy = healthy and bool(keys)
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable key file is "not healthy"
        checks["keys"] = {"ok": False, "error": type(exc).__name__}
        healthy = False
    if checks["database"]["ok"]:
        beat = WorkerHeartbeat.objects.order_by("-at").values_list("at", flat=True).first()
        age = (timezone.now() - beat).total_seconds() if beat else None
        oldest = OrmQ.objects.order_by("pk").values_list("lock", flat=True).first()
        checks["worker"] = {
            "ok": age is not None and age < WORKER_FRESH.total_seconds(),
            "heartbeat_age_seconds": round(age, 1) if age is not None else None,
            "queued_tasks": OrmQ.objects.count(),
            "oldest_task_age_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else None,
            "jobs_running": Job.objects.filter(status=Job.Status.RUNNING).count(),
        }
    status = "ok" if healthy and checks.get("worker", {}).get("ok") else ("degraded" if healthy else "failing")
    return JsonResponse({"status": status, "checks": checks}, status=200 if healthy else 503)
