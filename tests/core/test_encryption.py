"""Personal data is ciphertext at rest: in the columns, in the database file, and on the disk."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from puente.core import crypto, keys
from puente.core.fields import EncryptedMixin
from puente.core.storage import private_storage
from tests.core.helpers import make_person, store_private_file

# Phone digits are matched whole ("5555 0142", "55550142"): a short run such as "5555" can occur
# by chance in a row id or in a base64 token and made this test flaky.
PLAINTEXTS = [
    "Xiomara",
    "Tzoc",
    "Ajanel",
    "5555 0142",
    "55550142",
    "Chemealón",
    "Chemeal",
    "Monterrey",
    "Marisol",
    "Tuicoy",
    "1991-03-07",
]


def test_encrypted_columns_hold_only_fernet_tokens(db):
    person = make_person()
    fields = keys.encrypted_fields()[type(person)]
    # Fill every encrypted field (the locate engineer may add more) with a recognisable value.
    for name in fields:
        if not getattr(person, name):
            setattr(person, name, f"Chemealón-{name}")
    person.save()
    assert {"given_names", "surname_1", "phone", "notes", "relatives", "birth_date"} <= set(fields)
    table = person._meta.db_table
    columns = [person._meta.get_field(f).column for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "  # noqa: S608 - table and column names from the model's metadata, quoted; the id is a parameter
            + ", ".join(connection.ops.quote_name(c) for c in columns)
            + " FROM "
            + connection.ops.quote_name(table)
            + " WHERE id = %s",
            [person.pk],
        )
        row = cursor.fetchone()
    for column, value in zip(columns, row, strict=True):
        assert value, column
        assert value.startswith("gAAAAA"), f"{column} is not a Fernet token: {value[:20]}"
        for plain in PLAINTEXTS:
            assert plain not in value
        # And the token does decrypt to what the model shows.
        assert crypto.decrypt(value) == getattr(type(person).objects.get(pk=person.pk), fields[columns.index(column)])


def test_every_encrypted_field_is_discovered_across_apps():
    from django.apps import apps

    expected = {
        (m, f.name) for m in apps.get_models() for f in m._meta.concrete_fields if isinstance(f, EncryptedMixin)
    }
    found = {(m, n) for m, names in keys.encrypted_fields().items() for n in names}
    assert found == expected and expected


@pytest.mark.django_db(transaction=True)
def test_a_stolen_sqlite_file_reveals_nothing(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the database-file test reads an SQLite file")
    make_person(notes="Lives with her uncle Baltazar Cux in Huehuetenango")
    copy = tmp_path / "stolen.sqlite3"
    # The file as an attacker would copy it (VACUUM INTO writes a consistent copy of the DB).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    data = copy.read_bytes()
    assert len(data) > 10_000
    for plain in [*PLAINTEXTS, "Baltazar", "Cux"]:
        assert plain.encode() not in data, plain
        assert plain.encode("utf-16-le") not in data, plain


@pytest.mark.django_db(transaction=True)
def test_postgres_rows_reveal_nothing():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    person = make_person()
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(p)::text FROM locate_person p WHERE id = %s", [person.pk])
        (row,) = cursor.fetchone()
    for plain in PLAINTEXTS:
        assert plain not in row


def test_uploaded_files_are_ciphertext_on_disk(db):
    content = b"%PDF-1.7 Declaracion de Xiomara Tzoc Ajanel, aldea Chemealon"
    name = store_private_file(content)
    path = Path(private_storage.path(name))
    assert str(path).startswith(str(settings.MEDIA_ROOT))
    assert "Xiomara" not in name and name.endswith(".bin")
    on_disk = path.read_bytes()
    assert b"Xiomara" not in on_disk and b"PDF" not in on_disk
    assert private_storage.read_plain(name) == content
    with pytest.raises(ValueError):
        private_storage.url(name)


def test_every_file_field_of_every_model_uses_the_encrypted_private_storage():
    """A new upload field that forgets ``storage=private_storage`` would write plaintext files
    (and could be served from a URL): fail at once."""
    from django.apps import apps
    from django.db import models

    from puente.core.storage import EncryptedFileSystemStorage

    file_fields = [
        (m._meta.label, f.name, f.storage)
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, models.FileField)
    ]
    plain = [
        (label, name) for label, name, storage in file_fields if not isinstance(storage, EncryptedFileSystemStorage)
    ]
    assert not plain, f"File fields not in private_storage: {plain}"
