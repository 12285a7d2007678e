from django.utils.translation import gettext_lazy as _

from .roles import has_perm


def items(user):
    entries = []
    if has_perm(user, "audit.view"):
        entries.append((_("Audit"), "core:audit"))
    if has_perm(user, "accounts.manage"):
        entries.append((_("Sessions"), "core:sessions"))
    if has_perm(user, "retention.manage"):
        entries.append((_("Retention"), "core:retention"))
    return entries
