"""No SQL is built from input: no .raw(), .extra(), RawSQL or cursor.execute() whose SQL text
is an f-string, a %-formatted or .format()ted string, or a concatenation with a non-constant.

Formatting is allowed only for identifiers taken from model metadata (table and column names,
quoted with ``connection.ops.quote_name``), never for values, and each such call must be marked
as reviewed: ``# noqa: S608`` on the call (ruff/bandit's code for SQL built from strings) with
the reason, or an entry in ``REVIEWED`` below."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SQL_CALLS = {"raw", "extra", "execute", "executemany", "RawSQL", "copy"}

# Reviewed exceptions: (file, function) -> why the formatted SQL holds no input. Keep it short;
# prefer parameters (%s with a list) everywhere else.
REVIEWED = {
    ("puente/visas/importer.py", "_insert_returning"): "table and column names from the model's metadata; values and ids are parameters",
    # The visa import works in a private in-memory DuckDB database. The SQL it formats holds only
    # names it generates (c0..cN from the header count, field names from columns.FIELDS, its own
    # table names), integers, Puente's own status codes and temporary paths it created; every
    # value from the file stays data (read_csv's path is a parameter).
    ("puente/visas/importer.py", "_connect"): "DuckDB: temporary directory and a constant regular expression",
    ("puente/visas/importer.py", "_load_csv_with_duckdb"): "DuckDB: generated column names; path and skip are parameters",
    ("puente/visas/importer.py", "_map_table"): "DuckDB: table names generated from field names, a type from CONVERTERS",
    ("puente/visas/importer.py", "_count_table"): "DuckDB: table names generated from field names",
    ("puente/visas/importer.py", "_normalise"): "DuckDB: generated column and field names",
    ("puente/visas/importer.py", "_problems"): "DuckDB: generated column names, MAX_PROBLEMS",
    ("puente/visas/importer.py", "import_file"): "DuckDB: generated column names, SAMPLE",
    ("puente/visas/importer.py", "_count"): "DuckDB: Puente's certified status codes",
    ("puente/visas/importer.py", "_summarise"): "ANALYZE of the models' table names, quoted",
    ("puente/visas/importer.py", "_link_names"): "DuckDB: its own table names",
    ("puente/visas/importer.py", "__init__"): "the model's table name (_IndexesBuiltAfter)",
    ("puente/visas/importer.py", "__enter__"): "index names read from the database's catalogue, quoted (_IndexesBuiltAfter)",
    ("puente/visas/importer.py", "_write"): "DuckDB's COPY to a temporary file it created; the model's table, column and index names; values are parameters",
    ("puente/visas/bulk.py", "insert_rows"): "table and column names from the model's metadata and the code, quoted; values are parameters or COPY data",
    ("puente/visas/stats.py", "_refresh_all_employer_totals"): "table names from the model's metadata, quoted; no values",
    ("puente/visas/stats.py", "add_to_employer_totals"): "the model's table name, quoted, and a temporary table of the code's; values go through COPY/executemany",
    ("puente/cases/matching.py", "_pairs"): "UNION of parts whose table and column names come from model metadata (each marked S608); ids are parameters",
}


def _is_built(node) -> bool:
    """True when ``node`` builds a string from something that is not a constant."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            return True
        return _is_built(node.left) or _is_built(node.right) or not (
            isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return True
    return False


def _functions(tree):
    """node -> name of the innermost function containing it."""
    owner = {}
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(fn):
                owner[sub] = fn.name  # inner functions are walked later and win
    return owner


def offending_calls(source: str, filename: str = "<string>"):
    tree = ast.parse(source, filename)
    lines = source.splitlines()
    owner = _functions(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if (filename, owner.get(node)) in REVIEWED:
            continue
        if any("noqa: S608" in line for line in lines[node.lineno - 1:(node.end_lineno or node.lineno)]):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name not in SQL_CALLS:
            continue
        sql_args = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in ("sql", "raw_query", "where", "select")]
        for arg in sql_args:
            for sub in ([arg] if not isinstance(arg, (ast.List, ast.Tuple, ast.Dict)) else list(ast.iter_child_nodes(arg))):
                if _is_built(sub):
                    yield f"{filename}:{node.lineno}: {name}() with SQL built by formatting"


def python_files():
    for path in sorted((ROOT / "puente").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path


def test_no_sql_built_from_strings_in_the_code_base():
    problems = []
    for path in python_files():
        problems += list(offending_calls(path.read_text(), str(path.relative_to(ROOT))))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("snippet", [
    'cursor.execute(f"SELECT * FROM t WHERE name = \'{name}\'")',
    'cursor.execute("SELECT * FROM t WHERE id = %s" % pk)',
    'Person.objects.raw("SELECT * FROM p WHERE x = {}".format(x))',
    'qs.extra(where=["name = \'" + q + "\'"])',
    'RawSQL("lower(" + column + ")", [])',
])
def test_the_checker_catches_built_sql(snippet):
    assert list(offending_calls(snippet))


@pytest.mark.parametrize("snippet", [
    'cursor.execute(f"SELECT id FROM {q(table)}")  # noqa: S608  (names from model metadata)',
    'cursor.execute("SELECT * FROM t WHERE id = %s", [pk])',
    'Person.objects.raw("SELECT * FROM p WHERE x = %s", [x])',
    'cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")',
    'cursor.execute(statement)',
])
def test_the_checker_allows_parameters(snippet):
    assert not list(offending_calls(snippet))
