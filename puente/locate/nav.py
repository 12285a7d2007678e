from django.utils.translation import gettext_lazy as _

from puente.core.roles import has_perm


def items(user):
    out = []
    if has_perm(user, "people.search"):
        out.append((_("People"), "locate:search"))
    if has_perm(user, "reunification.manage") or has_perm(user, "reunification.search_assigned"):
        out.append((_("Reunification"), "locate:projects"))
    if has_perm(user, "people.manage"):
        out.append((_("Import people"), "locate:import"))
    return out
