"""Spark SQL as andmesh renders it: sqlglot's Spark dialect, with what Spark lacks written out.

Registered with sqlglot under the name ``andmeshspark`` on import (sqlglot names a dialect
after its class). The checks render their SQL with it through ``session.dialect``.

>>> from sqlglot import exp
>>> exp.select(exp.IsInf(this=exp.column("x"))).sql(DIALECT)
"SELECT (ABS(x) = CAST('Infinity' AS DOUBLE))"
>>> exp.cast(exp.column("t"), "TIMESTAMPTZ").sql(DIALECT), exp.cast(exp.column("t"), "TIMESTAMP").sql(DIALECT)
('CAST(t AS TIMESTAMP)', 'CAST(t AS TIMESTAMP_NTZ)')
>>> sqlglot.transpile("select regexp_full_match(x, 'a.c') from t", read="duckdb", write=DIALECT)[0]
"SELECT x RLIKE '^(?:a.c)\\\\\\\\z' FROM t"
>>> sqlglot.transpile("select fsum(x) from t group by k", read="duckdb", write=DIALECT)[0]
'SELECT SUM(x) FROM t GROUP BY k'
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.generators.spark import SparkGenerator

DIALECT = "andmeshspark"


def _is_inf(generator: Any, expression: exp.IsInf) -> str:
    # Spark has no isinf(); DuckDB's is true for both infinities.
    return f"(ABS({generator.sql(expression, 'this')}) = CAST('Infinity' AS DOUBLE))"


def anchored(node: exp.RegexpFullMatch) -> exp.RegexpLike:
    """DuckDB's ``regexp_full_match(s, p)`` as a search Spark has (``s RLIKE '^(?:p)\\z'``).

    ``\\z`` (the very end), not ``$``: Java's ``$`` also matches before a final line break.
    """
    pattern = node.expression
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        whole: exp.Expr = exp.Literal.string(f"^(?:{pattern.this})\\z")
    else:
        whole = exp.func("concat", exp.Literal.string("^(?:"), pattern.copy(), exp.Literal.string(")\\z"))
    return exp.RegexpLike(this=node.this.copy(), expression=whole)


def portable(query: str, dialect: str) -> str:
    """``query`` (in ``dialect``) with what Spark lacks spelled in what it has, still in ``dialect``:
    Ibis transpiles pipelines' SQL with its own Spark dialect, which keeps ``REGEXP_FULL_MATCH``.

    >>> portable("select regexp_full_match(x, '[0-9]+') as ok from t", "duckdb")
    "SELECT REGEXP_MATCHES(x, '^(?:[0-9]+)\\\\z') AS ok FROM t"
    >>> portable("select 1 from t", "duckdb")
    'select 1 from t'
    """
    tree = sqlglot.parse_one(query, read=dialect)
    if tree.find(exp.RegexpFullMatch) is None:
        return query
    rewritten = tree.transform(lambda n: anchored(n) if isinstance(n, exp.RegexpFullMatch) else n)
    return rewritten.sql(dialect=dialect)


class _Generator(SparkGenerator):
    TRANSFORMS = {  # noqa: RUF012
        **SparkGenerator.TRANSFORMS,
        exp.IsInf: _is_inf,
        exp.RegexpFullMatch: lambda g, e: g.sql(anchored(e)),
    }
    # A bare TIMESTAMP is a wall-clock time in DuckDB (and in the checks' SQL), an instant in Spark.
    TYPE_MAPPING = {**SparkGenerator.TYPE_MAPPING, exp.DataType.Type.TIMESTAMP: "TIMESTAMP_NTZ"}  # noqa: RUF012

    def anonymous_sql(self, expression: exp.Anonymous) -> str:
        # DuckDB's compensated sums: Spark has none, its SUM is the nearest (a double's last bits may differ).
        if expression.name.upper() in _COMPENSATED_SUMS:
            return self.func("SUM", *expression.expressions)
        return super().anonymous_sql(expression)


_COMPENSATED_SUMS = frozenset({"FSUM", "SUMKAHAN", "KAHAN_SUM"})


class AndmeshSpark(Spark):
    Generator = _Generator
