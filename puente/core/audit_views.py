"""An earlier version of a record, from the audit history, and "restore this version".

Coordinators with ``audit.restore`` only. The page decrypts the sealed values of one record's
personal fields (``audit.version_of``): showing them is a read of that record, logged like any
other (``log_access``). Restoring is ``core.actions.do_restore_version``, itself audited.
"""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import actions, audit
from .access import require_perm
from .action_contract import ActionRefused


@require_perm("audit.restore")
def audit_version(request, pk):
    entry = get_object_or_404(LogEntry.objects.select_related("content_type", "actor"), pk=pk)
    try:
        version = audit.version_of(entry)
    except ObjectDoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        try:
            restored = actions.do_restore_version(entry, acting_user=request.user)
        except ActionRefused as exc:
            messages.error(request, exc.text)
        else:
            messages.success(request, _("Version restored: %(n)s fields put back.") % {"n": len(restored)})
        return redirect("core:audit_version", pk=entry.pk)
    model = type(version.obj)
    if auditlog.contains(model):
        audit.log_access(version.obj)
    rows = [
        {
            "label": model._meta.get_field(name).verbose_name,
            "then": version.values.get(name, ""),
            "today": getattr(version.obj, name) or "",
            "differs": name in version.differs,
            "lost": name in version.lost,
        }
        for name in audit.restorable_fields(model)
    ]
    return render(request, "core/audit_version.html", {
        "entry": entry, "version": version, "rows": rows, "kind": model._meta.verbose_name,
    })
