"""The columns of a product's raw sources, read from the first file's metadata (never its rows).

Parquet gives names and types from its footer, CSV its header (types as pyarrow infers
them from the first block); JSON sources are not read. Column lineage uses these to
expand ``select *`` and resolve unqualified columns over a source.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import TYPE_CHECKING

from andmesh.spec.mesh import Product

if TYPE_CHECKING:
    import pyarrow as pa

    from andmesh.governance.lineage.memory import LineageMemory


def source_schemas(
    product: Product, data_root: Path, memory: LineageMemory | None = None
) -> dict[str, dict[str, str]]:
    """Source name → {column: type} for the sources whose files can be found and read.

    With a ``memory``, a file's columns are remembered by its name, size and modification time:
    a run over unchanged sources (a no-op above all) neither opens them nor imports pyarrow.
    """
    found: dict[str, dict[str, str]] = {}
    for source in product.sources:
        files = sorted(glob.glob(str(data_root / source.path), recursive=True))
        if not files:
            continue
        key = _file_key(files[0], source.format)
        known = memory.schema(key) if memory is not None and key is not None else None
        if known is not None:
            found[source.name] = known
            continue
        columns = _columns(files[0], source.format)
        if columns is not None:
            found[source.name] = columns
            if memory is not None and key is not None:
                memory.put_schema(key, columns)
    return found


def _file_key(file: str, kind: str) -> str | None:
    try:
        stat = os.stat(file)
    except OSError:
        return None
    return f"schema:{kind}:{file}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"


def _columns(file: str, kind: str) -> dict[str, str] | None:
    import pyarrow as pa  # only for a file not seen before

    try:
        schema = _read_schema(file, kind)
    except (OSError, pa.ArrowException):
        return None
    if schema is None:
        return None
    return {name: _type_name(schema.field(name).type) for name in schema.names}


def _read_schema(file: str, kind: str) -> pa.Schema | None:
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    if kind == "parquet":
        return pq.read_schema(file)
    if kind == "csv":
        with pa_csv.open_csv(file) as reader:
            return reader.schema
    return None


def _type_name(dtype: pa.DataType) -> str:
    """A SQL type name for an Arrow type (what sqlglot and the schema facet both read)."""
    import pyarrow as pa

    if pa.types.is_timestamp(dtype):
        return "timestamp"
    if pa.types.is_date(dtype):
        return "date"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "varchar"
    if pa.types.is_integer(dtype):
        return "bigint"
    if pa.types.is_floating(dtype):
        return "double"
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_decimal(dtype):
        return f"decimal({dtype.precision},{dtype.scale})"
    return "varchar" if pa.types.is_dictionary(dtype) else str(dtype)
