"""Operations for migrations that move clear-text columns to encrypted fields.

``encrypt_existing_columns`` encrypts, going forwards, the values written in clear before a field
became encrypted; going backwards (``migrate <app> <earlier>``) it decrypts them again, so that a
column that becomes plain text once more holds plain text, not tokens nobody would decrypt.
"""

from django.db import migrations

from puente.core import crypto


def _is_token(value: str) -> bool:
    try:
        crypto.decrypt(value)
    except (crypto.InvalidToken, ValueError, UnicodeError):  # not a token under our keys: clear text
        return False
    return True


def _rewrite(schema_editor, columns, change) -> None:
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in columns:
            cursor.execute(f"SELECT id, {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> ''")  # noqa: S608  (names quoted, from the migration)
            for pk, value in cursor.fetchall():
                new = change(value)
                if new is not None and new != value:
                    cursor.execute(
                        f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s",  # noqa: S608  (names quoted, from the migration)
                        [new, pk],
                    )


def encrypt_existing_columns(columns: list[tuple[str, str]]) -> migrations.RunPython:
    """A RunPython over ``(table, column)`` pairs. Forwards: encrypt the values written in clear
    (values that already are tokens are left alone, so it is safe on a database where some rows
    were written after the change). Backwards: decrypt every token back to its clear text (clear
    values are left alone), before the field turns back into a plain one."""

    def forwards(apps, schema_editor):
        _rewrite(schema_editor, columns, lambda v: None if _is_token(v) else crypto.encrypt(v))

    def backwards(apps, schema_editor):
        _rewrite(schema_editor, columns, lambda v: crypto.decrypt(v) if _is_token(v) else None)

    return migrations.RunPython(forwards, backwards)
