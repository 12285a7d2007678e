"""Every change to the network's people, organisations and accounts, one ``do_*`` function each.

Each runs in one transaction, locks the rows two Coordinators could change at the same time, and
is recorded in the audit history (django-auditlog, registered in models.py) with its actor.
Views and commands only call these.
"""

from contextlib import contextmanager

from auditlog.context import auditlog_value, set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from puente.core import mail
from puente.core.roles import Role, has_perm

from .models import Advocate, Defender, DefenderConflict, DefenderContact, Invitation, User
from .tokens import INVITATION_DAYS, invitation_token

# What a Defender may change in its own profile; name, kind, country and rate stay with Coordinators.
OWN_DEFENDER_FIELDS = ("city", "email", "phone", "whatsapp", "website", "bio", "capacity", "status")
OWN_DEFENDER_M2M = ("regions", "languages", "expertise")
DEFENDER_FIELDS = ("name", "kind", "country", "city", "capacity", "hourly_rate", "status", "email", "phone",
                   "whatsapp", "website", "bio")
DEFENDER_M2M = OWN_DEFENDER_M2M
OWN_ADVOCATE_FIELDS = ("organisation", "country", "city", "phone")
ADVOCATE_FIELDS = (*OWN_ADVOCATE_FIELDS, "agreement_signed_at", "agreement_version")
ADVOCATE_M2M = ("jurisdictions", "languages")
ACCOUNT_FIELDS = ("first_name", "last_name", "phone", "language")


@contextmanager
def acting_as(actor):
    """Record ``actor`` in the audit history for what happens inside, keeping the request's IP
    address when a request is being served (auditlog's middleware set it)."""
    previous = auditlog_value.get(None)
    try:
        with set_actor(actor, remote_addr=(previous or {}).get("remote_addr")):
            yield
    finally:
        if previous is not None:
            # set_actor leaves its own context behind; restore the request's for its middleware.
            auditlog_value.set(previous)


def _require(actor, perm):
    if actor is None or not has_perm(actor, perm):
        raise PermissionDenied(perm)


def _apply(instance, data, fields):
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def _apply_m2m(instance, data, fields):
    for name in fields:
        if name in data and data[name] is not None:
            getattr(instance, name).set(data[name])


# ---------------------------------------------------------------------------------------------
# Invitations and accounts


def invitation_link(invitation, base_url):
    path = reverse("network:accept_invitation", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(invitation.pk)),
        "token": invitation_token.make_token(invitation),
    })
    return base_url.rstrip("/") + path


def _send_invitation(invitation, base_url):
    user = invitation.user
    # The link is built on PUENTE_BASE_URL, never on the Host header of the request that invited.
    link = mail.absolute_url(invitation_link(invitation, ""))
    context = {"user": user, "link": link, "inviter": invitation.invited_by, "days": INVITATION_DAYS}
    # In the invitee's language: a Defender reads it in Spanish.
    with translation.override(user.language or "en"):
        subject = _("You are invited to Puente")
        body = render_to_string("network/email/invitation.txt", context)
    mail.send(user.email, subject, body, event="network.invitation")  # queued after the commit


@transaction.atomic
def do_invite(actor, *, email, first_name, last_name, role, language="", defender=None, organisation="",
              advocate_country="US", base_url="http://127.0.0.1:8000"):
    """Create the invitee's account (no usable password yet) and email a one-time link.

    An address that already has an account that was never used gets a fresh invitation (the older
    links stop working); an address whose owner has set a password is refused.
    """
    _require(actor, "accounts.invite")
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.DEFENDER and defender is None:
        raise ValidationError({"defender": _("Choose the Defender this account belongs to.")})
    if role == Role.ADVOCATE and not organisation:
        raise ValidationError({"organisation": _("Enter the Advocate's organisation.")})
    with acting_as(actor):
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is not None:
            if user.has_usable_password():
                raise ValidationError({"email": _("An account with this email address already exists.")})
            if user.role != role:
                raise ValidationError({"email": _("This address was already invited with another role.")})
        else:
            user = User(email=email, role=role)
            user.set_unusable_password()
        user.first_name, user.last_name = first_name, last_name
        user.defender = defender if role == Role.DEFENDER else None
        if language:
            user.language = language
        elif user._state.adding:
            user.language = "es" if role == Role.DEFENDER else "en"
        user.is_active = True
        user.save()
        if role == Role.ADVOCATE:
            Advocate.objects.update_or_create(
                user=user, defaults={"organisation": organisation, "country": advocate_country or "US"}
            )
        # Older links stop working: only the newest invitation counts.
        Invitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(user=user, invited_by=actor)
        _send_invitation(invitation, base_url)
    return invitation


@transaction.atomic
def do_resend_invitation(actor, user, base_url="http://127.0.0.1:8000"):
    _require(actor, "accounts.invite")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password():
        raise ValidationError(_("This account is already in use; its owner can reset the password."))
    advocate = getattr(user, "advocate", None)
    return do_invite(
        actor, email=user.email, first_name=user.first_name, last_name=user.last_name, role=user.role,
        language=user.language, defender=user.defender, organisation=advocate.organisation if advocate else "",
        advocate_country=advocate.country if advocate else "US", base_url=base_url,
    )


def invitation_from_link(uidb64, token):
    """The pending invitation a link stands for, or None (expired, used, revoked or forged)."""
    from django.utils.http import urlsafe_base64_decode

    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    invitation = Invitation.objects.select_related("user").filter(pk=pk).first()
    if invitation is None or not invitation.is_pending or not invitation.user.is_active:
        return None
    if not invitation_token.check_token(invitation, token):
        return None
    return invitation


@transaction.atomic
def do_accept_invitation(invitation, password):
    """Set the invitee's password; the link is then spent (the token covers the password hash)."""
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has already been used."))
    user = invitation.user
    with acting_as(user):
        user.set_password(password)
        user.save(update_fields=["password"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def do_deactivate_account(actor, user):
    """The account can no longer log in; its history and profile stay."""
    _require(actor, "accounts.manage")
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    with acting_as(actor):
        user.is_active = False
        user.save(update_fields=["is_active"])
        Invitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    # Sessions of a deactivated user are refused by Django's auth on their next request.
    return user


@transaction.atomic
def do_reactivate_account(actor, user):
    _require(actor, "accounts.manage")
    user = User.objects.select_for_update().get(pk=user.pk)
    with acting_as(actor):
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def do_update_account(actor, user, data):
    """Name, phone and interface language of an account: its owner's, or any for a Coordinator."""
    if actor.pk != user.pk:
        _require(actor, "accounts.manage")
    user = User.objects.select_for_update().get(pk=user.pk)
    with acting_as(actor):
        _apply(user, data, ACCOUNT_FIELDS)
        user.full_clean(exclude=["password"])
        user.save()
    return user


# ---------------------------------------------------------------------------------------------
# Directory


@transaction.atomic
def do_save_defender(actor, defender, data):
    """Create (``defender`` None) or edit a directory entry. Coordinators only."""
    _require(actor, "directory.edit")
    with acting_as(actor):
        if defender is None:
            defender = Defender()
        else:
            defender = Defender.objects.select_for_update().get(pk=defender.pk)
        _apply(defender, data, DEFENDER_FIELDS)
        defender.full_clean()
        defender.save()
        _apply_m2m(defender, data, DEFENDER_M2M)
    return defender


@transaction.atomic
def do_update_own_defender_profile(actor, data):
    """A Defender's own profile: contacts, regions, languages, expertise, capacity, about, pause."""
    _require(actor, "profile.edit_own")
    if actor.role != Role.DEFENDER or not actor.defender_id:
        raise PermissionDenied("not a Defender account")
    defender = Defender.objects.select_for_update().get(pk=actor.defender_id)
    with acting_as(actor):
        _apply(defender, data, OWN_DEFENDER_FIELDS)
        defender.full_clean()
        defender.save()
        _apply_m2m(defender, data, OWN_DEFENDER_M2M)
    return defender


@transaction.atomic
def do_save_advocate(actor, advocate, data):
    """Edit an Advocate profile (Coordinators: everything, including the Agreement)."""
    _require(actor, "directory.edit")
    advocate = Advocate.objects.select_for_update().get(pk=advocate.pk)
    with acting_as(actor):
        _apply(advocate, data, ADVOCATE_FIELDS)
        advocate.full_clean()
        advocate.save()
        _apply_m2m(advocate, data, ADVOCATE_M2M)
    return advocate


@transaction.atomic
def do_update_own_advocate_profile(actor, data):
    _require(actor, "profile.edit_own")
    advocate = Advocate.objects.select_for_update().filter(user=actor).first()
    if advocate is None:
        raise PermissionDenied("not an Advocate account")
    with acting_as(actor):
        _apply(advocate, data, OWN_ADVOCATE_FIELDS)
        advocate.full_clean()
        advocate.save()
        _apply_m2m(advocate, data, ADVOCATE_M2M)
    return advocate


@transaction.atomic
def do_add_contact(actor, defender, data):
    _require(actor, "directory.edit")
    with acting_as(actor):
        contact = DefenderContact(defender=defender, **{k: data.get(k, "") for k in ("name", "position", "email", "phone", "whatsapp")})
        contact.full_clean()
        contact.save()
    return contact


@transaction.atomic
def do_remove_contact(actor, contact):
    _require(actor, "directory.edit")
    with acting_as(actor):
        contact.delete()


@transaction.atomic
def do_add_conflict(actor, defender, data):
    """Record a party the Defender acted for; matching will not send it a case against them."""
    _require(actor, "directory.edit")
    with acting_as(actor):
        conflict = DefenderConflict(defender=defender, party_kind=data["party_kind"], party_name=data["party_name"],
                                    note=data.get("note", ""))
        conflict.full_clean()
        conflict.save()
    return conflict


@transaction.atomic
def do_remove_conflict(actor, conflict):
    _require(actor, "directory.edit")
    with acting_as(actor):
        conflict.delete()
