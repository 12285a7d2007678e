"""People the network works for: clients of cases, returned workers, deported parents.

A Person's identifying details are encrypted at rest (``puente.core.fields``). Search does not read
them: it uses the normalised keys in ``search_keys`` (lower-case, accent-free name tokens and
their phonetic codes), which reveal less than the names themselves and are documented in
SECURITY.md.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from puente.core.fields import EncryptedCharField, EncryptedTextField
from puente.network.models import Country, Language, Region

from .keys import apply_keys, phone_is_valid

# Fields whose values must never be written to the audit history in clear text.
PERSON_SENSITIVE_FIELDS = [
    "given_names",
    "surname_1",
    "surname_2",
    "other_names",
    "birth_date",
    "municipality",
    "community",
    "phone",
    "whatsapp",
    "relatives",
    "last_known_address",
    "notes",
    "search_keys",
]


class SearchBasis(models.TextChoices):
    NONE = "", _("None recorded")
    COURT_ORDER = "court_order", _("Court order")
    PARTNER_REFERRAL = "partner_referral", _("Referral by a partner organisation")


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
    # Why the person may be searched for when they have not consented (issue 16): a court order or
    # a partner's referral, named in ``search_basis_note``; set for a whole import by the
    # Coordinator who imports it. Search finds people with consent or with a basis.
    search_basis = models.CharField(_("basis for searching"), max_length=20, choices=SearchBasis.choices,
                                    blank=True)
    search_basis_note = models.CharField(_("basis named"), max_length=200, blank=True,
                                         help_text=_("The court order (court, docket) or the partner who referred."))
    search_basis_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("basis recorded by"))
    # Normalised, space-separated search tokens (see puente.locate.search). Not the names.
    search_keys = models.TextField(blank=True, editable=False)
    # More plaintext keys for search, written only by puente.locate.keys (docs/locate.md says what
    # each reveals): the birth year, keyed hashes of the birth day/month and of the phones, a
    # keyed hash of the municipality's phonetic code.
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False, db_index=True)
    birth_keys = models.CharField(max_length=40, blank=True, editable=False)
    phone_keys = models.TextField(blank=True, editable=False)
    place_key = models.CharField(max_length=20, blank=True, editable=False)
    other_phones = EncryptedTextField(_("other phones"), blank=True, help_text=_("One a line."))
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    # A person merged into another (a duplicate) is kept, hidden from search, so the merge can be undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_people", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self):
        # Deliberately not the name: str() ends up in logs and in the audit history's object_repr.
        # Templates show ``full_name`` to those allowed to see it.
        return _("Person #%(id)s") % {"id": self.pk}

    def save(self, *args, **kwargs):
        # The search keys follow the fields on every save, whoever saves (cases creates clients too).
        apply_keys(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "search_keys",
                "birth_year",
                "birth_keys",
                "phone_keys",
                "place_key",
            }
        super().save(*args, **kwargs)
        # Every server process brings its search index up to date from this log (search.get_index).
        PersonChange.objects.create(person_id=self.pk)

    @property
    def full_name(self):
        return " ".join(p for p in (self.given_names, self.surname_1, self.surname_2) if p)

    @property
    def all_phones(self):
        phones = [self.phone, self.whatsapp, *(self.other_phones or "").splitlines()]
        return [p.strip() for p in phones if p and p.strip()]

    @property
    def searchable(self) -> bool:
        """May be found by a search: consent on file, or a named legal basis."""
        return bool(self.consent_to_search or self.search_basis)

    @property
    def unverified_phones(self):
        """Phones kept as written because they are not valid numbers (keys.normalise_phone)."""
        return [p for p in self.all_phones if not phone_is_valid(p)]

    @property
    def cases(self):
        return self.client_cases.all()


class PersonChange(models.Model):
    """One row per saved or deleted person, in commit order as far as ids go: each process's
    search index reads the rows after the last one it saw, so it re-reads exactly the people who
    changed, and learns of deletions and merges made in other processes within one search."""

    id = models.BigAutoField(primary_key=True)
    person_id = models.IntegerField()  # not a foreign key: the row outlives a deleted person
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"change #{self.pk} of person #{self.person_id}"


@receiver(post_delete, sender=Person)
def _person_deleted(sender, instance, **kwargs):
    PersonChange.objects.create(person_id=instance.pk)


class PersonConsent(models.Model):
    """A person's consent to have their data shared with a named Advocate (issue 10): who
    recorded it, when, and when it was withdrawn."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    advocate = models.ForeignKey(
        "network.Advocate", on_delete=models.CASCADE, related_name="person_consents", verbose_name=_("Advocate")
    )
    given_at = models.DateTimeField(_("given"))
    how = models.CharField(_("how it was obtained"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent to share")
        verbose_name_plural = _("consents to share")

    def __str__(self):
        return f"consent #{self.pk}"

    @property
    def active(self):
        return self.withdrawn_at is None


class PersonMerge(models.Model):
    """A duplicate merged into the person kept. The duplicate row stays (hidden from search) and
    ``moved`` lists what was moved to the kept person, so that ``do_undo_merge`` can put it back."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_merged")
    # {"cases": [ids], "project_people": [ids], "consents": [ids], "filled": {field: old value ""}}
    moved = models.JSONField(default=dict)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"merge #{self.pk}"


class ReunificationProject(models.Model):
    """A list of people to find for one purpose, e.g. the parents of one court case."""

    # Project names and descriptions name the people sought ("Padres de M. Tzoc"): encrypted (issue 23).
    name = EncryptedCharField(_("name"), max_length=200)
    court = models.CharField(_("court"), max_length=200, blank=True)
    docket_number = models.CharField(_("docket number"), max_length=100, blank=True)
    description = EncryptedTextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reunification project")
        verbose_name_plural = _("reunification projects")

    def __str__(self):
        return self.name


class SearchStatus(models.TextChoices):
    NOT_SEARCHED = "not_searched", _("Not yet searched")
    SEARCHING = "searching", _("Searching")
    FOUND = "found", _("Found")
    CONTACTED = "contacted", _("Contacted")
    UNREACHABLE = "unreachable", _("Unreachable")
    DECLINED = "declined", _("Declined contact")


class Preference(models.TextChoices):
    NONE = "", _("Not stated")
    HOME_COUNTRY = "home_country", _("Child returned to the home country")
    STAYS_US = "stays_us", _("Child stays in the US with a sponsor")
    DECLINES = "declines", _("Declines to state")
    UNDECIDED = "undecided", _("Undecided")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    HOME_VISIT = "home_visit", _("Home visit")
    COMMUNITY_LEADER = "community_leader", _("Through a community leader")
    CONSULATE = "consulate", _("Through a consulate")
    OTHER = "other", _("Other")


class ProjectPerson(models.Model):
    """One person to find in a project: the search assignment, status and stated preference."""

    project = models.ForeignKey(ReunificationProject, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="project_entries")
    defender = models.ForeignKey(
        "network.Defender",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="search_assignments",
        verbose_name=_("Defender"),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=SearchStatus.choices, default=SearchStatus.NOT_SEARCHED
    )
    status_changed_at = models.DateTimeField(_("status since"), auto_now_add=True)
    preference = models.CharField(_("stated preference"), max_length=20, choices=Preference.choices, blank=True)
    preference_at = models.DateTimeField(_("preference stated on"), null=True, blank=True)
    preference_method = models.CharField(
        _("how it was obtained"), max_length=20, choices=ContactMethod.choices, blank=True
    )
    preference_notes = EncryptedTextField(_("notes on the preference"), blank=True)

    class Meta:
        ordering = ["project", "pk"]
        verbose_name = _("person to find")
        verbose_name_plural = _("people to find")
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="project_person_once")]

    def __str__(self):
        return f"{self.project_id}/{self.person_id}"


class ContactAttempt(models.Model):
    class Result(models.TextChoices):
        REACHED = "reached", _("Reached the person")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number or address")
        MOVED = "moved", _("Moved away")
        MESSAGE_LEFT = "message_left", _("Message left")
        REFUSED = "refused", _("Refused contact")
        OTHER = "other", _("Other")

    entry = models.ForeignKey(ProjectPerson, on_delete=models.CASCADE, related_name="attempts")
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=20, choices=ContactMethod.choices)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    notes = EncryptedTextField(_("notes"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")

    def __str__(self):
        return f"attempt #{self.pk}"


class ImportBatch(models.Model):
    """A list of people imported by a Coordinator; its uncertain links wait in ``LinkReview``."""

    filename = EncryptedCharField(max_length=200)  # a file's name may name a person: encrypted (issue 23)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    search_basis = models.CharField(_("basis for searching"), max_length=20, choices=SearchBasis.choices, blank=True)
    search_basis_note = models.CharField(_("basis named"), max_length=200, blank=True)
    created = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0)
    duplicates_in_list = models.PositiveIntegerField(default=0)
    project = models.ForeignKey(
        ReunificationProject, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"import #{self.pk}"


class LinkReview(models.Model):
    """An uncertain link between an imported person and one already in the registry."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed: same person")
        REJECTED = "rejected", _("Rejected: different people")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="reviews")
    imported = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    existing = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    merge = models.ForeignKey(PersonMerge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-probability", "pk"]

    def __str__(self):
        return f"link review #{self.pk}"


auditlog.register(
    Person,
    mask_fields=PERSON_SENSITIVE_FIELDS + ["other_phones", "birth_keys", "phone_keys", "place_key", "birth_year"],
)
auditlog.register(PersonConsent)
auditlog.register(PersonMerge)
auditlog.register(ReunificationProject)
auditlog.register(ProjectPerson, mask_fields=["preference_notes"])
auditlog.register(ContactAttempt, mask_fields=["notes"])
auditlog.register(LinkReview)
