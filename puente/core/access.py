"""View helpers for access checks. Every view uses one of these; the access-matrix tests check them.

- ``@require_perm("cases.review")`` refuses (403) a user whose role lacks the permission, and
  sends an anonymous user to the login page.
- ``get_visible_or_404(queryset, **lookup)`` fetches an object from a queryset already narrowed
  to what the user may see, so another party's object is a plain 404.
"""

from functools import wraps

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import UserSession
from .roles import has_perm


def require_perm(*perms: str):
    """Allow the view to users holding any of ``perms``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_perm(request.user, p) for p in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_perms = perms
        return wrapper

    return decorator


def require_login(view):
    """For views open to every signed-in role, whose object-level check is inside the view."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.required_perms = ()
    return wrapper


def public(view):
    """Mark a view as deliberately open to everyone (the visa-data pages, the login page)."""
    view.is_public = True
    return view


def get_visible_or_404(queryset, **lookup):
    return get_object_or_404(queryset, **lookup)


# --- querysets of the core pages (sessions, accounts, legal hold) -----------------------------

def manageable_users(user):
    """Accounts whose sessions and activation ``user`` may manage: every account for those
    holding ``accounts.manage`` (Coordinators), none otherwise."""
    User = get_user_model()
    if has_perm(user, "accounts.manage"):
        return User.objects.all()
    return User.objects.none()


def visible_sessions(user):
    if has_perm(user, "accounts.manage"):
        return UserSession.objects.select_related("user")
    return UserSession.objects.none()


def holdable_cases(user):
    """Cases whose legal hold ``user`` may set: every case for ``retention.manage``."""
    # Read through the app registry: core does not import cases (it is below it); every write
    # goes through the cases provider ``core.set_legal_hold``.
    Case = apps.get_model("cases", "Case")
    if has_perm(user, "retention.manage"):
        return Case.objects.all()
    return Case.objects.none()
