"""The entry point: generate the Procure-to-Pay operational data and its truth.

Vendors are generated block by block (``BLOCK_CUSTOMERS`` = 1,000 each, one random
generator per block); ``chunk_vendors`` worth of blocks make one part file per table,
so memory is bounded by the chunk and the rows never depend on the chunk size.
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from andmesh.generate import truthfiles as o2c_truth
from andmesh.generate.chunked import ProgressCallback, validate_arguments, write_in_chunks
from andmesh.generate.ids import Sequences
from andmesh.generate.procure_to_pay import block, truthfiles
from andmesh.generate.procure_to_pay.schema import TABLES
from andmesh.generate.procure_to_pay.settings import MAX_VENDORS
from andmesh.generate.procure_to_pay.writer import ProcureToPayWriter
from andmesh.generate.settings import VARIATIONS

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
    validate_arguments(
        size=("vendors", vendors, MAX_VENDORS),
        chunk=("chunk_vendors", chunk_vendors),
        seed=seed,
        noise=noise,
        defects=defects,
        overwrite=overwrite,
    )
    rates = VARIATIONS.scaled(noise)
    seq = Sequences()
    writer = ProcureToPayWriter(out, overwrite)
    try:
        written = write_in_chunks(
            writer,
            TABLES,
            vendors,
            chunk_vendors,
            lambda b, first, n: block.generate(seed, rates, defects, b, first, n, seq),
            truthfiles.gap_tally,
            on_progress=on_progress,
            stage=STAGE_GENERATE,
        )
        rows, part = written.rows, written.parts
        formats = {key: spec.format for key, spec in TABLES.items()}
        writer.write_yaml("truth/gaps.yaml", truthfiles.gaps_document(written.gaps))
        writer.write_yaml("truth/defects.yaml", truthfiles.defects_document(written.planted, defects))
        writer.write_yaml("truth/variations.yaml", o2c_truth.variations_document(written.variations, noise))
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
