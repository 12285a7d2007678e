"""Recruitment abuse: the recruiters who charge workers illegal fees, defraud and threaten them,
and the reports the network's members file about them.

Who may see what is decided in ``access.py``; every change goes through ``actions.py``. A report's
worker, narrative and municipality are encrypted at rest and masked in the audit history.
Recruiters are not encrypted: they are the parties the network litigates against, and their
names must be searchable to resolve "Reclutadora del Norte" written three ways into one.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from puente.core.fields import EncryptedCharField, EncryptedTextField
from puente.core.orgnames import org_key
from puente.core.storage import private_storage
from puente.network.models import Country, Defender, Region

# Currencies a worker pays a recruiter in (El Salvador uses the US dollar).
FEE_CURRENCIES = ("MXN", "GTQ", "HNL", "NIO", "USD")


class Programme(models.TextChoices):
    H2A = "H-2A", _("H-2A (US agriculture)")
    H2B = "H-2B", _("H-2B (US non-agricultural)")
    TFWP = "TFWP", _("Canada Temporary Foreign Worker Program")
    SAWP = "SAWP", _("Canada Seasonal Agricultural Worker Program")
    UNKNOWN = "", _("Unknown")


class ActiveRecruiterManager(models.Manager):
    """Recruiters that have not been merged into another one."""

    def get_queryset(self):
        return super().get_queryset().filter(merged_into__isnull=True)


class Recruiter(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        AGENCY = "agency", _("Agency")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.AGENCY)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, blank=True)
    regions = models.ManyToManyField(
        Region, blank=True, related_name="recruiters", verbose_name=_("regions where it operates")
    )
    municipalities = models.CharField(
        _("municipalities"), max_length=300, blank=True, help_text=_("Towns where it operates, separated by commas.")
    )
    notes = models.TextField(_("notes"), blank=True)
    # Normalised name (see resolution.normalise): what resolution and conflict checks compare.
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    # Set when this recruiter was found to be another one; undone by do_undo_merge.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    active = ActiveRecruiterManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("recruiter")
        verbose_name_plural = _("recruiters")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = org_key(self.name)
        super().save(*args, **kwargs)

    def all_names(self) -> list[str]:
        return [self.name, *[a.name for a in self.aliases.all()]]


class RecruiterAlias(models.Model):
    """Another name the recruiter goes by, or a spelling of its name found in a report."""

    recruiter = models.ForeignKey(Recruiter, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("alias"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = org_key(self.name)
        super().save(*args, **kwargs)


class RecruiterPhone(models.Model):
    recruiter = models.ForeignKey(Recruiter, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("phone (E.164)"), max_length=20, db_index=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self):
        return self.number


class RecruiterEmployer(models.Model):
    """A US or Canadian employer the recruiter supplies workers to, as reported."""

    recruiter = models.ForeignKey(Recruiter, on_delete=models.CASCADE, related_name="employers")
    employer_name = models.CharField(_("employer"), max_length=200)
    employer_key = models.CharField(max_length=200, db_index=True, editable=False)
    programme = models.CharField(_("visa programme"), max_length=5, choices=Programme.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The same employer in the H-2 visa data, when the name matches exactly one there.
    visa_employer = models.ForeignKey(
        "visas.Employer", null=True, blank=True, on_delete=models.SET_NULL, related_name="recruiter_links",
        verbose_name=_("employer in the visa data"),
    )

    class Meta:
        ordering = ["employer_name"]
        verbose_name = _("employer recruited for")
        verbose_name_plural = _("employers recruited for")

    def __str__(self):
        return self.employer_name

    def save(self, *args, **kwargs):
        self.employer_key = org_key(self.employer_name)
        super().save(*args, **kwargs)


class AbuseReport(models.Model):
    """What happened to one worker (or to an anonymous one) at the hands of one or more recruiters."""

    worker = models.ForeignKey(
        "locate.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="abuse_reports",
        verbose_name=_("worker"), help_text=_("Leave empty to file the report anonymously."),
    )
    recruiters = models.ManyToManyField(Recruiter, blank=True, related_name="reports", verbose_name=_("recruiters"))
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    employer_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    programme = models.CharField(_("visa programme"), max_length=5, choices=Programme.choices, blank=True)
    occurred_from = models.DateField(_("date (or start of the period)"), null=True, blank=True)
    occurred_to = models.DateField(_("end of the period"), null=True, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    municipality = EncryptedCharField(_("municipality"), max_length=120, blank=True)
    narrative = EncryptedTextField(_("what happened"), blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="abuse_reports",
        verbose_name=_("case it led to"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="abuse_reports", verbose_name=_("reported by")
    )
    # The reporting party: for a Defender account, the Defender organisation (all its accounts).
    reporter_defender = models.ForeignKey(
        Defender, null=True, blank=True, on_delete=models.PROTECT, related_name="abuse_reports", editable=False
    )
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("abuse report")
        verbose_name_plural = _("abuse reports")

    def __str__(self):
        # Never the worker's name: this lands in the audit history.
        return _("Abuse report #%(id)s") % {"id": self.pk}

    def save(self, *args, **kwargs):
        self.employer_key = org_key(self.employer_name) if self.employer_name else ""
        super().save(*args, **kwargs)

    @property
    def is_anonymous(self):
        return self.worker_id is None


class TraffickingIndicator(models.TextChoices):
    """Standard indicators (after the ILO operational indicators and the US TVPA screening tools)."""

    DEBT_BONDAGE = "debt_bondage", _("Debt bondage: a debt the worker cannot pay off")
    DECEPTION = "deception", _("Deceived about the nature or conditions of the work")
    DOCUMENTS_WITHHELD = "documents_withheld", _("Identity documents withheld")
    MOVEMENT_RESTRICTED = "movement_restricted", _("Movement restricted or confined")
    WAGES_WITHHELD = "wages_withheld", _("Wages withheld")
    ISOLATION = "isolation", _("Isolated from family or community")
    THREATS_FAMILY = "threats_family", _("Threats against the worker or family")
    VIOLENCE = "violence", _("Physical or sexual violence")
    ABUSIVE_CONDITIONS = "abusive_conditions", _("Abusive working or living conditions")
    EXCESSIVE_OVERTIME = "excessive_overtime", _("Forced or excessive overtime")
    IMMIGRATION_THREATS = "immigration_threats", _("Threats of denunciation to immigration authorities")
    MINOR = "minor", _("The worker was a minor")


class Incident(models.Model):
    """One thing that happened, of a given type. A report has one or more."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Illegal recruitment fee")
        FRAUD = "fraud", _("Fraud")
        DOCUMENT_RETENTION = "document_retention", _("Document retention")
        THREATS = "threats", _("Threats and intimidation")
        RETALIATION = "retaliation", _("Retaliation and blacklisting")
        TRAFFICKING = "trafficking", _("Trafficking indicators")

    report = models.ForeignKey(AbuseReport, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    # Illegal recruitment fee
    amount = MoneyField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True, default_currency="MXN",
        currency_choices=[(c, c) for c in FEE_CURRENCIES],
    )
    # Who took the money is often a person named in the report (an intermediary, a relative): encrypted.
    paid_to = EncryptedCharField(_("paid to"), max_length=200, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    # Fraud
    job_did_not_exist = models.BooleanField(_("the job did not exist"), default=False)
    money_taken = models.BooleanField(_("money was taken"), default=False)
    documents_taken = models.BooleanField(_("documents were taken"), default=False)
    # Document retention (and fraud): which documents
    # "Pasaporte de Marvin Xol, 502 5555 0142": names and numbers of the worker's papers: encrypted.
    documents = EncryptedCharField(_("which documents"), max_length=200, blank=True)
    # Retaliation
    blacklisted = models.BooleanField(_("blacklisted (not rehired)"), default=False)
    # Trafficking indicators: a list of TraffickingIndicator values
    indicators = models.JSONField(_("trafficking indicators"), default=list, blank=True)
    description = EncryptedTextField(_("details"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Declared so that type checkers see it; django-money still makes it understand Money.
    objects = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self):
        return self.get_kind_display()

    def indicator_labels(self):
        labels = dict(TraffickingIndicator.choices)
        return [labels.get(i, i) for i in self.indicators]


class EvidenceFile(models.Model):
    report = models.ForeignKey(AbuseReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(storage=private_storage, upload_to="abuse/evidence")
    original_name = EncryptedCharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    description = EncryptedCharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return _("Evidence #%(id)s") % {"id": self.pk}


class MergeCandidate(models.Model):
    """Two recruiters that may be the same, waiting for a Coordinator's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    left = models.ForeignKey(Recruiter, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Recruiter, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [models.UniqueConstraint(fields=["left", "right"], name="abuse_candidate_unique_pair")]

    def __str__(self):
        return f"{self.left_id} ~ {self.right_id} ({self.score})"


class RecruiterMerge(models.Model):
    """One merge of ``merged`` into ``survivor``, with what moved, so that it can be undone."""

    survivor = models.ForeignKey(Recruiter, on_delete=models.PROTECT, related_name="merges_received")
    merged = models.ForeignKey(Recruiter, on_delete=models.PROTECT, related_name="merges_given")
    automatic = models.BooleanField(default=False)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # {"reports_moved": [...], "reports_shared": [...], "aliases": [...], "alias_created": id,
    #  "phones": [...], "employers": [...], "conflicts": [...], "regions_added": [...]}
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = _("recruiter merge")
        verbose_name_plural = _("recruiter merges")

    def __str__(self):
        return f"{self.merged} -> {self.survivor}"


class RecruiterConflict(models.Model):
    """A Defender acted for this recruiter: cases naming it (under any alias) must not go to them."""

    defender = models.ForeignKey(Defender, on_delete=models.CASCADE, related_name="recruiter_conflicts")
    recruiter = models.ForeignKey(Recruiter, on_delete=models.CASCADE, related_name="conflicts")
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conflict with a recruiter")
        verbose_name_plural = _("conflicts with recruiters")
        constraints = [models.UniqueConstraint(fields=["defender", "recruiter"], name="abuse_conflict_unique")]

    def __str__(self):
        return f"{self.defender}: {self.recruiter}"


REPORT_SENSITIVE_FIELDS = ["worker", "narrative", "municipality"]

auditlog.register(Recruiter, m2m_fields={"regions"})
auditlog.register(RecruiterAlias)
auditlog.register(RecruiterPhone)
auditlog.register(RecruiterEmployer)
auditlog.register(AbuseReport, mask_fields=REPORT_SENSITIVE_FIELDS, m2m_fields={"recruiters"})
auditlog.register(Incident, mask_fields=["description", "paid_to", "documents"])
auditlog.register(EvidenceFile, mask_fields=["original_name", "file", "description"])
auditlog.register(MergeCandidate)
auditlog.register(RecruiterMerge)
auditlog.register(RecruiterConflict)
