"""Spark's column types as the checks read them: spelled the way DuckDB spells them.

The checks parse a column's engine type with DuckDB's grammar (``quality/dtypes.py``), so the
Spark session reports ``BIGINT``, ``DECIMAL(12,2)``, ``TIMESTAMP WITH TIME ZONE`` … for
Spark's ``LongType``, ``DecimalType(12,2)``, ``TimestampType`` (an instant, shown in the
session's UTC), and ``TIMESTAMP`` for ``TimestampNTZType`` (a wall-clock time).
"""

from __future__ import annotations

from typing import Any

_SIMPLE = {
    "ByteType": "TINYINT",
    "ShortType": "SMALLINT",
    "IntegerType": "INTEGER",
    "LongType": "BIGINT",
    "FloatType": "FLOAT",
    "DoubleType": "DOUBLE",
    "StringType": "VARCHAR",
    "VarcharType": "VARCHAR",
    "CharType": "VARCHAR",
    "BooleanType": "BOOLEAN",
    "DateType": "DATE",
    "TimestampType": "TIMESTAMP WITH TIME ZONE",
    "TimestampNTZType": "TIMESTAMP",
    "BinaryType": "BLOB",
    "NullType": '"NULL"',
    "DayTimeIntervalType": "INTERVAL",
    "YearMonthIntervalType": "INTERVAL",
    "VariantType": "JSON",
}


def duckdb_type(dtype: Any) -> str:
    """DuckDB's spelling of a PySpark ``DataType``.

    >>> from pyspark.sql import types as T
    >>> duckdb_type(T.DecimalType(12, 2)), duckdb_type(T.ArrayType(T.LongType()))
    ('DECIMAL(12,2)', 'BIGINT[]')
    >>> duckdb_type(T.StructType([T.StructField("a b", T.StringType())]))
    'STRUCT("a b" VARCHAR)'
    >>> duckdb_type(T.MapType(T.StringType(), T.DoubleType()))
    'MAP(VARCHAR, DOUBLE)'
    """
    kind = type(dtype).__name__
    if kind == "DecimalType":
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if kind == "ArrayType":
        return f"{duckdb_type(dtype.elementType)}[]"
    if kind == "MapType":
        return f"MAP({duckdb_type(dtype.keyType)}, {duckdb_type(dtype.valueType)})"
    if kind == "StructType":
        fields = ", ".join(
            f'"{f.name.replace(chr(34), chr(34) * 2)}" {duckdb_type(f.dataType)}' for f in dtype
        )
        return f"STRUCT({fields})"
    return _SIMPLE.get(kind, dtype.simpleString().upper())


def as_nullable(data_type: Any) -> Any:
    """``data_type`` with every field, element and map value allowed to be null (map keys never are).

    Spark writes a column its plan proves non-null (``count(*)``, ``coalesce(x, 0)``) as
    ``required`` in Parquet; DuckDB writes every column ``optional``. A product's files must
    not depend on the engine that built it, so Spark's output is widened to DuckDB's.
    """
    from pyspark.sql import types

    if isinstance(data_type, types.StructType):
        return types.StructType(
            [types.StructField(f.name, as_nullable(f.dataType), True, f.metadata) for f in data_type.fields]
        )
    if isinstance(data_type, types.ArrayType):
        return types.ArrayType(as_nullable(data_type.elementType), True)
    if isinstance(data_type, types.MapType):
        return types.MapType(as_nullable(data_type.keyType), as_nullable(data_type.valueType), True)
    return data_type
