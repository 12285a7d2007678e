from importlib import import_module

from django.urls import NoReverseMatch, reverse

NAV_APPS = ["cases", "billing", "locate", "abuse", "network", "visas", "core"]


def navigation(request):
    """The navigation bar for this user. Each app lists its own entries in ``<app>/nav.py`` as
    ``items(user) -> [(label, url_name), ...]``, so the bar never shows a page the role cannot open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    nav_items = []
    for app in NAV_APPS:
        try:
            module = import_module(f"puente.{app}.nav")
        except ModuleNotFoundError:
            continue
        for label, url_name in module.items(user):
            try:
                nav_items.append({"label": label, "url": reverse(url_name)})
            except NoReverseMatch:
                continue
    return {"nav_items": nav_items}
