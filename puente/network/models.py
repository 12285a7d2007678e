"""The network's people and organisations: accounts and roles, Defenders, Advocates, and the
reference data they are described with (regions, languages, areas of expertise, jurisdictions).
"""

from typing import Any, ClassVar

from auditlog.registry import auditlog
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from puente.core.roles import Role


class Country(models.TextChoices):
    """The five countries where Defenders work."""

    MEXICO = "MX", _("Mexico")
    GUATEMALA = "GT", _("Guatemala")
    EL_SALVADOR = "SV", _("El Salvador")
    HONDURAS = "HN", _("Honduras")
    NICARAGUA = "NI", _("Nicaragua")


LOCAL_CURRENCY = {"MX": "MXN", "GT": "GTQ", "SV": "USD", "HN": "HNL", "NI": "NIO"}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.COORDINATOR)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account. Its role decides what it may do; a Defender or Advocate account belongs to
    one Defender (organisation or private practitioner) or one Advocate profile."""

    username = None  # type: ignore[assignment]  # accounts sign in by email: Django's documented way to drop the field
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(
        _("language"), max_length=5, choices=[("es", _("Spanish")), ("en", _("English"))], default="en"
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    defender = models.ForeignKey(
        "network.Defender", null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        verbose_name=_("Defender"),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # ours creates users without a username

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="defender_account_has_defender",
                condition=~models.Q(role="defender") | models.Q(defender__isnull=False),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        # A Defender's interface is Spanish unless they chose otherwise.
        if self._state.adding and self.role == Role.DEFENDER and self.language == "en":
            self.language = "es"
        super().save(*args, **kwargs)

    @property
    def is_coordinator(self):
        return self.role == Role.COORDINATOR

    @property
    def is_advocate(self):
        return self.role == Role.ADVOCATE

    @property
    def is_defender(self):
        return self.role == Role.DEFENDER


class Region(models.Model):
    """An admin-1 region (Mexican state, department, autonomous region) of the five countries.

    ``borders`` says which regions share a land border, across countries too (Chiapas borders
    Huehuetenango); matching uses it to suggest a Defender from next door.
    """

    code = models.CharField(_("ISO 3166-2 code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    borders = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name=_("borders"))

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Language(models.Model):
    """A language a Defender works in or a client speaks. Indigenous languages are flagged:
    matching gives them the most weight when the client's first language is not Spanish."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    indigenous = models.BooleanField(_("indigenous language"), default=False)

    class Meta:
        ordering = ["indigenous", "name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self):
        # Names with a Spanish form ("Spanish", "Mixtec") are in the catalogue; the others
        # (K'iche', Mam) are the same in both languages.
        return str(_(self.name))


class Expertise(models.Model):
    """An area of work a Defender offers (wage and hour claims, service of process ...)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("area of expertise")
        verbose_name_plural = _("areas of expertise")

    def __str__(self):
        return str(_(self.name))


class Jurisdiction(models.Model):
    """A US state or territory, or a Canadian province or territory, where an Advocate is admitted."""

    code = models.CharField(_("code"), max_length=10, unique=True)  # ISO 3166-2, e.g. US-NC, CA-ON
    name = models.CharField(_("name"), max_length=100)
    country = models.CharField(_("country"), max_length=2, choices=[("US", _("United States")), ("CA", _("Canada"))])

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self):
        return self.name


class Defender(models.Model):  # type: ignore[django-manager-missing]  # djmoney replaces the manager of a model with a MoneyField at run time
    """A member of the network in one of the five countries: a human-rights organisation, a
    women's group, or a private lawyer."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        INDIVIDUAL = "individual", _("Private practitioner")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORGANISATION)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="defenders", verbose_name=_("regions served"))
    languages: "models.ManyToManyField[Language, Any]" = models.ManyToManyField(
        Language, blank=True, related_name="defenders", verbose_name=_("languages")
    )
    expertise: "models.ManyToManyField[Expertise, Any]" = models.ManyToManyField(
        Expertise, blank=True, related_name="defenders", verbose_name=_("areas of expertise")
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=3, help_text=_("How many active cases it can take at once.")
    )
    hourly_rate = MoneyField(
        _("hourly rate"),
        max_digits=12,
        decimal_places=2,
        default_currency="MXN",
        currency_choices=[(c, c) for c in ("MXN", "GTQ", "HNL", "NIO", "USD")],
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    bio = models.TextField(_("about"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Defender")
        verbose_name_plural = _("Defenders")
        constraints = [models.UniqueConstraint(fields=["name", "country"], name="defender_unique_name_country")]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class DefenderContact(models.Model):
    """A named person to reach at a Defender organisation."""

    defender = models.ForeignKey(Defender, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.name


class DefenderConflict(models.Model):
    """A party the Defender has acted for (an employer, a recruiter, another opposing party).
    A case naming that party must not go to this Defender; matching excludes it and says why."""

    class PartyKind(models.TextChoices):
        EMPLOYER = "employer", _("Employer")
        RECRUITER = "recruiter", _("Recruiter")
        OTHER = "other", _("Other party")

    defender = models.ForeignKey(Defender, on_delete=models.CASCADE, related_name="conflicts")
    party_kind = models.CharField(_("kind of party"), max_length=20, choices=PartyKind.choices)
    party_name = models.CharField(_("party name"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")

    def __str__(self):
        return f"{self.defender}: {self.party_name}"


class Advocate(models.Model):
    """A lawyer (or a legal-aid organisation's staff member) in the US or Canada."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="advocate", verbose_name=_("account"))
    organisation = models.CharField(_("organisation"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=[("US", _("United States")), ("CA", _("Canada"))])
    city = models.CharField(_("city"), max_length=100, blank=True)
    jurisdictions = models.ManyToManyField(Jurisdiction, blank=True, verbose_name=_("bar admissions"))
    languages = models.ManyToManyField(Language, blank=True, verbose_name=_("languages"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    agreement_signed_at = models.DateTimeField(_("Advocate Agreement signed"), null=True, blank=True)
    agreement_version = models.CharField(_("Advocate Agreement version"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("Advocate")
        verbose_name_plural = _("Advocates")

    def __str__(self):
        return f"{self.user.get_full_name()} ({self.organisation})"

    @property
    def has_signed_agreement(self):
        return self.agreement_signed_at is not None


class Invitation(models.Model):
    """A Coordinator's invitation to an Advocate, a Defender or another Coordinator.

    The account exists from the moment of the invitation, without a usable password; the email
    holds a one-time link (see ``tokens``) that lets the invitee set one. The link stops working
    once used, after ``INVITATION_DAYS``, when a newer invitation is sent, or when revoked.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("account"))
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"invitation #{self.pk}"

    @property
    def is_pending(self):
        return self.accepted_at is None and self.revoked_at is None


auditlog.register(User, exclude_fields=["password", "last_login"])
auditlog.register(Invitation)
auditlog.register(Defender, m2m_fields={"regions", "languages", "expertise"})
auditlog.register(DefenderContact)
auditlog.register(DefenderConflict)
auditlog.register(Advocate, m2m_fields={"jurisdictions", "languages"})
