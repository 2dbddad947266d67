"""Test any ODCS contract against any files, without a mesh (``andmesh test FILE --data GLOB``).

A contract may describe several tables: bind each to its files with
``--data <table>=<glob>``; relationships between them are checked too.
"""

from __future__ import annotations

import datetime as dt
import glob
from pathlib import Path

from open_data_contract_standard.model import OpenDataContractStandard

from andmesh.engine.base import Engine
from andmesh.errors import SpecError, SpecProblem, UsageError
from andmesh.quality.checks import logical_view, run_checks
from andmesh.quality.results import CheckRun, ContractRun
from andmesh.quality.sql import bound_relation
from andmesh.spec.contract import validate_contract
from andmesh.spec.mesh import Contract
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import load_yaml

FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}


def load_contract_model(file: Path) -> OpenDataContractStandard:
    """A contract file, validated against the ODCS JSON Schema and models."""
    if not file.is_file():
        raise UsageError(f"no contract file at {file}")
    doc = load_yaml(file)
    if isinstance(doc, SpecProblem):
        raise SpecError([doc])
    model, problems = validate_contract(doc)
    if model is None:
        raise SpecError(problems)
    return model


def narrow(model: OpenDataContractStandard, file: Path, object_name: str) -> Contract:
    """The contract seen as the promise of one of its tables."""
    chosen = next(o for o in model.schema_ or [] if o.name == object_name)
    return Contract(id=model.id or file.stem, file=file, model=model.model_copy(update={"schema_": [chosen]}))


def load_contract(file: Path, object_name: str | None = None) -> Contract:
    """A contract file narrowed to one table (the only one, or ``object_name``)."""
    model = load_contract_model(file)
    names = [o.name or "" for o in model.schema_ or []]
    if object_name is None and len(names) != 1:
        raise UsageError(
            f"{file} describes {len(names)} tables: {', '.join(names)}", hint="choose one with `--object`"
        )
    chosen = object_name or names[0]
    if chosen not in names:
        raise UsageError(f"no table `{chosen}` in {file}", hint=hint_for(chosen, names, "tables"))
    return narrow(model, file, chosen)


def data_files(pattern: str) -> tuple[list[str], str]:
    """Files matching ``pattern`` (a glob or a folder) and their single format."""
    if Path(pattern).is_dir():
        files = sorted(str(p) for p in Path(pattern).rglob("*") if p.suffix.lower() in FORMATS)
    else:
        files = sorted(glob.glob(pattern, recursive=True))
    if not files:
        raise UsageError(
            f"no data file matches {pattern}", hint="quote the glob so the shell does not expand it"
        )
    formats = {FORMATS.get(Path(f).suffix.lower()) for f in files}
    if None in formats or len(formats) != 1:
        raise UsageError(
            f"data files must all be one of {', '.join(sorted(FORMATS))}; got {sorted({Path(f).suffix for f in files})}"
        )
    return files, formats.pop() or "parquet"


def bind_data(names: list[str], data: list[str], object_name: str | None) -> dict[str, str]:
    """Map each table of the contract to its files from ``--data`` arguments.

    >>> bind_data(["orders"], ["o/*.parquet"], None)
    {'orders': 'o/*.parquet'}
    >>> bind_data(["a", "b"], ["a=x/*.csv", "b=y/*.csv"], None)
    {'a': 'x/*.csv', 'b': 'y/*.csv'}
    """
    bound: dict[str, str] = {}
    for entry in data:
        name, sep, pattern = entry.partition("=")
        if sep and name in names:
            bound[name] = pattern
        elif object_name is not None or len(names) == 1:
            bound[object_name or names[0]] = entry
        else:
            raise UsageError(
                f"the contract describes {len(names)} tables; say which files are which",
                hint="use `--data <table>=<glob>` for each of: " + ", ".join(names),
            )
    if object_name is not None and object_name not in names:
        raise UsageError(
            f"no table `{object_name}` in the contract", hint=hint_for(object_name, names, "tables")
        )
    return bound


def check_files(
    engine: Engine,
    file: Path,
    data: list[str],
    object_name: str | None = None,
    as_of: dt.datetime | None = None,
) -> ContractRun:
    """Run a contract's checks on files: every bound table, relationships between them."""
    model = load_contract_model(file)
    objects = {o.name or "": o for o in model.schema_ or []}
    bound = bind_data(list(objects), data, object_name)
    session = engine.session()
    try:
        raw = {}
        for name, pattern in bound.items():
            files, file_format = data_files(pattern)
            session.bind(name, files, file_format)
            raw[name] = bound_relation(session, name)
        views = {name: logical_view(t, list(objects[name].properties or [])) for name, t in raw.items()}
        runs: list[CheckRun] = []
        for name, pattern in bound.items():
            others = {k: v for k, v in views.items() if k != name}
            runs.append(
                run_checks(
                    session, raw[name], narrow(model, file, name), pattern, references=others, as_of=as_of
                )
            )
        return ContractRun(contract_id=model.id or file.stem, runs=runs)
    finally:
        session.close()
