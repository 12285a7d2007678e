"""The other apps' model classes and choices, for the serializers that describe them.

The API app reads every object through the other apps' ``access.py`` querysets and changes
them only through their ``actions.py``; it never imports their ``models`` modules (the layer
contracts in pyproject.toml forbid it). A ``ModelSerializer`` still has to name the model it
describes, and a request field its choices: both come from Django's app registry, which is read
once the apps are loaded (the URL configuration imports the endpoints after that)."""

from django.apps import apps


def model(label: str):
    """``model("cases.Case")``."""
    return apps.get_model(label)


def choices(label: str, field: str):
    """The choices of a model field, as (value, label) pairs."""
    return apps.get_model(label)._meta.get_field(field).choices
