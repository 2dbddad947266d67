"""Spark SQL as andmesh renders it: sqlglot's Spark dialect, with what Spark lacks written out.

Registered with sqlglot under the name ``andmeshspark`` on import (sqlglot names a dialect
after its class). The checks render their SQL with it through ``session.dialect``.

>>> from sqlglot import exp
>>> exp.select(exp.IsInf(this=exp.column("x"))).sql(DIALECT)
"SELECT (ABS(x) = CAST('Infinity' AS DOUBLE))"
>>> exp.cast(exp.column("t"), "TIMESTAMPTZ").sql(DIALECT), exp.cast(exp.column("t"), "TIMESTAMP").sql(DIALECT)
('CAST(t AS TIMESTAMP)', 'CAST(t AS TIMESTAMP_NTZ)')
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.generators.spark import SparkGenerator

DIALECT = "andmeshspark"


def _is_inf(generator: Any, expression: exp.IsInf) -> str:
    # Spark has no isinf(); DuckDB's is true for both infinities.
    return f"(ABS({generator.sql(expression, 'this')}) = CAST('Infinity' AS DOUBLE))"


class _Generator(SparkGenerator):
    TRANSFORMS = {**SparkGenerator.TRANSFORMS, exp.IsInf: _is_inf}  # noqa: RUF012
    # A bare TIMESTAMP is a wall-clock time in DuckDB (and in the checks' SQL), an instant in Spark.
    TYPE_MAPPING = {**SparkGenerator.TYPE_MAPPING, exp.DataType.Type.TIMESTAMP: "TIMESTAMP_NTZ"}  # noqa: RUF012


class AndmeshSpark(Spark):
    Generator = _Generator
