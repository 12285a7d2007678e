"""Models of the cross-cutting protection machinery: signed-in sessions and retention wipes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One signed-in session of a user, recorded at login (``puente.core.sessions``), so that a
    Coordinator can see where an account is signed in and end a session (a lost phone, a Defender
    who left an organisation). The session itself lives in Django's session store; this row is
    its description and is deleted with it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="puente_sessions", verbose_name=_("user")
    )
    session_key = models.CharField(_("session key"), max_length=64, unique=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("signed in"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{self.user_id}:{self.session_key[:6]}…"


class WipedRecord(models.Model):
    """A record whose personal contents the retention schedule wiped. The row itself stays (so
    counts and the audit trail stay true); this says when and under which rule it was wiped, and
    keeps it from being wiped (and counted) again."""

    model_label = models.CharField(_("kind of record"), max_length=100)
    object_pk = models.CharField(_("record"), max_length=64)
    wiped_at = models.DateTimeField(_("wiped"), auto_now_add=True)
    reference_date = models.DateTimeField(_("retention counted from"), null=True, blank=True)
    period_days = models.PositiveIntegerField(_("retention period (days)"))

    class Meta:
        ordering = ["-wiped_at"]
        constraints = [models.UniqueConstraint(fields=["model_label", "object_pk"], name="wiped_once")]
        verbose_name = _("wiped record")
        verbose_name_plural = _("wiped records")

    def __str__(self):
        return f"{self.model_label}#{self.object_pk}"
