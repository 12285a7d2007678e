"""'Is this job offer real?': what the public visa data and the network's reviewed records say
about a name a worker heard. Only public records (DOL certifications and debarments) and reports
a Coordinator reviewed (the abuse app's reports) are read; never a worker's own details."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Max, Min, Q, Sum

from puente.abuse import access as abuse_access
from puente.abuse import resolution as abuse_resolution
from puente.visas import access as visas_access
from puente.visas import api as visas_api
from puente.visas import search as visas_search

# The statuses under which DOL certified the job (visas.models.CERTIFIED_STATUSES, by value).
CERTIFIED = ("certified", "partial", "expired")
H2 = ("H-2A", "H-2B")
MAX_EMPLOYERS = 5
#: words of a name searched at most: each costs a query per try (one try per word left out).
MAX_WORDS = 8


@dataclass
class Job:
    employer: str
    visa: str
    state: str
    workers: int
    wage_min: Decimal | None
    wage_max: Decimal | None
    wage_unit: str
    start: date | None
    end: date | None
    agents: list[str]
    debarred: list[tuple[date | None, date | None]]


@dataclass
class Answer:
    name: str
    jobs: list[Job] = field(default_factory=list)
    debarred_employers: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    recruiter_reports: int = 0
    recruiter_name: str = ""
    min_count: int = abuse_access.MIN_COUNT_SHOWN

    @property
    def found(self):
        return bool(self.jobs or self.debarred_employers or self.agents or self.recruiter_reports)


def _tolerant(text: str) -> str:
    """The start of every word (four letters): "Mushrom Farmz" finds MUSHROOM FARMS."""
    words = [w for w in visas_api.key(text).split() if len(w) > 1][:MAX_WORDS]
    return " ".join(w[:4] for w in words)


def _employers(name: str):
    """Employers whose names have every word heard (by its first letters); failing that, every
    word but one (a word misheard: "Asociation" for ASSOCIATION)."""
    words = _tolerant(name).split()
    if not words:
        return []
    tries = [words]
    if len(words) >= 3:
        tries += [words[:i] + words[i + 1:] for i in range(len(words))]
    for query in tries:
        found = list(visas_search.employer_queryset(" ".join(query))
                     .order_by("-positions_certified", "pk")[:MAX_EMPLOYERS])
        if found:
            return found
    return []


def answer(name: str, state: str = "", work: str = "", start: date | None = None, end: date | None = None) -> Answer:
    result = Answer(name=name)
    employers = _employers(name)
    for employer in employers:
        # Every certified row naming the employer, ``counted`` or not: a member of an association's
        # application is left out of the national totals (the association's row counts) but its
        # own workers were certified all the same.
        rows = visas_access.public_rows().filter(employer=employer, visa__in=H2, status__in=CERTIFIED)
        if state:
            rows = rows.filter(Q(worksite_state__iexact=state) | Q(employer_state__iexact=state))
        if work:
            rows = rows.filter(Q(job_title__icontains=work) | Q(soc_title__icontains=work))
        if end:
            rows = rows.filter(Q(period_start__isnull=True) | Q(period_start__lte=end))
        if start:
            rows = rows.filter(Q(period_end__isnull=True) | Q(period_end__gte=start))
        debarred = list(employer.debarments.values_list("start", "end"))
        if debarred:
            result.debarred_employers.append(employer.name)
        for visa in H2:
            these = rows.filter(visa=visa)
            figures = these.aggregate(workers=Sum("workers_certified"), wmin=Min("wage_offered"),
                                      wmax=Max("wage_offered"), start=Min("period_start"), end=Max("period_end"))
            if figures["workers"] is None and not these.exists():
                continue
            unit = these.exclude(wage_unit="").values_list("wage_unit", flat=True).first() or ""
            agents = sorted(set(these.exclude(agent_name_filed="").values_list("agent_name_filed", flat=True)[:20]))
            result.jobs.append(Job(
                employer=employer.name, visa=visa, state=state or employer.state, workers=figures["workers"] or 0,
                wage_min=figures["wmin"], wage_max=figures["wmax"], wage_unit=unit, start=figures["start"],
                end=figures["end"], agents=agents[:5], debarred=debarred,
            ))
    result.agents = [a["name"] for a in visas_search.search_agents(name, limit=3)] if len(name) > 3 else []
    recruiter = abuse_resolution.resolve_name(name)
    if recruiter is not None:
        # Every abuse report is the network's own record (filed by a member, or a worker's report
        # after a Coordinator's review): none of them is unreviewed.
        count = recruiter.reports.count()
        # As on the network's own pages: fewer than MIN_COUNT_SHOWN reports are not shown, so
        # that an answer cannot point at the one worker who reported.
        if count >= abuse_access.MIN_COUNT_SHOWN:
            result.recruiter_reports = count
            result.recruiter_name = recruiter.name
    return result
