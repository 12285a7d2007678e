"""Every change to the network's people, organisations and accounts, one ``do_*`` function each,
following the action contract (``puente/core/action_contract.py``): objects first, keyword-only
``acting_user``, ``@action(permission)`` for the transaction, the audit actor (with the
request's address) and the coarse permission; refusals are ``ActionRefused``. Rows two
Coordinators could change at the same time are locked; email goes after the commit. Views,
commands and the directory import only call these.
"""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from puente.core import audit, mail
from puente.core.action_contract import PUBLIC, SIGNED_IN, ActionRefused, action
from puente.core.roles import Role, has_perm

from .directory_io import ImportResult, check
from .models import Advocate, Defender, DefenderConflict, DefenderContact, Invitation, User
from .tokens import INVITATION_DAYS, invitation_token

# What a Defender may change in its own profile; name, kind, country and rate stay with Coordinators.
OWN_DEFENDER_FIELDS = ("city", "email", "phone", "whatsapp", "website", "bio", "capacity", "status")
OWN_DEFENDER_M2M = ("regions", "languages", "expertise")
DEFENDER_FIELDS = ("name", "kind", "country", "city", "capacity", "hourly_rate", "status", "email", "phone",
                   "whatsapp", "website", "bio")
DEFENDER_M2M = OWN_DEFENDER_M2M
OWN_ADVOCATE_FIELDS = ("organisation", "country", "city", "phone")
# The Advocate Agreement is not among them: only the Advocate's own signature (cases) records it,
# through do_record_agreement_signature.
ADVOCATE_FIELDS = OWN_ADVOCATE_FIELDS
ADVOCATE_M2M = ("jurisdictions", "languages")
ACCOUNT_FIELDS = ("first_name", "last_name", "phone", "language")


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
    """Queue the invitation email for after the commit: a refused or rolled-back invitation sends
    nothing, and no mail server is talked to while the account row is locked."""
    user = invitation.user
    # The link is built on PUENTE_BASE_URL, never on the Host header of the request that invited.
    link = mail.absolute_url(invitation_link(invitation, ""))
    context = {"user": user, "link": link, "inviter": invitation.invited_by, "days": INVITATION_DAYS}
    # In the invitee's language: a Defender reads it in Spanish.
    with translation.override(user.language or "en"):
        subject = _("You are invited to Puente")
        body = render_to_string("network/email/invitation.txt", context)
    mail.send(user.email, subject, body, event="network.invitation")  # queued after the commit


@action("accounts.invite")
def do_invite(*, acting_user, email, first_name, last_name, role, language="", defender=None, organisation="",
              advocate_country="US", base_url="http://127.0.0.1:8000") -> Invitation:
    """Create the invitee's account (no usable password yet) and email a one-time link.

    An address that already has an account that was never used gets a fresh invitation (the older
    links stop working); an address whose owner has set a password is refused.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise ActionRefused(_("Unknown role."), field="role", code="invalid")
    if role == Role.DEFENDER and defender is None:
        raise ActionRefused(_("Choose the Defender this account belongs to."), field="defender", code="required")
    if role == Role.ADVOCATE and not organisation:
        raise ActionRefused(_("Enter the Advocate's organisation."), field="organisation", code="required")
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None:
        if user.has_usable_password():
            raise ActionRefused(_("An account with this email address already exists."), field="email", code="state")
        if user.role != role:
            raise ActionRefused(_("This address was already invited with another role."), field="email", code="state")
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
    invitation = Invitation.objects.create(user=user, invited_by=acting_user)
    _send_invitation(invitation, base_url)
    return invitation


@action("accounts.invite")
def do_resend_invitation(account, *, acting_user, base_url="http://127.0.0.1:8000") -> Invitation:
    """A fresh invitation for an account never used (the older link stops working)."""
    account = User.objects.select_for_update().get(pk=account.pk)
    if account.has_usable_password():
        raise ActionRefused(_("This account is already in use; its owner can reset the password."), code="state")
    advocate = getattr(account, "advocate", None)
    return do_invite(
        acting_user=acting_user, email=account.email, first_name=account.first_name, last_name=account.last_name,
        role=account.role, language=account.language, defender=account.defender,
        organisation=advocate.organisation if advocate else "",
        advocate_country=advocate.country if advocate else "US", base_url=base_url,
    )


def invitation_from_link(uidb64, token):
    """The pending invitation a link stands for, or None (expired, used, revoked or forged)."""
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


@action(PUBLIC)
def do_accept_invitation(invitation, *, acting_user=None, password) -> User:
    """Set the invitee's password; the link is then spent (the token covers the password hash).
    PUBLIC: the invitee has no session yet (the link's token is the proof, checked by
    ``invitation_from_link``); the invitee is the audit actor."""
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ActionRefused(_("This invitation has already been used."), code="state")
    user = invitation.user
    with audit.actor(user):
        user.set_password(password)
        user.save(update_fields=["password"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return user


@action("accounts.manage")
def do_deactivate_account(account, *, acting_user) -> User:
    """The account can no longer log in; its history and profile stay. Sessions of a deactivated
    user are refused by Django's auth on their next request."""
    if account.pk == acting_user.pk:
        raise ActionRefused(_("You cannot deactivate your own account."), code="state")
    account = User.objects.select_for_update().get(pk=account.pk)
    account.is_active = False
    account.save(update_fields=["is_active"])
    Invitation.objects.filter(user=account, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return account


@action("accounts.manage")
def do_reactivate_account(account, *, acting_user) -> User:
    account = User.objects.select_for_update().get(pk=account.pk)
    account.is_active = True
    account.save(update_fields=["is_active"])
    return account


@action(SIGNED_IN)
def do_update_account(account, *, acting_user, data) -> User:
    """Name, phone and interface language of an account. SIGNED_IN: its owner changes their own
    (every role); anyone else needs ``accounts.manage``."""
    if acting_user.pk != account.pk and not has_perm(acting_user, "accounts.manage"):
        raise ActionRefused(_("You may not do this."), code="permission")
    account = User.objects.select_for_update().get(pk=account.pk)
    _apply(account, data, ACCOUNT_FIELDS)
    account.full_clean(exclude=["password"])
    account.save()
    return account


# ---------------------------------------------------------------------------------------------
# Directory


@action("directory.edit")
def do_save_defender(defender, *, acting_user, data) -> Defender:
    """Create (``defender`` None) or edit a directory entry. Coordinators only."""
    defender = Defender() if defender is None else Defender.objects.select_for_update().get(pk=defender.pk)
    _apply(defender, data, DEFENDER_FIELDS)
    defender.full_clean()
    defender.save()
    _apply_m2m(defender, data, DEFENDER_M2M)
    return defender


@action("profile.edit_own")
def do_update_own_defender_profile(*, acting_user, data) -> Defender:
    """A Defender's own profile: contacts, regions, languages, expertise, capacity, about, pause."""
    if acting_user.role != Role.DEFENDER or not acting_user.defender_id:
        raise ActionRefused(_("Only a Defender's account has a Defender profile."), code="permission")
    defender = Defender.objects.select_for_update().get(pk=acting_user.defender_id)
    _apply(defender, data, OWN_DEFENDER_FIELDS)
    defender.full_clean()
    defender.save()
    _apply_m2m(defender, data, OWN_DEFENDER_M2M)
    return defender


@action(SIGNED_IN)
def do_record_agreement_signature(advocate, *, acting_user, version: str, signed_at) -> Advocate:
    """The directory's copy of the Advocate's latest signature of the Advocate Agreement (the
    signature itself, with typed name and text hash, is cases' ``AgreementSignature``). Called by
    ``cases.actions.do_sign_advocate_agreement`` only. ``SIGNED_IN``: the rule is that the account
    is the Advocate's own, so nobody records a signature on someone else's behalf."""
    if advocate.user_id != acting_user.pk:
        raise ActionRefused(_("Only the Advocate may sign their agreement."), code="permission")
    locked = Advocate.objects.select_for_update().get(pk=advocate.pk)
    locked.agreement_signed_at, locked.agreement_version = signed_at, version
    locked.save(update_fields=["agreement_signed_at", "agreement_version"])
    return locked


@action("directory.edit")
def do_save_advocate(advocate, *, acting_user, data) -> Advocate:
    """Edit an Advocate profile (Coordinators: the profile; never the Agreement, which only the
    Advocate's own signature records)."""
    advocate = Advocate.objects.select_for_update().get(pk=advocate.pk)
    _apply(advocate, data, ADVOCATE_FIELDS)
    advocate.full_clean()
    advocate.save()
    _apply_m2m(advocate, data, ADVOCATE_M2M)
    return advocate


@action("profile.edit_own")
def do_update_own_advocate_profile(*, acting_user, data) -> Advocate:
    advocate = Advocate.objects.select_for_update().filter(user=acting_user).first()
    if advocate is None:
        raise ActionRefused(_("Only an Advocate's account has an Advocate profile."), code="permission")
    _apply(advocate, data, OWN_ADVOCATE_FIELDS)
    advocate.full_clean()
    advocate.save()
    _apply_m2m(advocate, data, ADVOCATE_M2M)
    return advocate


@action("directory.edit")
def do_add_contact(defender, *, acting_user, data) -> DefenderContact:
    contact = DefenderContact(defender=defender, **{k: data.get(k, "") for k in ("name", "position", "email", "phone",
                                                                                   "whatsapp")})
    contact.full_clean()
    contact.save()
    return contact


@action("directory.edit")
def do_remove_contact(contact, *, acting_user) -> None:
    contact.delete()


@action("directory.edit")
def do_add_conflict(defender, *, acting_user, party_kind, party_name, note="") -> DefenderConflict:
    """Record a party the Defender acted for; matching will not send it a case against them."""
    conflict = DefenderConflict(defender=defender, party_kind=party_kind, party_name=party_name, note=note)
    conflict.full_clean()
    conflict.save()
    return conflict


@action("directory.edit")
def do_remove_conflict(conflict, *, acting_user) -> None:
    conflict.delete()


# ---------------------------------------------------------------------------------------------
# Directory import (reading and checking: directory_io)


@action("directory.import_export")
def do_import_directory(sheets, *, acting_user) -> ImportResult:
    """Check every row of ``sheets`` (``directory_io.read_file``), then write them all, or
    nothing: any error refuses the whole import with ``ImportFailed`` naming file, row and column."""
    checked = check(sheets)
    result = ImportResult()
    for sheet, _number, data in checked:
        if sheet.kind == "defenders":
            existing = Defender.objects.select_for_update().filter(
                name__iexact=data["name"], country=data["country"]).first()
            do_save_defender(existing, acting_user=acting_user, data=data)
            (result.updated if existing else result.created)["defenders"] += 1
        else:
            user = User.objects.select_for_update().filter(email__iexact=data["email"]).first()
            created = user is None
            if user is None:
                # No password: the Coordinator sends an invitation when the Advocate should log in.
                user = User.objects.create_user(email=data["email"], role=Role.ADVOCATE,
                                                first_name=data["first_name"], last_name=data["last_name"],
                                                language=data["language"])
            else:
                do_update_account(user, acting_user=acting_user,
                                  data={k: data[k] for k in ("first_name", "last_name", "language")})
            advocate = Advocate.objects.filter(user=user).first()
            if advocate is None:
                advocate = Advocate.objects.create(user=user, organisation=data["organisation"],
                                                   country=data["country"])
            do_save_advocate(advocate, acting_user=acting_user, data=data)
            result.created["advocates"] += created
            result.updated["advocates"] += not created
    return result
