from django.utils.translation import gettext_lazy as _

from puente.core.roles import has_perm


def items(user):
    entries = []
    if has_perm(user, "directory.view"):
        entries += [(_("Defenders"), "network:defender_list"), (_("Coverage"), "network:coverage"),
                    (_("Advocates"), "network:advocate_list")]
    if has_perm(user, "accounts.manage"):
        entries.append((_("Accounts"), "network:accounts"))
    if has_perm(user, "profile.edit_own"):
        entries.append((_("My profile"), "network:my_profile"))
    else:
        entries.append((_("My account"), "network:account"))
    return entries
