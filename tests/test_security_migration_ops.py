"""Issue 23: the migration operation that encrypts clear-text columns decrypts them when the
migration is unapplied, so that a column turned back into plain text holds plain text."""

from django.db import connection

from puente.core import crypto
from puente.core.migration_ops import encrypt_existing_columns


class _Editor:
    def __init__(self):
        self.connection = connection


def _stored(table, column, pk):
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(column)} FROM {qn(table)} WHERE id = %s", [pk])  # noqa: S608 - table and column names from the test, quoted; the id is a parameter
        return cursor.fetchone()[0]


def test_reverse_decrypts_what_forwards_encrypted(world):
    case = world.case
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {qn('cases_case')} SET {qn('summary')} = %s WHERE id = %s",  # noqa: S608 - fixed names, quoted; values are parameters
                       ["Trabajó en Carolina del Norte", case.pk])
    operation = encrypt_existing_columns([("cases_case", "summary")])
    assert operation.reversible
    operation.code(None, _Editor())
    assert crypto.decrypt(_stored("cases_case", "summary", case.pk)) == "Trabajó en Carolina del Norte"

    operation.reverse_code(None, _Editor())
    assert _stored("cases_case", "summary", case.pk) == "Trabajó en Carolina del Norte"
    # Running the reverse again leaves clear text alone.
    operation.reverse_code(None, _Editor())
    assert _stored("cases_case", "summary", case.pk) == "Trabajó en Carolina del Norte"
