from importlib import import_module

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# The navigation, app by app and in this order. Each app lists its own entries in <app>/nav.py;
# the label here heads that app's group in the phone menu (core/_nav_menu.html). The wide bar
# (core/_nav.html) shows the same entries in one line, without the group labels.
NAV_GROUPS = [
    ("cases", _("Cases")),
    ("billing", _("Billing and payments")),
    ("locate", _("Finding people")),
    ("abuse", _("Abusive recruitment")),
    ("network", _("Network")),
    ("visas", _("H-2 visas")),
    ("core", _("Administration")),
    ("jobs", _("Jobs")),
]
NAV_APPS = [app for app, _label in NAV_GROUPS]


def navigation(request):
    """The navigation for this user. Each app lists its own entries in ``<app>/nav.py`` as
    ``items(user) -> [(label, url_name), ...]``, so the navigation never shows a page the role
    cannot open.

    ``nav_items``: every entry, in order (the bar); ``nav_groups``: the same entries grouped by
    app, empty groups left out (the phone menu). An entry is ``{"label", "url", "current"}``.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    nav_items, nav_groups, seen = [], [], set()
    for app, group_label in NAV_GROUPS:
        try:
            module = import_module(f"puente.{app}.nav")
        except ModuleNotFoundError:
            continue
        group = []
        for label, url_name in module.items(user):
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            if url in seen:  # one page, one entry (two permissions may list the same page)
                continue
            seen.add(url)
            group.append({"label": label, "url": url, "current": url == request.path})
        if group:
            nav_items += group
            nav_groups.append({"label": group_label, "items": group})
    return {"nav_items": nav_items, "nav_groups": nav_groups}
