from django.utils.translation import gettext_lazy as _

from puente.core.roles import has_perm


def items(user):
    entries = [(_("Visa data"), "visas:search"), (_("Visa statistics"), "visas:stats")]
    if has_perm(user, "visas.internal"):
        entries.append((_("Employer merges"), "visas:reviews"))
    return entries
