"""Operations for migrations that move clear-text columns to encrypted fields."""

from django.db import migrations


def encrypt_existing_columns(columns: list[tuple[str, str]]) -> migrations.RunPython:
    """A RunPython that encrypts the values of ``(table, column)`` written in clear before the
    field became encrypted (demo or early data). Values that already are tokens are left alone, so
    it is safe to run on a database where some rows were written after the change."""

    def forwards(apps, schema_editor):
        from puente.core import crypto

        connection = schema_editor.connection
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, column in columns:
                cursor.execute(f"SELECT id, {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> ''")  # noqa: S608
                for pk, value in cursor.fetchall():
                    try:
                        crypto.decrypt(value)
                        continue
                    except Exception:  # noqa: BLE001  (not a token: clear text to encrypt)
                        pass
                    cursor.execute(
                        f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s",  # noqa: S608
                        [crypto.encrypt(value), pk],
                    )

    return migrations.RunPython(forwards, migrations.RunPython.noop)
