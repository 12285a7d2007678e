"""Names: employer names as filed (name, city, state) and agent names become ids.

Each distinct (name, city, state) as filed is an ``EmployerName``; names with the same key in the
same state are one ``Employer`` (record linkage merges more later, ``resolve``). Each distinct agent
name as filed is an ``AgentName``; names with the same key are one ``Agent``, merged ones included
(a new spelling of a merged agent's key joins its survivor). New names are created a batch at a
time with plain INSERTs, in sorted order so that the result does not depend on set order.
"""

from __future__ import annotations

import pyarrow as pa
from django.db import connection
from django.utils import timezone

from .. import normalise
from ..bulk import insert_rows
from ..models import Agent, AgentName, Employer, EmployerName, LinkMethod


class NameBook:
    """Employer and agent names as filed -> ids, creating the new ones a batch at a time with plain
    INSERTs (the ORM's bulk_create costs more than the rows themselves on large files)."""

    def __init__(self):
        self.employer_names = {}  # (name, city, state) -> (name_id, employer_id)
        self.employer_by_key = {}  # (key, state) -> employer_id
        for pk, name, city, state, key, employer_id in EmployerName.objects.values_list(
            "pk", "name", "city", "state", "key", "employer_id"
        ).iterator(chunk_size=20_000):
            self.employer_names[(name, city, state)] = (pk, employer_id)
            if employer_id:
                self.employer_by_key.setdefault((key, state), employer_id)
        self.agents = dict(AgentName.objects.values_list("name", "agent_id"))
        # A new spelling whose key is a merged agent's joins the agent it was merged into.
        merged_into = dict(Agent.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id"))

        def active(pk):
            seen = set()
            while pk in merged_into and pk not in seen:
                seen.add(pk)
                pk = merged_into[pk]
            return pk

        self.agent_by_key = {key: active(pk) for key, pk in Agent.objects.values_list("key", "pk")}
        self.new_employers = set()
        self.new_names = []  # (name id, key) of the employer names as filed created here

    @staticmethod
    def _insert_returning(model, columns_, rows, key_columns):
        """INSERT ``rows``; returns {tuple of key_columns: pk} for the new rows."""
        if not rows:
            return {}
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (the model's table name)
            before = cursor.fetchone()[0]
            insert_rows(table, columns_, rows)
            cursor.execute(f"SELECT id, {', '.join(key_columns)} FROM {table} WHERE id > %s", [before])  # noqa: S608 (names from the code)
            return {tuple(r[1:]): r[0] for r in cursor.fetchall()}

    def prepare(self, employer_keys, agent_names):
        now = timezone.now()
        # Sorted: which name of a new employer is met first must not depend on set order.
        missing = sorted(k for k in employer_keys if k not in self.employer_names)
        if missing:
            # One employer per new (normalised name, state); record linkage merges them later.
            new_keys = {}
            for name, city, state in missing:
                key = (normalise.name_key(name) or name.upper())[:300]
                if (key, state) not in self.employer_by_key and (key, state) not in new_keys:
                    new_keys[(key, state)] = (name[:300], key, state, city[:120], now, 0, 0)
            created = self._insert_returning(
                Employer, ["name", "key", "state", "city", "created_at", "positions_certified", "row_count"],
                list(new_keys.values()), ["key", "state"])
            self.employer_by_key.update(created)
            self.new_employers.update(created.values())
            rows = []
            for name, city, state in missing:
                key = (normalise.name_key(name) or name.upper())[:300]
                rows.append((name, city, state, key, self.employer_by_key[(key, state)], 1.0, LinkMethod.EXACT.value))
            created = self._insert_returning(
                EmployerName, ["name", "city", "state", "key", "employer_id", "certainty", "method"], rows,
                ["name", "city", "state"])
            for (name, city, state, key, employer_id, _c, _m) in rows:
                self.employer_names[(name, city, state)] = (created[(name, city, state)], employer_id)
                self.new_names.append((created[(name, city, state)], key))
        missing_agents = sorted(n for n in agent_names if n and n not in self.agents)
        if missing_agents:
            new_agents = {}
            for name in missing_agents:
                key = (normalise.name_key(name) or name.upper())[:300]
                if key not in self.agent_by_key and key not in new_agents:
                    new_agents[key] = (name[:300], key)
            created = self._insert_returning(Agent, ["name", "key"], list(new_agents.values()), ["key"])
            self.agent_by_key.update({k[0]: pk for k, pk in created.items()})
            rows = []
            for name in missing_agents:
                key = (normalise.name_key(name) or name.upper())[:300]
                rows.append((name, key, self.agent_by_key[key], 1.0))
            self._insert_returning(AgentName, ["name", "key", "agent_id", "certainty"], rows, ["name"])
            for name, _key, agent_id, _c in rows:
                self.agents[name] = agent_id


def link_names(con, employer_keys, agent_names):
    """Employer names as filed (name, city, state) and agent names -> ids, creating what is new;
    the ids go to DuckDB tables ``employer_ids`` and ``agent_ids``."""
    names = NameBook()
    names.prepare(employer_keys, agent_names)
    keys = list(employer_keys)
    ids = [names.employer_names[k] for k in keys]
    agents = list(agent_names)
    # Tables, not registered views of Arrow data: the rows are streamed from another cursor.
    for table, data in (
        ("employer_ids", {
            "name": pa.array([k[0] for k in keys], pa.string()), "city": pa.array([k[1] for k in keys], pa.string()),
            "state": pa.array([k[2] for k in keys], pa.string()), "name_id": pa.array([i[0] for i in ids], pa.int64()),
            "employer_id": pa.array([i[1] for i in ids], pa.int64())}),
        ("agent_ids", {
            "name": pa.array(agents, pa.string()),
            "agent_id": pa.array([names.agents[a] for a in agents], pa.int64())}),
    ):
        con.register(f"{table}_src", pa.table(data))
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_src")  # noqa: S608 (its own table names)
        con.unregister(f"{table}_src")
    return names
