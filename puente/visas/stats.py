"""Figures over imported rows: one place for the counting rule's queries (see docs/visas.md).

Positions count only ``counted`` rows (masters, not their members), and positions certified only
rows of applications DOL certified (``CERTIFIED_ROW``: full, partial, or since expired); cases are
distinct case numbers; certified cases are cases with a certification. A figure no file of the
selection can support (no certified column) is None, shown as "not in this file", never 0.
"""

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from .bulk import insert_rows
from .models import CERTIFIED_STATUSES, Employer, EmployerMerge, EmployerName, ImportedFile, VisaCase

FIGURES = ("rows", "cases", "certified_cases", "positions_requested", "positions_certified", "employers")

# A row whose workers count as positions certified: counted (not a member) and certified.
CERTIFIED_ROW = Q(counted=True, status__in=CERTIFIED_STATUSES)


def _aggregates():
    return {
        "rows": Count("pk"),
        "cases": Count("case_number", distinct=True),
        "certified_cases": Count("case_number", distinct=True, filter=Q(status__in=CERTIFIED_STATUSES)),
        "positions_requested": Sum("workers_requested", filter=Q(counted=True)),
        "positions_certified": Sum("workers_certified", filter=CERTIFIED_ROW),
        "employers": Count("employer", distinct=True),
    }


def _rows(visa=None, fiscal_year=None, state=None):
    qs = VisaCase.objects.order_by()
    if visa:
        qs = qs.filter(visa=visa)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    if state:
        qs = qs.filter(worksite_state=state)
    return qs


def _clean(figures):
    """0 for counts of rows; None stays None for the positions (unknown, not zero)."""
    return {k: (figures[k] if k.startswith("positions_") else figures[k] or 0) for k in FIGURES}


def totals(visa=None, fiscal_year=None, state=None):
    result = {"visa": visa or "all", "fy": fiscal_year or "all"}
    result.update(_clean(_rows(visa, fiscal_year, state).aggregate(**_aggregates())))
    return result


def by(dimension, visa=None, fiscal_year=None, limit=None):
    """Figures grouped by "year", "visa", "state" (worksite) or "job" (SOC title, else job title)."""
    field = {"year": "fiscal_year", "visa": "visa", "state": "worksite_state", "job": "soc_title"}[dimension]
    order = ("-positions_certified", field) if dimension in ("state", "job") else (field,)
    rows = list(_rows(visa, fiscal_year).values(field).annotate(**_aggregates()).order_by(*order))
    out = [{"key": row.pop(field) or "", **_clean(row)} for row in rows]
    return out[:limit] if limit else out


def fiscal_years():
    """The fiscal years imported: a distinct over the files, not the rows (and without the rows'
    default ordering, which made DISTINCT return one value per row)."""
    return list(ImportedFile.objects.filter(rows__gt=0).order_by("fiscal_year").values_list("fiscal_year", flat=True)
                .distinct())


def data_version():
    """Changes whenever the figures can: an import (files, their ids and sizes) or an employer merge
    or undo. One query over the two small tables."""
    files = ImportedFile.objects.aggregate(n=Count("pk"), last=Max("pk"), rows=Sum("rows"))
    merges = EmployerMerge.objects.aggregate(n=Count("pk"), last=Max("pk"), undone=Count("undone_at"))
    return f"{files['n']}.{files['last']}.{files['rows']}.{merges['n']}.{merges['last']}.{merges['undone']}"


PAGE_CACHE_SECONDS = 24 * 3600


def page_figures(visa=None, fiscal_year=None):
    """Everything the statistics page shows for a selection, computed once per version of the data
    (``data_version``) and kept in the cache: the aggregates read every row of the selection, which
    at a million rows costs seconds, while the data changes only with an import or a merge."""
    key = f"visas:stats:{data_version()}:{visa or ''}:{fiscal_year or ''}"
    figures = cache.get(key)
    if figures is None:
        figures = {
            "totals": totals(visa, fiscal_year),
            "years": by("year", visa, None),
            "visas": by("visa", None, fiscal_year),
            "states": by("state", visa, fiscal_year),
            "jobs": by("job", visa, fiscal_year, limit=30),
            "fiscal_years": fiscal_years(),
        }
        cache.set(key, figures, PAGE_CACHE_SECONDS)
    return figures


def page_selections():
    """The selections the statistics page links to: all, each visa, each fiscal year, each visa in
    each fiscal year (as imported)."""
    pairs = sorted(set(ImportedFile.objects.filter(rows__gt=0).order_by().values_list("visa", "fiscal_year")))
    visas = sorted({v for v, _fy in pairs})
    years = sorted({fy for _v, fy in pairs})
    return [(None, None), *((v, None) for v in visas), *((None, fy) for fy in years), *pairs]


def warm_page_figures():
    """Compute and cache the statistics page's figures of every selection it links to, so that no
    visitor pays for them after an import (the cache is shared by every process). Returns how many
    selections were computed."""
    selections = page_selections()
    for visa, fiscal_year in selections:
        page_figures(visa, fiscal_year)
    return len(selections)


def employer_years(employer_ids):
    """{employer_id: [{visa, fy, positions_certified, cases}]} for a few employers."""
    result = {}
    qs = (VisaCase.objects.filter(employer_id__in=list(employer_ids), counted=True)
          .values("employer_id", "visa", "fiscal_year")
          .annotate(positions=Sum("workers_certified", filter=Q(status__in=CERTIFIED_STATUSES)),
                    cases=Count("case_number", distinct=True))
          .order_by("fiscal_year", "visa"))
    for row in qs:
        result.setdefault(row["employer_id"], []).append(
            {"visa": row["visa"], "fy": row["fiscal_year"], "positions_certified": row["positions"],
             "cases": row["cases"]})
    return result


def employer_names(employer_ids):
    result = {}
    for employer_id, name in (EmployerName.objects.filter(employer_id__in=list(employer_ids))
                              .order_by("name").values_list("employer_id", "name")):
        names = result.setdefault(employer_id, [])
        if name not in names:
            names.append(name)
    return result


# From this many employers, one GROUP BY over the whole table beats a subquery per employer.
REFRESH_ALL_FROM = 2_000


def refresh_employer_totals(ids=None):
    """Recompute ``Employer.positions_certified`` and ``row_count`` (all employers, or ``ids``)."""
    if ids is None or len(ids) >= REFRESH_ALL_FROM:
        _refresh_all_employer_totals()
        return
    rows = VisaCase.objects.filter(employer=OuterRef("pk")).order_by().values("employer")
    positions = rows.filter(CERTIFIED_ROW).annotate(s=Sum("workers_certified")).values("s")
    count = rows.annotate(c=Count("pk")).values("c")
    Employer.objects.filter(pk__in=list(ids)).update(
        positions_certified=Coalesce(Subquery(positions), 0), row_count=Coalesce(Subquery(count), 0))


def _refresh_all_employer_totals():
    """Every employer's totals from one aggregate over the rows (a large import touches tens of
    thousands of employers: their subqueries took longer than the import's own writing)."""
    q = connection.ops.quote_name
    employer, case = q(Employer._meta.db_table), q(VisaCase._meta.db_table)
    certified = ", ".join(f"'{s}'" for s in CERTIFIED_STATUSES)
    totals = (f"SELECT employer_id, SUM(CASE WHEN counted AND status IN ({certified}) THEN workers_certified "  # noqa: S608 (the models' table names, quoted; Puente's status codes)
              f"ELSE 0 END) AS positions, COUNT(*) AS n FROM {case} WHERE employer_id IS NOT NULL "
              f"GROUP BY employer_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {employer} SET positions_certified = COALESCE(t.positions, 0), row_count = t.n "  # noqa: S608 (the models' table names, quoted)
            f"FROM ({totals}) AS t WHERE {employer}.id = t.employer_id "
            f"AND ({employer}.positions_certified <> COALESCE(t.positions, 0) OR {employer}.row_count <> t.n)")
        cursor.execute(
            f"UPDATE {employer} SET positions_certified = 0, row_count = 0 "  # noqa: S608 (the models' table names, quoted)
            f"WHERE (positions_certified <> 0 OR row_count <> 0) "
            f"AND NOT EXISTS (SELECT 1 FROM {case} c WHERE c.employer_id = {employer}.id)")


def add_to_employer_totals(changes):
    """Add {employer id: (positions certified, rows)} to the employers' totals, in one statement
    over a temporary table (an import changes tens of thousands of employers)."""
    if not changes:
        return
    q = connection.ops.quote_name
    employer = q(Employer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE visas_total_change (employer_id bigint PRIMARY KEY, "
                       "positions bigint NOT NULL, n bigint NOT NULL)")
        try:
            insert_rows("visas_total_change", ["employer_id", "positions", "n"],
                        [(e, p, n) for e, (p, n) in changes.items()])
            cursor.execute(
                f"UPDATE {employer} SET positions_certified = {employer}.positions_certified + c.positions, "  # noqa: S608 (the model's table name, quoted)
                f"row_count = {employer}.row_count + c.n FROM visas_total_change AS c "
                f"WHERE {employer}.id = c.employer_id")
        finally:
            cursor.execute("DROP TABLE visas_total_change")
