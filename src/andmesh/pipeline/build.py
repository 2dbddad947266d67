"""Build one output port on an engine session: bind its inputs, evaluate its pipeline."""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import sys
from pathlib import Path

import ibis

from andmesh.engine.base import EngineSession
from andmesh.errors import EngineError
from andmesh.spec.mesh import OutputPort, Product
from andmesh.storage.warehouse import PortVersion


def source_files(data_root: Path, pattern: str) -> list[str]:
    """Files matching a source's glob under the data root, sorted for determinism."""
    return sorted(glob.glob(str(data_root / pattern), recursive=True))


def bind_inputs(
    session: EngineSession, product: Product, data_root: Path, upstream: dict[str, PortVersion]
) -> dict[str, ibis.Table]:
    """Register every source and input port of ``product`` under its declared name."""
    tables: dict[str, ibis.Table] = {}
    for source in product.sources:
        files = source_files(data_root, source.path)
        if not files:
            raise EngineError(
                f"{product.id}: source `{source.name}` matches no file: {data_root / source.path}",
                product=product.id,
                hint="generate or copy the data there, or pass the right folder with `--data`",
            )
        tables[source.name] = session.register(source.name, files, source.format)
    for ref in product.inputs:
        version = upstream[ref.name]
        tables[ref.name] = session.register(ref.name, version.files, "parquet")
    return tables


def evaluate(
    session: EngineSession, port: OutputPort, inputs: dict[str, ibis.Table], dialect: str
) -> ibis.Table:
    """The lazy table expression of ``port``'s pipeline (nothing is computed yet)."""
    pipeline = port.pipeline
    if pipeline.kind == "sql":
        query = pipeline.file.read_text(encoding="utf-8")
        try:
            return session.sql(query, dialect)
        except Exception as exc:
            raise EngineError(
                f"{port.product_id}: {pipeline.file.name}: {exc}",
                product=port.product_id,
                hint="fix the query; `andmesh lint` checks that it parses and reads declared inputs only",
            ) from exc
    module_name = f"andmesh_pipeline_{hashlib.sha1(str(pipeline.file).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(module_name, pipeline.file)
    if spec is None or spec.loader is None:
        raise EngineError(f"{port.product_id}: cannot import {pipeline.file}", product=port.product_id)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
        result = getattr(module, pipeline.function or "build")(inputs)
    except Exception as exc:
        raise EngineError(
            f"{port.product_id}: {pipeline.describe()} raised {type(exc).__name__}: {exc}",
            product=port.product_id,
        ) from exc
    finally:
        sys.modules.pop(module_name, None)
    if not isinstance(result, ibis.Table):
        raise EngineError(
            f"{port.product_id}: {pipeline.describe()} returned {type(result).__name__}, not an ibis Table",
            product=port.product_id,
            hint="return a table expression built from the `inputs` mapping",
        )
    return result


def fingerprint(product: Product, port: OutputPort, data_root: Path, upstream: dict[str, PortVersion]) -> str:
    """What a build depends on; equal fingerprints mean an identical output.

    Covers the specs and pipeline code, each source file's name, size and modification
    time, and the exact upstream snapshots read.
    """
    digest = hashlib.sha256()
    for file in (product.file, port.contract.file, port.pipeline.file):
        digest.update(str(file.name).encode())
        digest.update(file.read_bytes())
    for source in product.sources:
        for name in source_files(data_root, source.path):
            stat = Path(name).stat()
            digest.update(f"{source.name}|{name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    for name in sorted(upstream):
        digest.update(f"{name}|{upstream[name].table_id}|{upstream[name].snapshot_id}".encode())
    return digest.hexdigest()[:32]
