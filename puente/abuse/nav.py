from django.utils.translation import gettext_lazy as _

from puente.core.roles import has_perm


def items(user):
    entries = []
    if has_perm(user, "abuse.report"):
        entries += [(_("Abuse reports"), "abuse:report_list"), (_("Recruiters"), "abuse:recruiter_list")]
    if has_perm(user, "abuse.analyse"):
        entries += [(_("Abuse patterns"), "abuse:patterns"), (_("Recruiter review"), "abuse:review")]
    return entries
