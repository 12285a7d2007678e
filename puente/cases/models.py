"""Case facilitation: an Advocate's request for work in the client's home country, from review to
evaluation. The allowed moves between states live in ``workflow.py``; every state change goes
through a ``do_*`` function in ``actions.py``.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from djmoney.models.fields import MoneyField

from puente.core.fields import EncryptedCharField, EncryptedTextField
from puente.core.storage import private_storage
from puente.network.models import Advocate, Defender


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    DECLINED = "declined", _("Declined")
    AGREEMENT_PENDING = "agreement_pending", _("Agreement pending")
    ACTIVE = "active", _("Active")
    REPORTING = "reporting", _("Reporting")
    EVALUATION = "evaluation", _("Evaluation")
    CLOSED = "closed", _("Closed")
    ON_HOLD = "on_hold", _("On hold")


class ClaimType(models.TextChoices):
    WAGE_HOUR = "wage_hour", _("Wage and hour")
    RECRUITMENT_FRAUD = "recruitment_fraud", _("Recruitment fraud")
    TRAFFICKING = "trafficking", _("Trafficking")
    CIVIL_RIGHTS = "civil_rights", _("Civil rights")
    IMMIGRATION_RELIEF = "immigration_relief", _("Immigration relief (U or T visa, deferred action)")
    FAMILY_SEPARATION = "family_separation", _("Family separation")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Soon")
    URGENT = "urgent", _("Urgent")


class TaskKind(models.TextChoices):
    LOCATE = "locate", _("Locate the client")
    DECLARATION = "declaration", _("Take a declaration")
    DOCUMENTS = "documents", _("Gather documents or civil records")
    SERVE = "serve", _("Serve process")
    DEPOSITION_PREP = "deposition_prep", _("Prepare the client for a remote deposition or hearing")
    CONSULATE = "consulate", _("Accompany to a consulate")
    OTHER = "other", _("Other")


# Which expertise (network.Expertise.code) each task calls for; matching reads it.
TASK_EXPERTISE: dict[str, str] = {
    TaskKind.LOCATE: "locating_people",
    TaskKind.DECLARATION: "declarations",
    TaskKind.DOCUMENTS: "civil_records",
    TaskKind.SERVE: "service_of_process",
    TaskKind.DEPOSITION_PREP: "declarations",
    TaskKind.CONSULATE: "immigration_evidence",
}


class Case(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, blank=True)
    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT, related_name="cases", verbose_name=_("Advocate"))
    defender = models.ForeignKey(
        Defender, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("Defender")
    )
    client = models.ForeignKey(
        "locate.Person", on_delete=models.PROTECT, related_name="client_cases", verbose_name=_("client")
    )
    state = models.CharField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.SUBMITTED)
    # The state a case on hold returns to when resumed.
    held_from_state = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    state_changed_at = models.DateTimeField(_("in this state since"), auto_now_add=True)
    claim_type = models.CharField(_("claim type"), max_length=30, choices=ClaimType.choices)
    court = models.CharField(_("court or agency"), max_length=200, blank=True)
    docket_number = models.CharField(_("docket number"), max_length=100, blank=True)
    summary = EncryptedTextField(_("summary of the case"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    decline_reason = EncryptedTextField(_("reason for declining"), blank=True)
    # A legal hold stops the retention schedule from wiping the case and its people.
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_reason = models.TextField(_("reason for the legal hold"), blank=True)
    # The Advocate Agreement version the case proceeds under: the Advocate's signature of the
    # current version when the Defender was chosen. A later version does not stop this case.
    agreement_signature = models.ForeignKey(
        "AgreementSignature",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("Advocate Agreement signed"),
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["state"]), models.Index(fields=["defender", "state"])]

    def __str__(self):
        return self.reference or f"#{self.pk}"


class AgreementSignature(models.Model):
    """An Advocate's signature of one version of the Advocate Agreement: who signed (the account),
    as whom (the typed name), when, which version, in which language, and the SHA-256 of the exact
    text shown. Only the Advocate signs, on the agreement page (``actions.do_sign_advocate_agreement``):
    nobody can mark an agreement as signed on their behalf.

    ``recorded_before_versions``: carried over from the directory's old "agreement signed" date
    (migration 0009), when neither the typed name nor the text was kept."""

    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT, related_name="agreement_signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.CharField(_("version"), max_length=20)
    language = models.CharField(_("language"), max_length=8, blank=True)
    typed_name = models.CharField(_("typed name"), max_length=200, blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    recorded_before_versions = models.BooleanField(default=False)

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = _("Advocate Agreement signature")
        verbose_name_plural = _("Advocate Agreement signatures")
        constraints = [
            models.UniqueConstraint(fields=["advocate", "version"], name="agreement_one_signature_per_version")
        ]

    def __str__(self):
        return f"{self.advocate_id} {self.version}"


class CaseParty(models.Model):
    """An opposing party named in the case: an employer, a recruiter, another party.
    Matching excludes a Defender who acted for one of them."""

    class Kind(models.TextChoices):
        EMPLOYER = "employer", _("Employer")
        RECRUITER = "recruiter", _("Recruiter")
        OTHER = "other", _("Other party")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("opposing party")
        verbose_name_plural = _("opposing parties")

    def __str__(self):
        return self.name


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("task"), max_length=20, choices=TaskKind.choices)
    description = EncryptedTextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self):
        return self.get_kind_display()


class CaseTransition(models.Model):
    """One move of a case from a state to another: the case's timeline. A row with an ``event``
    records something that happened without a change of state (the Defender replaced)."""

    class Event(models.TextChoices):
        DEFENDER_CHANGED = "defender_changed", _("Defender changed")
        CLIENT_MOVED = "client_moved", _("Client record merged")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=CaseState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = EncryptedTextField(blank=True)
    event = models.CharField(max_length=20, choices=Event.choices, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"{self.case_id}: {self.from_state} → {self.to_state or self.event}"


class Evaluation(models.Model):
    """An evaluation of the facilitation by one side (Advocate or Defender)."""

    class Side(models.TextChoices):
        ADVOCATE = "advocate", _("Advocate")
        DEFENDER = "defender", _("Defender")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evaluations")
    side = models.CharField(max_length=10, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Ratings 1-5 on named criteria (see cases.evaluation.CRITERIA); ``overall`` is their rounded mean.
    ratings = models.JSONField(default=dict)
    overall = models.DecimalField(max_digits=3, decimal_places=2)
    comments = EncryptedTextField(_("comments"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "side"], name="one_evaluation_per_side")]

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"{self.case_id} {self.side}"


class MatchRecord(models.Model):
    """What matching suggested when a Coordinator chose a Defender, and whom they chose: so the
    network can see how often it follows the suggestion, and why it did not."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="match_records")
    # [{"defender_id": 3, "rank": 1, "score": 0.87, "reasons": ["serves Huehuetenango", ...]}, ...]
    suggestions = models.JSONField(default=list)
    chosen = models.ForeignKey(Defender, on_delete=models.PROTECT, related_name="+")
    chosen_rank = models.PositiveSmallIntegerField(null=True, blank=True)  # None: not among the suggestions
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = EncryptedTextField(_("why this Defender"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"{self.case_id} → {self.chosen_id}"

    @property
    def followed_suggestion(self):
        return self.chosen_rank == 1


class InternalNote(models.Model):
    """A Coordinator's note on a case. Never shown to the Advocate or the Defender."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="internal_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"Note #{self.pk}"


class InfoRequest(models.Model):
    """A Coordinator's question to the Advocate during review, and the Advocate's answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="info_requests")
    question = EncryptedTextField(_("question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = EncryptedTextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"Question #{self.pk}"


CONTRACT_CURRENCIES = [(c, c) for c in ("MXN", "GTQ", "HNL", "NIO", "USD", "CAD")]


class ContractVersion(models.Model):
    """One version of a case's Case Facilitation Contract. Versions are never edited: a change
    is a new version, which needs all three signatures again.

    The money terms are data (``hourly_rate`` ... ``payer_note``), and the contract's "rates and
    fees" clause is rendered from them (``contract.generate_text``): billing prices the case from
    the terms of the latest version all three parties signed (``api.signed_terms``). A change of
    terms is a new version (``actions.do_edit_terms``, Coordinators)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contract_versions")
    number = models.PositiveIntegerField(_("version"))
    text = EncryptedTextField(_("contract text"))
    sha256 = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    note = EncryptedTextField(_("what changed"), blank=True)
    # The terms. Nullable only for versions generated before terms were data (migration 0008
    # filled them from their text); every new version has a rate.
    hourly_rate = MoneyField(
        _("Defender's hourly rate"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency="MXN",
        currency_choices=CONTRACT_CURRENCIES,
    )
    fee_percent = models.DecimalField(
        _("Network fee (% of the Defender's fees and expenses)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    fee_flat = MoneyField(
        _("flat Network fee for the case"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency="USD",
        currency_choices=CONTRACT_CURRENCIES,
    )
    hours_cap = models.DecimalField(_("cap on hours"), max_digits=7, decimal_places=2, null=True, blank=True)
    expenses_cap = MoneyField(
        _("cap on expenses"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency="MXN",
        currency_choices=CONTRACT_CURRENCIES,
    )
    payer_note = models.CharField(_("who pays what"), max_length=300, blank=True)

    # Declared so the type checker knows it; djmoney makes it money-aware (the MoneyFields above).
    objects = models.Manager()

    class Meta:
        ordering = ["case", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="contract_version_unique_number")]

    def __str__(self):
        return f"{self.case} v{self.number}"

    def save(self, *args, **kwargs):
        import hashlib

        if self.pk:
            # The text a party signed must never change under their signature.
            raise ValueError("A contract version is immutable; create a new version instead.")
        self.sha256 = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)

    def valid_signatures(self):
        # In Python over .all(), so that a prefetch of the signatures serves it.
        return [s for s in self.signatures.all() if s.voided_at is None]

    def signature_for(self, side):
        return next((s for s in self.valid_signatures() if s.side == side), None)

    @property
    def fully_signed(self):
        return {s.side for s in self.valid_signatures()} >= set(ContractSignature.Side.values)

    @property
    def fully_signed_at(self):
        """When the last of the three valid signatures was given, or None."""
        valid = self.valid_signatures()
        if {s.side for s in valid} < set(ContractSignature.Side.values):
            return None
        return max(s.signed_at for s in valid)

    TERM_FIELDS = ("hourly_rate", "fee_percent", "fee_flat", "hours_cap", "expenses_cap", "payer_note")

    def terms(self) -> dict:
        """The version's terms as a dict of ``TERM_FIELDS``."""
        return {f: getattr(self, f) for f in self.TERM_FIELDS}


class ContractSignature(models.Model):
    """A party's signature of one contract version: typed name, acceptance, account, time and
    the SHA-256 of the exact text signed. A signature is never deleted: when the Defender is
    replaced before every party has signed, the signatures of that version are voided
    (``voided_at``), since they were given to a contract with another party."""

    class Side(models.TextChoices):
        COORDINATOR = "coordinator", _("Network (Coordinator)")
        ADVOCATE = "advocate", _("Advocate")
        DEFENDER = "defender", _("Defender")

    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="signatures")
    side = models.CharField(_("party"), max_length=12, choices=Side.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(_("typed name"), max_length=200)
    accepted = models.BooleanField(_("accepted"))
    text_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(_("void since"), null=True, blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "side"], name="contract_one_signature_per_side")]

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"{self.version_id} {self.side}"


def attachment_path(instance, filename):
    # The storage replaces the file name by a random one; only the folder is kept.
    return f"cases/{instance.message.case_id}/{filename}"


class Message(models.Model):
    """A message in the case's thread between the Advocate, the Defender and the Coordinators."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"Message #{self.pk}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=300)
    original_name = EncryptedCharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    def __str__(self):
        return f"Attachment #{self.pk}"


class Notification(models.Model):
    """An in-app notification (also sent by email). ``key`` lets reminders be sent once."""

    class Kind(models.TextChoices):
        ASSIGNMENT = "assignment", _("New assignment")
        REASSIGNED = "reassigned", _("Case reassigned")
        MESSAGE = "message", _("New message")
        STATE = "state", _("Case moved")
        DEADLINE = "deadline", _("Deadline approaching")
        OUTCOME = "outcome", _("Outcome still unknown")
        CONTRACT = "contract", _("Contract")
        INFO = "info", _("Information requested")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["key"])]

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"Notification #{self.pk}"


class Outcome(models.Model):
    """The outcome of the Advocate's case in the US or Canada, reported when known."""

    class Result(models.TextChoices):
        SETTLED = "settled", _("Settled")
        JUDGMENT = "judgment", _("Judgment")
        DISMISSED = "dismissed", _("Dismissed")
        PENDING = "pending", _("Still pending")
        UNKNOWN = "unknown", _("Unknown")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="outcome")
    result = models.CharField(_("outcome"), max_length=12, choices=Result.choices)
    amount_recovered = MoneyField(
        _("amount recovered"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency="USD",
        currency_choices=[(c, c) for c in ("USD", "CAD", "MXN", "GTQ", "HNL", "NIO")],
    )
    outcome_date = models.DateField(_("date"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now=True)

    # Declared so the type checker knows it; djmoney makes it money-aware (the MoneyField above).
    objects = models.Manager()

    def __str__(self):  # not the content: it lands in logs and the audit history
        return f"{self.case_id} {self.result}"

    @property
    def known(self):
        return self.result not in (self.Result.PENDING, self.Result.UNKNOWN)


auditlog.register(Case, exclude_fields=["state_changed_at"])
auditlog.register(CaseParty)
auditlog.register(Task)
auditlog.register(Evaluation)
auditlog.register(MatchRecord)
auditlog.register(InternalNote, mask_fields=["body"])
auditlog.register(InfoRequest, mask_fields=["question", "answer"])
auditlog.register(ContractVersion, mask_fields=["text"])
auditlog.register(ContractSignature)
auditlog.register(AgreementSignature)
auditlog.register(Message, mask_fields=["body"])
auditlog.register(Attachment, mask_fields=["original_name", "file"])
auditlog.register(Outcome)
