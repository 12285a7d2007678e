"""Personal access tokens, their use log, and idempotency records of the API.

A token is shown once, when it is created; only its SHA-256 hash is stored (the secret is 32
random bytes, so a plain hash is enough: nothing to brute-force), with a short prefix that the
account page shows so that the user can tell tokens apart. Every token expires.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from puente.core.fields import EncryptedTextField


class Area(models.TextChoices):
    CASES = "cases", _("Cases")
    BILLING = "billing", _("Billing")
    PEOPLE = "people", _("People and reunification")
    ABUSE = "abuse", _("Abusive recruitment")
    VISAS = "visas", _("Visa data")
    DIRECTORY = "directory", _("Directory")


class Access(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class AccessToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # {"cases": "read", "billing": "write", ...}: areas not named are refused.
    scopes = models.JSONField(_("scopes"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    def allows(self, area: str, write: bool) -> bool:
        level = self.scopes.get(area)
        if write:
            return level == Access.WRITE
        return level in (Access.READ, Access.WRITE)

    def scope_labels(self) -> list[str]:
        labels = dict(Area.choices)
        access = dict(Access.choices)
        return [f"{labels.get(a, a)}: {access.get(lvl, lvl)}" for a, lvl in sorted(self.scopes.items())]


class TokenUse(models.Model):
    """One row per request made with a token (never the token itself, never the query string:
    a search's query names a person)."""

    token = models.ForeignKey(AccessToken, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.token_id} {self.method} {self.path} {self.status}"


class IdempotencyRecord(models.Model):
    """The response to a create request sent with an ``Idempotency-Key``: a retry with the same
    key by the same user gets this response again instead of creating a second object."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # None: still running
    # The response can name people (a case's client, a message): encrypted at rest like them.
    body = EncryptedTextField(null=True, blank=True)
    location = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")]

    def __str__(self):
        return f"{self.user_id} {self.method} {self.path}"


class PfifRecord(models.Model):
    """Which local object a PFIF record id stands for, so that importing a feed twice creates
    nothing the second time."""

    record_id = models.CharField(max_length=500, unique=True)
    kind = models.CharField(max_length=10, choices=[("person", "person"), ("note", "note")])
    object_id = models.PositiveBigIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.kind} {self.record_id}"


from auditlog.registry import auditlog  # noqa: E402 - beside the registrations at the bottom

# Creating and revoking tokens is in the audit history; the hash and each use are not (uses have
# their own log, TokenUse).
auditlog.register(AccessToken, exclude_fields=["key_hash", "last_used_at", "last_used_ip"])
