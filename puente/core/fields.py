"""Model fields whose contents are encrypted at rest (see ``puente.core.crypto``).

The database holds only Fernet tokens. Such a field cannot be filtered or ordered on in SQL:
search works on separate normalised keys that hold only what search needs (documented in
SECURITY.md), never on these columns.
"""

from django.db import models

from . import crypto


class Ciphertext(str):
    """A value that is already a token under the data keys (a restored backup): stored as is."""


class EncryptedMixin:
    """Encrypt on the way to the database, decrypt on the way back. Empty stays empty."""

    def get_prep_value(self, value):
        if isinstance(value, Ciphertext):
            return str(value)
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.decrypt(value)

    def get_internal_type(self):
        return "TextField"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        # Tokens are longer than the text they hold; the max_length applies to the plain text.
        return name, path, args, kwargs


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A CharField for forms and validation; stored as encrypted text of any length."""

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    @property
    def non_db_attrs(self):
        return super().non_db_attrs + ("max_length",)
