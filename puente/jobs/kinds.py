"""The kinds of long job, each a thin wrapper around an app's public action.

A kind's ``run(job, payload, progress)`` runs inside the job's transaction (see
:mod:`puente.jobs.runner`) and returns a small JSON result for the job's page (counts, and
``url``/``url_label`` for a link to what it made). It never touches the ``Job`` row itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from puente.core.storage import private_storage
from puente.abuse import actions as abuse_actions
from puente.locate import actions as locate_actions
from puente.locate.access import visible_projects
from puente.locate.report import report_pdf
from puente.network import actions as network_actions
from puente.network import directory_io
from puente.visas import actions as visas_actions

from .progress import Progress


@dataclass(frozen=True)
class Kind:
    name: str
    label: Any
    permission: str  # who may start (and retry) it
    run: Callable[[Any, dict, Progress], dict]


_registry: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _registry[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"Unknown kind of job {name!r}") from None


def all_kinds() -> list[Kind]:
    return list(_registry.values())


# --- stored inputs -----------------------------------------------------------------------------

def store_upload(name: str, content: bytes) -> dict:
    """Keep an uploaded file for the worker, encrypted (private storage), and return the payload
    part that names it. On several machines MEDIA_ROOT must be shared (docs/deploy.md)."""
    stored = private_storage.save("jobs/upload.bin", ContentFile(content))
    return {"file": stored, "name": Path(name).name[:200]}


def _read_upload(payload: dict) -> bytes:
    return private_storage.read_plain(payload["file"])


def _materialise(payload: dict, job_id: int) -> Path:
    """The uploaded file as a plain file for importers that read a path (public DOL data only)."""
    folder = Path(settings.MEDIA_ROOT) / "jobs" / "work"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job_id}-{payload['name']}"
    path.write_bytes(_read_upload(payload))
    return path


# --- visas: a DOL disclosure file ---------------------------------------------------------------

def _visas_import(job, payload: dict, progress: Progress) -> dict:
    path = _materialise(payload, job.pk)
    try:
        progress(0, None, str(_("Reading the file")), force=True)
        progress(0, None, str(_("Rows imported")), force=True)
        summary = visas_actions.do_import_file(
            path, acting_user=job.user, visa=payload.get("visa") or None,
            fiscal_year=payload.get("fiscal_year") or None, importer_label=payload["name"], progress=progress.advance)
    finally:
        path.unlink(missing_ok=True)
    progress(summary.rows, summary.rows, force=True)
    return {"counts": {str(_("rows")): summary.rows, str(_("cases")): summary.cases,
                       str(_("employers")): summary.employers,
                       str(_("positions certified")): summary.positions_certified},
            "warnings": [str(w) for w in summary.warnings][:20],
            "url": reverse("visas:search"), "url_label": str(_("Search the visa data"))}


VISAS_IMPORT = register(Kind("visas.import_file", _("Import a DOL disclosure file"), "visas.manage", _visas_import))


def _visas_resolve(job, payload: dict, progress: Progress) -> dict:
    progress(0, None, str(_("Linking employer and agent names")), force=True)
    visas_actions.do_resolve(acting_user=job.user)
    return {"url": reverse("visas:reviews"), "url_label": str(_("Review uncertain pairs"))}


VISAS_RESOLVE = register(Kind("visas.resolve", _("Link employer and agent names (record linkage)"),
                              "visas.manage", _visas_resolve))


# --- network: the directory of Defenders and Advocates ------------------------------------------

def _directory_import(job, payload: dict, progress: Progress) -> dict:
    progress(0, None, str(_("Checking every row")), force=True)
    sheets = directory_io.read_file(payload["name"], _read_upload(payload))
    total = sum(len(getattr(s, "rows", ()) or ()) for s in sheets) or None
    progress(0, total, str(_("Writing the directory")), force=True)
    result = network_actions.do_import_directory(sheets, acting_user=job.user)
    return {"counts": {str(_("Defenders created")): result.created["defenders"],
                       str(_("Defenders updated")): result.updated["defenders"],
                       str(_("Advocates created")): result.created["advocates"],
                       str(_("Advocates updated")): result.updated["advocates"]},
            "url": reverse("network:defender_list"), "url_label": str(_("Open the directory"))}


DIRECTORY_IMPORT = register(Kind("network.import_directory", _("Import the directory"), "directory.import_export",
                                 _directory_import))


# --- locate: a list of people ---------------------------------------------------------------------

def people_rows_payload(rows: list[dict], filename: str, project_id: int | None) -> dict:
    """The validated rows of a people list as a job payload (regions by id; encrypted with the job)."""
    out = []
    for row in rows:
        row = dict(row)
        region = row.get("region")
        row["region"] = getattr(region, "pk", region)
        out.append(row)
    return {"rows": out, "name": filename, "project": project_id}


def _people_import(job, payload: dict, progress: Progress) -> dict:
    Region = apps.get_model("network", "Region")
    Project = apps.get_model("locate", "ReunificationProject")
    regions = {r.pk: r for r in Region.objects.filter(pk__in={r["region"] for r in payload["rows"] if r.get("region")})}
    rows = [{**r, "region": regions.get(r["region"]) if r.get("region") else None} for r in payload["rows"]]
    project = Project.objects.filter(pk=payload.get("project")).first() if payload.get("project") else None
    progress(0, len(rows), str(_("Creating and linking people")), force=True)
    batch = locate_actions.do_import_people(rows, acting_user=job.user, filename=payload["name"], project=project,
                                            **payload.get("options", {}))
    progress(len(rows), len(rows), force=True)
    return {"counts": {str(_("people created")): batch.created, str(_("linked to the registry")): batch.linked,
                       str(_("duplicates in the list")): batch.duplicates_in_list},
            "url": reverse("locate:import_detail", args=[batch.pk]), "url_label": str(_("See the import"))}


PEOPLE_IMPORT = register(Kind("locate.import_people", _("Import a list of people"), "people.manage", _people_import))


# --- locate: a reunification project's court report as PDF --------------------------------------

def _project_report(job, payload: dict, progress: Progress) -> dict:
    project = visible_projects(job.user).filter(pk=payload["project"]).first()
    if project is None:
        raise LookupError(str(_("The project is gone or no longer yours to see.")))
    progress(0, None, str(_("Writing the report")), force=True)
    pdf = report_pdf(project)
    stored = private_storage.save("jobs/report.bin", ContentFile(pdf))
    return {"file": stored, "file_name": f"reunification-{project.pk}-report.pdf",
            "url": reverse("jobs:download", args=[job.pk]), "url_label": str(_("Download the report (PDF)"))}


PROJECT_REPORT = register(Kind("locate.project_report_pdf", _("Court report of a reunification project (PDF)"),
                               "reunification.manage", _project_report))


# --- abuse: recruiters written several ways ---------------------------------------------------------

def _recruiter_resolve(job, payload: dict, progress: Progress) -> dict:
    progress(0, None, str(_("Comparing every recruiter")), force=True)
    result = abuse_actions.do_run_resolution(acting_user=job.user)
    linked = abuse_actions.do_link_visa_employers(acting_user=job.user)
    return {"counts": {str(_("merges applied")): result.merged, str(_("pairs to review")): result.queued,
                       str(_("employer links changed")): linked}}


RECRUITER_RESOLVE = register(Kind("abuse.resolve", _("Resolve recruiters written several ways"), "abuse.analyse",
                                  _recruiter_resolve))
