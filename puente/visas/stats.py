"""Figures over imported rows: one place for the counting rule's queries (see docs/visas.md).

Positions count only ``counted`` rows (masters, not their members); cases are distinct case
numbers; certified cases are cases with a certification (full, partial, or since expired).
"""

from django.db.models import Count, Q, Sum

from .models import CERTIFIED_STATUSES, Employer, EmployerName, VisaCase

FIGURES = ("rows", "cases", "certified_cases", "positions_requested", "positions_certified", "employers")


def _aggregates():
    return {
        "rows": Count("pk"),
        "cases": Count("case_number", distinct=True),
        "certified_cases": Count("case_number", distinct=True, filter=Q(status__in=CERTIFIED_STATUSES)),
        "positions_requested": Sum("workers_requested", filter=Q(counted=True)),
        "positions_certified": Sum("workers_certified", filter=Q(counted=True)),
        "employers": Count("employer", distinct=True),
    }


def totals(visa=None, fiscal_year=None, state=None):
    qs = VisaCase.objects.all()
    if visa:
        qs = qs.filter(visa=visa)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    if state:
        qs = qs.filter(worksite_state=state)
    result = {"visa": visa or "all", "fy": fiscal_year or "all"}
    result.update({k: v or 0 for k, v in qs.aggregate(**_aggregates()).items()})
    return result


def by(dimension, visa=None, fiscal_year=None, limit=None):
    """Figures grouped by "year", "visa", "state" (worksite) or "job" (SOC title, else job title)."""
    field = {"year": "fiscal_year", "visa": "visa", "state": "worksite_state", "job": "soc_title"}[dimension]
    qs = VisaCase.objects.all()
    if visa:
        qs = qs.filter(visa=visa)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    rows = list(qs.values(field).annotate(**_aggregates()).order_by(
        "-positions_certified" if dimension in ("state", "job") else field))
    out = []
    for row in rows:
        key = row.pop(field)
        if dimension == "job" and not key:
            key = ""
        out.append({"key": key, **{k: row[k] or 0 for k in FIGURES}})
    if limit:
        out = out[:limit]
    return out


def employer_years(employer_ids):
    """{employer_id: {(visa, fiscal_year): positions certified}} for a few employers."""
    result = {}
    qs = (VisaCase.objects.filter(employer_id__in=list(employer_ids), counted=True)
          .values("employer_id", "visa", "fiscal_year").annotate(positions=Sum("workers_certified"),
                                                                  cases=Count("case_number", distinct=True))
          .order_by("fiscal_year", "visa"))
    for row in qs:
        result.setdefault(row["employer_id"], []).append(
            {"visa": row["visa"], "fy": row["fiscal_year"], "positions_certified": row["positions"] or 0,
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
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    if ids is None or len(ids) >= REFRESH_ALL_FROM:
        _refresh_all_employer_totals()
        return

    rows = VisaCase.objects.filter(employer=OuterRef("pk")).order_by().values("employer")
    positions = rows.filter(counted=True).annotate(s=Sum("workers_certified")).values("s")
    count = rows.annotate(c=Count("pk")).values("c")
    employers = Employer.objects.all() if ids is None else Employer.objects.filter(pk__in=list(ids))
    employers.update(positions_certified=Coalesce(Subquery(positions), 0), row_count=Coalesce(Subquery(count), 0))


def _refresh_all_employer_totals():
    """Every employer's totals from one aggregate over the rows (a large import touches tens of
    thousands of employers: their subqueries took longer than the import's own writing)."""
    from django.db import connection

    q = connection.ops.quote_name
    employer, case = q(Employer._meta.db_table), q(VisaCase._meta.db_table)
    totals = (f"SELECT employer_id, SUM(CASE WHEN counted THEN workers_certified ELSE 0 END) AS positions, "
              f"COUNT(*) AS n FROM {case} WHERE employer_id IS NOT NULL GROUP BY employer_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {employer} SET positions_certified = COALESCE(t.positions, 0), row_count = t.n "
            f"FROM ({totals}) AS t WHERE {employer}.id = t.employer_id "
            f"AND ({employer}.positions_certified <> COALESCE(t.positions, 0) OR {employer}.row_count <> t.n)")
        cursor.execute(
            f"UPDATE {employer} SET positions_certified = 0, row_count = 0 "
            f"WHERE (positions_certified <> 0 OR row_count <> 0) "
            f"AND NOT EXISTS (SELECT 1 FROM {case} c WHERE c.employer_id = {employer}.id)")


def add_to_employer_totals(changes):
    """Add {employer id: (positions certified, rows)} to the employers' totals, in one statement
    over a temporary table (an import changes tens of thousands of employers)."""
    if not changes:
        return
    from django.db import connection

    from .bulk import insert_rows

    q = connection.ops.quote_name
    employer = q(Employer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE visas_total_change (employer_id bigint PRIMARY KEY, "
                       "positions bigint NOT NULL, n bigint NOT NULL)")
        try:
            insert_rows("visas_total_change", ["employer_id", "positions", "n"],
                        [(e, p, n) for e, (p, n) in changes.items()])
            cursor.execute(
                f"UPDATE {employer} SET positions_certified = {employer}.positions_certified + c.positions, "
                f"row_count = {employer}.row_count + c.n FROM visas_total_change AS c WHERE {employer}.id = c.employer_id")
        finally:
            cursor.execute("DROP TABLE visas_total_change")

