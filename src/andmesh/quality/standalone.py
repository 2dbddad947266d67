"""Test any ODCS contract against any files, without a mesh (``andmesh test FILE --data GLOB``)."""

from __future__ import annotations

import datetime as dt
import glob
from pathlib import Path

from andmesh.engine.base import Engine
from andmesh.errors import SpecError, SpecProblem, UsageError
from andmesh.quality.checks import run_checks
from andmesh.quality.results import CheckRun
from andmesh.spec.contract import validate_contract
from andmesh.spec.mesh import Contract
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import load_yaml

FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}


def load_contract(file: Path, object_name: str | None = None) -> Contract:
    """A contract file, validated, narrowed to one schema object."""
    if not file.is_file():
        raise UsageError(f"no contract file at {file}")
    doc = load_yaml(file)
    if isinstance(doc, SpecProblem):
        raise SpecError([doc])
    model, problems = validate_contract(doc)
    if model is None:
        raise SpecError(problems)
    objects = model.schema_ or []
    names = [o.name or "" for o in objects]
    if object_name is None:
        if len(objects) != 1:
            raise UsageError(
                f"{file} describes {len(objects)} tables: {', '.join(names)}",
                hint="choose one with `--object <name>`",
            )
        chosen = objects[0]
    else:
        found = [o for o in objects if o.name == object_name]
        if not found:
            raise UsageError(
                f"no object `{object_name}` in {file}", hint=hint_for(object_name, names, "objects")
            )
        chosen = found[0]
    narrowed = model.model_copy(update={"schema_": [chosen]})
    return Contract(id=model.id or file.stem, file=file, model=narrowed)


def data_files(pattern: str) -> tuple[list[str], str]:
    """Files matching ``pattern`` and their (single) format."""
    files = sorted(glob.glob(pattern, recursive=True))
    if Path(pattern).is_dir():
        files = sorted(str(p) for p in Path(pattern).rglob("*") if p.suffix in FORMATS)
    if not files:
        raise UsageError(
            f"no data file matches {pattern}", hint="quote the glob so the shell does not expand it"
        )
    formats = {FORMATS.get(Path(f).suffix.lower()) for f in files}
    if None in formats or len(formats) != 1:
        raise UsageError(
            f"data files must all be one of {', '.join(sorted(FORMATS))}; got {sorted(Path(f).suffix for f in files)}"
        )
    return files, formats.pop() or "parquet"


def check_files(
    engine: Engine, contract: Contract, pattern: str, as_of: dt.datetime | None = None
) -> CheckRun:
    """Run ``contract``'s checks on the files matching ``pattern``."""
    files, file_format = data_files(pattern)
    session = engine.session()
    try:
        name = contract.schema_object.name or "data"
        table = session.register(name, files, file_format)
        return run_checks(session, table, contract, pattern, as_of=as_of)
    finally:
        session.close()
