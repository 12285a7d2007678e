"""H-2A and H-2B disclosure data from the US Department of Labor (OFLC), and what Puente makes of it.

- ``ImportedFile``: one imported disclosure file; its rows are ``VisaCase``. Re-importing the same
  file (same sha256, or same visa + fiscal year + file name) replaces its rows.
- ``VisaCase``: one row of a disclosure file, as filed, with the fields normalised. ``counted``
  says whether the row's positions count in totals (see ``docs/visas.md``: master and members).
- ``Employer`` / ``EmployerName``: each distinct (name, city, state) as filed links to one
  employer, with the certainty of that link. ``EmployerMerge`` logs every merge so it can be undone.
- ``Agent`` / ``AgentName``: the same for agents and attorneys; ``AgentMerge`` and
  ``AgentMergeReview`` are their merges and uncertain pairs.
- ``Debarment``: employers and agents barred from the programmes, linked to an employer.
- ``MergeReview``: an uncertain pair of employers that a Coordinator confirms or rejects.

All of this is public data: no personal field is encrypted here.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Visa(models.TextChoices):
    H2A = "H-2A", "H-2A"
    H2B = "H-2B", "H-2B"


class Status(models.TextChoices):
    CERTIFIED = "certified", _("Certified")
    PARTIAL = "partial", _("Partially certified")
    EXPIRED = "expired", _("Certification expired")
    DENIED = "denied", _("Denied")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OTHER = "other", _("Other")


# Statuses under which the case received a certification (full, partial, or since expired): the
# only applications whose positions count as certified.
CERTIFIED_STATUSES = (Status.CERTIFIED, Status.PARTIAL, Status.EXPIRED)


class Role(models.TextChoices):
    SOLE = "sole", _("Sole application")
    MASTER = "master", _("Master application")
    MEMBER = "member", _("Member employer")


class OrgFlag(models.TextChoices):
    BLANK = "", _("(none)")
    SOLE = "S", _("Sole employer")
    ASSOCIATION = "A", _("Association filing as agent")
    JOINT = "J", _("Joint employer")
    MASTER = "M", _("Master application")
    LABOR_CONTRACTOR = "L", _("Labor contractor")


class ImportedFile(models.Model):
    name = models.CharField(_("file name"), max_length=255)
    path = models.CharField(_("path"), max_length=1000, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    visa = models.CharField(_("visa"), max_length=4, choices=Visa.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    cases = models.PositiveIntegerField(_("cases"), default=0)
    # NULL: the file cannot support the figure (no status, requested or certified column): unknown,
    # shown as "not in this file", never 0.
    certified_cases = models.PositiveIntegerField(_("certified cases"), null=True, blank=True)
    positions_requested = models.PositiveIntegerField(_("positions requested"), null=True, blank=True)
    positions_certified = models.PositiveIntegerField(_("positions certified"), null=True, blank=True)
    # What this import superseded of earlier releases of the same visa and fiscal year, per file:
    # [{"file_id", "file", "superseded_cases", "kept_cases"}] (importing.versions).
    versions = models.JSONField(_("earlier releases superseded"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    importer = models.CharField(_("imported by"), max_length=200, blank=True)

    class Meta:
        ordering = ["visa", "fiscal_year", "name"]
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")

    def __str__(self):
        return f"{self.name} ({self.visa} FY{self.fiscal_year})"


class Employer(models.Model):
    """One employer across rows and years. A merged employer keeps its row (``merged_into``) so
    that the merge can be undone."""

    name = models.CharField(_("name"), max_length=300)
    key = models.CharField(_("normalised name"), max_length=300, db_index=True)
    state = models.CharField(_("state"), max_length=30, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    # Totals over the employer's counted rows, kept by ``stats.refresh_employer_totals`` after every
    # import and merge, so that a search can rank thousands of employers without summing rows.
    positions_certified = models.PositiveIntegerField(_("positions certified"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="absorbed"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        indexes = [models.Index(fields=["key", "state"])]

    def __str__(self):
        return self.name


class Agent(models.Model):
    """One agent or attorney (law firm, recruiter, association filing as agent). A merged agent
    keeps its row (``merged_into``) so that the merge can be undone."""

    name = models.CharField(_("name"), max_length=300)
    key = models.CharField(_("normalised name"), max_length=300, unique=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="absorbed"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("agent or attorney")
        verbose_name_plural = _("agents and attorneys")

    def __str__(self):
        return self.name


class LinkMethod(models.TextChoices):
    EXACT = "exact", _("Same normalised name")
    SPLINK = "splink", _("Record linkage")
    COORDINATOR = "coordinator", _("Confirmed by a Coordinator")
    NONE = "none", _("No match")


class EmployerName(models.Model):
    """A distinct employer name as filed (with its city and state), linked to one employer."""

    name = models.CharField(_("name as filed"), max_length=300)
    city = models.CharField(_("city"), max_length=120, blank=True)
    state = models.CharField(_("state"), max_length=30, blank=True)
    key = models.CharField(_("normalised name"), max_length=300, db_index=True)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.SET_NULL, related_name="names"
    )
    certainty = models.FloatField(_("certainty of the link"), default=1.0)
    method = models.CharField(max_length=20, choices=LinkMethod.choices, default=LinkMethod.EXACT)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "city", "state"], name="visas_employername_unique")]
        verbose_name = _("employer name as filed")
        verbose_name_plural = _("employer names as filed")

    def __str__(self):
        return self.name


class EmployerToken(models.Model):
    """One word of a name's normalised key, so that a search finds names by word prefix through an
    index instead of scanning every name (``search.index_names`` keeps it)."""

    token = models.CharField(max_length=60)
    name = models.ForeignKey(EmployerName, on_delete=models.CASCADE, related_name="tokens")

    class Meta:
        # A search asks for tokens starting with a word: LIKE 'WORD%' on PostgreSQL, which an index
        # answers under any database collation only with the pattern operator class (ignored on
        # SQLite, where the search asks for a range of this plain index instead).
        indexes = [models.Index(fields=["token", "name"], name="visas_token_prefix_idx",
                                opclasses=["varchar_pattern_ops", "int8_ops"])]

    def __str__(self):
        return self.token


class AgentName(models.Model):
    name = models.CharField(_("name as filed"), max_length=300, unique=True)
    key = models.CharField(_("normalised name"), max_length=300, db_index=True)
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="names")
    certainty = models.FloatField(_("certainty of the link"), default=1.0)
    # A database default too: the importer inserts names with plain SQL that does not name this column.
    method = models.CharField(max_length=20, choices=LinkMethod.choices, default=LinkMethod.EXACT,
                              db_default=LinkMethod.EXACT)

    class Meta:
        verbose_name = _("agent name as filed")

    def __str__(self):
        return self.name


class VisaCase(models.Model):
    """One row of a disclosure file. Fields keep what was filed (``*_filed``, ``status_raw``)
    beside the normalised values.

    A bulk-loaded table: its four foreign keys are not constraints in the database
    (``db_constraint=False``). PostgreSQL checks a constraint row by row, and for a file of a
    million rows those checks took three quarters of the load (37.6 s of COPY and commit against
    9.5 s without, measured). The importer writes only ids it has looked up or created in the same
    transaction, and Django still applies each ``on_delete`` rule; tests/visas check that no row
    points at nothing after imports, merges and undos."""

    file = models.ForeignKey(ImportedFile, on_delete=models.CASCADE, related_name="visa_cases", db_constraint=False)
    row_number = models.PositiveIntegerField(_("row in the file"))
    case_number = models.CharField(_("case number"), max_length=40)
    visa = models.CharField(_("visa"), max_length=4, choices=Visa.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    status_raw = models.CharField(_("status as filed"), max_length=120, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    employer_name_filed = models.CharField(_("employer name as filed"), max_length=300)
    # Not indexed: merges move rows by employer (indexed below), then by name within it.
    employer_name = models.ForeignKey(EmployerName, null=True, on_delete=models.PROTECT, related_name="visa_cases",
                                      db_index=False, db_constraint=False)
    # Indexed by (employer, fiscal_year) below; a second index on employer alone would only slow imports.
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.SET_NULL, related_name="visa_cases",
                                 db_index=False, db_constraint=False)
    employer_city = models.CharField(_("city"), max_length=120, blank=True)
    employer_state = models.CharField(_("state"), max_length=30, blank=True)
    employer_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    agent_name_filed = models.CharField(_("agent or attorney as filed"), max_length=300, blank=True)
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="visa_cases",
                              db_constraint=False)
    job_title = models.CharField(_("job title"), max_length=300, blank=True)
    soc_code = models.CharField(_("SOC code"), max_length=20, blank=True)
    soc_title = models.CharField(_("SOC title"), max_length=200, blank=True)
    workers_requested = models.PositiveIntegerField(_("workers requested"), null=True, blank=True)
    workers_certified = models.PositiveIntegerField(_("workers certified"), null=True, blank=True)
    wage_offered = models.DecimalField(_("wage offered"), max_digits=12, decimal_places=2, null=True, blank=True)
    wage_unit = models.CharField(_("per"), max_length=20, blank=True)
    period_start = models.DateField(_("employment from"), null=True, blank=True)
    period_end = models.DateField(_("employment until"), null=True, blank=True)
    worksite_city = models.CharField(_("worksite city"), max_length=120, blank=True)
    worksite_state = models.CharField(_("worksite state"), max_length=30, blank=True)
    org_flag = models.CharField(_("organisation flag"), max_length=1, choices=OrgFlag.choices, blank=True)
    role = models.CharField(_("role"), max_length=6, choices=Role.choices, default=Role.SOLE)
    counted = models.BooleanField(_("counted in totals"), default=True)

    class Meta:
        ordering = ["fiscal_year", "case_number", "row_number"]
        verbose_name = _("visa application row")
        verbose_name_plural = _("visa application rows")
        indexes = [
            models.Index(fields=["visa", "fiscal_year"]),
            models.Index(fields=["employer", "fiscal_year"]),
        ]

    def __str__(self):
        return f"{self.case_number} {self.visa} FY{self.fiscal_year}"


class Debarment(models.Model):
    program = models.CharField(_("programme"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=300)
    city = models.CharField(_("city"), max_length=120, blank=True)
    state = models.CharField(_("state"), max_length=30, blank=True)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("until"), null=True, blank=True)
    raw = models.JSONField(_("row as published"), default=dict)
    source_file = models.CharField(max_length=255, blank=True)
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.SET_NULL, related_name="debarments")
    certainty = models.FloatField(_("certainty of the link"), null=True, blank=True)
    method = models.CharField(max_length=20, choices=LinkMethod.choices, default=LinkMethod.NONE)

    class Meta:
        ordering = ["-start", "name"]
        verbose_name = _("debarment")
        verbose_name_plural = _("debarments")

    def __str__(self):
        return f"{self.name} ({self.start}–{self.end})"


class EmployerMerge(models.Model):
    """One merge of ``merged`` into ``into``: which names and debarments moved, so that undo
    can move exactly those back."""

    into = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="merges_in")
    merged = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="merges_out")
    probability = models.FloatField(_("match probability"), null=True, blank=True)
    method = models.CharField(max_length=20, choices=LinkMethod.choices)
    name_ids = models.JSONField(default=list)
    debarment_ids = models.JSONField(default=list)
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["-at"]
        verbose_name = _("employer merge")

    def __str__(self):
        return f"{self.merged_id} -> {self.into_id}"


class MergeReview(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    left = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("match probability"))
    # Why the pair was proposed beyond the score (an acronym and the place and agent that agree).
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    merge = models.ForeignKey(EmployerMerge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-probability", "pk"]
        constraints = [models.UniqueConstraint(fields=["left", "right"], name="visas_mergereview_pair")]
        verbose_name = _("merge to review")
        verbose_name_plural = _("merges to review")

    def __str__(self):
        return f"{self.left_id} ~ {self.right_id} ({self.probability:.2f})"


class AgentMerge(models.Model):
    """One merge of agent ``merged`` into ``into``: which names as filed moved (with their earlier
    certainty and method) and which ``agent_name_filed`` spellings the moved rows carry, so that
    undo moves exactly those back (rows re-imported since follow their name)."""

    into = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="merges_in")
    merged = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="merges_out")
    probability = models.FloatField(_("match probability"), null=True, blank=True)
    method = models.CharField(max_length=20, choices=LinkMethod.choices)
    name_ids = models.JSONField(default=list)
    row_names = models.JSONField(default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["-at"]
        verbose_name = _("agent merge")

    def __str__(self):
        return f"{self.merged_id} -> {self.into_id}"


class AgentMergeReview(models.Model):
    """An uncertain pair of agents that a Coordinator confirms or rejects."""

    State = MergeReview.State

    left = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("match probability"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    merge = models.ForeignKey(AgentMerge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-probability", "pk"]
        constraints = [models.UniqueConstraint(fields=["left", "right"], name="visas_agentmergereview_pair")]
        verbose_name = _("agent merge to review")
        verbose_name_plural = _("agent merges to review")

    def __str__(self):
        return f"{self.left_id} ~ {self.right_id} ({self.probability:.2f})"


auditlog.register(ImportedFile)
auditlog.register(Employer)
auditlog.register(EmployerName)
auditlog.register(EmployerMerge)
auditlog.register(MergeReview)
auditlog.register(Debarment)
auditlog.register(Agent)
auditlog.register(AgentMerge)
auditlog.register(AgentMergeReview)
