"""The public entry point: generate the Order-to-Cash operational data and its truth.

Customers are generated block by block (``BLOCK_CUSTOMERS`` each, one random
generator per block); ``chunk_customers`` worth of blocks are concatenated into one
part file per table, so memory is bounded by the chunk size at any scale, and the
rows written never depend on the chunk size.
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from andmesh.generate import block, truthfiles
from andmesh.generate.chunked import ProgressCallback, validate_arguments, write_in_chunks
from andmesh.generate.ids import Sequences
from andmesh.generate.orders import Catalogue
from andmesh.generate.schema import TABLES
from andmesh.generate.settings import MAX_CUSTOMERS, VARIATIONS
from andmesh.generate.tally import Tally
from andmesh.generate.writer import DatasetWriter

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
    validate_arguments(
        size=("customers", customers, MAX_CUSTOMERS),
        chunk=("chunk_customers", chunk_customers),
        seed=seed,
        noise=noise,
        defects=defects,
        overwrite=overwrite,
    )
    plan = block.Plan(
        seed=seed, rates=VARIATIONS.scaled(noise), defects=defects, catalogue=Catalogue.draw(seed)
    )
    seq = Sequences()
    planted = Tally()
    for key, column, kind, _ in truthfiles.DEFECT_KINDS:
        planted.add(key, column, kind, 0, 0, "")

    writer = DatasetWriter(out, overwrite)
    try:
        written = write_in_chunks(
            writer,
            TABLES,
            customers,
            chunk_customers,
            lambda b, first, n: block.generate(plan, b, first, n, seq),
            truthfiles.gap_tally,
            planted=planted,
            on_progress=on_progress,
            stage=STAGE_GENERATE,
        )
        rows, part = written.rows, written.parts
        formats = {key: spec.format for key, spec in TABLES.items()}
        writer.write_yaml("truth/gaps.yaml", truthfiles.gaps_document(written.gaps))
        writer.write_yaml("truth/defects.yaml", truthfiles.defects_document(written.planted, defects))
        writer.write_yaml("truth/variations.yaml", truthfiles.variations_document(written.variations, noise))
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
