"""DuckDB's string similarity functions as Spark SQL functions: the same number on both engines.

Entity resolution's comparisons and blocking rules are written in DuckDB's SQL
(``jaro_winkler_similarity(a, b) >= 0.94``). Splink's jar computes Jaro-Winkler otherwise than
DuckDB in two ways, so a pair could land in another comparison level on Spark:

* DuckDB counts half the unmatched-order characters and **rounds the transpositions down**
  (``'eiken ln 79'`` / ``'eikenln 79'``: three out of order, one transposition, 0.9618); the jar
  does not round (1.5 transpositions, 0.9518). Streets one glued word apart fell in another level;
* DuckDB compares **UTF-8 bytes**, the jar characters (``'müller logistik'`` / ``'muller
  logistik'``: 0.9425 on DuckDB, 0.96 in the jar).

Here the definition is DuckDB's, written in Spark SQL (higher-order functions over the UTF-8 bytes,
no jar): :func:`register` makes ``jaro_similarity`` and ``jarowinkler_similarity`` (the name
sqlglot gives DuckDB's function in Spark) temporary functions of a session. Held to DuckDB's
values, to the last digit, by ``tests/engine/test_spark_similarity.py``.

Jaro of ``a`` and ``b`` (``m`` matching bytes, ``t`` half the matched bytes out of order, rounded
down), and Jaro-Winkler with ``p`` the common prefix (at most 4 bytes)::

    jaro = (m / |a| + m / |b| + (m - t) / m) / 3         (0 when m = 0, or either is empty)
    jw   = jaro + p · 0.1 · (1 - jaro)   when jaro > 0.7, else jaro

A byte of ``a`` matches the first unmatched equal byte of ``b`` within
``max(|a|, |b|) div 2 - 1`` positions of its own.
"""

from __future__ import annotations

from typing import Any


def _let(name: str, value: str, body: str) -> str:
    """``body`` with ``name`` bound to ``value``, computed once: a SQL function's parameters are
    substituted where they are used (an argument used in a loop is recomputed at every step)."""
    return f"element_at(transform(array({value}), {name} -> {body}), 1)"


# p: both texts as UTF-8 bytes, their lengths and the matching window.
_P = (
    "named_struct('a', encode(a, 'UTF-8'), 'b', encode(b, 'UTF-8'), 'la', octet_length(a), "
    "'lb', octet_length(b), 'w', greatest(greatest(octet_length(a), octet_length(b)) div 2 - 1, 0))"
)
# s.f: which bytes of b matched (one byte each, 0 or 1); s.m: a's matched bytes in order. Each byte
# i of a takes the first unmatched equal byte of b inside its window (a window past b's end makes
# a descending sequence: the filter keeps only indexes inside it).
_FIRST = (
    "try_element_at(filter(sequence(greatest(i - p.w, 0), least(i + p.w, p.lb - 1)), "
    "j -> j >= i - p.w AND j <= least(i + p.w, p.lb - 1) AND substr(acc.f, j + 1, 1) = X'00' AND substr(p.b, j + 1, 1) = substr(p.a, i + 1, 1)), 1)"
)
_MATCHED = (
    "aggregate(sequence(0, p.la - 1), named_struct('f', unhex(repeat('00', p.lb)), 'm', X''), "
    "(acc, i) -> "
    + _let(
        "j",
        _FIRST,
        "IF(j IS NULL, acc, named_struct('f', overlay(acc.f PLACING X'01' FROM j + 1 FOR 1), "
        "'m', concat(acc.m, substr(p.a, i + 1, 1))))",
    )
    + ")"
)
# b's matched bytes in b's order; t: half those out of order, rounded down (DuckDB's).
_MB = "aggregate(sequence(0, p.lb - 1), X'', (x, k) -> IF(substr(s.f, k + 1, 1) = X'01', concat(x, substr(p.b, k + 1, 1)), x))"
_JARO = _let(
    "s",
    _MATCHED,
    _let(
        "mb",
        _MB,
        "IF(length(s.m) = 0, 0.0D, (length(s.m) / p.la + length(s.m) / p.lb + (length(s.m) - "
        "size(filter(sequence(1, length(s.m)), k -> substr(s.m, k, 1) <> substr(mb, k, 1))) div 2) "
        "/ length(s.m)) / 3.0D)",
    ),
)
_PREFIX = "size(filter(sequence(1, least(4, p.la, p.lb)), k -> substr(p.a, 1, k) = substr(p.b, 1, k)))"
_WINKLER = f"IF(jaro > 0.7D, jaro + {_PREFIX} * 0.1D * (1.0D - jaro), jaro)"


def _function(name: str, body: str) -> str:
    # sequence(0, -1) counts down: empty texts are answered before any loop.
    guarded = _let("p", _P, f"IF(p.la = 0 OR p.lb = 0, 0.0D, {body})")
    return f"{name}(a STRING, b STRING) RETURNS DOUBLE RETURN IF(a IS NULL OR b IS NULL, NULL, {guarded})"


# The functions of a session, by the names SQL calls them (DuckDB's, as sqlglot writes them for Spark).
FUNCTIONS = {
    "jaro_similarity": _function("jaro_similarity", _JARO),
    "jarowinkler_similarity": _function("jarowinkler_similarity", _let("jaro", _JARO, _WINKLER)),
}


def register(spark: Any) -> None:
    """Define the functions as temporary functions of ``spark``'s session (idempotent)."""
    for definition in FUNCTIONS.values():
        spark.sql("CREATE OR REPLACE TEMPORARY FUNCTION " + definition)
