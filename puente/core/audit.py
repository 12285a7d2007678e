"""Audit history, on django-auditlog: who changed what, when, and who read whose record.

Personal fields are registered as ``mask_fields``. Their values are **sealed**, not dropped:
``seal`` stores each previous and new value encrypted under the data keys (``sealed:<token>``),
so that the history never holds a decrypted value (the database, a dump or the audit CSV show
only ciphertext, and every page shows ``[redacted]``), yet a Coordinator with the permission
``audit.restore`` can see an earlier version of a record and restore it (``version_of``,
``core.actions.do_restore_version``): an empty form submitted by mistake no longer means a trip
to the backups. Every encrypted field of a registered model is masked whether its app listed it
or not (``mask_encrypted_fields``, at start-up). When retention wipes a record, its sealed values
in the history are wiped too (``forget_sealed``): what retention deletes, the history does not
keep.

Reading is logged too: a view that shows a person's record calls ``log_access(obj)`` (the
instance's model must be registered with auditlog); the entry has action ACCESS and the current
user as actor (set by ``auditlog.middleware.AuditlogMiddleware``).

Links for filtering (the convention)
------------------------------------
Each ``LogEntry`` has ``additional_data`` (JSON). auditlog fills it from the instance's
``get_additional_data()`` when the method exists. Puente's convention is that it returns
``{"case_id": <pk or None>, "person_id": <pk or None>}``: the case and the person the record is
about, so that the Coordinator's audit history can be filtered by case and by person
(``LogEntry.objects.filter(additional_data__case_id=...)``).

- Adopt ``AuditLinksMixin`` in a model and name the paths to the case and the person::

      class Task(AuditLinksMixin, models.Model):
          audit_case_path = "case"            # Task.case
          audit_person_path = "case__client"  # the case's client

- Models that have not adopted the mixin get the same behaviour from ``link_model(model,
  case=..., person=...)``, which ``CoreConfig.ready`` calls for ``cases.Case`` and
  ``locate.Person``, and, as a fallback, for every auditlog-registered model with a foreign key
  named ``case`` or to ``locate.Person``. A model that defines its own ``get_additional_data``
  is left alone.
"""

import contextlib
import dataclasses
from dataclasses import dataclass

from auditlog.context import auditlog_value, set_actor
from auditlog.signals import accessed
from django.core.exceptions import ObjectDoesNotExist

from . import crypto

REDACTED = "[redacted]"
SEALED = "sealed:"
#: auditlog writes a missing value as the string "None".
_NONE = "None"


def redact(value) -> str:
    return REDACTED


def seal(value) -> str:
    """auditlog's mask callable for personal fields: the value, encrypted under the data keys."""
    return SEALED + crypto.encrypt(str(value))


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(SEALED)


def unseal(value: str) -> str:
    """The clear value of a sealed one (``crypto.InvalidToken`` when no configured key opens it)."""
    return crypto.decrypt(value[len(SEALED):])


def shown(value):
    """A history value as pages and exports show it: sealed values as ``[redacted]``."""
    return REDACTED if is_sealed(value) else value


def shown_changes(changes: dict | None) -> dict:
    """``LogEntry.changes_dict`` with every sealed value shown as ``[redacted]``."""
    out: dict = {}
    for name, change in (changes or {}).items():
        out[name] = [shown(v) for v in change] if isinstance(change, list | tuple) else shown(change)
    return out


def forget_sealed(obj, names) -> int:
    """Replace the sealed values of ``names`` in every history entry of ``obj`` by
    ``[redacted]`` (retention calls it when it wipes the record). Returns the entries changed."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    names = set(names)
    ct = ContentType.objects.get_for_model(obj.__class__)
    changed = 0
    for entry in LogEntry.objects.filter(content_type=ct, object_pk=str(obj.pk)).select_for_update():
        changes = entry.changes or {}
        touched = False
        for name in names & set(changes):
            pair = changes[name]
            if isinstance(pair, list) and any(is_sealed(v) for v in pair):
                changes[name] = [REDACTED if is_sealed(v) else v for v in pair]
                touched = True
        if touched:
            LogEntry.objects.filter(pk=entry.pk).update(changes=changes)
            changed += 1
    return changed


@dataclass
class Version:
    """A record's personal fields as they were right after ``entry`` (see ``version_of``)."""

    entry: object
    obj: object
    values: dict = dataclasses.field(default_factory=dict)  # field name -> value then (clear), restorable
    lost: list = dataclasses.field(default_factory=list)  # fields whose value then the history does not hold
    differs: list = dataclasses.field(default_factory=list)  # restorable fields whose value then is not today's


def restorable_fields(model) -> list[str]:
    """The fields "restore this version" puts back: the record's encrypted (personal) fields.
    Other values stay readable in the history and are re-entered through the app's own forms
    (restoring a case's state, say, would skip its workflow)."""
    from .fields import EncryptedMixin

    return [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]  # type: ignore[attr-defined]  # a model field under the mixin


def version_of(entry) -> Version:
    """The record ``entry`` is about, and its restorable fields as they were right after it: from
    today's values, each later entry's previous value is put back, newest first. A field whose
    previous value the history holds only as ``[redacted]`` (written before values were sealed,
    or wiped by retention) is listed in ``lost``. Raises ``ObjectDoesNotExist`` when the record
    is gone."""
    from auditlog.models import LogEntry

    model = entry.content_type.model_class()
    if model is None:
        raise ObjectDoesNotExist("no model")
    obj = model._base_manager.get(pk=entry.object_pk)
    names = restorable_fields(model)
    values = {name: getattr(obj, name) for name in names}
    lost: set[str] = set()
    later = LogEntry.objects.filter(
        content_type=entry.content_type, object_pk=entry.object_pk,
    ).filter(models_q_after(entry)).order_by("-timestamp", "-pk")
    for later_entry in later:
        for name, change in (later_entry.changes or {}).items():
            if name not in values or not isinstance(change, list) or not change:
                continue
            before = change[0]
            if is_sealed(before):
                try:
                    values[name] = _clear(model, name, unseal(before))
                except crypto.InvalidToken:  # sealed under a data key since dropped
                    lost.add(name)
                    continue
                lost.discard(name)
            elif before in (None, "", _NONE):
                values[name] = _clear(model, name, "")
                lost.discard(name)
            else:
                lost.add(name)
    differs = [n for n in names if n not in lost and (values[n] or "") != (getattr(obj, n) or "")]
    return Version(entry=entry, obj=obj, values={n: v for n, v in values.items() if n not in lost},
                   lost=sorted(lost), differs=differs)


def models_q_after(entry):
    from django.db.models import Q

    return Q(timestamp__gt=entry.timestamp) | Q(timestamp=entry.timestamp, pk__gt=entry.pk)


def _clear(model, name: str, value: str):
    """A value read back from the history, as the field holds it."""
    f = model._meta.get_field(name)
    if value == _NONE:
        return None if f.null else ""
    return value


def log_access(instance) -> None:
    """Record that the current user read ``instance`` (a person's record, a case's client).

    Call it in the view, after the access check, each time the record is shown. The model must
    be registered with auditlog (``auditlog.register(Model, ...)``)."""
    accessed.send(instance.__class__, instance=instance)


@contextlib.contextmanager
def actor(user):
    """Make ``user`` the actor of the audit entries written inside the block.

    auditlog's ``set_actor`` replaces the current context without restoring it afterwards, and a
    finished context stays visible (its receiver gone): so this always sets a fresh one (keeping
    the request's IP address when the middleware set one) and puts the outer one back."""
    try:
        outer = auditlog_value.get()
    except LookupError:
        outer = None
    remote_addr = outer.get("remote_addr") if outer else None
    try:
        with set_actor(user, remote_addr=remote_addr):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)


def _follow(obj, path: str | None):
    """The primary key at the end of ``path`` ("case", "case__client") from ``obj``, or None.
    Uses the ``*_id`` attribute for the last step, so that no query is made for one hop."""
    if not path or obj is None:
        return None
    parts = path.split("__")
    try:
        for part in parts[:-1]:
            obj = getattr(obj, part)
            if obj is None:
                return None
        last = parts[-1]
        if hasattr(obj, f"{last}_id"):
            return getattr(obj, f"{last}_id")
        if last in ("pk", "id"):
            return obj.pk
        value = getattr(obj, last)
        return getattr(value, "pk", value)
    except ObjectDoesNotExist:
        return None


def _links(obj, case_path, person_path) -> dict:
    return {"case_id": _follow(obj, case_path), "person_id": _follow(obj, person_path)}


class AuditLinksMixin:
    """Give a model the ``get_additional_data`` of the convention above.

    ``audit_case_path`` / ``audit_person_path``: attribute paths to the case and the person
    ("pk" for the model itself)."""

    audit_case_path: str | None = None
    audit_person_path: str | None = None

    def get_additional_data(self):
        return _links(self, self.audit_case_path, self.audit_person_path)


def link_model(model, case: str | None = None, person: str | None = None, force: bool = False) -> bool:
    """Install the convention's ``get_additional_data`` on ``model`` (for models whose owners have
    not adopted ``AuditLinksMixin`` yet). Returns False, changing nothing, when the model already
    has its own method (unless ``force``)."""
    if getattr(model, "get_additional_data", None) is not None and not force:
        return False

    def get_additional_data(self):
        return _links(self, case, person)

    get_additional_data.puente_links = (case, person)  # type: ignore[attr-defined]  # a marker for tests
    model.get_additional_data = get_additional_data
    return True


def mask_encrypted_fields() -> list[tuple[str, str]]:
    """Called once at start-up: add every encrypted field of every auditlog-registered model to
    its ``mask_fields``. Otherwise auditlog would copy the decrypted value into the history's
    ``changes`` column, in clear text, beside the ciphertext. Returns what it had to add (a
    model registered without masking its encrypted fields)."""
    from auditlog.registry import auditlog

    from .fields import EncryptedMixin

    added = []
    for model in auditlog.get_models():
        # auditlog offers no public way to change a registration in place (re-registering would
        # drop its m2m_fields): its registry entry is changed directly, here only.
        entry = auditlog._registry[model]
        # Personal values are sealed (encrypted), not dropped: see the module docstring.
        entry["mask_callable"] = "puente.core.audit.seal"
        fields = model._meta.concrete_fields
        encrypted = [f.name for f in fields if isinstance(f, EncryptedMixin)]  # type: ignore[attr-defined]  # a model field under the mixin
        missing = [n for n in encrypted if n not in entry["mask_fields"]]
        if missing:
            entry["mask_fields"] = [*entry["mask_fields"], *missing]
            added += [(model._meta.label, n) for n in missing]
    return added


def link_registered_models() -> None:
    """Called once at start-up: link Case and Person, then every other auditlog-registered model
    with a foreign key named ``case`` or pointing at a Person, so that their history can be
    filtered by case and person without each app writing code for it."""
    from auditlog.registry import auditlog
    from django.apps import apps

    try:
        Person = apps.get_model("locate", "Person")
    except LookupError:
        Person = None
    try:
        Case = apps.get_model("cases", "Case")
    except LookupError:
        Case = None
    if Person is not None:
        link_model(Person, person="pk")
    if Case is not None:
        link_model(Case, case="pk", person="client")
    for model in auditlog.get_models():
        if model in (Person, Case):
            continue
        case_path = person_path = None
        for field in model._meta.get_fields():
            if not getattr(field, "many_to_one", False) or not field.concrete:
                continue
            if Case is not None and field.related_model is Case and case_path is None:
                case_path = field.name
                person_path = person_path or f"{field.name}__client"
            elif Person is not None and field.related_model is Person:
                person_path = field.name
        if case_path or person_path:
            link_model(model, case=case_path, person=person_path)


__all__ = [
    "REDACTED", "SEALED", "redact", "seal", "unseal", "is_sealed", "shown", "shown_changes", "forget_sealed",
    "Version", "version_of", "restorable_fields", "log_access", "set_actor", "actor", "AuditLinksMixin", "link_model",
    "link_registered_models", "mask_encrypted_fields",
]
