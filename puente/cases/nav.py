from django.utils.translation import gettext_lazy as _

from puente.core.roles import has_perm


def items(user):
    out = []
    if has_perm(user, "cases.review"):
        out.append((_("Case queue"), "cases:queue"))
    if has_perm(user, "cases.view_own"):
        out += [(_("My cases"), "cases:my_cases"), (_("New request"), "cases:request_new")]
    if has_perm(user, "cases.view_assigned"):
        out.append((_("My assignments"), "cases:my_assignments"))
    if has_perm(user, "cases.report_figures"):
        out.append((_("Program figures"), "cases:figures"))
    out.append((_("Notifications"), "cases:notifications"))
    return out
