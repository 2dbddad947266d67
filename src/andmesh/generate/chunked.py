"""What every dataset generator shares: its arguments checked, and blocks written chunk by chunk.

Entities (customers, vendors) are generated block by block (``BLOCK_CUSTOMERS`` each, one
random generator per block); a chunk's worth of blocks is concatenated into one part file per
table, so memory is bounded by the chunk at any scale and the rows written never depend on the
chunk size. The previous chunk is on disk before the next one is queued.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa

from andmesh.generate.block import BlockResult
from andmesh.generate.errors import GeneratorArgumentError
from andmesh.generate.settings import BLOCK_CUSTOMERS, MAX_NOISE
from andmesh.generate.tally import Tally

ProgressCallback = Callable[[str, int, int], None]
MakeBlock = Callable[[int, int, int], BlockResult]  # (block number, first entity, entities) → tables


class PartWriter(Protocol):
    def write_part(self, key: str, table: pa.Table, part: int) -> None: ...

    def flush(self) -> None: ...


@dataclass
class Written:
    """Rows per table, part files per table, and what was planted, over all chunks."""

    rows: dict[str, int]
    parts: int = 0
    variations: Tally = field(default_factory=Tally)
    planted: Tally = field(default_factory=Tally)
    gaps: Tally = field(default_factory=Tally)


def write_in_chunks(
    writer: PartWriter,
    tables: Iterable[str],
    entities: int,
    chunk_entities: int,
    make_block: MakeBlock,
    gap_tally: Callable[[dict[str, pa.Table]], Tally],
    *,
    planted: Tally | None = None,
    on_progress: ProgressCallback | None = None,
    stage: str = "generating",
) -> Written:
    """Generate ``entities`` block by block and write them as one part file per table per chunk;
    ``gap_tally`` counts the planted gaps of a block's tables (each dataset plants its own).

    >>> blocks_per_chunk(25_000), blocks_per_chunk(1), chunks(2_500, 1_000)
    (25, 1, [range(0, 1), range(1, 2), range(2, 3)])
    """
    keys = list(tables)
    written = Written(rows=dict.fromkeys(keys, 0), planted=planted or Tally())
    n_blocks = math.ceil(entities / BLOCK_CUSTOMERS)
    for blocks in chunks(entities, chunk_entities):
        chunk: dict[str, list[pa.Table]] = {key: [] for key in keys}
        for b in blocks:
            first = b * BLOCK_CUSTOMERS
            result = make_block(b, first, min(BLOCK_CUSTOMERS, entities - first))
            for key, value in result.tables.items():
                chunk[key].append(value)
            written.variations.merge(result.variations)
            written.planted.merge(result.defects)
            written.gaps.merge(gap_tally(result.tables))
        writer.flush()  # the previous chunk is on disk before this one is queued
        for key, parts in chunk.items():
            combined = pa.concat_tables(parts)
            writer.write_part(key, combined, written.parts)
            written.rows[key] += combined.num_rows
        del chunk
        written.parts += 1
        if on_progress is not None:
            on_progress(stage, min(entities, min(blocks.stop, n_blocks) * BLOCK_CUSTOMERS), entities)
    return written


def blocks_per_chunk(chunk_entities: int) -> int:
    return max(1, round(chunk_entities / BLOCK_CUSTOMERS))


def chunks(entities: int, chunk_entities: int) -> list[range]:
    """The block numbers of each chunk, in order."""
    n_blocks = math.ceil(entities / BLOCK_CUSTOMERS)
    step = blocks_per_chunk(chunk_entities)
    return [range(start, min(start + step, n_blocks)) for start in range(0, n_blocks, step)]


def validate_arguments(
    *,
    size: tuple[str, object, int],
    chunk: tuple[str, object],
    seed: object,
    noise: object,
    defects: object,
    overwrite: object,
) -> None:
    """Refuse a bad argument by name: ``size`` is (name, value, maximum), ``chunk`` (name, value).

    >>> validate_arguments(size=("vendors", 0, 10), chunk=("chunk_vendors", 5), seed=1, noise=1.0,
    ...                    defects=True, overwrite=False)
    Traceback (most recent call last):
    andmesh.generate.errors.GeneratorArgumentError: vendors must be an integer from 1 to 10, got 0
    """
    name, value, maximum = size
    if not _is_int(value) or not 1 <= value <= maximum:  # type: ignore[operator]
        raise GeneratorArgumentError(name, value, f"an integer from 1 to {maximum:,}")
    if not _is_int(seed) or seed < 0:  # type: ignore[operator]
        raise GeneratorArgumentError("seed", seed, "a non-negative integer")
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise <= MAX_NOISE:
        raise GeneratorArgumentError("noise", noise, f"a number from 0 to {MAX_NOISE}")
    chunk_name, chunk_value = chunk
    if not _is_int(chunk_value) or chunk_value < 1:  # type: ignore[operator]
        raise GeneratorArgumentError(chunk_name, chunk_value, "a positive integer")
    for flag, given in (("defects", defects), ("overwrite", overwrite)):
        if not isinstance(given, bool):
            raise GeneratorArgumentError(flag, given, "True or False")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
