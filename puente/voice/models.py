"""What workers tell Puente without an account: reports waiting for a Coordinator's review.

Nothing here is public or counted anywhere until a Coordinator reviews it: the review turns a
report into an abuse report (through the abuse app's actions) or discards it. What could point at a
worker (the story, who was paid, the documents, a way to reach them) is encrypted.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from puente.core.fields import EncryptedCharField, EncryptedTextField

# Lengths the public form accepts (the database keeps the same limits).
NAME_MAX = 200
TEXT_MAX = 4000


class WorkerReport(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("Waiting for review")
        ACCEPTED = "accepted", _("Turned into an abuse report")
        DISCARDED = "discarded", _("Discarded")

    code = models.CharField(_("code"), max_length=12, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    language = models.CharField(max_length=5, default="es")
    recruiter_name = models.CharField(_("recruiter"), max_length=NAME_MAX, blank=True)
    employer_name = models.CharField(_("employer"), max_length=NAME_MAX, blank=True)
    programme = models.CharField(_("visa"), max_length=5, blank=True)
    places = EncryptedCharField(_("places"), max_length=NAME_MAX, blank=True)
    occurred_from = models.DateField(_("from"), null=True, blank=True)
    occurred_to = models.DateField(_("until"), null=True, blank=True)
    kinds = models.JSONField(_("what happened"), default=list)
    indicators = models.JSONField(_("signs of trafficking"), default=list, blank=True)
    fee_amount = models.DecimalField(_("fee paid"), max_digits=12, decimal_places=2, null=True, blank=True)
    fee_currency = models.CharField(_("currency"), max_length=3, blank=True)
    fee_paid_to = EncryptedCharField(_("paid to"), max_length=NAME_MAX, blank=True)
    documents_kept = EncryptedCharField(_("documents kept"), max_length=NAME_MAX, blank=True)
    narrative = EncryptedTextField(_("what happened, in the worker's words"), blank=True)
    contact = EncryptedCharField(_("how to reach the worker"), max_length=NAME_MAX, blank=True)
    contact_consent = models.BooleanField(_("consents to be contacted"), default=False)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = EncryptedCharField(_("note"), max_length=NAME_MAX, blank=True)
    abuse_report = models.ForeignKey("abuse.AbuseReport", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("worker's report")
        verbose_name_plural = _("workers' reports")

    def __str__(self):
        return self.code


class Addition(models.Model):
    """What a worker added later to their report, with its code."""

    report = models.ForeignKey(WorkerReport, on_delete=models.CASCADE, related_name="additions")
    text = EncryptedTextField(_("addition"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.report.code} +"


class RightsPage(models.Model):
    """What the rules promise a worker on one visa, and where to get help: written by Coordinators
    in both languages, shown in the workers' corner."""

    class Visa(models.TextChoices):
        H2A = "h2a", "H-2A"
        H2B = "h2b", "H-2B"
        H1B = "h1b", "H-1B"
        J1 = "j1", "J-1"
        L1 = "l1", "L-1"
        A3G5 = "a3g5", "A-3/G-5"
        F1 = "f1", "F-1"
        B1 = "b1", "B-1"

    visa = models.CharField(_("visa"), max_length=5, choices=Visa.choices, unique=True)
    body_es = models.TextField(_("text in Spanish"), max_length=TEXT_MAX)
    body_en = models.TextField(_("text in English"), max_length=TEXT_MAX)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()

    def __str__(self):
        return self.get_visa_display()


auditlog.register(RightsPage)
auditlog.register(WorkerReport, exclude_fields=["narrative", "contact", "fee_paid_to", "documents_kept"])
auditlog.register(Addition, exclude_fields=["text"])


class Conversation(models.Model):
    """A text-message dialogue. The sender is known only by a keyed HMAC of their number: the
    number itself is never stored, so nobody can read it back from the database."""

    sender_key = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=20, default="sms")
    step = models.CharField(max_length=30, blank=True)
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()

    def __str__(self):
        return self.sender_key[:8]


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("received")
        OUT = "out", _("sent")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.direction
