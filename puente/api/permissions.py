"""Who may call an endpoint: the role's coarse permission (as the web page's ``require_perm``)
and, for a request made with a token, the token's scope for the endpoint's area.

Every API view names its ``area`` (one of ``models.Area``) and, where the web page has one, its
``required_perms`` (any one suffices; empty for endpoints open to every signed-in role, whose
object-level rules are in the access querysets) or ``public = True`` (the visa data)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from puente.core.roles import has_perm

from .models import AccessToken, Area

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class PuentePermission(permissions.BasePermission):
    message = _("You may not do this.")

    def has_permission(self, request, view):
        token = request.auth if isinstance(request.auth, AccessToken) else None
        write = request.method in WRITE_METHODS or getattr(view, "writes", False)
        area = getattr(view, "area", None)
        if area is None:  # a view that forgot to say its area is closed, not open
            return False
        if token is not None and not token.allows(area, write):
            label = dict(Area.choices).get(area, area)
            if write:
                self.message = _("This token may not change %(area)s.") % {"area": label}
            else:
                self.message = _("This token may not read %(area)s.") % {"area": label}
            return False
        if getattr(view, "public", False) and not write:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        perms = (
            view.get_required_perms() if hasattr(view, "get_required_perms") else getattr(view, "required_perms", ())
        )
        if isinstance(perms, dict):  # per method: {"GET": (...), "POST": (...)}
            perms = perms.get(request.method, perms.get("*", ()))
        return not perms or any(has_perm(user, p) for p in perms)
