from django.utils.translation import gettext_lazy as _


def items(user):
    if getattr(user, "is_authenticated", False):
        return [(_("My jobs"), "jobs:mine")]
    return []
