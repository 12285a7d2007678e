"""Writing many rows at once: COPY on PostgreSQL, executemany on SQLite.

The ORM's ``bulk_create`` builds a model instance and a prepared value per field and row; for the
hundred thousand names and tokens of a large import that cost more than the database's own work.
These helpers take plain tuples in the order of ``columns``, which come from the code, never from
input.
"""

from django.db import connection

CHUNK = 20_000


def insert_rows(table, columns, rows):
    """INSERT ``rows`` (tuples in ``columns`` order) into ``table`` (a name from the code)."""
    if not rows:
        return
    table = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608 (names from the code, quoted)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        for start in range(0, len(rows), CHUNK):
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (names from the code, quoted)
            cursor.executemany(insert, rows[start:start + CHUNK])
