"""Retention: how long each kind of record keeps its personal contents, and the wiping of them.

Each app declares, for its models, a retention period, the date it is counted from, and which
fields are personal::

    from puente.core import retention
    retention.register(
        "billing.Receipt", period_days=7 * 365, date_field="created_at",
        wipe_fields=["file", "note"],               # default: every encrypted field and file field
        hold=retention.case_hold("time_report__case"),  # records linked to a held case are kept
    )

``puente retention run`` (daily, from cron or a systemd timer) wipes the personal contents of
records past their period: encrypted text fields become "", uploaded files are deleted from the
disk and their field emptied. The row itself stays, so counts stay true, and the wipe is in the
audit history (an UPDATE whose values are masked) and in ``WipedRecord``. Records that are on
hold are skipped: a case under legal hold, and everything linked to it.

Periods can be overridden per kind in settings: ``PUENTE_RETENTION_DAYS = {"locate.person":
1095}`` (keys are lower-case model labels). The registry is the list of what is covered:
``registered()``; docs/security.md lists the defaults.
"""

from dataclasses import dataclass, field
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta

from auditlog.models import LogEntry
from auditlog.registry import auditlog as registry
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone

from .audit import REDACTED, forget_sealed
from .fields import EncryptedMixin
from .models import WipedRecord


@dataclass
class Rule:
    model: type[models.Model]
    period_days: int
    date_field: str
    wipe_fields: list[str]
    # Callables returning an expression (Q / Exists) true for records that must be kept.
    holds: list[Callable[[], object]] = field(default_factory=list)
    # Other records to wipe with this one (a case's client): a callable obj -> iterable of objects.
    also_wipe: Callable[[object], Iterable] | None = None
    description: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def period(self) -> int:
        overrides = getattr(settings, "PUENTE_RETENTION_DAYS", {}) or {}
        return int(overrides.get(self.label, self.period_days))

    def cutoff(self, now=None):
        return (now or timezone.now()) - timedelta(days=self.period)

    def hold_expression(self):
        expr = None
        for hold in self.holds:
            e = hold()
            expr = e if expr is None else (expr | e)
        return expr

    def pending(self):
        """Records not wiped yet, with a date to count from."""
        return (
            self.model._base_manager.filter(**{f"{self.date_field}__isnull": False})
            .exclude(pk__in=wiped_pks(self.model))
        )

    def held(self, queryset):
        expr = self.hold_expression()
        return queryset.filter(expr) if expr is not None else queryset.none()

    def not_held(self, queryset):
        expr = self.hold_expression()
        return queryset.exclude(expr) if expr is not None else queryset

    def due(self, now=None):
        """Records past their period and not on hold: what the next run wipes."""
        return self.not_held(self.pending().filter(**{f"{self.date_field}__lte": self.cutoff(now)}))

    def is_held(self, obj) -> bool:
        return self.held(self.model._base_manager.filter(pk=obj.pk)).exists()


_registry: dict[str, Rule] = {}


def personal_fields(model) -> list[str]:
    """Every encrypted field and every file field of ``model``: the default wipe list."""
    return [
        f.name for f in model._meta.concrete_fields
        if isinstance(f, (EncryptedMixin, models.FileField)) and isinstance(f, models.Field)
    ]


def register(model, period_days: int, date_field: str, wipe_fields: list[str] | None = None,
             hold=None, also_wipe=None, description: str = "") -> Rule:
    """Declare the retention of ``model`` ("app.Model" or the class). ``hold``: a callable
    returning a Q/Exists expression for records to keep, or a list of them."""
    if isinstance(model, str):
        model = apps.get_model(model)
    wipe_fields = list(wipe_fields) if wipe_fields is not None else personal_fields(model)
    names = {f.name for f in model._meta.concrete_fields}
    unknown = [f for f in [date_field, *wipe_fields] if f not in names]
    if unknown:
        raise ValueError(f"retention.register({model._meta.label}): unknown fields {unknown}")
    holds = hold if isinstance(hold, (list, tuple)) else ([hold] if hold else [])
    rule = Rule(model, period_days, date_field, wipe_fields, list(holds), also_wipe, description)
    _registry[rule.label] = rule
    return rule


def registered() -> list[Rule]:
    return list(_registry.values())


def rule_for(model) -> Rule | None:
    return _registry.get(model._meta.label_lower)


def wiped_pks(model):
    """The primary keys of ``model``'s wiped records, as a subquery of the pk's type."""
    pk_field = model._meta.pk
    target = (
        models.BigIntegerField()
        if isinstance(pk_field, (models.AutoField, models.BigAutoField, models.IntegerField))
        else models.CharField(max_length=64)
    )
    return (
        WipedRecord.objects.filter(model_label=model._meta.label_lower)
        .annotate(pk_value=Cast("object_pk", output_field=target))
        .values("pk_value")
    )


def case_hold(path: str = "case"):
    """A hold for records linked to a case through ``path``: kept while that case is under legal
    hold."""

    def hold():
        return Q(**{f"{path}__legal_hold": True})

    return hold


def _empty_value(f):
    if isinstance(f, (models.FileField, models.CharField, models.TextField)):
        return ""
    if f.null:
        return None
    return f.get_default()


def owned_records(obj, depth: int = 2):
    """Records that belong to ``obj`` (reverse foreign keys with on_delete=CASCADE: a case's
    messages, their attachments, its notes ...) and hold personal fields. They are wiped with
    it, so that wiping a case leaves nothing of its story behind."""
    for rel in obj._meta.related_objects:
        if not (rel.one_to_many or rel.one_to_one) or rel.on_delete is not models.CASCADE:
            continue
        child_model = rel.related_model
        children = child_model._base_manager.filter(**{rel.field.name: obj.pk}).order_by("pk")
        has_personal = bool(personal_fields(child_model))
        for child in children:
            if has_personal:
                yield child
            if depth > 1:
                yield from owned_records(child, depth - 1)


def _wipe_fields(obj, names, reason: str) -> list[str]:
    """Empty ``names`` on ``obj`` (deleting files) with one UPDATE, and write the audit entry.

    ``update()`` rather than ``save()``: a model's save may recompute things from the fields
    (search keys) or refuse changes (signed contract versions); the wipe must not be stopped by
    either. The audit entry is written here, with the values masked."""
    if registry.contains(obj.__class__):
        # The history keeps earlier personal values sealed (audit.seal): what is wiped goes there too.
        forget_sealed(obj, names)
    changes = {}
    for name in names:
        f = obj._meta.get_field(name)
        value = getattr(obj, name)
        if isinstance(f, models.FileField):
            if value:
                value.storage.delete(value.name)
                changes[name] = ""
        elif value not in (None, ""):
            changes[name] = _empty_value(f)
    if not changes:
        return []
    obj.__class__._base_manager.filter(pk=obj.pk).update(**changes)
    for name, value in changes.items():
        setattr(obj, name, value)
    if registry.contains(obj.__class__):
        extra = obj.get_additional_data() if callable(getattr(obj, "get_additional_data", None)) else {}
        LogEntry.objects.log_create(
            obj,
            force_log=True,
            action=LogEntry.Action.UPDATE,
            changes={name: [REDACTED, ""] for name in changes},
            additional_data={**(extra or {}), "retention": reason},
        )
    return list(changes)


def wipe(obj, rule: Rule | None = None, now=None) -> list:
    """Wipe one record's personal contents, and those of the records it owns, in the caller's
    transaction. Returns the records wiped."""
    rule = rule or rule_for(obj.__class__)
    if rule is None:
        raise LookupError(f"{obj._meta.label}: no retention rule is registered")
    reason = f"{rule.label}: {rule.period} days"
    done = []
    _wipe_fields(obj, rule.wipe_fields, reason)
    reference = getattr(obj, rule.date_field)
    if reference is not None and not hasattr(reference, "hour"):
        reference = timezone.make_aware(datetime.combine(reference, time.min))
    WipedRecord.objects.create(
        model_label=rule.label, object_pk=str(obj.pk), reference_date=reference, period_days=rule.period
    )
    done.append(obj)
    for child in owned_records(obj):
        child_rule = rule_for(child.__class__)
        fields = child_rule.wipe_fields if child_rule else personal_fields(child.__class__)
        if _wipe_fields(child, fields, reason):
            done.append(child)
    if rule.also_wipe:
        for other in rule.also_wipe(obj):
            other_rule = rule_for(other.__class__)
            if other_rule is None or other_rule.is_held(other):
                continue
            if WipedRecord.objects.filter(model_label=other_rule.label, object_pk=str(other.pk)).exists():
                continue
            done += wipe(other.__class__._base_manager.select_for_update().get(pk=other.pk), other_rule, now)
    return done


@dataclass
class RunReport:
    dry_run: bool
    counts: dict = field(default_factory=dict)  # label -> number of records wiped (or to wipe)
    records: list = field(default_factory=list)  # (label, pk)


def run(dry_run: bool = False, now=None, stdout=None, batch_size: int = 200) -> RunReport:
    """Wipe everything due. Each record is wiped in its own transaction after re-checking, under
    a row lock, that it is still due and not on hold, so an interrupted run can simply be run
    again, and a legal hold set during the run is respected."""
    now = now or timezone.now()
    report = RunReport(dry_run=dry_run)
    for rule in registered():
        pks = list(rule.due(now).order_by(rule.date_field, "pk").values_list("pk", flat=True))
        if dry_run:
            report.counts[rule.label] = report.counts.get(rule.label, 0) + len(pks)
            report.records += [(rule.label, pk) for pk in pks]
            continue
        for start in range(0, len(pks), batch_size):
            for pk in pks[start : start + batch_size]:
                with transaction.atomic():
                    obj = rule.due(now).select_for_update().filter(pk=pk).first()
                    if obj is None:  # wiped meanwhile (with its case), put on hold, or changed
                        continue
                    for wiped in wipe(obj, rule, now):
                        label = wiped._meta.label_lower
                        report.counts[label] = report.counts.get(label, 0) + 1
                        report.records.append((label, wiped.pk))
        if stdout is not None:
            stdout.write(f"{rule.label}: {report.counts.get(rule.label, 0)} wiped")
    return report


def upcoming(limit: int = 25, now=None) -> list[dict]:
    """The next records to be wiped, soonest first, with the date and whether they are held."""
    now = now or timezone.now()
    rows = []
    for rule in registered():
        qs = rule.pending().order_by(rule.date_field, "pk")
        held = set(rule.held(rule.pending()).values_list("pk", flat=True)[:10000])
        for obj in qs[:limit]:
            reference = getattr(obj, rule.date_field)
            rows.append(
                {
                    "rule": rule,
                    "object": obj,
                    "reference": reference,
                    "wipe_on": reference + timedelta(days=rule.period),
                    "held": obj.pk in held,
                    "overdue": reference <= rule.cutoff(now),
                }
            )
    rows.sort(key=lambda r: r["wipe_on"].isoformat() if hasattr(r["wipe_on"], "isoformat") else str(r["wipe_on"]))
    return rows[:limit]


def summary(now=None) -> list[dict]:
    """Counts per kind: due now, held, wiped so far."""
    out = []
    for rule in registered():
        pending = rule.pending()
        past = pending.filter(**{f"{rule.date_field}__lte": rule.cutoff(now)})
        out.append(
            {
                "rule": rule,
                "label": rule.model._meta.verbose_name_plural,
                "period": rule.period,
                "due": rule.not_held(past).count(),
                "held": rule.held(past).count(),
                "wiped": WipedRecord.objects.filter(model_label=rule.label).count(),
                "total": rule.model._base_manager.count(),
            }
        )
    return out


# --- the rules for the models that exist in every install -------------------------------------


def register_defaults() -> None:
    """Register Person and Case (called from ``CoreConfig.ready``). Other apps register their own
    models in their ``AppConfig.ready``."""
    try:
        Person = apps.get_model("locate", "Person")
        Case = apps.get_model("cases", "Case")
    except LookupError:
        return

    def case_not_done_with():
        # A client stays while any of their cases is still kept (not wiped yet) or under hold.
        return Exists(Case._base_manager.filter(client=OuterRef("pk")).exclude(pk__in=wiped_pks(Case))) | Exists(
            Case._base_manager.filter(client=OuterRef("pk"), legal_hold=True)
        )

    person_fields = personal_fields(Person)
    names = {f.name for f in Person._meta.concrete_fields}
    # The plaintext search keys (phonetic codes, birth year, keyed hashes of birthday, phones and
    # place) are derived from the personal fields and go with them (see SECURITY.md).
    person_fields += [k for k in ("search_keys", "birth_year", "birth_keys", "phone_keys", "place_key") if k in names]
    register(
        Person,
        period_days=3 * 365,
        date_field="updated_at",
        wipe_fields=person_fields,
        hold=case_not_done_with,
        description="People not linked to a kept case: 3 years after the last change.",
    )

    case_fields = personal_fields(Case)
    names = {f.name for f in Case._meta.concrete_fields}
    for extra in ("summary", "decline_reason"):
        if extra in names and extra not in case_fields:
            case_fields.append(extra)
    register(
        Case,
        period_days=7 * 365,
        date_field="closed_at",
        wipe_fields=case_fields,
        hold=lambda: Q(legal_hold=True),
        also_wipe=lambda case: [case.client],
        description="Closed cases and their client: 7 years after closing.",
    )
