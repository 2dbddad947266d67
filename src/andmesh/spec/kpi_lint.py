"""Lint and resolve KPI specs: every column a KPI reads, checked against the contract of its
port step by step (file:line, "did you mean"); the good ones go on ``mesh.kpis``."""

from __future__ import annotations

from collections.abc import Mapping

from andmesh.errors import SpecProblem
from andmesh.spec.kpi import (
    _MODEL_PORTS,
    GRAINS,
    MODEL_COLUMNS,
    MODEL_KEYS,
    ExpressionError,
    Kpi,
    KpiSpec,
    KpiSpecs,
    SourceSpec,
    Step,
    _load_models,
    expression_columns,
    parse_expression,
)
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import PathKey, YamlDocument


def resolve_kpis(mesh: Mesh, specs: KpiSpecs, problems: list[SpecProblem]) -> None:
    """Check every KPI against the contracts (file:line) and put the good ones on ``mesh.kpis``.

    Runs once the mesh's members are known (``mesh.directory``): a KPI's owner must be one.
    """
    ports = {p.table_id: p for p in mesh.ports()}
    asked = {rid: r for rid, r in mesh.requirements.items() if r.spec.newAttribute}
    by_name: dict[str, tuple[YamlDocument, KpiSpec]] = {}
    for doc, spec in specs.kpis:
        if spec.name in by_name:
            problems.append(
                doc.problem(
                    ("name",), f"KPI `{spec.name}` is already declared in {by_name[spec.name][0].file}"
                )
            )
            continue
        by_name[spec.name] = (doc, spec)
    for name, (doc, spec) in by_name.items():
        lint = _KpiLint(doc, spec, ports, asked, by_name, mesh)
        found = lint.run()
        problems.extend(found)
        if not found:
            mesh.kpis[name] = Kpi(name, doc.file, spec, tuple(sorted(lint.read)))
    for resolved in mesh.kpis.values():
        resolved.needs = _needs(resolved.name, mesh.kpis, set())
    for doc, use_case, names in specs.use_cases:
        for index, kpi in enumerate(names):
            if kpi not in by_name:
                problems.append(
                    doc.problem(
                        ("kpis", index),
                        f"unknown KPI `{kpi}`",
                        hint_for(kpi, by_name, "KPIs")
                        or "declare it in enterprise/kpis/<name>.yaml (docs/kpis.md)",
                        code="reference",
                    )
                )
            elif kpi in mesh.kpis:
                mesh.kpis[kpi].use_cases.append(use_case)


def _needs(name: str, kpis: dict[str, Kpi], seen: set[str]) -> tuple[str, ...]:
    if name in seen or name not in kpis:
        return ()
    seen.add(name)
    spec = kpis[name].spec
    out = dict.fromkeys(spec.requirements)
    for other in [*spec.kpis, *(o.kpi for o in spec.offsets.values())]:
        out.update(dict.fromkeys(_needs(other, kpis, seen)))
    return tuple(out)


class _KpiLint:
    """Every column a KPI reads, checked against the contract of its port (with file:line)."""

    def __init__(
        self,
        doc: YamlDocument,
        spec: KpiSpec,
        ports: dict[str, OutputPort],
        asked: Mapping[str, object],
        kpis: dict[str, tuple[YamlDocument, KpiSpec]],
        mesh: Mesh,
    ) -> None:
        self.doc, self.spec, self.ports, self.asked, self.kpis, self.mesh = (
            doc,
            spec,
            ports,
            asked,
            kpis,
            mesh,
        )
        self.problems: list[SpecProblem] = []
        self.read: set[str] = set()
        # A port that did not load (its contract failed) leaves the columns after it unknown:
        # only the missing port is reported, not every column that echoes it.
        self.incomplete = False

    def error(self, path: PathKey, message: str, hint: str | None = None) -> None:
        self.problems.append(self.doc.problem(path, message, hint, code="kpi"))

    def run(self) -> list[SpecProblem]:
        spec = self.spec
        base = self.source(spec.source, ("source",), spec.name) if spec.source else None
        for name, measure in spec.measures.items():
            at: PathKey = ("measures", name)
            cols = self.source(measure.source, (*at, "source"), spec.name) if measure.source else base
            if cols is None:
                continue
            self.expr(measure.expr, cols, (*at, "expr"))
            if measure.filter:
                self.expr(measure.filter, cols, (*at, "filter"))
            time = measure.time or spec.timeDimension
            if time is None:
                self.error(
                    at, "no time dimension", "add `timeDimension:` to the KPI (or `time:` to the measure)"
                )
            elif time not in cols:
                where = (*at, "time") if measure.time else ("timeDimension",)
                self.error(
                    where,
                    f"time dimension `{time}` is not a column of the source",
                    hint_for(time, cols, "columns"),
                )
            model = self.root_model(measure.source or spec.source)
            for dim_name, dim in spec.dimensions.items():
                keys = MODEL_KEYS.get(model, ()) if model is not None else ()
                if model is not None and MODEL_KEYS and dim.key not in keys:
                    self.error(
                        ("dimensions", dim_name, "key"),
                        f"the `{model}` model cannot be cut by `{dim.key}`",
                        hint_for(dim.key, keys, "keys") or f"it is cut by: {', '.join(keys) or 'nothing'}",
                    )
                if model is None and dim.key not in cols:
                    self.error(
                        ("dimensions", dim_name, "key"),
                        f"key `{dim.key}` is not a column of measure `{name}`'s source",
                        hint_for(dim.key, cols, "columns"),
                    )
        for dim_name, dim in spec.dimensions.items():
            # A dimension's port is read only when the KPI is cut by it: not one of its inputs.
            dcols = self.port(dim.port, ("dimensions", dim_name, "port"), read=False)
            if dcols is not None:
                for key in ("key", "column"):
                    col = getattr(dim, key)
                    if col not in dcols:
                        self.column_problem(col, dim.port, dcols, ("dimensions", dim_name, key))
        for index, kpi in enumerate(spec.kpis):
            if kpi not in self.kpis or kpi == spec.name:
                self.error(
                    ("kpis", index),
                    f"unknown KPI `{kpi}`",
                    hint_for(kpi, [k for k in self.kpis if k != spec.name], "KPIs"),
                )
            else:
                self.read.update(self._reads_of(kpi))
        self.offsets()
        self.derived_dimensions()
        self.owner()
        self.cumulative()
        names = set(spec.measures) | set(spec.kpis) | set(spec.offsets)
        self.expr(spec.value, names, ("value",), what="measure", aggregate=False)
        for index, req in enumerate(spec.requirements):
            self.requirement(req, ("requirements", index))
        if not spec.timeGrains:
            self.error(("timeGrains",), "list at least one of month, quarter, year")
        if self.incomplete:
            return [p for p in self.problems if p.message.startswith("unknown port")]
        return self.problems

    def offsets(self) -> None:
        for name, offset in self.spec.offsets.items():
            if offset.kpi not in self.kpis or offset.kpi == self.spec.name:
                self.error(
                    ("offsets", name, "kpi"),
                    f"unknown KPI `{offset.kpi}`",
                    hint_for(offset.kpi, [k for k in self.kpis if k != self.spec.name], "KPIs"),
                )
            else:
                self.read.update(self._reads_of(offset.kpi))
            if name in self.spec.kpis or name in self.kpis:
                self.error(
                    ("offsets", name),
                    f"offset `{name}` has the name of a KPI",
                    f"name it after the shift, e.g. `{offset.kpi}_{'last_year' if 'year' in offset.shift else 'before'}`",
                )

    def derived_dimensions(self) -> None:
        """A derived KPI is cut by a dimension only if every KPI it combines declares it."""
        parts = dict.fromkeys([*self.spec.kpis, *(o.kpi for o in self.spec.offsets.values())])
        for dim_name in self.spec.dimensions:
            for part in parts:
                if part not in self.kpis:
                    continue
                theirs = self.kpis[part][1].dimensions
                if dim_name not in theirs:
                    self.error(
                        ("dimensions", dim_name),
                        f"unknown dimension `{dim_name}`: `{part}`, which this KPI derives from, "
                        "does not declare it",
                        hint_for(dim_name, theirs, "dimensions") or f"declare `{dim_name}` in `{part}` too",
                    )

    def owner(self) -> None:
        directory = self.mesh.directory
        if directory is None or not directory.members:
            return
        people = sorted(u for u, m in directory.members.items() if m.kind == "person")
        member = directory.get(self.spec.owner)
        if member is None or member.kind != "person":
            what = "a service account" if member is not None else "not a member of the mesh"
            self.problems.append(
                self.doc.problem(
                    ("owner",),
                    f"KPI owner `{self.spec.owner}` is {what}: a KPI is owned by a person",
                    hint_for(self.spec.owner, people, "members")
                    or "add them to governance/members.yaml or to a domain's team",
                    code="owner",
                )
            )

    def cumulative(self) -> None:
        to = self.spec.cumulative
        if to is None:
            return
        for index, grain in enumerate(self.spec.timeGrains):
            if GRAINS.index(grain) > GRAINS.index(to):
                self.error(
                    ("timeGrains", index),
                    f"time grain `{grain}` is coarser than `cumulative: {to}`",
                    f"list only grains up to {to} (a {to}-to-date value by {grain} is not defined)",
                )

    def root_model(self, source: SourceSpec | None) -> str | None:
        """The Python model a source ends at (through ``kpi:`` sources), which cuts itself."""
        for _ in range(4):
            if source is None or source.kpi is None:
                break
            source = self.kpis[source.kpi][1].source if source.kpi in self.kpis else None
        return source.model if source is not None else None

    def _reads_of(self, kpi: str) -> set[str]:
        other_doc, other = self.kpis[kpi]
        lint = _KpiLint(other_doc, other, self.ports, self.asked, self.kpis, self.mesh)
        lint.run()
        return lint.read

    def requirement(self, req: str, at: PathKey) -> None:
        table_id, _, column = req.rpartition(".")
        if req in self.asked:
            return
        if table_id not in self.ports:
            self.error(
                at,
                f"requirement `{req}` names no port",
                hint_for(table_id, self.ports, "ports") or "write `<domain>.<port>.<column>`",
            )
            return
        cols = self.columns(self.ports[table_id])
        if column not in cols:
            self.column_problem(column, table_id, cols, at)

    def columns(self, port: OutputPort) -> set[str]:
        cols = {p.name for p in port.contract.properties if p.name}
        prefix = f"{port.table_id}."
        return cols | {rid[len(prefix) :] for rid in self.asked if rid.startswith(prefix)}

    def column_problem(self, column: str, table_id: str, cols: set[str], at: PathKey) -> None:
        self.error(
            at,
            f"column `{column}` is not in the contract of `{table_id}`",
            hint_for(column, cols, "columns")
            or "add it to the contract, or ask the domain for it with a `newAttribute: true` requirement",
        )

    def port(self, table_id: str, at: PathKey, *, read: bool = True) -> set[str] | None:
        if table_id not in self.ports:
            self.incomplete = True
            self.error(
                at,
                f"unknown port `{table_id}`",
                hint_for(table_id, self.ports, "ports") or "write `<domain>.<port>`",
            )
            return None
        if read:
            self.read.add(self.ports[table_id].name)
        return self.columns(self.ports[table_id])

    def source(self, source: SourceSpec, at: PathKey, owner: str, depth: int = 0) -> set[str] | None:
        if source.kpi is not None:
            other = self.kpis.get(source.kpi)
            if other is None or other[1].source is None or depth > 3 or source.kpi == owner:
                self.error(
                    (*at, "kpi"),
                    f"`{source.kpi}` is not a KPI with a `source:`",
                    hint_for(
                        source.kpi, [k for k, (_, s) in self.kpis.items() if s.source and k != owner], "KPIs"
                    ),
                )
                return None
            sub = _KpiLint(other[0], other[1], self.ports, self.asked, self.kpis, self.mesh)
            assert other[1].source is not None
            cols = sub.source(other[1].source, ("source",), other[1].name, depth + 1)
            self.read |= sub.read
            self.incomplete |= sub.incomplete
            # Its own problems are reported on its own file.
            return cols
        if source.model is not None:
            _load_models()
            if MODEL_COLUMNS and source.model not in MODEL_COLUMNS:
                self.error(
                    (*at, "model"),
                    f"unknown model `{source.model}`",
                    hint_for(source.model, MODEL_COLUMNS, "models"),
                )
                return None
            for port in _MODEL_PORTS.get(source.model, ()):
                self.read.add(port)
            return set(MODEL_COLUMNS.get(source.model, ())) | {"period"}
        assert source.port is not None
        cols = self.port(source.port, (*at, "port"))
        if cols is None:
            return None
        return self.steps(source.steps, cols, (*at, "steps"), source.port)

    def steps(self, steps: list[Step], cols: set[str], at: PathKey, table_id: str) -> set[str] | None:
        cols = set(cols)
        for index, step in enumerate(steps):
            here = (*at, index)
            if step.filter is not None:
                self.expr(step.filter, cols, (*here, "filter"), port=table_id)
            elif step.derive is not None:
                for name, text in step.derive.items():
                    self.expr(text, cols, (*here, "derive", name), port=table_id)
                cols |= set(step.derive)
            elif step.aggregate is not None:
                for i, key in enumerate(step.aggregate.by):
                    if key not in cols:
                        self.column_problem(key, table_id, cols, (*here, "aggregate", "by", i))
                for name, text in step.aggregate.columns.items():
                    self.expr(
                        text, cols, (*here, "aggregate", "columns", name), aggregate=True, port=table_id
                    )
                cols = set(step.aggregate.by) | set(step.aggregate.columns)
            elif step.join is not None:
                join = step.join
                right = self.port(join.port, (*here, "join", "port"))
                if right is None:
                    continue
                right = self.steps(join.steps, right, (*here, "join", "steps"), join.port) or set()
                for side, have, tid in (("left", cols, table_id), ("right", right, join.port)):
                    if join.on not in have:
                        self.error(
                            (*here, "join", "on"),
                            f"join key `{join.on}` is not a column of the {side} side (`{tid}`)",
                            hint_for(join.on, have, "columns"),
                        )
                for i, col in enumerate(join.columns):
                    if col not in right:
                        self.column_problem(col, join.port, right, (*here, "join", "columns", i))
                cols |= set(join.columns)
        return cols

    def expr(
        self,
        text: str,
        cols: set[str],
        at: PathKey,
        *,
        what: str = "column",
        aggregate: bool = False,
        port: str | None = None,
    ) -> None:
        try:
            used = expression_columns(parse_expression(text, aggregate=aggregate))
        except ExpressionError as exc:
            self.error(at, f"expression `{text}`: {exc}")
            return
        for name in sorted(used - cols):
            if what == "column" and port is not None:
                self.error(
                    at,
                    f"column `{name}` is not in the contract of `{port}` (nor derived before)",
                    hint_for(name, cols, "columns"),
                )
            else:
                self.error(at, f"unknown {what} `{name}`", hint_for(name, cols, f"{what}s"))
