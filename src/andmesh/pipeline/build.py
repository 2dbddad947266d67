"""Build one output port on an engine session: bind its inputs, evaluate its pipeline.

A Python pipeline is ``build(inputs)``; one that needs to know where it runs declares a
second parameter, ``build(inputs, context)``, and receives a :class:`BuildContext`
(the mesh, the run id, a folder for the run's artifacts, the metadata store, the
current version of its own port). A module may also define ``fingerprint(context)``
returning a string of what else its output depends on (state outside its inputs, such
as decisions recorded in the store): a change there rebuilds the product.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from andmesh.engine.base import EngineSession
from andmesh.errors import EngineError
from andmesh.pipeline.digests import ContentDigests
from andmesh.spec.mesh import Mesh, OutputPort, PipelineRef, Product
from andmesh.spec.sqlguard import SqlRefused, guarded_sql
from andmesh.storage.warehouse import PortHead, PortVersion, Warehouse

if TYPE_CHECKING:
    import ibis

    from andmesh.store.metadata import MetadataStore


@dataclass(frozen=True)
class BuildContext:
    """Where a pipeline runs, for pipelines that ask for it (``def build(inputs, context)``)."""

    mesh: Mesh
    product: Product
    port: OutputPort
    run_id: str
    workspace: Path
    store: MetadataStore | None = None
    warehouse: Warehouse | None = None
    data_root: Path | None = None

    @property
    def artifacts(self) -> Path:
        """A folder for this port's artifacts of this run (models, evidence), made on demand.

        Artifacts of a version are found through its run id (``PortVersion.run_id``).
        """
        return artifacts_dir(self.workspace, self.port.table_id, self.run_id)

    def current(self, table_id: str | None = None) -> PortVersion | None:
        """The current published version of this port (or of ``table_id``)."""
        if self.warehouse is None:
            return None
        return self.warehouse.current(table_id or self.port.table_id)


def artifacts_dir(workspace: Path, table_id: str, run_id: str) -> Path:
    """``<workspace>/artifacts/<table id>/<run id>``.

    >>> artifacts_dir(Path("/ws"), "enterprise.customer_xref", "r1").as_posix()
    '/ws/artifacts/enterprise.customer_xref/r1'
    """
    return workspace / "artifacts" / table_id / run_id


def source_folders(mesh: Mesh) -> list[Path]:
    """The folders outside the data root that ``mesh.yaml`` lets sources read (``allowedSourceFolders``).

    Relative entries are relative to the mesh root.
    """
    return [(mesh.root / folder).resolve() for folder in mesh.spec.allowedSourceFolders]


def source_files(data_root: Path, pattern: str, folders: Sequence[Path] = ()) -> list[str]:
    """Files matching a source's glob under the data root, sorted for determinism.

    Every match, symlinks resolved, must lie inside the data root or one of ``folders``:
    a pattern such as ``../other-workspace/...`` or a link pointing out of the data root
    is refused rather than read (lint refuses ``..`` and absolute patterns earlier).
    """
    allowed = [data_root.resolve(), *(f.resolve() for f in folders)]
    found = sorted(glob.glob(str(data_root / pattern), recursive=True))
    for name in found:
        real = Path(name).resolve()
        if not any(real.is_relative_to(folder) for folder in allowed):
            raise EngineError(
                f"source `{pattern}` reaches outside the data root ({data_root}): {name}",
                hint="keep sources under the data root, or allow the folder in mesh.yaml "
                "(`allowedSourceFolders`)",
            )
    return found


def _input_files(
    product: Product,
    data_root: Path,
    upstream: dict[str, PortVersion],
    folders: Sequence[Path] = (),
) -> list[tuple[str, list[str], str]]:
    """Each source and input port of ``product``: its name, its files and their format."""
    found: list[tuple[str, list[str], str]] = []
    for source in product.sources:
        files = source_files(data_root, source.path, folders)
        if not files:
            raise EngineError(
                f"{product.id}: source `{source.name}` matches no file: {data_root / source.path}",
                product=product.id,
                hint="generate or copy the data there, or pass the right folder with `--data`",
            )
        found.append((source.name, files, source.format))
    for ref in product.inputs:
        found.append((ref.name, upstream[ref.name].files, "parquet"))
    return found


def bind_inputs(
    session: EngineSession,
    product: Product,
    data_root: Path,
    upstream: dict[str, PortVersion],
    folders: Sequence[Path] = (),
) -> dict[str, ibis.Table]:
    """Register every source and input port of ``product`` under its declared name."""
    return {
        name: session.register(name, files, file_format)
        for name, files, file_format in _input_files(product, data_root, upstream, folders)
    }


def bind_input_names(
    session: EngineSession,
    product: Product,
    data_root: Path,
    upstream: dict[str, PortVersion],
    folders: Sequence[Path] = (),
) -> list[str]:
    """Bind every source and input port of ``product`` by name only, for a SQL pipeline.

    A SQL pipeline refers to its inputs by name: no Ibis table (and no schema lookup per
    input) is needed before the query itself is compiled.
    """
    names = []
    for name, files, file_format in _input_files(product, data_root, upstream, folders):
        session.bind(name, files, file_format)
        names.append(name)
    return names


@contextmanager
def _module(product_id: str, pipeline: PipelineRef) -> Iterator[ModuleType]:
    """The pipeline's Python module, imported under a private name for the duration."""
    module_name = f"andmesh_pipeline_{hashlib.sha1(str(pipeline.file).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(module_name, pipeline.file)
    if spec is None or spec.loader is None:
        raise EngineError(f"{product_id}: cannot import {pipeline.file}", product=product_id)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(module_name, None)


def wants_context(function: object) -> bool:
    """Whether a pipeline function takes a second positional parameter (the context).

    >>> wants_context(lambda inputs: None), wants_context(lambda inputs, context: None)
    (False, True)
    """
    try:
        parameters = list(inspect.signature(function).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    positional = [
        p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in positional)


def evaluate(
    session: EngineSession,
    port: OutputPort,
    inputs: Mapping[str, ibis.Table] | Sequence[str],
    dialect: str,
    context: BuildContext | None = None,
) -> ibis.Table:
    """The lazy table expression of ``port``'s pipeline (nothing is computed yet).

    ``inputs`` are the tables :func:`bind_inputs` registered; a SQL pipeline needs only
    their names (:func:`bind_input_names`).
    """
    pipeline = port.pipeline
    if pipeline.kind == "sql":
        query = _sealed_query(session, port, inputs, dialect, context)
        try:
            return session.sql(query, dialect)
        except Exception as exc:
            raise _query_failed(port, exc) from exc
    if not isinstance(inputs, Mapping):
        raise EngineError(
            f"{port.product_id}: {pipeline.describe()} needs its inputs as tables",
            product=port.product_id,
            hint="bind them with `bind_inputs`",
        )
    try:
        with _module(port.product_id, pipeline) as module:
            function = getattr(module, pipeline.function or "build")
            if wants_context(function):
                if context is None:
                    raise EngineError(
                        f"{port.product_id}: {pipeline.describe()} needs a build context",
                        product=port.product_id,
                        hint="run it through `andmesh run` (or pass `context=` to evaluate)",
                    )
                result = function(inputs, context)
            else:
                result = function(inputs)
    except EngineError:
        raise
    except Exception as exc:
        raise EngineError(
            f"{port.product_id}: {pipeline.describe()} raised {type(exc).__name__}: {exc}",
            product=port.product_id,
        ) from exc
    import ibis  # only a Python pipeline's result needs it: imported once it has run

    if not isinstance(result, ibis.Table):
        raise EngineError(
            f"{port.product_id}: {pipeline.describe()} returned {type(result).__name__}, not an ibis Table",
            product=port.product_id,
            hint="return a table expression built from the `inputs` mapping",
        )
    return result


def sql_query(
    session: EngineSession,
    port: OutputPort,
    inputs: Sequence[str],
    dialect: str,
    context: BuildContext | None = None,
) -> tuple[str, list[tuple[str, str, bool]]]:
    """A SQL pipeline's guarded query and its columns (name, engine type, nullable), without Ibis:
    :func:`evaluate`'s checks and errors, the session sealed the same way."""
    query = _sealed_query(session, port, inputs, dialect, context)
    try:
        return query, session.columns(query)
    except Exception as exc:
        raise _query_failed(port, exc) from exc


def _sealed_query(
    session: EngineSession,
    port: OutputPort,
    inputs: Mapping[str, ibis.Table] | Sequence[str],
    dialect: str,
    context: BuildContext | None,
) -> str:
    pipeline = port.pipeline
    text = pipeline.file.read_text(encoding="utf-8")
    try:
        query = guarded_sql(text, inputs, dialect)
    except SqlRefused as exc:
        raise EngineError(
            f"{port.product_id}: {pipeline.file.name}: {exc.message}",
            product=port.product_id,
            hint=exc.hint or "`andmesh lint` shows where",
        ) from exc
    # Confined before the query is even parsed by the engine: it reads the bound
    # inputs, and the platform writes its output to the staging folder afterwards.
    session.seal(_staging(context, port))
    return query


def _query_failed(port: OutputPort, exc: Exception) -> EngineError:
    return EngineError(
        f"{port.product_id}: {port.pipeline.file.name}: {exc}",
        product=port.product_id,
        hint="fix the query; `andmesh lint` checks that it parses and reads declared inputs only",
    )


def _staging(context: BuildContext | None, port: OutputPort) -> Path | None:
    """The folder the run stages this port's output in (see ``Warehouse.staging_dir``)."""
    if context is None or context.warehouse is None:
        return None
    return context.warehouse.staging_root / context.run_id / port.table_id


def fingerprint(
    product: Product,
    port: OutputPort,
    data_root: Path,
    upstream: Mapping[str, PortHead | PortVersion],
    context: BuildContext | None = None,
    digests: ContentDigests | None = None,
) -> str:
    """What a build depends on; equal fingerprints mean an identical output.

    Covers the specs and pipeline code, each source file's content and its name under the
    data root (not where the data root is: the same files elsewhere are the same inputs),
    the exact upstream snapshots read, and — for a Python pipeline whose module defines
    ``fingerprint(context)`` — what that function returns. ``digests`` remembers file
    contents between runs (without it every source file is read).
    """
    digest = hashlib.sha256(b"content/1")
    for file in (product.file, port.contract.file, port.pipeline.file):
        digest.update(str(file.name).encode())
        digest.update(file.read_bytes())
    folders = source_folders(context.mesh) if context is not None else []
    contents = digests or ContentDigests(None)
    for source in product.sources:
        names = source_files(data_root, source.path, folders)
        hashes = contents.of(names)
        for name in names:
            where = _relative(name, data_root)
            digest.update(f"{source.name}|{where}|{hashes[name]}".encode())
    for name in sorted(upstream):
        digest.update(f"{name}|{upstream[name].table_id}|{upstream[name].snapshot_id}".encode())
    if context is not None and port.pipeline.kind == "python":
        digest.update(_extra_fingerprint(port, context).encode())
    return digest.hexdigest()[:32]


def _relative(name: str, data_root: Path) -> str:
    """A source file's name under the data root (as found, when it comes from an allowed folder).

    >>> _relative("/data/a/part-0.parquet", Path("/data")), _relative("/erp/x.csv", Path("/data"))
    ('a/part-0.parquet', '/erp/x.csv')
    """
    path = Path(name)
    return path.relative_to(data_root).as_posix() if path.is_relative_to(data_root) else name


def _extra_fingerprint(port: OutputPort, context: BuildContext) -> str:
    try:
        with _module(port.product_id, port.pipeline) as module:
            hook = getattr(module, "fingerprint", None)
            return str(hook(context)) if callable(hook) else ""
    except Exception as exc:
        raise EngineError(
            f"{port.product_id}: fingerprint() of {port.pipeline.file.name} raised {type(exc).__name__}: {exc}",
            product=port.product_id,
        ) from exc
