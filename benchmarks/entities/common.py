"""Shared by the entity-resolution benchmarks: data, the units' products, the spec variants.

Data and workspaces are cached under ``benchmarks/out/entities/<customers>-<seed>-<noise>/``
(``benchmarks/out`` is not committed): the Order-to-Cash data is generated once, and the
units' products the customer entity reads are built once with ``andmesh run``.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from andmesh.spec.entity import EntitySpec

ROOT = Path(__file__).resolve().parents[2]
MESH = ROOT / "examples" / "order_to_cash"
OUT = ROOT / "benchmarks" / "out" / "entities"
SPEC_FILE = MESH / "enterprise" / "entities" / "customer.yaml"


def spec(variant: str) -> EntitySpec:
    """``keys``: customer.yaml as the mesh runs it. ``attributes``: no trusted keys (the
    units' systems not integrated): tax ids, bank accounts and the Splink model only.
    ``location``: location.yaml (the same resolution over addresses, no keys)."""
    if variant == "location":  # the location entity (no keys: its model trained by EM)
        return EntitySpec.model_validate(yaml.safe_load((SPEC_FILE.parent / "location.yaml").read_text()))
    data: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text())
    if variant == "attributes":
        data = copy.deepcopy(data)
        data["links"] = []
    elif variant != "keys":
        raise SystemExit(f"unknown variant {variant!r}: keys or attributes")
    return EntitySpec.model_validate(data)


def prepare(customers: int, seed: int, noise: float) -> tuple[Path, Path, dict[str, float]]:
    """Generate the data and build the products the customer entity reads; (data, workspace, seconds)."""
    folder = OUT / f"{customers}-{seed}-{noise:g}"
    data, ws = folder / "data", folder / "ws"
    seconds: dict[str, float] = {}
    if not (data / "truth" / "manifest.yaml").exists():
        clock = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "andmesh.cli", "generate", "order-to-cash", "--customers", str(customers),
             "--seed", str(seed), "--noise", str(noise), "--out", str(data), "--overwrite"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        seconds["generate"] = round(time.perf_counter() - clock, 1)
    if not (ws / "built").exists():
        entity = spec("keys")
        select = [
            f"+{p}" for p in {s.product for s in entity.sources} | {link.product for link in entity.links}
        ]
        clock = time.perf_counter()
        args = [
            sys.executable,
            "-m",
            "andmesh.cli",
            "--workspace",
            str(ws),
            "run",
            str(MESH),
            "--data",
            str(data),
        ]
        for selector in sorted(select):
            args += ["--select", selector]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        (ws / "built").write_text("ok")
        seconds["build units' products"] = round(time.perf_counter() - clock, 1)
    return data, ws, seconds


def load_tables(ws: Path, entity: EntitySpec) -> dict[str, Any]:
    """The current version of every source and link product, as lazy Parquet scans (pyarrow
    datasets): what the ``customer_xref`` pipeline hands the resolution (``pipelines._scans``),
    so the resolving process holds no copy of its inputs and its peak memory is the resolution's."""
    import pyarrow.dataset as ds

    from andmesh.enterprise.entities.pipelines import _needed_columns
    from andmesh.spec.entity import Entity
    from andmesh.storage.warehouse import Warehouse

    warehouse = Warehouse(f"sqlite:///{ws / 'catalog.db'}", ws / "warehouse")
    needed = _needed_columns(Entity(entity.name, SPEC_FILE, entity))
    tables: dict[str, Any] = {}
    for product_id, columns in needed.items():
        version = warehouse.current(product_id)  # the O2C port of a product has the product's name
        assert version is not None, f"{product_id} is not published in {ws}"
        dataset = ds.dataset(list(version.files), format="parquet")
        missing = columns - set(dataset.schema.names)
        assert not missing, f"{product_id} has no column(s) {sorted(missing)}"
        tables[product_id] = dataset
    return tables
