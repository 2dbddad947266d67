"""The entry point: generate the Procure-to-Pay operational data and its truth.

Vendors are generated block by block (``BLOCK_CUSTOMERS`` = 1,000 each, one random
generator per block); ``chunk_vendors`` worth of blocks make one part file per table,
so memory is bounded by the chunk and the rows never depend on the chunk size.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from andmesh.generate import truthfiles as o2c_truth
from andmesh.generate.errors import GeneratorArgumentError
from andmesh.generate.ids import Sequences
from andmesh.generate.procure_to_pay import block, truthfiles
from andmesh.generate.procure_to_pay.schema import TABLES
from andmesh.generate.procure_to_pay.settings import MAX_VENDORS
from andmesh.generate.procure_to_pay.writer import ProcureToPayWriter
from andmesh.generate.settings import BLOCK_CUSTOMERS, MAX_NOISE, VARIATIONS
from andmesh.generate.tally import Tally

ProgressCallback = Callable[[str, int, int], None]
STAGE_GENERATE = "generating vendors"
STAGE_PUBLISH = "publishing dataset"


class ProcureToPayReport(BaseModel):
    """What a Procure-to-Pay generation run wrote, and how long it took."""

    model_config = ConfigDict(frozen=True)

    out: Path = Field(description="Folder the dataset was written to.", examples=["data-p2p/"])
    seed: int = Field(description="Random seed; same seed and arguments give identical files.", examples=[7])
    vendors: int = Field(description="Number of vendors generated.", examples=[5000])
    noise: float = Field(
        description="Multiplier of record-level variation rates (1.0 = default).", examples=[1.0]
    )
    defects: bool = Field(description="Whether quality defects were planted.", examples=[True])
    rows: dict[str, int] = Field(
        description="Rows written per table, keyed 'domain/table' (truth tables under 'truth/').",
        examples=[{"procurement/purchase_orders": 61234}],
    )
    parts: int = Field(description="Part files per table (one per chunk).", examples=[1])
    seconds: float = Field(description="Wall-clock duration of the run.", examples=[2.1])
    truth: Path = Field(
        description="Folder with the ground truth (truth/ inside out).", examples=["data-p2p/truth"]
    )


def generate_procure_to_pay(
    out: Path,
    vendors: int,
    seed: int = 7,
    noise: float = 1.0,
    chunk_vendors: int = 25_000,
    on_progress: ProgressCallback | None = None,
    *,
    defects: bool = True,
    overwrite: bool = False,
) -> ProcureToPayReport:
    """Write the five Procure-to-Pay domains' sources and ``truth/`` to ``out``."""
    started = time.perf_counter()
    out = Path(out)
    _validate(vendors, seed, noise, chunk_vendors, defects, overwrite)
    blocks_per_chunk = max(1, round(chunk_vendors / BLOCK_CUSTOMERS))
    n_blocks = math.ceil(vendors / BLOCK_CUSTOMERS)
    rates = VARIATIONS.scaled(noise)
    seq = Sequences()
    rows = dict.fromkeys(TABLES, 0)
    variations, planted, gaps = Tally(), Tally(), Tally()
    writer = ProcureToPayWriter(out, overwrite)
    try:
        part = 0
        for start in range(0, n_blocks, blocks_per_chunk):
            chunk: dict[str, list[pa.Table]] = {key: [] for key in TABLES}
            for b in range(start, min(start + blocks_per_chunk, n_blocks)):
                first = b * BLOCK_CUSTOMERS
                result = block.generate(
                    seed, rates, defects, b, first, min(BLOCK_CUSTOMERS, vendors - first), seq
                )
                for key, value in result.tables.items():
                    chunk[key].append(value)
                variations.merge(result.variations)
                planted.merge(result.defects)
                gaps.merge(truthfiles.gap_tally(result.tables))
            writer.flush()  # the previous chunk is on disk before this one is queued
            for key, tables in chunk.items():
                combined = pa.concat_tables(tables)
                writer.write_part(key, combined, part)
                rows[key] += combined.num_rows
            del chunk
            part += 1
            if on_progress is not None:
                on_progress(
                    STAGE_GENERATE, min(vendors, (start + blocks_per_chunk) * BLOCK_CUSTOMERS), vendors
                )
        formats = {key: spec.format for key, spec in TABLES.items()}
        writer.write_yaml("truth/gaps.yaml", truthfiles.gaps_document(gaps))
        writer.write_yaml("truth/defects.yaml", truthfiles.defects_document(planted, defects))
        writer.write_yaml("truth/variations.yaml", o2c_truth.variations_document(variations, noise))
        writer.write_yaml(
            "truth/manifest.yaml",
            truthfiles.manifest(seed, vendors, noise, defects, rows, writer.parts, formats),
        )
        if on_progress is not None:
            on_progress(STAGE_PUBLISH, 0, 1)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    if on_progress is not None:
        on_progress(STAGE_PUBLISH, 1, 1)
    return ProcureToPayReport(
        out=out,
        seed=seed,
        vendors=vendors,
        noise=noise,
        defects=defects,
        rows=rows,
        parts=part,
        seconds=round(time.perf_counter() - started, 3),
        truth=out / "truth",
    )


def _validate(
    vendors: object, seed: object, noise: object, chunk: object, defects: object, overwrite: object
) -> None:
    if not _is_int(vendors) or not 1 <= vendors <= MAX_VENDORS:  # type: ignore[operator]
        raise GeneratorArgumentError("vendors", vendors, f"an integer from 1 to {MAX_VENDORS:,}")
    if not _is_int(seed) or seed < 0:  # type: ignore[operator]
        raise GeneratorArgumentError("seed", seed, "a non-negative integer")
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise <= MAX_NOISE:
        raise GeneratorArgumentError("noise", noise, f"a number from 0 to {MAX_NOISE}")
    if not _is_int(chunk) or chunk < 1:  # type: ignore[operator]
        raise GeneratorArgumentError("chunk_vendors", chunk, "a positive integer")
    for name, value in (("defects", defects), ("overwrite", overwrite)):
        if not isinstance(value, bool):
            raise GeneratorArgumentError(name, value, "True or False")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
