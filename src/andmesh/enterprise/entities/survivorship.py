"""Golden records: for each enterprise id and attribute, the value of the winning record.

Candidates are the entity's records holding a value for the attribute, from sources
whose trust for it is above 0. The attribute's rule orders them; the first wins:

``most_trusted``   highest trust, then the most frequent value, then the most recent
``most_recent``    latest ``updatedAt``, then trust
``most_complete``  longest value, then trust
``most_frequent``  the value most records hold, then trust

Ties end on the source and record id, so the result never depends on row order.
Canonical attributes (tax id, e-mail, phone, country, identifiers) are published in
their standardised form; names and addresses as the winning source wrote them.

>>> import pyarrow as pa
>>> from andmesh.spec.entity import EntitySpec
>>> spec = EntitySpec.model_validate({
...     "apiVersion": "andmesh/v1", "kind": "Entity", "name": "customer", "idPrefix": "C-",
...     "attributes": [{"name": "name", "standardise": "company_name"},
...                    {"name": "email", "standardise": "email", "survivorship": "most_recent"}],
...     "sources": [
...         {"product": "credit.files", "record": "id", "trust": 5, "columns": {"name": "legal_name"}},
...         {"product": "sales.accounts", "record": "no", "trust": 2, "updatedAt": "at",
...          "columns": {"name": "name", "email": "mail"}}],
...     "matching": {"blocking": [["name"]], "comparisons": []},
...     "products": {"xref": "enterprise.customer_xref"}})
>>> xref = pa.table({"entity_id": ["C-1", "C-1", "C-1"], "source": ["credit.files", "sales.accounts", "sales.accounts"],
...                  "record_id": ["F1", "A1", "A2"]})
>>> files = pa.table({"id": ["F1"], "legal_name": ["Acme Industries GmbH"]})
>>> accounts = pa.table({"no": ["A1", "A2"], "name": ["ACME IND.", "Acme"], "mail": ["old@acme.de", "New@Acme.de"],
...                      "at": pa.array([1, 2], pa.timestamp("s"))})
>>> row = golden_records(spec, xref, {"credit.files": files, "sales.accounts": accounts}).to_pylist()[0]
>>> row["name"], row["name_source"], row["email"], row["email_source"], row["records"]
('Acme Industries GmbH', 'credit.files', 'new@acme.de', 'sales.accounts', 3)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from andmesh.engine.config import EngineConfig
from andmesh.enterprise.entities.records import Columns, _standardise_values, ids_never_repeat, vocabulary_of
from andmesh.enterprise.entities.standardise import STANDARDISERS
from andmesh.enterprise.entities.upstream import Scan, register
from andmesh.spec.entity import EntitySpec, SourceSpec, standardiser_of

# Records alike (one enterprise id, source, trust and raw values) are one candidate with a
# count: they differ only in their update time and id, so the candidate ranks as its best
# record would. The rules reading the update time take its latest record, then the least
# id among those (`recent`); `most_complete` its least id (`first_record`).
# The latest record first, then the least id: a struct DuckDB's `min` orders field by field
# (no update time ranks last, as in `updated_at DESC NULLS LAST`).
_RECENT = "{'k': coalesce(-epoch_us(%s), 9223372036854775807), 'r': %s}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def golden_attributes(spec: EntitySpec) -> list[str]:
    return [a.name for a in spec.attributes if a.golden]


@dataclass(frozen=True)
class _Golden:
    """One source's attribute that can win: its column, trust and standardiser."""

    attribute: str
    column: str
    trust: int
    standardiser: str


def _golden_columns(spec: EntitySpec, source: SourceSpec) -> list[_Golden]:
    found = []
    for attr in spec.attributes:
        column = source.column_for(attr.name)
        if not attr.golden or column is None:
            continue
        trust = column.trust if column.trust is not None else source.trust
        if trust > 0:
            found.append(_Golden(attr.name, column.column, trust, standardiser_of(spec, source, attr.name)))
    return found


def _country(spec: EntitySpec, source: SourceSpec) -> str | None:
    return next(
        (
            c.column
            for a in spec.attributes
            if a.standardise == "country" and (c := source.column_for(a.name))
        ),
        None,
    )


@contextmanager
def _connection(
    threads: int | None = None, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private DuckDB within the engine's budget (``ANDMESH_MEMORY_LIMIT``, spilling beyond it)."""
    base = EngineConfig.from_env()
    config = EngineConfig(
        memory_limit=memory_limit or base.memory_limit,
        temp_directory=base.temp_directory,
        threads=threads or base.threads,
    ).duckdb()
    con = duckdb.connect(config=dict(config))
    try:
        yield con
    finally:
        con.close()


def _rows(index: int, source: SourceSpec, golden: list[_Golden], country: str | None, unique: bool) -> str:
    """``am_grouped_<index>``: the source's rows reduced to what survivorship tells apart.

    When no record id repeats (an invoice's bill-to, a payment's payer), each row is a
    record and records are counted per enterprise id and raw values: the 15 invoices
    billed alike to one customer are one row. Otherwise (the AR items of one debtor) the
    rows are kept per record, to take each record's least value as before.
    """
    raws = "".join(f", CAST({_q(g.column)} AS VARCHAR) AS {_q('raw__' + g.attribute)}" for g in golden)
    country_sql = f"CAST({_q(country)} AS VARCHAR)" if country else "NULL::VARCHAR"
    updated = f"CAST({_q(source.updatedAt)} AS TIMESTAMP)" if source.updatedAt else "NULL::TIMESTAMP"
    rows = (
        f"SELECT CAST({_q(source.record)} AS VARCHAR) AS record_id{raws}, {country_sql} AS __country, "
        f"{updated} AS updated_at FROM src_{index}"
    )
    keys = "".join(f", r.{_q('raw__' + g.attribute)}" for g in golden) + ", r.__country"
    if unique:
        return (
            f"SELECT x.entity_id{keys}, count(*) AS n, max(r.updated_at) AS updated_at, "
            f"min({_RECENT % ('r.updated_at', 'r.record_id')}) AS recent, min(r.record_id) AS first_record "
            f"FROM ({rows}) r JOIN xref x ON x.source = {_lit(source.product)} AND x.record_id = r.record_id "
            f"GROUP BY ALL"
        )
    return f"SELECT r.record_id{keys}, max(r.updated_at) AS updated_at FROM ({rows}) r GROUP BY ALL"


def _value(g: _Golden, values: Mapping[tuple[str, str], Any]) -> tuple[str, str]:
    """The SQL of an attribute's golden value over ``g_`` rows, and the join it needs."""
    raw = f"g_.{_q('raw__' + g.attribute)}"
    std = STANDARDISERS[g.standardiser]
    if not std.canonical:
        # Names and addresses as the source wrote them, spaces tidied.
        return f"nullif(trim(regexp_replace({raw}, '\\s+', ' ', 'g')), '')", ""
    v = values[(g.attribute, g.standardiser)]
    on = f"v_.raw = {raw}"
    if v.by_country:
        on += " AND v_.country IS NOT DISTINCT FROM g_.__country"
    return f"v_.{_q(g.attribute)}", f" LEFT JOIN {v.table} v_ ON {on}"


def _candidates(
    index: int,
    source: SourceSpec,
    g: _Golden,
    values: Mapping[tuple[str, str], Any],
    unique: bool,
    attribute: int,
    rank: int,
) -> str:
    """One source's candidates for one attribute: entity, value, records (``n``), and the
    ranking record (``k``: its update time, latest first; ``r``: its id; ``first_record``).

    The attribute and source are small numbers here (``attribute``: its place among the
    golden attributes, ``rank``: the source's place in name order), not texts, in the
    millions of rows the ranking hashes."""
    value, join = _value(g, values)
    head = f"SELECT {attribute} AS a, entity_id, value, {rank} AS s, {int(g.trust)} AS trust, n, k, r, first_record"
    if unique:
        rows = (
            f"SELECT entity_id, {value} AS value, n, recent.k AS k, recent.r AS r, first_record "
            f"FROM am_grouped_{index} g_{join}"
        )
    else:
        records = (
            f"SELECT g_.record_id, min({value}) AS value, max(g_.updated_at) AS updated_at "
            f"FROM am_grouped_{index} g_{join} GROUP BY g_.record_id"
        )
        recent = _RECENT % ("r.updated_at", "r.record_id")
        rows = (
            f"SELECT x.entity_id, r.value, 1 AS n, ({recent}).k AS k, r.record_id AS r, r.record_id AS first_record "
            f"FROM ({records}) r JOIN xref x ON x.source = {_lit(source.product)} AND x.record_id = r.record_id"
        )
    return f"{head} FROM ({rows}) WHERE value IS NOT NULL"


def _keys(rule: str) -> tuple[str, str]:
    """A rule's order as two structs that DuckDB's ``min`` and ``arg_min`` compare field by field.

    The first ranks one value's candidates (the value's frequency and length are the same
    for all of them, so they are left out); the second ranks the values by their best.

    >>> _keys("most_trusted")[1]
    "{'p': best.x, 'q': -frequency, 't': best.y, 's': best.s, 'r': best.r}"
    """
    within = {
        "most_trusted": "{'x': -trust, 'y': k, 's': s, 'r': r}",
        "most_recent": "{'x': k, 'y': -trust, 's': s, 'r': r}",
        "most_complete": "{'x': -trust, 'y': 0::BIGINT, 's': s, 'r': first_record}",
        "most_frequent": "{'x': -trust, 'y': k, 's': s, 'r': r}",
    }
    across = {
        "most_trusted": "{'p': best.x, 'q': -frequency, 't': best.y, 's': best.s, 'r': best.r}",
        "most_recent": "{'p': best.x, 'q': best.y, 't': -frequency, 's': best.s, 'r': best.r}",
        "most_complete": "{'p': -length(value), 'q': best.x, 't': -frequency, 's': best.s, 'r': best.r}",
        "most_frequent": "{'p': -frequency, 'q': best.x, 't': best.y, 's': best.s, 'r': best.r}",
    }
    return within[rule], across[rule]


def _golden_sql(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, xref: Scan, tables: Mapping[str, Scan]
) -> str:
    """Load the inputs on ``con``; the query of the golden records (one row per enterprise id)."""
    register(con, "am_xref_in", xref, ("entity_id", "source", "record_id"), what="the cross-reference")
    con.execute("CREATE OR REPLACE TEMP VIEW xref AS SELECT entity_id, source, record_id FROM am_xref_in")
    sources: list[tuple[int, SourceSpec, list[_Golden], bool]] = []
    users: dict[tuple[str, str], list[int]] = {}
    for index, source in enumerate(spec.sources):
        table = tables.get(source.product)
        golden = _golden_columns(spec, source)
        if table is None or not golden:
            continue
        country = _country(spec, source)
        needed = {source.record, *(g.column for g in golden)} | (
            {source.updatedAt} if source.updatedAt else set()
        )
        register(con, f"src_{index}", table, needed | ({country} if country else set()), what=source.product)
        unique = ids_never_repeat(con, f"src_{index}", source.record)
        con.execute(
            f"CREATE OR REPLACE TABLE am_grouped_{index} AS {_rows(index, source, golden, country, unique)}"
        )
        sources.append((index, source, golden, unique))
        for g in golden:
            if STANDARDISERS[g.standardiser].canonical:
                users.setdefault((g.attribute, g.standardiser), []).append(index)
    # Canonical values (tax id, e-mail, phone, country…): each distinct raw value is
    # standardised once, whichever sources and records carry it, as the resolution does.
    columns = Columns({attr: [attr] for attr, _ in users})
    values = _standardise_values(con, spec, columns, vocabulary_of(spec), users)
    attributes = [a for a in spec.attributes if a.golden]
    number = {a.name: i for i, a in enumerate(attributes)}
    names = sorted({source.product for _, source, _, _ in sources})
    candidates = [
        _candidates(index, source, g, values, unique, number[g.attribute], names.index(source.product))
        for index, source, golden, unique in sources
        for g in golden
    ]
    empty = (
        "SELECT 0 AS a, NULL::VARCHAR AS entity_id, NULL::VARCHAR AS value, 0 AS s, 0 AS trust, 0 AS n, "
        "0::BIGINT AS k, NULL::VARCHAR AS r, NULL::VARCHAR AS first_record WHERE FALSE"
    )
    con.execute("CREATE OR REPLACE TABLE candidates AS " + (" UNION ALL ".join(candidates) or empty))

    def case(keys: list[str]) -> str:
        return "CASE a " + " ".join(f"WHEN {i} THEN {k}" for i, k in enumerate(keys)) + " END"

    if attributes:
        within = case([_keys(a.survivorship)[0] for a in attributes])
        across = case([_keys(a.survivorship)[1] for a in attributes])
        # Two hash aggregates, no sort: each value's best candidate and its frequency, then
        # each attribute's best value by its rule (ties end on the source and record id).
        con.execute(
            f"""CREATE OR REPLACE TABLE winners AS
            SELECT a, entity_id, arg_min({{'v': value, 's': best.s}}, {across}) AS won
            FROM (SELECT a, entity_id, value, sum(n)::BIGINT AS frequency, min({within}) AS best
                  FROM (SELECT a, entity_id, value, s, trust::BIGINT AS trust, n, k, r, first_record FROM candidates)
                  GROUP BY a, entity_id, value)
            GROUP BY a, entity_id"""
        )
    else:
        con.execute("CREATE OR REPLACE TABLE winners AS SELECT a, entity_id FROM candidates")
    # Each (attribute, id) has one winner, so the pivot takes the source's number and names
    # it after grouping: a CASE per attribute on every winner was most of the pivot's time.
    pivots = ", ".join(
        f"max(won.v) FILTER (WHERE a = {i}) AS {_q(a.name)}, max(won.s) FILTER (WHERE a = {i}) AS {_q(a.name + '__s')}"
        for i, a in enumerate(attributes)
    )
    # Each id's winners in one row first, then beside its counts: no grouping over the join.
    # The sources are counted per (id, source) first: a DISTINCT aggregate over every record
    # was most of this step's time.
    pivoted = (
        f"SELECT entity_id, {pivots} FROM winners GROUP BY entity_id"
        if pivots
        else "SELECT NULL AS entity_id"
    )

    def source_name(column: str) -> str:
        if not names:
            return "NULL::VARCHAR"
        return f"CASE {column} " + " ".join(f"WHEN {i} THEN {_lit(n)}" for i, n in enumerate(names)) + " END"

    names_out = "".join(
        f", w.{_q(a.name)}, {source_name('w.' + _q(a.name + '__s'))} AS {_q(a.name + '_source')}"
        for a in attributes
    )
    return f"""WITH counted AS (SELECT entity_id, source, count(*) AS n FROM xref GROUP BY ALL),
            entities AS (SELECT entity_id, sum(n)::BIGINT AS records, count(*) AS sources FROM counted GROUP BY 1),
            won AS ({pivoted})
        SELECT e.entity_id{names_out}, e.records, e.sources
        FROM entities e LEFT JOIN won w USING (entity_id)
        ORDER BY e.entity_id"""


def golden_records(spec: EntitySpec, xref: Scan, tables: Mapping[str, Scan]) -> pa.Table:
    """One row per enterprise id: each golden attribute's value and the source it came from.

    ``xref`` and each of ``tables`` (keyed by product id) are Arrow tables, pyarrow
    datasets or :class:`~andmesh.enterprise.entities.upstream.ParquetFiles`.
    """
    with _connection() as con:
        return con.execute(_golden_sql(con, spec, xref, tables)).to_arrow_table()


def write_golden_records(spec: EntitySpec, xref: Scan, tables: Mapping[str, Scan], path: Path) -> Path:
    """The golden records written to the Parquet file ``path`` by DuckDB (never through Python)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _connection() as con:
        query = _golden_sql(con, spec, xref, tables)
        con.execute(f"COPY ({query}) TO {_lit(str(path))} (FORMAT parquet, COMPRESSION zstd)")
    return path
