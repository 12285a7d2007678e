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
            "SELECT "  # noqa: S608 - table and column names from the model's metadata, quoted; the id is a parameter
            + connection.ops.quote_name(column)
            + " FROM "
            + connection.ops.quote_name(table)
            + " WHERE id = %s",
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


# Locate's search hashes (birthday, phone, place) are keyed from the oldest data key
# (puente.locate.keys._secret). rotate-keys runs with the old key still configured, so it leaves
# them valid; dropping the old key changes them, and `puente locate reindex` renews them.

SEARCH_KEYS = ("search_keys", "birth_keys", "phone_keys", "place_key")


@pytest.fixture
def new_process():
    """new_process(): forget locate's hash key and index, as a process started now would."""
    from puente.locate.keys import set_secret
    from puente.locate.search import reset_index

    def restart():
        set_secret(None)
        reset_index()

    restart()
    yield restart
    restart()


def stored_search_keys(person):
    return type(person).objects.filter(pk=person.pk).values(*SEARCH_KEYS).get()


def search_keys_a_save_would_write(person):
    from puente.locate.keys import apply_keys

    fresh = type(person).objects.get(pk=person.pk)
    apply_keys(fresh)
    return {name: getattr(fresh, name) for name in SEARCH_KEYS}


def reasons_for_her(person):
    """Why a search for her by name, birthday and phone finds her."""
    from puente.locate.search import Query, get_index

    query = Query(name="Xiomara Tzoc Ajanel", birth_date="1991-03-07", phone="+502 5555 0142")
    match = next(m for m in get_index().search(query, limit=5, include_nonconsenting=True) if m.person_id == person.pk)
    return set(match.reasons)


def test_rotate_keys_leaves_the_search_hashes_valid(db, keyring, new_process, capsys):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    keyring(old)
    new_process()
    person = make_person()
    before = stored_search_keys(person)
    assert before["phone_keys"] and before["birth_keys"] and before["place_key"]
    found = reasons_for_her(person)
    assert "same phone" in found

    keyring(new, old)  # step 1: the new key first, and a restart
    new_process()
    call_command("rotate-keys")
    assert "puente locate reindex" in capsys.readouterr().out  # the reminder of what comes next
    Fernet(new).decrypt(raw_column(person, "phone").encode())  # rotated...

    new_process()
    assert stored_search_keys(person) == before == search_keys_a_save_would_write(person)  # ...hashes unchanged
    assert reasons_for_her(person) == found


def test_dropping_the_old_key_needs_locate_reindex(db, keyring, new_process):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    keyring(old)
    new_process()
    person = make_person()
    before = stored_search_keys(person)
    keyring(new, old)
    call_command("rotate-keys")

    keyring(new)  # step 3: the old key dropped; the hash key now derives from the new one
    new_process()
    assert search_keys_a_save_would_write(person)["phone_keys"] != before["phone_keys"]
    assert "same phone" not in reasons_for_her(person)  # stale: the phone no longer matches

    call_command("locate", "reindex")
    new_process()  # the service restarted after the reindex (its index is per process)
    after = stored_search_keys(person)
    assert after == search_keys_a_save_would_write(person)
    assert after["phone_keys"] != before["phone_keys"] and after["search_keys"] == before["search_keys"]
    assert "same phone" in reasons_for_her(person)
