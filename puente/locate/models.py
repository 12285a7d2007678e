"""People the network works for: clients of cases, returned workers, deported parents.

A Person's identifying details are encrypted at rest (``puente.core.fields``). Search does not read
them: it uses the normalised keys in ``search_keys`` (lower-case, accent-free name tokens and
their phonetic codes), which reveal less than the names themselves and are documented in
SECURITY.md.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from puente.core.fields import EncryptedCharField, EncryptedTextField
from puente.network.models import Country, Language, Region

# Fields whose values must never be written to the audit history in clear text.
PERSON_SENSITIVE_FIELDS = [
    "given_names", "surname_1", "surname_2", "other_names", "birth_date", "municipality", "community",
    "phone", "whatsapp", "relatives", "last_known_address", "notes", "search_keys",
]


class Person(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        OTHER = "X", _("Other")
        UNKNOWN = "", _("Unknown")

    given_names = EncryptedCharField(_("given names"), max_length=120, blank=True)
    surname_1 = EncryptedCharField(_("first surname"), max_length=120, blank=True)
    surname_2 = EncryptedCharField(_("second surname"), max_length=120, blank=True)
    other_names = EncryptedTextField(_("other names and nicknames"), blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    # Partial dates are normal: "1984", "1984-07" or "1984-07-15".
    birth_date = EncryptedCharField(_("date of birth"), max_length=10, blank=True)
    country = models.CharField(_("country of origin"), max_length=2, choices=Country.choices, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("region of origin")
    )
    municipality = EncryptedCharField(_("municipality"), max_length=120, blank=True)
    community = EncryptedCharField(_("community"), max_length=120, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True)
    whatsapp = EncryptedCharField(_("WhatsApp"), max_length=40, blank=True)
    language = models.ForeignKey(
        Language, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("first language")
    )
    speaks_spanish = models.BooleanField(_("speaks Spanish"), default=True)
    relatives = EncryptedTextField(_("relatives"), blank=True)
    last_known_address = EncryptedTextField(_("last known address"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    consent_to_search = models.BooleanField(_("consents to be searched for"), default=False)
    consent_recorded_at = models.DateTimeField(_("consent recorded"), null=True, blank=True)
    # Normalised, space-separated search tokens (see puente.locate.search). Not the names.
    search_keys = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        # Deliberately not the name: str() ends up in logs and in the audit history's object_repr.
        # Templates show ``full_name`` to those allowed to see it.
        return _("Person #%(id)s") % {"id": self.pk}

    @property
    def full_name(self):
        return " ".join(p for p in (self.given_names, self.surname_1, self.surname_2) if p)


auditlog.register(Person, mask_fields=PERSON_SENSITIVE_FIELDS)
