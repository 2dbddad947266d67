"""The upstream versions an enterprise product reads, scanned where they lie.

The enterprise products (golden records, resolution) run their own DuckDB, within the
engine's memory budget. Reading their inputs there straight from the upstream versions'
Parquet files keeps the data out of Python: pulling a table into Arrow first is a copy
of millions of rows outside any budget. A *scan* is what such a DuckDB is given for one
input: the list of a version's Parquet files, or an Arrow table / pyarrow dataset (a
bare build without a warehouse, a test, a doctest).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from andmesh.errors import EngineError

if TYPE_CHECKING:
    import duckdb

    from andmesh.pipeline.build import BuildContext


class ParquetFiles(tuple[str, ...]):
    """The Parquet files of one upstream version (absolute paths), scanned by DuckDB itself."""

    __slots__ = ()


Scan = Any  # ParquetFiles, a pyarrow Table or a pyarrow dataset


def version_files(context: BuildContext, input_port: str) -> ParquetFiles | None:
    """The files of the current version read through ``input_port``; None without a warehouse."""
    ref = next(r for r in context.product.inputs if r.name == input_port)
    table_id = f"{context.mesh.products[ref.product_id].domain}.{ref.port}"
    version = context.current(table_id)
    if version is None or not version.files:
        return None
    return ParquetFiles(os.path.abspath(f) for f in version.files)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def register(
    con: duckdb.DuckDBPyConnection,
    name: str,
    scan: Scan,
    columns: Collection[str] = (),
    *,
    product: str | None = None,
    what: str | None = None,
) -> None:
    """Make ``scan`` the view or table ``name`` on ``con``; ``columns`` must be there.

    A missing column is an input error naming the product and what it was needed for,
    not an engine error deep inside a query.
    """
    if isinstance(scan, ParquetFiles):
        files = ", ".join(_sql_text(f) for f in scan)
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{files}])')
        present: Sequence[str] = [str(r[0]) for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
    else:
        con.register(name, scan)
        present = list(scan.schema.names)
    missing = sorted(set(columns) - set(present))
    if missing:
        source = what or name
        raise EngineError(
            f"{product or 'the product'}: {source} has no column(s) {', '.join(missing)}",
            product=product,
            hint=f"fix the entity's source or link columns, or publish them in {source}",
        )
