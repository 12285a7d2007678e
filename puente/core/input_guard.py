"""Refuse a request carrying a NUL character in its query string or its form fields (400).

A NUL byte is never meaningful in Puente's input, and PostgreSQL refuses it in any text
("A string literal cannot contain NUL (0x00) characters"): a search box given ``?q=%00`` would be
a 500 on PostgreSQL while SQLite let it through (issue 23). Forms refuse NUL bytes too (Django's
``ProhibitNullCharactersValidator``); this is the net under every view that reads a parameter
itself. Uploaded files are not looked at (their bytes are the upload check's business).
"""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(querydict) -> str | None:
    for key, values in querydict.lists():
        if "\x00" in key or any("\x00" in v for v in values if isinstance(v, str)):
            return key.replace("\x00", "\\0")
    return None


class NulByteGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = _has_nul(request.GET)
        if name is None and request.method == "POST" and request.content_type in FORM_TYPES:
            name = _has_nul(request.POST)
        if name is not None:
            return HttpResponseBadRequest(
                _("The field “%(name)s” contains a NUL character.") % {"name": name},
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
