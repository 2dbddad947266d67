"""The resolution writes its cross-reference, evidence and nodes as Parquet from its own DuckDB
(at a million customers they never pass through Python), and reads a previous version as a
lazy scan: the same rows and the same enterprise ids as with Arrow tables. Real DuckDB and Splink."""

from __future__ import annotations

import gc
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from andmesh.enterprise.entities.resolve import TABLES, Resolution, resolve
from tests.enterprise.entities.conftest import entity_spec


def ids(xref: pa.Table) -> dict[tuple[str, str], str]:
    return {(r["source"], r["record_id"]): r["entity_id"] for r in xref.to_pylist()}


def test_the_tables_are_files_and_save_moves_them(
    world: dict[str, pa.Table], resolved: Resolution, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    result = resolve(entity_spec(), world, out=work)
    for name in TABLES:
        assert (work / f"{name}.parquet").exists(), name
    assert result.xref.equals(resolved.xref), "the same resolution gives the same rows"
    assert result.evidence.num_rows == resolved.evidence.num_rows > 0
    saved = tmp_path / "artifacts" / "run-1"
    result.save(saved)
    assert sorted(p.name for p in saved.iterdir()) == [
        "evidence.parquet",
        "model.json",
        "nodes.parquet",
        "summary.json",
        "xref.parquet",
    ]
    assert not (work / "xref.parquet").exists(), "moved, not copied"
    assert result.path("xref") == saved / "xref.parquet"
    assert pq.read_table(saved / "xref.parquet").num_rows == result.summary.records
    # Saved again elsewhere: copied (the first saved folder is the caller's and stays whole).
    result.save(tmp_path / "again")
    assert (saved / "xref.parquet").exists() and (tmp_path / "again" / "xref.parquet").exists()


def test_a_temporary_folder_goes_with_the_result(world: dict[str, pa.Table]) -> None:
    result = resolve(entity_spec(), world)
    folder = result.folder
    assert (folder / "xref.parquet").exists()
    del result
    gc.collect()
    assert not folder.exists()


def test_a_previous_version_read_as_a_scan_keeps_its_ids(
    world: dict[str, pa.Table], resolved: Resolution, tmp_path: Path
) -> None:
    """Previous ids renamed (as if numbered by another run): every cluster keeps its own, whether
    the previous version is an Arrow table or a lazy scan of its files."""
    old = resolved.xref.select(["entity_id", "source", "record_id"])
    renamed = old.set_column(
        0, "entity_id", pc.binary_join_element_wise("C-9", pc.utf8_slice_codeunits(old["entity_id"], 2), "")
    )
    folder = tmp_path / "previous"
    folder.mkdir()
    half = renamed.num_rows // 2
    pq.write_table(renamed.slice(0, half), folder / "part-0.parquet")
    pq.write_table(renamed.slice(half), folder / "part-1.parquet")
    from_scan = resolve(entity_spec(), world, previous=ds.dataset(str(folder), format="parquet"))
    from_table = resolve(entity_spec(), world, previous=renamed)
    assert ids(from_scan.xref) == ids(from_table.xref) == ids(renamed)


def test_new_ids_follow_the_highest_ever_given(world: dict[str, pa.Table], resolved: Resolution) -> None:
    """A cluster whose records are all new gets the number after the highest previous one (even
    past six digits); an id with another prefix does not count."""
    before = ids(resolved.xref)
    account = ("sales.accounts", "A005")
    gone = before[account]
    kept = resolved.xref.filter(pc.not_equal(resolved.xref["entity_id"], gone))
    rows = kept.select(["entity_id", "source", "record_id"]).to_pylist()
    rows[0]["entity_id"] = "C-1234567"
    rows[1]["entity_id"] = "X-9999999"
    previous = pa.Table.from_pylist(rows)
    after = ids(resolve(entity_spec(), world, previous=previous).xref)
    assert after[account] == "C-1234568"
    # The record's cluster keeps the id most of its records had; the lone vote still sets the floor.
    first = (rows[0]["source"], rows[0]["record_id"])
    assert after[first] == before[first] != "C-1234567"
    assert {after[k] for k, v in before.items() if v == gone} == {"C-1234568"}
