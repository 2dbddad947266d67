"""A product is up to date when its inputs' content is unchanged, wherever the files live (issue 14)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from andmesh.pipeline.digests import ContentDigests, file_sha256


def statuses(result) -> dict[str, PortStatus]:  # type: ignore[no-untyped-def]
    return {o.table_id: o.status for o in result.outcomes}


def test_same_files_in_another_folder_are_up_to_date(
    andmesh: Andmesh, three_products: Path, tmp_path: Path
) -> None:
    andmesh.run(three_products)
    elsewhere = tmp_path / "copied-data"
    shutil.copytree(three_products / "data", elsewhere)  # new paths, inodes and mtimes
    again = andmesh.run(three_products, data=elsewhere)
    assert set(statuses(again).values()) == {PortStatus.up_to_date}
    assert [v.version for v in andmesh.warehouse.versions("sales.customers")] == [1]


def test_one_byte_changed_rebuilds_that_product_and_its_downstream_only(
    andmesh: Andmesh, three_products: Path, tmp_path: Path
) -> None:
    andmesh.run(three_products)
    elsewhere = tmp_path / "copied-data"
    shutil.copytree(three_products / "data", elsewhere)
    csv = elsewhere / "sales/customers.csv"
    text = csv.read_text()
    assert "Acme" in text
    csv.write_text(text.replace("Acme", "Acmf", 1))  # the same size: only the content differs
    stat = (three_products / "data/sales/customers.csv").stat()
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = andmesh.run(three_products, data=elsewhere)
    assert statuses(result) == {
        "sales.customers": PortStatus.published,
        "sales.segments": PortStatus.published,
        "finance.rates": PortStatus.up_to_date,
    }


def test_a_file_is_read_again_only_when_its_stat_changes(andmesh: Andmesh, tmp_path: Path) -> None:
    file = tmp_path / "a.csv"
    file.write_text("x\n1\n")
    digests = ContentDigests(andmesh.store)
    assert digests.of([str(file)]) == {str(file): file_sha256(str(file))}
    assert digests.hashed == 1
    # A new run (a new instance) finds it in the store and does not read it.
    later = ContentDigests(andmesh.store)
    assert later.of([str(file)])[str(file)] == file_sha256(str(file))
    assert later.hashed == 0
    file.write_text("x\n2\n")  # same size, new mtime
    changed = ContentDigests(andmesh.store)
    assert changed.of([str(file)])[str(file)] == file_sha256(str(file))
    assert changed.hashed == 1
