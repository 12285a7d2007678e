"""State changes of the API app: creating and revoking personal access tokens."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from puente.core.action_contract import SIGNED_IN, ActionRefused, action
from puente.core.roles import Role

from puente.locate import actions as locate_actions
from puente.locate.access import visible_people

from .models import Access, AccessToken, Area, PfifRecord
from .registry import choices, model
from .tokens import new_token

#: The longest a token may live; the form offers shorter ones.
MAX_LIFETIME_DAYS = getattr(settings, "PUENTE_API_TOKEN_MAX_DAYS", 365)


@action(SIGNED_IN)
def do_create_token(*, acting_user, name: str, scopes: dict, expires_in_days: int, totp_code: str = ""):
    """Create a token for ``acting_user`` and return ``(token, secret)``; the secret is never
    stored and is shown once. SIGNED_IN: every role may have tokens for itself; what a token can
    do is what its user can do, narrowed by its scopes. A Coordinator must give a fresh TOTP
    code (their second factor) on top of the signed-in session."""
    name = (name or "").strip()
    if not name:
        raise ActionRefused(_("Give the token a name, to recognise it later."), field="name", code="required")
    if not 1 <= int(expires_in_days) <= MAX_LIFETIME_DAYS:
        raise ActionRefused(
            _("A token must expire within %(days)s days.") % {"days": MAX_LIFETIME_DAYS},
            field="expires_in_days",
            code="invalid",
        )
    clean = {}
    for area, level in (scopes or {}).items():
        if area not in Area.values or level not in Access.values:
            raise ActionRefused(
                _("Unknown scope %(scope)s.") % {"scope": f"{area}:{level}"}, field="scopes", code="invalid"
            )
        clean[area] = level
    if not clean:
        raise ActionRefused(_("Choose at least one area the token may use."), field="scopes", code="required")
    if acting_user.role == Role.COORDINATOR and not _second_factor_ok(acting_user, totp_code):
        raise ActionRefused(
            _("Enter the current code from your authenticator app."), field="totp_code", code="second_factor"
        )
    secret, prefix, key_hash = new_token()
    token = AccessToken.objects.create(
        user=acting_user,
        name=name[:100],
        prefix=prefix,
        key_hash=key_hash,
        scopes=clean,
        expires_at=timezone.now() + timedelta(days=int(expires_in_days)),
    )
    return token, secret


@action(SIGNED_IN)
def do_revoke_token(token, *, acting_user):
    """Revoke one of the user's own tokens. SIGNED_IN: a token belongs to its user alone; the
    check that it is theirs is here, on the locked row."""
    locked = AccessToken.objects.select_for_update().get(pk=token.pk)
    if locked.user_id != acting_user.pk:
        raise ActionRefused(_("This is not your token."), code="permission")
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


def _second_factor_ok(user, code: str) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    code = (code or "").strip().replace(" ", "")
    if not code:
        return False
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    # validate_code also marks the code used: a code seen once cannot create a second token.
    return authenticator is not None and TOTP(authenticator).validate_code(code)


@action(("people.manage",))
def do_import_pfif(records, *, acting_user, project=None, project_name=""):
    """Import parsed PFIF records (``pfif.parse``) as people, each added to a reunification
    project (``project``, or a new one named ``project_name``) with its notes as contact
    attempts; every change through locate's own actions. A record imported before (same
    ``person_record_id`` or ``note_record_id``) is not imported again. One transaction (the
    action's): a refused record writes nothing. Imported people have no consent to be searched
    for recorded here: the network records it when it has it. Returns counts."""
    if project is None:
        project = locate_actions.do_create_project(acting_user=acting_user, name=project_name or _("PFIF import"))
    counts = {"people": 0, "notes": 0, "skipped": 0, "project": project.pk}
    regions = {r.code: r for r in model("network.Region").objects.all()}
    for record in records:
        link = PfifRecord.objects.filter(record_id=record.record_id, kind="person").first()
        person = None
        if link is not None:
            person = visible_people(acting_user).filter(pk=link.object_id).first()
            if person is not None:
                counts["skipped"] += 1
        if person is None:
            fields = dict(record.fields)
            region = regions.get(fields.pop("region_code", ""))
            if fields["country"] not in dict(choices("locate.Person", "country")):
                fields["country"] = ""
            if region is not None and (not fields["country"] or fields["country"] == region.country):
                fields["region"], fields["country"] = region, region.country
            try:
                person = locate_actions.do_create_person(acting_user=acting_user, **fields)
            except ActionRefused as exc:
                raise ActionRefused(
                    _("Person %(n)s (%(id)s): %(error)s")
                    % {"n": record.row, "id": record.record_id, "error": exc.text},
                    code="invalid",
                ) from exc
            # A record imported before whose person has since gone (deleted, anonymised, or not
            # visible to this user): its link now points at the person just created.
            PfifRecord.objects.update_or_create(record_id=record.record_id, kind="person",
                                                defaults={"object_id": person.pk})
            counts["people"] += 1
        entry = locate_actions.do_add_to_project(project, person, acting_user=acting_user)
        for note in record.notes:
            if PfifRecord.objects.filter(record_id=note.record_id, kind="note").exists():
                continue
            attempt = locate_actions.do_log_contact_attempt(
                entry,
                acting_user=acting_user,
                date=note.date,
                method=note.method if note.method in dict(choices("locate.ContactAttempt", "method")) else "other",
                result=note.result if note.result in dict(choices("locate.ContactAttempt", "result")) else "other",
                notes=note.text,
            )
            PfifRecord.objects.create(record_id=note.record_id, kind="note", object_id=attempt.pk)
            counts["notes"] += 1
    return counts
