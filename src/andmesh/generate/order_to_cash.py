"""The public entry point: generate the Order-to-Cash operational data and its truth.

Customers are generated block by block (``BLOCK_CUSTOMERS`` each, one random
generator per block); ``chunk_customers`` worth of blocks are concatenated into one
part file per table, so memory is bounded by the chunk size at any scale, and the
rows written never depend on the chunk size.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from andmesh.generate import block, truthfiles
from andmesh.generate.errors import GeneratorArgumentError
from andmesh.generate.ids import Sequences
from andmesh.generate.orders import Catalogue
from andmesh.generate.schema import TABLES
from andmesh.generate.settings import BLOCK_CUSTOMERS, MAX_CUSTOMERS, MAX_NOISE, VARIATIONS
from andmesh.generate.tally import Tally
from andmesh.generate.writer import DatasetWriter

ProgressCallback = Callable[[str, int, int], None]
STAGE_GENERATE = "generating customers"
STAGE_PUBLISH = "publishing dataset"


class GenerationReport(BaseModel):
    """What a generation run wrote, and how long it took."""

    model_config = ConfigDict(frozen=True)

    out: Path = Field(description="Folder the dataset was written to.", examples=["data/"])
    seed: int = Field(
        description="Random seed; same seed and arguments give byte-identical files.", examples=[7]
    )
    customers: int = Field(description="Number of customers generated.", examples=[20000])
    noise: float = Field(
        description="Multiplier of record-level variation rates (1.0 = default).", examples=[1.0]
    )
    defects: bool = Field(description="Whether quality defects were planted.", examples=[True])
    rows: dict[str, int] = Field(
        description="Rows written per table, keyed 'domain/table' (truth tables under 'truth/').",
        examples=[{"order_management/sales_orders": 281234}],
    )
    parts: int = Field(description="Part files per table (one per chunk).", examples=[1])
    seconds: float = Field(description="Wall-clock duration of the run.", examples=[9.8])
    truth: Path = Field(
        description="Folder with the ground truth (truth/ inside out).", examples=["data/truth"]
    )


def generate_order_to_cash(
    out: Path,
    customers: int,
    seed: int = 7,
    noise: float = 1.0,
    chunk_customers: int = 25_000,
    on_progress: ProgressCallback | None = None,
    *,
    defects: bool = True,
    overwrite: bool = False,
) -> GenerationReport:
    """Write the seven Order-to-Cash domains' sources and ``truth/`` to ``out``.

    ``chunk_customers`` is rounded to whole blocks of ``BLOCK_CUSTOMERS``; it sets
    the part-file size and peak memory, never the rows. ``on_progress(stage, done,
    total)`` is called as chunks complete. Nothing is visible at ``out`` until the
    whole dataset is written; a non-empty ``out`` is refused unless ``overwrite``.
    """
    started = time.perf_counter()
    out = Path(out)
    _validate(customers, seed, noise, chunk_customers, defects, overwrite)
    blocks_per_chunk = max(1, round(chunk_customers / BLOCK_CUSTOMERS))
    n_blocks = math.ceil(customers / BLOCK_CUSTOMERS)
    plan = block.Plan(
        seed=seed, rates=VARIATIONS.scaled(noise), defects=defects, catalogue=Catalogue.draw(seed)
    )
    seq = Sequences()
    rows = dict.fromkeys(TABLES, 0)
    variations, planted, gaps = Tally(), Tally(), Tally()
    for key, column, kind, _ in truthfiles.DEFECT_KINDS:
        planted.add(key, column, kind, 0, 0, "")

    writer = DatasetWriter(out, overwrite)
    try:
        part = 0
        for start in range(0, n_blocks, blocks_per_chunk):
            chunk: dict[str, list[pa.Table]] = {key: [] for key in TABLES}
            for b in range(start, min(start + blocks_per_chunk, n_blocks)):
                first = b * BLOCK_CUSTOMERS
                result = block.generate(plan, b, first, min(BLOCK_CUSTOMERS, customers - first), seq)
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
                    STAGE_GENERATE, min(customers, (start + blocks_per_chunk) * BLOCK_CUSTOMERS), customers
                )

        formats = {key: spec.format for key, spec in TABLES.items()}
        writer.write_yaml("truth/gaps.yaml", truthfiles.gaps_document(gaps))
        writer.write_yaml("truth/defects.yaml", truthfiles.defects_document(planted, defects))
        writer.write_yaml("truth/variations.yaml", truthfiles.variations_document(variations, noise))
        writer.write_yaml(
            "truth/manifest.yaml",
            truthfiles.manifest(seed, customers, noise, defects, rows, writer.parts, formats),
        )
        if on_progress is not None:
            on_progress(STAGE_PUBLISH, 0, 1)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    if on_progress is not None:
        on_progress(STAGE_PUBLISH, 1, 1)
    return GenerationReport(
        out=out,
        seed=seed,
        customers=customers,
        noise=noise,
        defects=defects,
        rows=rows,
        parts=part,
        seconds=round(time.perf_counter() - started, 3),
        truth=out / "truth",
    )


def _validate(
    customers: object, seed: object, noise: object, chunk: object, defects: object, overwrite: object
) -> None:
    if not _is_int(customers) or not 1 <= customers <= MAX_CUSTOMERS:  # type: ignore[operator]
        raise GeneratorArgumentError("customers", customers, f"an integer from 1 to {MAX_CUSTOMERS:,}")
    if not _is_int(seed) or seed < 0:  # type: ignore[operator]
        raise GeneratorArgumentError("seed", seed, "a non-negative integer")
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise <= MAX_NOISE:
        raise GeneratorArgumentError("noise", noise, f"a number from 0 to {MAX_NOISE}")
    if not _is_int(chunk) or chunk < 1:  # type: ignore[operator]
        raise GeneratorArgumentError("chunk_customers", chunk, "a positive integer")
    for name, value in (("defects", defects), ("overwrite", overwrite)):
        if not isinstance(value, bool):
            raise GeneratorArgumentError(name, value, "True or False")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
