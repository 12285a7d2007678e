"""The visas part of the shared world: two employers with rows, a debarment, a pair to review
(``w.merge_review``), a merge (``w.employer_merge``), an agent, and an employer party on ``w.case``
(when the cases world made one)."""

import datetime as dt

from puente.visas import actions, stats
from puente.visas.search import index_names
from puente.visas.models import (
    Agent, Debarment, Employer, EmployerName, ImportedFile, MergeReview, VisaCase,
)


def make_employer(name, state="NC", city="KINSTON", rows=((2016, 10),), agent=None, file=None):
    from puente.visas import normalise

    employer = Employer.objects.create(name=name, key=normalise.name_key(name), state=state, city=city)
    filed = EmployerName.objects.create(name=name, city=city, state=state, key=employer.key, employer=employer)
    file = file or ImportedFile.objects.create(name=f"test-{employer.pk}.csv", sha256=f"{employer.pk:064d}",
                                               visa="H-2A", fiscal_year=rows[0][0])
    for i, (fy, workers) in enumerate(rows):
        VisaCase.objects.create(
            file=file, row_number=i + 2, case_number=f"H-300-{employer.pk}-{fy}", visa="H-2A", fiscal_year=fy,
            status="certified", status_raw="DETERMINATION ISSUED - CERTIFICATION", employer_name_filed=name,
            employer_name=filed, employer=employer, employer_city=city, employer_state=state,
            agent=agent, agent_name_filed=agent.name if agent else "", job_title="Farmworker",
            workers_certified=workers, wage_offered="11.27", wage_unit="hour", worksite_city=city,
            worksite_state=state,
        )
    stats.refresh_employer_totals([employer.pk])
    index_names()
    return employer


def extend(w):
    w.visa_agent = Agent.objects.create(name="AGWORKS, INC.", key="AGWORKS")
    w.visa_employer = make_employer("NORTH CAROLINA GROWERS ASSOCIATION, INC.", agent=w.visa_agent,
                                    rows=((2014, 120), (2016, 150)))
    w.visa_other = make_employer("SMITH FARMS LLC")
    w.visa_near = make_employer("SMITH FARM & CO", city="KINSTON")
    w.visa_merged = make_employer("JONES TOBACCO FARM")
    w.visa_kept = make_employer("JONES TOBACCO FARMS INC", city="WILSON")
    Debarment.objects.create(program="H-2A", name="Smith Farms", city="Kinston", state="NC",
                             start=dt.date(2011, 1, 6), end=dt.date(2013, 1, 5), employer=w.visa_other,
                             certainty=1.0, method="exact")
    w.merge_review = MergeReview.objects.create(left=w.visa_other, right=w.visa_near, probability=0.8)
    w.employer_merge = actions.do_merge_employers(w.visa_kept, w.visa_merged, acting_user=None, probability=0.97,
                                                  automatic=True)
    if getattr(w, "case", None) is not None:
        w.case.parties.create(kind="employer", name="North Carolina Growers Association (NCGA)")
