"""The workspace's memory of column lineage: same answer as deriving it, never trusted when forged."""

from __future__ import annotations

from pathlib import Path

from andmesh.governance.lineage.columns import sql_column_lineage
from andmesh.governance.lineage.memory import LineageMemory, query_key

SQL = "select c.id, upper(c.name) as name, sum(o.amount) as total from customers c join orders o on o.cid = c.id group by 1, 2"
SCHEMAS = {"customers": {"id": "int", "name": "text"}, "orders": {"cid": "int", "amount": "double"}}
KEY = b"k" * 32


def test_remembered_lineage_is_the_derived_one(tmp_path: Path) -> None:
    file = tmp_path / "cache" / "column-lineage.json"
    derived = sql_column_lineage(SQL, SCHEMAS)
    assert derived.fields["total"] and derived.dataset  # something worth remembering
    memory = LineageMemory(file, KEY)
    key = query_key(SQL, SCHEMAS, "duckdb")
    assert memory.get(key) is None
    memory.put(key, derived)
    memory.save()
    again = LineageMemory(file, KEY).get(key)
    assert again == derived
    # another query, other schemas or another dialect is another entry
    assert query_key(SQL, {**SCHEMAS, "orders": {"cid": "int"}}, "duckdb") != key
    assert query_key(SQL, SCHEMAS, "spark") != key


def test_a_forged_or_foreign_file_is_ignored(tmp_path: Path) -> None:
    file = tmp_path / "column-lineage.json"
    memory = LineageMemory(file, KEY)
    key = query_key(SQL, SCHEMAS, "duckdb")
    memory.put(key, sql_column_lineage(SQL, SCHEMAS))
    memory.save()
    assert LineageMemory(file, b"x" * 32).get(key) is None  # signed with another workspace's key
    head, _, body = file.read_bytes().partition(b"\n")
    file.write_bytes(head + b"\n" + body.replace(b"amount", b"secret"))  # edited by hand
    assert LineageMemory(file, KEY).get(key) is None
