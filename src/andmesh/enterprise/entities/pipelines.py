"""What the enterprise products' pipelines call: resolve, golden records, profile.

The products are ordinary data products of an ``enterprise`` domain (versioned output
ports, contracts, the quality gate); their Python pipelines are one line each:

>>> # customer_xref.py
>>> def build(inputs, context):
...     return resolve_entity("customer", inputs, context)
>>> def fingerprint(context):
...     return resolution_fingerprint("customer", context)  # from entities.fingerprint: no Ibis
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlalchemy as sa

from andmesh.enterprise.entities.fingerprint import entity_of
from andmesh.enterprise.entities.profile import ProfileSources, customer_profile
from andmesh.enterprise.entities.resolve import resolve
from andmesh.enterprise.entities.results import Decision
from andmesh.enterprise.entities.survivorship import write_golden_records
from andmesh.enterprise.entities.upstream import version_files
from andmesh.errors import EngineError
from andmesh.spec.entity import Entity

if TYPE_CHECKING:
    from andmesh.pipeline.build import BuildContext


def input_name(context: BuildContext, product_id: str) -> str:
    """The input port through which this product reads ``product_id``."""
    for ref in context.product.inputs:
        if ref.product_id == product_id:
            return ref.name
    raise EngineError(
        f"{context.product.id} has no input port reading {product_id}",
        product=context.product.id,
        hint="add an input port with that product's contractId to product.yaml",
    )


def _needed_columns(entity: Entity) -> dict[str, set[str]]:
    needed: dict[str, set[str]] = {}
    for source in entity.spec.sources:
        cols = needed.setdefault(source.product, set())
        cols.add(source.record)
        if source.updatedAt:
            cols.add(source.updatedAt)
        for attribute in source.columns:
            column = source.column_for(attribute)
            if column is not None:
                cols.add(column.column)
    for link in entity.spec.links:
        needed.setdefault(link.product, set()).update(link.records.values())
    return needed


def _arrow(table: ir.Table, columns: set[str]) -> pa.Table:
    return table.select(*sorted(columns)).to_pyarrow()


def _scans(
    context: BuildContext, inputs: Mapping[str, ir.Table], needed: dict[str, set[str]]
) -> dict[str, Any]:
    """The resolution's input tables, as lazy scans of the upstream versions' Parquet files.

    The resolution's own DuckDB reads only the columns it needs, within its memory budget;
    pulling every input into Python first cost a copy of millions of rows (and its memory,
    outside any budget). Without a warehouse (a bare build), the inputs are read as Arrow.
    """
    import pyarrow.dataset as ds

    scans: dict[str, Any] = {}
    for product_id, columns in needed.items():
        name = input_name(context, product_id)
        ref = next(r for r in context.product.inputs if r.name == name)
        table_id = f"{context.mesh.products[ref.product_id].domain}.{ref.port}"
        version = context.current(table_id)
        if version is None or not version.files:
            scans[product_id] = _arrow(inputs[name], columns)
        else:
            dataset = ds.dataset(list(version.files), format="parquet")
            missing = columns - set(dataset.schema.names)
            if missing:
                raise EngineError(
                    f"{context.product.id}: {product_id} has no column(s) {', '.join(sorted(missing))}",
                    product=context.product.id,
                    hint=f"fix the entity's source or link columns, or publish them in {product_id}",
                )
            scans[product_id] = dataset
    return scans


def decisions_of(context: BuildContext, entity: str) -> list[Decision]:
    if context.store is None:
        return []
    return stored_decisions(context.store.engine, entity)


def stored_decisions(engine: sa.Engine, entity: str) -> list[Decision]:
    """The stewards' decisions on ``entity`` kept in the metadata store, oldest first."""
    from andmesh.store.entity_reviews import EntityReviews

    return [
        Decision(
            entity=row["entity"],
            left_source=row["left_source"],
            left_record=row["left_record"],
            right_source=row["right_source"],
            right_record=row["right_record"],
            decision=row["decision"],
            decided_by=row["decided_by"],
            decided_at=row["decided_at"],
            note=row["note"],
        )
        for row in EntityReviews(engine).decisions(entity)
    ]


def _previous(context: BuildContext) -> Any | None:
    """The published cross-reference, as a lazy scan of its Parquet files (read by the
    resolution's DuckDB, within its budget: at a million customers it is tens of millions of rows)."""
    import pyarrow.dataset as ds

    current = context.current()
    if current is None or not current.files:
        return None
    return ds.dataset(list(current.files), format="parquet")


def resolve_entity(name: str, inputs: Mapping[str, ir.Table], context: BuildContext) -> ir.Table:
    """The cross-reference of entity ``name``; the model, evidence and summary go to the run's artifacts.

    The resolution writes the cross-reference as Parquet into the run's artifacts; the
    product reads that file on the build's own engine (nothing passes through Python).
    """
    entity = entity_of(context, name)
    tables = _scans(context, inputs, _needed_columns(entity))
    folder = context.artifacts
    resolution = resolve(
        entity.spec,
        tables,
        decisions=decisions_of(context, name),
        previous=_previous(context),
        run_id=context.run_id,
        out=folder.with_name(folder.name + ".tmp"),
    )
    resolution.save(folder)
    _prune(context)
    path = str(resolution.path("xref"))
    backend = next((ibis.get_backend(t) for t in inputs.values()), None)
    xref = backend.read_parquet(path) if backend is not None else ibis.read_parquet(path)
    return xref.drop("node")


def _prune(context: BuildContext) -> None:
    """Artifacts of runs that never published a version (held back, crashed) are dropped."""
    if context.warehouse is None:
        return
    keep = {v.run_id for v in context.warehouse.versions(context.port.table_id)} | {context.run_id}
    folder = context.artifacts.parent
    for child in folder.iterdir() if folder.exists() else []:
        if child.is_dir() and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def golden(name: str, inputs: Mapping[str, ir.Table], context: BuildContext) -> ir.Table:
    """One golden record per enterprise id, by the entity's survivorship rules.

    The survivorship's own DuckDB reads the upstream versions' files within the engine's
    memory budget and writes the records to the run's artifacts folder; the build's
    engine reads them from there. Without a warehouse (a bare build) the inputs are read
    as Arrow.
    """
    entity = entity_of(context, name)
    xref_port = input_name(context, entity.spec.products.xref)
    xref = version_files(context, xref_port) or _arrow(
        inputs[xref_port], {"entity_id", "source", "record_id"}
    )
    tables: dict[str, Any] = {}
    for product_id, columns in _needed_columns(entity).items():
        if entity.source(product_id) is None:
            continue
        port = input_name(context, product_id)
        tables[product_id] = version_files(context, port) or _arrow(inputs[port], columns)
    _clear_artifacts(context)
    path = write_golden_records(entity.spec, xref, tables, context.artifacts / "golden.parquet")
    return ibis.get_backend(inputs[xref_port]).read_parquet(path)


def _clear_artifacts(context: BuildContext) -> None:
    """A master's artifacts are only its build's output before it is staged: earlier runs' go."""
    folder = context.artifacts.parent
    for child in folder.iterdir() if folder.exists() else []:
        if child.is_dir() and child.name != context.run_id:
            shutil.rmtree(child, ignore_errors=True)


def profile(name: str, inputs: Mapping[str, ir.Table], context: BuildContext) -> ir.Table:
    """The Order-to-Cash profile of each enterprise customer (input ports named as in ``FACTS``)."""
    entity = entity_of(context, name)
    tables = dict(inputs)
    tables["xref"] = inputs[input_name(context, entity.spec.products.xref)]
    as_of = context.mesh.spec.asOf.date() if context.mesh.spec.asOf else dt.datetime.now(tz=dt.UTC).date()
    return customer_profile(tables, as_of, ProfileSources())
