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


def test_source_columns_are_remembered_until_the_file_changes(lineage_mesh: Path, tmp_path: Path) -> None:
    import os

    from andmesh.governance.lineage.sources import source_schemas
    from andmesh.spec import load_mesh

    mesh = load_mesh(lineage_mesh)
    product = next(p for p in mesh.products.values() if p.sources)
    data = lineage_mesh / "data"
    read = source_schemas(product, data)
    assert read and all(read.values())
    file = tmp_path / "cache" / "column-lineage.json"
    memory = LineageMemory(file, KEY)
    assert source_schemas(product, data, memory) == read
    memory.save()
    warm = LineageMemory(file, KEY)
    assert source_schemas(product, data, warm) == read
    assert not warm._dirty  # every source answered from memory
    # A file rewritten with other columns is read again.
    source = product.sources[0]
    first = sorted(data.glob(source.path))[0]
    assert first.suffix == ".csv"
    first.write_text("other,columns\n1,2\n")
    os.utime(first, ns=(1, 1))
    again = source_schemas(product, data, warm)
    assert again[source.name] == {"other": "bigint", "columns": "bigint"}
    assert again == source_schemas(product, data)
