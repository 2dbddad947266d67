"""Compile an ODCS contract into checks, and evaluate them in as few scans as possible.

Every row-level check (required, ranges, accepted values, patterns, null and missing
counts, row count) becomes one column of a single aggregate query over the table;
each uniqueness check (unique, primary key, duplicateValues) is one grouped query.
Expressions are Ibis, so the same plan runs on DuckDB and Spark.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt_types
from ibis import _
from open_data_contract_standard.model import DataQuality, SchemaProperty

from andmesh.engine.base import EngineSession
from andmesh.quality.operators import satisfies, threshold_of
from andmesh.quality.physical import honours, parse_physical
from andmesh.quality.plan import Evaluation, PlannedCheck, decided
from andmesh.quality.relationships import plan_relationship
from andmesh.quality.results import CheckResult, CheckRun, CheckStatus
from andmesh.quality.sla import plan_sla
from andmesh.quality.sql_rules import plan_sql_rule
from andmesh.spec.mesh import Contract

SAMPLE_ROWS = 5
PII_CLASSES = {"pii", "restricted", "confidential", "sensitive"}

# logicalType → test on the Ibis data type of the column
LOGICAL_TYPES: dict[str, Callable[[dt_types.DataType], bool]] = {
    "string": lambda t: t.is_string() or t.is_uuid(),
    "integer": lambda t: t.is_integer() or (t.is_decimal() and getattr(t, "scale", None) == 0),
    "number": lambda t: t.is_numeric(),
    "boolean": lambda t: t.is_boolean(),
    "date": lambda t: t.is_date(),
    "timestamp": lambda t: t.is_timestamp(),
    "time": lambda t: t.is_time(),
    "array": lambda t: t.is_array(),
    "object": lambda t: t.is_struct() or t.is_map() or t.is_json(),
    "map": lambda t: t.is_map(),
}
RANGE_OPTIONS = {
    "minimum": "<",
    "exclusiveMinimum": "<=",
    "maximum": ">",
    "exclusiveMaximum": ">=",
}
# Regular expressions for `logicalTypeOptions.format` on string columns.
FORMATS = {
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "uri": r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$",
    "url": r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+$",
    "hostname": r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
    "ipv4": r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$",
    "date": r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
    "date-time": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$",
    "time": r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$",
}
EVALUATED_OPTIONS = {*RANGE_OPTIONS, "pattern", "minLength", "maxLength", "format", "multipleOf"}


def _literal(value: Any, dtype: dt_types.DataType) -> Any:
    """A contract bound as a literal of the column's type (dates and timestamps parsed)."""
    if dtype.is_date():
        return ibis.literal(dt.date.fromisoformat(str(value)[:10]))
    if dtype.is_timestamp():
        parsed = dt.datetime.fromisoformat(str(value))
        if dtype.timezone is None and parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return ibis.literal(parsed, type=dtype)
    return ibis.literal(value)


@dataclass(frozen=True)
class Scope:
    """What the checks of one table may look at."""

    obj: str
    table: ibis.Table
    references: Mapping[str, ibis.Table]
    as_of: dt.datetime
    physical: Mapping[str, str]  # logical name → column name as stored, where they differ

    @property
    def tables(self) -> set[str]:
        return {self.obj, *self.references}


def plan_checks(
    contract: Contract,
    table: ibis.Table,
    references: Mapping[str, ibis.Table] | None = None,
    as_of: dt.datetime | None = None,
) -> list[PlannedCheck]:
    """Turn a contract into the list of checks to run against ``table``.

    ``references`` are the other tables relationships and SQL rules may read, by name;
    ``as_of`` is the time SLAs are measured against (default: now).
    """
    obj = contract.schema_object.name or "table"
    physical = {p.name: p.physicalName for p in contract.properties if p.name and p.physicalName}
    scope = Scope(obj, table, references or {}, as_of or dt.datetime.now(tz=dt.UTC), physical)
    columns = dict(table.schema().items())
    planned: list[PlannedCheck] = []
    keys: list[tuple[int, str]] = []
    for prop in contract.properties:
        name = prop.name or ""
        planned.extend(_property_checks(scope, prop, columns.get(name)))
        if prop.primaryKey:
            keys.append((prop.primaryKeyPosition or 0, name))
    if keys:
        key_cols = [name for _, name in sorted(keys)]
        present = all(k in columns for k in key_cols)
        check_id = f"{obj}.primaryKey"
        if not present:
            missing = [k for k in key_cols if k not in columns]
            planned.append(
                decided(
                    check_id,
                    "primaryKey",
                    obj,
                    ",".join(key_cols),
                    CheckStatus.error,
                    f"key column(s) {missing} missing",
                )
            )
        else:
            planned.append(
                PlannedCheck(
                    check_id,
                    "primaryKey",
                    obj,
                    ",".join(key_cols),
                    group_keys=key_cols,
                    describe=f"primary key ({', '.join(key_cols)}) unique",
                )
            )
            planned.append(
                PlannedCheck(
                    f"{obj}.primaryKey.notNull",
                    "primaryKey",
                    obj,
                    ",".join(key_cols),
                    measure=lambda t: _any_null(t, key_cols).sum(),
                    failing=lambda t: _any_null(t, key_cols),
                    describe="rows with a null key column",
                )
            )
    for index, rule in enumerate(contract.schema_object.quality or []):
        planned.append(_quality_check(scope, None, None, rule, index, columns))
    for index, rel in enumerate(contract.schema_object.relationships or []):
        planned.append(plan_relationship(obj, f"{obj}.relationship[{index}]", rel, table, scope.references))
    for index, sla in enumerate(contract.model.slaProperties or []):
        check = plan_sla(
            obj, index, sla, table, contract.model.slaDefaultElement, scope.as_of, scope.physical
        )
        if check is not None:
            planned.append(check)
    return planned


def _any_null(table: ibis.Table, columns: list[str]) -> ibis.expr.types.BooleanValue:
    return ibis.or_(*[table[c].isnull() for c in columns])


def _property_checks(
    scope: Scope, prop: SchemaProperty, dtype: dt_types.DataType | None
) -> list[PlannedCheck]:
    obj = scope.obj
    name = prop.name or ""
    base = f"{obj}.{name}"
    checks: list[PlannedCheck] = []
    if dtype is None:
        checks.append(
            decided(
                f"{base}.present",
                "schema",
                obj,
                name,
                CheckStatus.failed,
                f"column `{name}` is missing from the data",
                measured="missing",
                threshold="present",
            )
        )
        reason = f"column `{name}` is missing, so this check cannot be evaluated"
        for kind in _value_check_kinds(prop):
            checks.append(decided(f"{base}.{kind}", kind, obj, name, CheckStatus.error, reason))
        return checks
    checks.append(
        decided(f"{base}.present", "schema", obj, name, CheckStatus.passed, "present", measured="present")
    )
    logical = prop.logicalType
    type_ok = True
    if logical:
        test = LOGICAL_TYPES.get(logical)
        type_ok = test is not None and test(dtype)
        checks.append(
            decided(
                f"{base}.type",
                "type",
                obj,
                name,
                CheckStatus.passed if type_ok else CheckStatus.failed,
                f"{dtype} is {'' if type_ok else 'not '}a {logical}",
                measured=str(dtype),
                threshold=logical,
            )
        )
    if prop.physicalType:
        physical = parse_physical(prop.physicalType)
        if physical is None:
            checks.append(
                decided(
                    f"{base}.physicalType",
                    "physicalType",
                    obj,
                    name,
                    CheckStatus.skipped,
                    f"physicalType `{prop.physicalType}` is not a SQL type andmesh can compare",
                    threshold=prop.physicalType,
                )
            )
        else:
            fits = honours(dtype, physical)
            checks.append(
                decided(
                    f"{base}.physicalType",
                    "physicalType",
                    obj,
                    name,
                    CheckStatus.passed if fits else CheckStatus.failed,
                    f"{dtype} {'fits' if fits else 'does not fit'} {prop.physicalType}",
                    measured=str(dtype),
                    threshold=prop.physicalType,
                )
            )
    col_type = dtype
    if prop.required:
        checks.append(
            PlannedCheck(
                f"{base}.required",
                "required",
                obj,
                name,
                measure=lambda t: t[name].isnull().sum(),
                failing=lambda t: t[name].isnull(),
                describe="null values",
            )
        )
    if prop.unique:
        checks.append(
            PlannedCheck(
                f"{base}.unique", "unique", obj, name, group_keys=[name], describe="rows sharing a value"
            )
        )
    options = prop.logicalTypeOptions or {}
    for option, value in options.items():
        check_id = f"{base}.{option}"
        if option not in EVALUATED_OPTIONS:
            checks.append(
                decided(
                    check_id,
                    option,
                    obj,
                    name,
                    CheckStatus.skipped,
                    f"logicalTypeOptions.{option} is not evaluated by this version of the gate",
                    threshold={option: value},
                )
            )
            continue
        if not type_ok:
            checks.append(
                decided(
                    check_id,
                    option,
                    obj,
                    name,
                    CheckStatus.error,
                    f"cannot check {option}: column has type {col_type}",
                )
            )
            continue
        if option in RANGE_OPTIONS:
            checks.append(_range_check(obj, name, option, value, col_type))
        elif option == "format":
            checks.append(_format_check(obj, name, str(value), col_type))
        elif option == "multipleOf":
            checks.append(_multiple_of_check(obj, name, value, col_type))
        else:
            checks.append(_string_option_check(obj, name, option, value))
    for index, rule in enumerate(prop.quality or []):
        checks.append(_quality_check(scope, name, col_type, rule, index, None))
    for index, rel in enumerate(prop.relationships or []):
        checks.append(
            plan_relationship(obj, f"{base}.relationship[{index}]", rel, scope.table, scope.references, name)
        )
    return checks


def _value_check_kinds(prop: SchemaProperty) -> list[str]:
    kinds = []
    if prop.logicalType:
        kinds.append("type")
    if prop.required:
        kinds.append("required")
    if prop.unique:
        kinds.append("unique")
    kinds.extend((prop.logicalTypeOptions or {}).keys())
    kinds.extend(f"quality[{i}]" for i in range(len(prop.quality or [])))
    return kinds


def _range_check(obj: str, name: str, option: str, value: Any, dtype: dt_types.DataType) -> PlannedCheck:
    op = RANGE_OPTIONS[option]
    try:
        bound = _literal(value, dtype)
    except (TypeError, ValueError) as exc:
        return decided(
            f"{obj}.{name}.{option}",
            option,
            obj,
            name,
            CheckStatus.error,
            f"bound {value!r} is not valid for {dtype}: {exc}",
        )

    def failing(t: ibis.Table) -> Any:
        col = t[name]
        return {"<": col < bound, "<=": col <= bound, ">": col > bound, ">=": col >= bound}[op]

    return PlannedCheck(
        f"{obj}.{name}.{option}",
        "range",
        obj,
        name,
        measure=lambda t: failing(t).sum(),
        failing=failing,
        describe=f"values {op} {value} ({option})",
    )


def _format_check(obj: str, name: str, fmt: str, dtype: dt_types.DataType) -> PlannedCheck:
    check_id = f"{obj}.{name}.format"
    if not dtype.is_string():
        return decided(
            check_id, "format", obj, name, CheckStatus.skipped,
            f"format `{fmt}` applies to strings; `{name}` is typed {dtype}, which already fixes its form",
        )  # fmt: skip
    pattern = FORMATS.get(fmt.lower())
    if pattern is None:
        return decided(
            check_id, "format", obj, name, CheckStatus.error,
            f"unknown format `{fmt}` (known: {', '.join(sorted(FORMATS))})",
        )  # fmt: skip

    def failing(t: ibis.Table) -> Any:
        return t[name].notnull() & ~t[name].re_search(pattern)

    return PlannedCheck(
        check_id, "format", obj, name, measure=lambda t: failing(t).sum(), failing=failing,
        describe=f"values that are not a valid {fmt}",
    )  # fmt: skip


def _multiple_of_check(obj: str, name: str, value: Any, dtype: dt_types.DataType) -> PlannedCheck:
    check_id = f"{obj}.{name}.multipleOf"
    if not dtype.is_numeric() or not isinstance(value, int | float) or not value:
        return decided(
            check_id, "multipleOf", obj, name, CheckStatus.error,
            f"multipleOf {value!r} needs a non-zero number on a numeric column ({name} is {dtype})",
        )  # fmt: skip

    def failing(t: ibis.Table) -> Any:
        ratio = t[name].cast("float64") / float(value)
        # Tolerance for binary floating point: 19.99 is a multiple of 0.01.
        return (ratio - ratio.round()).abs() > 1e-9

    return PlannedCheck(
        check_id, "multipleOf", obj, name, measure=lambda t: failing(t).sum(), failing=failing,
        describe=f"values that are not a multiple of {value}",
    )  # fmt: skip


def _string_option_check(obj: str, name: str, option: str, value: Any) -> PlannedCheck:
    def failing(t: ibis.Table) -> Any:
        col = t[name].cast("string")
        if option == "pattern":
            return col.notnull() & ~col.re_search(str(value))
        if option == "minLength":
            return col.length() < int(value)
        return col.length() > int(value)

    return PlannedCheck(
        f"{obj}.{name}.{option}",
        option,
        obj,
        name,
        measure=lambda t: failing(t).sum(),
        failing=failing,
        describe=f"values breaking {option} {value!r}",
    )


def _quality_check(
    scope: Scope,
    name: str | None,
    dtype: dt_types.DataType | None,
    rule: DataQuality,
    index: int,
    columns: dict[str, dt_types.DataType] | None,
) -> PlannedCheck:
    obj = scope.obj
    where = f"{obj}.{name}" if name else obj
    metric = rule.metric or rule.rule
    check_id = f"{where}.quality[{index}]" + (f".{metric}" if metric else "")
    severity = (rule.severity or "error").lower()
    severity = "warning" if severity in ("warning", "warn", "info") else "error"
    threshold = threshold_of(rule)
    kind = rule.type or "library"

    def settle(status: CheckStatus, message: str) -> PlannedCheck:
        return decided(
            check_id, metric or kind, obj, name, status, message, severity=severity, threshold=threshold
        )

    if kind == "sql":
        return plan_sql_rule(
            obj, name, check_id, rule, scope.tables, severity, scope.physical.get(name or "")
        )
    if kind != "library":
        return settle(
            CheckStatus.skipped, f"`type: {kind}` rules need an engine andmesh does not run ({rule.engine})"
        )
    if not threshold:
        return settle(
            CheckStatus.error,
            "the rule sets no threshold (mustBe, mustBeLessThan, …): it cannot pass or fail",
        )
    args = rule.arguments or {}
    percent = (rule.unit or "rows") == "percent"
    check = PlannedCheck(
        check_id, metric or "", obj, name, severity=severity, threshold=threshold, percent=percent
    )
    if metric == "rowCount":
        check.measure = lambda t: t.count()
        check.percent = False
        check.describe = "rows"
        return check
    if metric == "duplicateValues":
        props = args.get("properties") or ([name] if name else None)
        if not props:
            return settle(CheckStatus.error, "duplicateValues on an object needs `arguments.properties`")
        if columns is not None and any(p not in columns for p in props):
            return settle(CheckStatus.error, f"column(s) {[p for p in props if p not in columns]} missing")
        check.group_keys = list(props)
        check.describe = "rows sharing a value"
        return check
    if name is None or dtype is None:
        return settle(CheckStatus.error, f"metric `{metric}` needs a property")
    if metric == "nullValues":
        check.measure = lambda t: t[name].isnull().sum()
        check.failing = lambda t: t[name].isnull()
        check.describe = "null values"
        return check
    if metric == "missingValues":
        missing = [m for m in args.get("missingValues", []) if m is not None]

        def is_missing(t: ibis.Table) -> Any:
            col = t[name]
            return col.isnull() | col.isin(missing) if missing else col.isnull()

        check.measure = lambda t: is_missing(t).sum()
        check.failing = is_missing
        check.describe = "missing values"
        return check
    if metric == "invalidValues":
        valid = args.get("validValues")
        pattern = args.get("pattern")
        if valid is None and pattern is None:
            return settle(
                CheckStatus.error, "invalidValues needs `arguments.validValues` or `arguments.pattern`"
            )

        def is_invalid(t: ibis.Table) -> Any:
            col = t[name]
            bad = col.notnull()
            if valid is not None:
                bad = bad & ~col.isin(valid)
            if pattern is not None:
                bad = bad & ~col.cast("string").re_search(str(pattern))
            return bad

        check.measure = lambda t: is_invalid(t).sum()
        check.failing = is_invalid
        check.describe = "invalid values"
        return check
    return settle(CheckStatus.error, f"unknown metric `{metric}`: cannot be evaluated")


def logical_view(table: ibis.Table, properties: list[SchemaProperty]) -> ibis.Table:
    """``table`` with columns named by their logical ``name`` where data uses ``physicalName``."""
    renames = {
        p.name: p.physicalName
        for p in properties
        if p.name and p.physicalName and p.physicalName != p.name
        and p.physicalName in table.columns and p.name not in table.columns
    }  # fmt: skip
    return table.rename(renames) if renames else table


def run_checks(
    session: EngineSession,
    table: ibis.Table,
    contract: Contract,
    table_name: str,
    *,
    references: Mapping[str, ibis.Table] | None = None,
    as_of: dt.datetime | None = None,
) -> CheckRun:
    """Evaluate every check of ``contract`` on ``table``.

    One aggregate query for all row-level checks, one grouped query per uniqueness
    check, one anti-join per relationship, one query per SQL rule or SLA.
    """
    started = dt.datetime.now(tz=dt.UTC)
    clock = time.perf_counter()
    table = logical_view(table, contract.properties)
    plan = plan_checks(contract, table, references, as_of)
    measures = {}
    for index, check in enumerate(plan):
        if check.measure is None or check.decided is not None:
            continue
        try:
            measures[f"m{index}"] = check.measure(table)
        except Exception as exc:  # an argument that does not fit the column's type
            check.decided = check.result(
                CheckStatus.error, None, f"cannot be evaluated on this column: {exc}"
            )
    aggregate = table.aggregate(__rows=table.count(), **measures)
    row = session.to_arrow(aggregate).to_pylist()[0]
    rows = int(row.pop("__rows") or 0)
    aggregate_sql = str(ibis.to_sql(aggregate))
    pii = {p.name for p in contract.properties if p.name and (p.classification or "").lower() in PII_CLASSES}
    results: list[CheckResult] = []
    for index, check in enumerate(plan):
        if check.decided is not None:
            results.append(check.decided)
            continue
        if check.evaluate is not None:
            try:
                evaluation: Evaluation = check.evaluate(session)
            except Exception as exc:
                results.append(check.result(CheckStatus.error, None, f"could not be evaluated: {exc}"))
                continue
            result = _judge(check, evaluation.measured, rows, evaluation.query)
            if result.status in (CheckStatus.failed, CheckStatus.warning):
                result.samples = _mask(evaluation.samples, pii)
            results.append(result)
            continue
        if check.group_keys is not None:
            keys = check.group_keys
            grouped = (
                table.filter(ibis.and_(*[table[k].notnull() for k in keys]))
                .group_by(keys)
                .aggregate(n=_.count())
                .filter(_.n > 1)
            )
            # The duplicated keys are computed once (the one grouped scan); their count
            # and the sample shown on failure are read from that small result.
            dupes = session.materialize(grouped)
            query = dupes.aggregate(rows=_.n.sum(), values=_.count())
            value = session.to_arrow(query).to_pylist()[0]
            measured = int(value["rows"] or 0)
            result = _judge(check, measured, rows, str(ibis.to_sql(grouped.aggregate(rows=_.n.sum()))))
            if result.status in (CheckStatus.failed, CheckStatus.warning):
                sample = dupes.order_by(ibis.desc("n")).limit(SAMPLE_ROWS)
                result.samples = _mask(session.to_arrow(sample).to_pylist(), pii)
            results.append(result)
            continue
        value = row[f"m{index}"]
        try:
            reading: float = check.reading(value) if check.reading is not None else int(value or 0)
        except ValueError as exc:
            results.append(
                check.result(CheckStatus.error, None, f"could not be evaluated: {exc}", aggregate_sql)
            )
            continue
        result = _judge(check, reading, rows, aggregate_sql)
        if result.status in (CheckStatus.failed, CheckStatus.warning) and check.failing is not None:
            cols = list(
                dict.fromkeys([*(k for k in _key_columns(contract) if k in table.columns), check.property])
            )
            cols = [c for c in cols if c and c in table.columns]
            sample = table.filter(check.failing(table)).select(cols).limit(SAMPLE_ROWS)
            result.samples = _mask(session.to_arrow(sample).to_pylist(), pii)
        results.append(result)
    return CheckRun(
        contract_id=contract.id,
        table=table_name,
        rows=rows,
        started_at=started,
        seconds=round(time.perf_counter() - clock, 4),
        checks=results,
    )


def _judge(check: PlannedCheck, count: float, rows: int, query: str) -> CheckResult:
    measured: float = count
    if check.percent:
        measured = round(100.0 * count / rows, 4) if rows else 0.0
    ok = satisfies(measured, check.threshold)
    unit = "%" if check.percent else ""
    message = f"{measured}{unit} {check.describe}".strip()
    if ok:
        return check.result(CheckStatus.passed, measured, message, query)
    status = CheckStatus.failed if check.severity == "error" else CheckStatus.warning
    return check.result(status, measured, f"{message}; the contract asks {check.threshold}", query)


def _key_columns(contract: Contract) -> list[str]:
    keyed = sorted((p.primaryKeyPosition or 0, p.name or "") for p in contract.properties if p.primaryKey)
    return [name for _, name in keyed]


def _mask(rows: list[dict[str, Any]], pii: set[str]) -> list[dict[str, Any]]:
    masked = []
    for row in rows:
        clean = {}
        for key, value in row.items():
            if key in pii and value is not None:
                clean[key] = "***"
            elif isinstance(value, dt.date | dt.datetime):
                clean[key] = value.isoformat()
            else:
                clean[key] = value
        masked.append(clean)
    return masked
