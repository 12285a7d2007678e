"""The three roles of the network, and what each may do, as data.

Coarse permissions (may this role use this screen at all?) live in ``PERMISSIONS`` so that they
can be read, reviewed and tested in one place, as Primero does with its role definitions.
Object-level access (may this Defender see *this* case?) is decided by each app's ``access``
module, which returns the querysets a user may see; views fetch objects only through them, so an
object the user may not see is simply not found (404), and nothing about it leaks.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    ADVOCATE = "advocate", _("Advocate")
    DEFENDER = "defender", _("Defender")


# permission -> roles that hold it. Add a line here when a new kind of action appears.
PERMISSIONS: dict[str, frozenset[str]] = {
    # network directory
    "directory.view": frozenset({Role.COORDINATOR}),
    "directory.edit": frozenset({Role.COORDINATOR}),
    "directory.import_export": frozenset({Role.COORDINATOR}),
    "accounts.invite": frozenset({Role.COORDINATOR}),
    "accounts.manage": frozenset({Role.COORDINATOR}),
    "audit.view": frozenset({Role.COORDINATOR}),
    # see an earlier version of a record's personal fields and restore it (security, issue 23)
    "audit.restore": frozenset({Role.COORDINATOR}),
    "retention.manage": frozenset({Role.COORDINATOR}),
    "profile.edit_own": frozenset({Role.DEFENDER, Role.ADVOCATE}),
    # case facilitation
    "cases.request": frozenset({Role.ADVOCATE}),
    "cases.review": frozenset({Role.COORDINATOR}),
    "cases.view_assigned": frozenset({Role.DEFENDER}),
    "cases.view_own": frozenset({Role.ADVOCATE}),
    "cases.report_figures": frozenset({Role.COORDINATOR}),
    # billing
    "billing.report": frozenset({Role.DEFENDER}),
    "billing.manage": frozenset({Role.COORDINATOR}),
    "billing.view_invoices_own": frozenset({Role.ADVOCATE}),
    # people, locating and reunification
    "people.search": frozenset({Role.COORDINATOR, Role.DEFENDER}),
    "people.manage": frozenset({Role.COORDINATOR}),
    "reunification.manage": frozenset({Role.COORDINATOR}),
    "reunification.search_assigned": frozenset({Role.DEFENDER}),
    # recruitment abuse
    "abuse.report": frozenset({Role.COORDINATOR, Role.DEFENDER, Role.ADVOCATE}),
    "abuse.analyse": frozenset({Role.COORDINATOR}),
    "voice.moderate": frozenset({Role.COORDINATOR}),
    # visa data (public pages need no permission)
    "visas.manage": frozenset({Role.COORDINATOR}),
    "visas.internal": frozenset({Role.COORDINATOR}),
}


def has_perm(user, perm: str) -> bool:
    """True if the user's role holds ``perm``. Unknown permissions are an error, not a silent no."""
    if perm not in PERMISSIONS:
        raise KeyError(f"Unknown permission {perm!r}: add it to puente.core.roles.PERMISSIONS")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in PERMISSIONS[perm]
