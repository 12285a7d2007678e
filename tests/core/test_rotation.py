"""Key rotation: prepend a new key, rotate, drop the old key; everything still reads."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from puente.core import crypto
from puente.core.storage import private_storage
from tests.core.helpers import make_person, store_private_file


@pytest.fixture
def keyring(settings, tmp_path):
    """Swap the data keys for the test (and use a private-files folder of its own), and put the
    suite's key back afterwards."""
    settings.MEDIA_ROOT = str(tmp_path / "media")

    def use(*keys):
        settings.PUENTE_DATA_KEYS = ",".join(k.decode() for k in keys)
        crypto.reset_keys()

    yield use
    crypto.reset_keys()


def raw_column(person, field):
    table = person._meta.db_table
    column = person._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + connection.ops.quote_name(column) + " FROM " + connection.ops.quote_name(table) + " WHERE id = %s",
            [person.pk],
        )
        return cursor.fetchone()[0]


def test_generate_key_prints_a_fernet_key(capsys):
    call_command("generate-key")
    key = capsys.readouterr().out.strip()
    Fernet(key.encode())  # raises if not a key


def test_rotation_round_trip_with_two_keys(db, keyring):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    keyring(old)
    people = [make_person(given=f"Xiomara{i}") for i in range(7)]
    name = store_private_file(b"%PDF-1.4 evidence of unpaid wages")
    path = Path(private_storage.path(name))
    old_token = raw_column(people[0], "given_names")
    Fernet(old).decrypt(old_token.encode())

    keyring(new, old)  # step 2: the new key first, the old one still there
    call_command("rotate-keys", "--batch-size", "3")  # several batches

    keyring(new)  # step 4: the old key is gone
    from puente.locate.models import Person

    for p in people:
        fresh = Person.objects.get(pk=p.pk)
        assert fresh.given_names == p.given_names and fresh.notes == p.notes and fresh.phone == p.phone
        token = raw_column(p, "given_names").encode()
        with pytest.raises(InvalidToken):
            Fernet(old).decrypt(token)
    assert private_storage.read_plain(name) == b"%PDF-1.4 evidence of unpaid wages"
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(path.read_bytes())


def test_rotation_is_idempotent_and_resumable(db, keyring, capsys):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    keyring(old)
    a, b = make_person(given="Ana"), make_person(given="Bety")
    keyring(new, old)
    # Half done: as if an earlier run was interrupted after re-encrypting Ana.
    type(a).objects.filter(pk=a.pk).update(given_names="Ana")
    before_a = raw_column(a, "given_names")
    call_command("rotate-keys")
    assert raw_column(a, "given_names") == before_a  # already under the new key: untouched
    Fernet(new).decrypt(raw_column(b, "given_names").encode())
    capsys.readouterr()
    call_command("rotate-keys")
    out = capsys.readouterr().out
    assert "Re-encrypted 0 values and 0 files" in out


def test_missing_old_key_is_a_clear_error(db, keyring):
    from django.core.management.base import CommandError

    old, new = Fernet.generate_key(), Fernet.generate_key()
    keyring(old)
    make_person()
    keyring(new)  # the old key dropped before rotating: nothing can be read
    with pytest.raises(CommandError, match="old key"):
        call_command("rotate-keys")
