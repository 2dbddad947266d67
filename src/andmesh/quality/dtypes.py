"""Column types as the checks see them, read from the engine's own type names without Ibis.

Check messages show a column's type as Ibis names it (``int64``, ``decimal(12, 2)``,
``timestamp('UTC', 6)``): the gate said so before it stopped importing Ibis, and
users' expectations and stored results say so still. The common types are parsed here
with sqlglot (~ms); a type this module does not know is handed to Ibis's own parser,
which is then imported (rare: intervals, unions, enums, geometry).
``tests/quality/test_dtypes.py`` holds both to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

T = exp.DataType.Type
_INTS = {
    T.TINYINT: ("int8", 1, True),
    T.SMALLINT: ("int16", 2, True),
    T.INT: ("int32", 4, True),
    T.BIGINT: ("int64", 8, True),
    T.UTINYINT: ("uint8", 1, False),
    T.USMALLINT: ("uint16", 2, False),
    T.UINT: ("uint32", 4, False),
    T.UBIGINT: ("uint64", 8, False),
}
_FLOATS = {T.FLOAT: ("float32", 4), T.DOUBLE: ("float64", 8)}
_SIMPLE = {
    T.BOOLEAN: "boolean",
    T.DATE: "date",
    T.TIME: "time",
    T.UUID: "uuid",
    T.JSON: "json",
    T.VARBINARY: "binary",
    T.BINARY: "binary",
    T.BLOB: "binary",
    T.NULL: "null",
}
_TIMESTAMPS = {T.TIMESTAMP: 6, T.DATETIME: 6, T.TIMESTAMP_S: 0, T.TIMESTAMP_MS: 3, T.TIMESTAMP_NS: 9}


@dataclass(frozen=True)
class DType:
    """A column type: what the checks ask of it, and its name as Ibis prints it."""

    kind: str  # int, float, decimal, string, boolean, date, time, timestamp, uuid, json, binary,
    # null, array, struct, map, other
    name: str = ""  # int64, float32, …; for `other`, Ibis's rendering
    nullable: bool = True
    nbytes: int = 0
    signed: bool = True
    precision: int | None = None
    scale: int | None = None
    timezone: str | None = None
    fields: tuple[tuple[str, DType], ...] = ()  # a struct's fields; an array's item; a map's key, value
    flags: frozenset[str] = frozenset()  # for `other`: the is_* that hold

    def __str__(self) -> str:
        return ("" if self.nullable else "!") + self._text()

    def _text(self) -> str:
        if self.kind == "decimal":
            return f"decimal({self.precision}, {self.scale})"
        if self.kind == "timestamp":
            inner = [repr(self.timezone)] if self.timezone else []
            inner += [str(self.scale)] if self.scale is not None else []
            return f"timestamp({', '.join(inner)})" if inner else "timestamp"
        if self.kind == "array":
            return f"array<{self.fields[0][1]}>"
        if self.kind == "map":
            return f"map<{self.fields[0][1]}, {self.fields[1][1]}>"
        if self.kind == "struct":
            return "struct<" + ", ".join(f"{n}: {t}" for n, t in self.fields) + ">"
        return self.name or self.kind

    def _is(self, flag: str, *kinds: str) -> bool:
        return self.kind in kinds or flag in self.flags

    def is_integer(self) -> bool:
        return self._is("integer", "int")

    def is_signed_integer(self) -> bool:
        return self.is_integer() and self.signed

    def is_floating(self) -> bool:
        return self._is("floating", "float")

    def is_decimal(self) -> bool:
        return self._is("decimal", "decimal")

    def is_numeric(self) -> bool:
        return self._is("numeric", "int", "float", "decimal")

    def is_string(self) -> bool:
        return self._is("string", "string")

    def is_uuid(self) -> bool:
        return self._is("uuid", "uuid")

    def is_boolean(self) -> bool:
        return self._is("boolean", "boolean")

    def is_date(self) -> bool:
        return self._is("date", "date")

    def is_timestamp(self) -> bool:
        return self._is("timestamp", "timestamp")

    def is_time(self) -> bool:
        return self._is("time", "time")

    def is_array(self) -> bool:
        return self._is("array", "array")

    def is_struct(self) -> bool:
        return self._is("struct", "struct")

    def is_map(self) -> bool:
        return self._is("map", "map")

    def is_json(self) -> bool:
        return self._is("json", "json")

    def is_unknown(self) -> bool:
        return "unknown" in self.flags

    def field_types(self) -> dict[str, DType]:
        return dict(self.fields) if self.is_struct() else {}


_IBIS_FLAGS = (
    "integer", "floating", "decimal", "numeric", "string", "uuid", "boolean", "date",
    "timestamp", "time", "array", "struct", "map", "json", "unknown",
)  # fmt: skip


@lru_cache(maxsize=1024)
def engine_type(text: str, nullable: bool = True) -> DType:
    """The type of a column the engine names ``text`` (e.g. DuckDB's ``DESCRIBE``).

    >>> str(engine_type("DECIMAL(12,2)")), str(engine_type("TIMESTAMP WITH TIME ZONE"))
    ('decimal(12, 2)', "timestamp('UTC', 6)")
    >>> str(engine_type("STRUCT(a BIGINT, b VARCHAR[])", nullable=False))
    '!struct<a: int64, b: array<string>>'
    """
    try:
        parsed = sqlglot.parse_one(text, into=exp.DataType, read="duckdb")
        found = _from_sqlglot(parsed)
    except (sqlglot.errors.SqlglotError, _Unsupported):
        found = None
    dtype = found if found is not None else _from_ibis(text)
    return replace(dtype, nullable=nullable)


def parse_physical(text: str) -> DType | None:
    """The type a contract's ``physicalType`` names, or None when it is not a SQL type we know.

    >>> str(parse_physical("varchar(18)")), str(parse_physical("decimal(12,2)"))
    ('string', 'decimal(12, 2)')
    >>> parse_physical("table") is None
    True
    """
    try:
        parsed = engine_type(text.strip())
    except Exception:
        return None
    return None if parsed.is_unknown() else parsed


def honours(actual: DType, physical: DType) -> bool:
    """Whether data typed ``actual`` fits a column declared ``physical``.

    Integers fit a type at least as wide, decimals one with the same scale and at least
    the precision; a timestamp with a time zone is not one without.

    >>> honours(engine_type("INTEGER"), engine_type("BIGINT")), honours(engine_type("BIGINT"), engine_type("INTEGER"))
    (True, False)
    >>> honours(engine_type("DECIMAL(10,2)"), engine_type("DECIMAL(12,2)"))
    True
    >>> honours(engine_type("TIMESTAMPTZ"), engine_type("TIMESTAMP"))
    False
    """
    if actual.is_integer() and physical.is_integer():
        return actual.nbytes <= physical.nbytes and actual.signed == physical.signed
    if actual.is_floating() and physical.is_floating():
        return actual.nbytes <= physical.nbytes
    if actual.is_decimal() and physical.is_decimal():
        return actual.scale == physical.scale and (actual.precision or 38) <= (physical.precision or 38)
    if actual.is_timestamp() and physical.is_timestamp():
        return (actual.timezone is None) == (physical.timezone is None)
    if actual.is_string() and physical.is_string():
        return True  # lengths are `maxLength`'s job
    return actual.kind == physical.kind and (actual.kind != "other" or actual.name == physical.name)


def misfit(actual: DType, physical: DType, declared: str) -> str:
    """Why data typed ``actual`` does not fit ``declared``, and how to fix it, for the check's message.

    >>> misfit(engine_type("DOUBLE"), engine_type("DECIMAL(15,2)"), "decimal(15,2)")
    'float64 does not fit decimal(15,2): a float holds no exact decimal; cast it in the pipeline (`cast(x as decimal(15,2))`) or read the source as a decimal'
    >>> misfit(engine_type("DECIMAL(18,4)"), engine_type("DECIMAL(15,2)"), "decimal(15,2)")
    'decimal(18, 4) does not fit decimal(15,2): 4 decimal places where 2 are declared; round in the pipeline (`cast(round(x, 2) as decimal(15,2))`)'
    """
    text = f"{actual} does not fit {declared}"
    if physical.is_decimal() and actual.is_floating():
        return (
            f"{text}: a float holds no exact decimal; cast it in the pipeline (`cast(x as {declared})`)"
            " or read the source as a decimal"
        )
    if physical.is_decimal() and actual.is_decimal() and (actual.scale or 0) > (physical.scale or 0):
        return (
            f"{text}: {actual.scale} decimal places where {physical.scale} are declared;"
            f" round in the pipeline (`cast(round(x, {physical.scale}) as {declared})`)"
        )
    return text


class _Unsupported(Exception):
    pass


def _param(value: Any) -> int:
    node = value.this if isinstance(value, exp.DataTypeParam) else value
    return int(node.this if isinstance(node, exp.Literal) else node.name)


def _from_sqlglot(typ: exp.DataType) -> DType:
    code = typ.this
    args = typ.expressions
    if code in _INTS:
        name, size, signed = _INTS[code]
        return DType("int", name, nbytes=size, signed=signed)
    if code in _FLOATS:
        name, size = _FLOATS[code]
        return DType("float", name, nbytes=size)
    if code == T.DECIMAL:
        precision = _param(args[0]) if args else 18
        scale = _param(args[1]) if len(args) > 1 else (3 if not args else 0)
        return DType("decimal", precision=precision, scale=scale)
    if code == T.INT128:
        return DType("decimal", precision=38, scale=0)
    if code in (T.VARCHAR, T.TEXT, T.CHAR, T.NVARCHAR, T.NCHAR):
        if args:
            raise _Unsupported  # a length: Ibis prints it, let Ibis do so
        return DType("string", "string")
    if code in _SIMPLE:
        return DType(_SIMPLE[code], _SIMPLE[code])
    if code in _TIMESTAMPS and not args:
        return DType("timestamp", scale=_TIMESTAMPS[code])
    if code == T.TIMESTAMPTZ and not args:
        return DType("timestamp", scale=6, timezone="UTC")
    if code == T.ARRAY and len(args) == 1 and not typ.args.get("values"):
        return DType("array", fields=(("", _from_sqlglot(args[0])),))
    if code == T.MAP and len(args) == 2:
        return DType("map", fields=(("key", _from_sqlglot(args[0])), ("value", _from_sqlglot(args[1]))))
    if code == T.STRUCT and args and all(isinstance(f, exp.ColumnDef) for f in args):
        fields = []
        for field in args:
            kind = field.args["kind"]
            fields.append((field.name, _from_sqlglot(kind)))
        return DType("struct", fields=tuple(fields))
    raise _Unsupported


def _from_ibis(text: str) -> DType:
    """A type this module does not parse, as Ibis reads it."""
    from ibis.backends.sql.datatypes import DuckDBType

    return _of_ibis(DuckDBType.from_string(text))


def _of_ibis(dtype: Any) -> DType:
    fields: tuple[tuple[str, DType], ...] = ()
    if dtype.is_struct():
        fields = tuple((name, _of_ibis(t)) for name, t in dtype.fields.items())
    flags = frozenset(flag for flag in _IBIS_FLAGS if getattr(dtype, f"is_{flag}")())
    return DType(
        "other",
        str(dtype).removeprefix("!"),
        nbytes=int(getattr(dtype, "nbytes", 0) or 0),
        signed=bool(getattr(dtype, "is_signed_integer", lambda: True)()),
        precision=getattr(dtype, "precision", None),
        scale=getattr(dtype, "scale", None),
        timezone=getattr(dtype, "timezone", None),
        fields=fields,
        flags=flags,
    )
