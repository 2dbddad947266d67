"""The columns of a product's raw sources, read from the first file's metadata (never its rows).

Parquet gives names and types from its footer, CSV its header (types as pyarrow infers
them from the first block); JSON sources are not read. Column lineage uses these to
expand ``select *`` and resolve unqualified columns over a source.
"""

from __future__ import annotations

import glob
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from andmesh.spec.mesh import Product


def source_schemas(product: Product, data_root: Path) -> dict[str, dict[str, str]]:
    """Source name → {column: type} for the sources whose files can be found and read."""
    found: dict[str, dict[str, str]] = {}
    for source in product.sources:
        files = sorted(glob.glob(str(data_root / source.path), recursive=True))
        if not files:
            continue
        try:
            schema = _read_schema(files[0], source.format)
        except (OSError, pa.ArrowException):
            continue
        if schema is not None:
            found[source.name] = {name: _type_name(schema.field(name).type) for name in schema.names}
    return found


def _read_schema(file: str, kind: str) -> pa.Schema | None:
    if kind == "parquet":
        return pq.read_schema(file)
    if kind == "csv":
        with pa_csv.open_csv(file) as reader:
            return reader.schema
    return None


def _type_name(dtype: pa.DataType) -> str:
    """A SQL type name for an Arrow type (what sqlglot and the schema facet both read)."""
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
