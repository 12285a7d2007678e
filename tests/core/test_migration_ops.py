from django.db import connection

from puente.core import crypto
from puente.core.migration_ops import encrypt_existing_columns


def test_clear_text_written_before_encryption_is_encrypted_and_tokens_are_left_alone(world):
    case = world.case
    token_before = crypto.encrypt("already a token")
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn('cases_case')} SET {qn('summary')} = %s WHERE id = %s",  # noqa: S608 - fixed table and column names, quoted; values are parameters
            ["Trabajó en Carolina del Norte", case.pk],
        )
        cursor.execute(
            f"UPDATE {qn('cases_task')} SET {qn('description')} = %s WHERE id = %s", [token_before, world.task.pk]  # noqa: S608 - fixed table and column names, quoted; values are parameters
        )

    operation = encrypt_existing_columns([("cases_case", "summary"), ("cases_task", "description")])

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    operation.code(None, editor)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn('summary')} FROM {qn('cases_case')} WHERE id = %s", [case.pk])  # noqa: S608 - fixed table and column names, quoted; the id is a parameter
        stored_summary = cursor.fetchone()[0]
        cursor.execute(f"SELECT {qn('description')} FROM {qn('cases_task')} WHERE id = %s", [world.task.pk])  # noqa: S608 - fixed table and column names, quoted; the id is a parameter
        stored_description = cursor.fetchone()[0]
    assert "Carolina" not in stored_summary
    assert crypto.decrypt(stored_summary) == "Trabajó en Carolina del Norte"
    assert stored_description == token_before  # not encrypted twice
    case.refresh_from_db()
    assert case.summary == "Trabajó en Carolina del Norte"
