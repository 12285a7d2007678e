"""Validate API input with the web page's own Django form, so that the API accepts exactly what
the page accepts (and refuses it with the same translated messages)."""

from rest_framework import serializers


def validate_with_form(form_class, data: dict, prefix: str = "", **form_kwargs) -> dict:
    form_data = {k: ("" if v is None else v) for k, v in data.items()}
    for k, v in list(form_data.items()):
        if isinstance(v, bool):
            form_data[k] = "on" if v else ""
        elif hasattr(v, "pk"):
            form_data[k] = v.pk
    form = form_class(form_data, **form_kwargs)
    if not form.is_valid():
        errors = {}
        for field, messages in form.errors.items():
            name = "non_field_errors" if field == "__all__" else field
            errors[f"{prefix}{name}"] = [str(m) for m in messages]
        raise serializers.ValidationError(errors)
    return form.cleaned_data
