"""The court report of a reunification project: counts by status and by preference, and the
per-person list, as CSV and PDF, always in English (the court's language)."""

import io

from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone, translation

from puente.core import tabular

from .models import Preference, SearchStatus


def project_report(project) -> dict:
    entries = (
        project.people.select_related("person", "person__region", "defender")
        .annotate(n_attempts=Count("attempts"), last_attempt=Max("attempts__date"))
        .order_by("pk")
    )
    by_status = dict(project.people.values_list("status").annotate(n=Count("pk")))
    contacted = project.people.filter(status=SearchStatus.CONTACTED)
    by_pref = dict(contacted.values_list("preference").annotate(n=Count("pk")))
    return {
        "project": project,
        "total": project.people.count(),
        "by_status": [(label, by_status.get(value, 0)) for value, label in SearchStatus.choices],
        "by_preference": [(label, by_pref.get(value, 0)) for value, label in Preference.choices],
        "entries": list(entries),
        "generated": timezone.now(),
    }


HEADER = [
    "person_id",
    "name",
    "country",
    "region",
    "status",
    "preference",
    "preference_date",
    "preference_obtained_by",
    "assigned_defender",
    "contact_attempts",
    "last_attempt",
]


def report_csv(project) -> str:
    with translation.override("en"):
        data = project_report(project)
        out = io.StringIO()
        w = tabular.writer(out)
        w.writerow(["section", "item", "count"])
        w.writerow(["total", "people", data["total"]])
        for label, n in data["by_status"]:
            w.writerow(["status", str(label), n])
        for label, n in data["by_preference"]:
            w.writerow(["preference (contacted)", str(label), n])
        w.writerow([])
        w.writerow(HEADER)
        for e in data["entries"]:
            w.writerow(
                [
                    e.person_id,
                    e.person.full_name,
                    e.person.get_country_display(),
                    e.person.region.name if e.person.region_id else "",
                    e.get_status_display(),
                    e.get_preference_display() if e.preference else "",
                    e.preference_at.date().isoformat() if e.preference_at else "",
                    e.get_preference_method_display() if e.preference_method else "",
                    e.defender.name if e.defender_id else "",
                    e.n_attempts,
                    e.last_attempt.isoformat() if e.last_attempt else "",
                ]
            )
        return out.getvalue()


def report_pdf(project) -> bytes:
    from weasyprint import HTML

    with translation.override("en"):
        html = render_to_string("locate/report_pdf.html", project_report(project))
    return HTML(string=html).write_pdf()
