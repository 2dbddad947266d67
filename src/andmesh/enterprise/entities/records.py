"""Records of an entity gathered from its sources, standardised, and collapsed into nodes.

A *record* is one source's record of the entity (a sales account, a credit file, the
bill-to of one invoice, one payer of one payment). Records of one source that look
the same after standardisation and are linked to the same records elsewhere are one
*node* (the 15 invoices billed to one account are one bill-to node): linkage and
clustering work on nodes, the cross-reference on records.

Tables created on the DuckDB connection:

``am_tuples``        tuple, the standardised columns: each distinct identity tuple once
``am_records``       source, record_id, updated_at, tuple, node, rid (the record's number)
``am_record_links``  rid_a, rid_b, link: record pairs named by a link product (trusted keys);
                     ``am_link_names`` names the links (link, name), ``am_sources`` the sources
                     (src, source)
``am_nodes``         node, source, records, first_record, tuple, the standardised columns
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from andmesh.enterprise.entities.standardise import STANDARDISERS
from andmesh.enterprise.entities.vocabulary import Vocabulary
from andmesh.errors import UsageError
from andmesh.spec.entity import EntitySpec, SourceSpec, standardiser_of


def vocabulary_of(spec: EntitySpec) -> Vocabulary:
    v = spec.vocabulary
    return Vocabulary().extended(
        legal_forms=v.legalForms,
        abbreviations=v.abbreviations,
        ignore=v.ignore,
        site_labels=v.siteLabels,
        city_aliases=v.cityAliases,
        nicknames=v.nicknames,
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Columns:
    """The standardised columns of an entity: every attribute's outputs, in spec order."""

    by_attribute: dict[str, list[str]]

    @property
    def all(self) -> list[str]:
        return [c for cols in self.by_attribute.values() for c in cols]

    @classmethod
    def of(cls, spec: EntitySpec) -> Columns:
        by_attribute: dict[str, list[str]] = {}
        for attr in spec.attributes:
            if not attr.matching:
                continue
            suffixes: list[str] = []
            for source in spec.sources:
                if source.column_for(attr.name) is None:
                    continue
                for suffix in STANDARDISERS[standardiser_of(spec, source, attr.name)].derived:
                    if suffix not in suffixes:
                        suffixes.append(suffix)
            by_attribute[attr.name] = [attr.name, *(f"{attr.name}_{s}" for s in suffixes)]
        return cls(by_attribute)


def _register(con: duckdb.DuckDBPyConnection, name: str, table: Any) -> None:
    con.register(name, table)


def _table(tables: Mapping[str, Any], product: str, role: str) -> Any:
    """A source or link table: an Arrow table, or a lazy scan (a pyarrow dataset)."""
    table = tables.get(product)
    if table is None:
        raise UsageError(
            f"no table for `{product}` ({role})",
            hint="pass every source and link product of the entity: " + ", ".join(sorted(tables)),
        )
    return table


def _source_select(
    spec: EntitySpec, index: int, source: SourceSpec, columns: Columns, vocab: Vocabulary
) -> tuple[str, str, list[str]]:
    """One source's records grouped by record id, and its distinct raw tuples standardised.

    Returns (records, standardised, raw keys): ``records`` has one row per record with its
    raw values; ``standardised`` one row per distinct raw tuple with the standardised
    columns (the 15 invoices of an account share one tuple: it is standardised once).
    """
    country_attr = next((a.name for a in spec.attributes if a.standardise == "country"), None)
    country_col = source.column_for(country_attr) if country_attr else None
    country_raw = f"min(CAST({_q(country_col.column)} AS VARCHAR))" if country_col else "NULL::VARCHAR"
    raw: list[str] = []
    stage: list[str] = []
    finals: list[str] = []
    for attr, outputs in columns.by_attribute.items():
        column = source.column_for(attr)
        if column is None:
            finals.extend(f"NULL AS {_q(o)}" for o in outputs)
            continue
        std = STANDARDISERS[standardiser_of(spec, source, attr)]
        raw.append(f"min(CAST({_q(column.column)} AS VARCHAR)) AS {_q('raw__' + attr)}")
        stage.append(f"{std.stage1(_q('raw__' + attr), '__country', vocab)} AS {_q('s__' + attr)}")
        made = std.outputs(_q("s__" + attr))
        for output in outputs:
            suffix = output[len(attr) + 1 :] if output != attr else ""
            finals.append(f"{made[suffix]} AS {_q(output)}" if suffix in made else f"NULL AS {_q(output)}")
    updated = f"max({_q(source.updatedAt)})::TIMESTAMP" if source.updatedAt else "NULL::TIMESTAMP"
    records = (
        f"SELECT CAST({_q(source.record)} AS VARCHAR) AS record_id, {updated} AS updated_at, "
        f"{country_raw} AS __country{''.join(', ' + r for r in raw)} "
        f"FROM src_{index} WHERE {_q(source.record)} IS NOT NULL GROUP BY 1"
    )
    keys = ["__country", *(f"raw__{a}" for a in columns.by_attribute if source.column_for(a) is not None)]
    distinct = f"SELECT DISTINCT {', '.join(_q(k) for k in keys)} FROM am_grouped_{index}"
    staged = f"SELECT *{''.join(', ' + s for s in stage)} FROM ({distinct})"
    standardised = f"SELECT {', '.join(_q(k) for k in keys)}, {', '.join(finals)} FROM ({staged})"
    return records, standardised, keys


def load_records(con: duckdb.DuckDBPyConnection, spec: EntitySpec, tables: Mapping[str, Any]) -> Columns:
    """Create ``am_tuples``, ``am_records``, ``am_record_links`` and ``am_nodes`` from the source tables."""
    vocab = vocabulary_of(spec)
    columns = Columns.of(spec)
    cols = ", ".join(_q(c) for c in columns.all)
    parts: list[tuple[int, SourceSpec, list[str]]] = []
    for index, source in enumerate(spec.sources):
        _register(con, f"src_{index}", _table(tables, source.product, "source"))
        records, standardised, keys = _source_select(spec, index, source, columns, vocab)
        con.execute(f"CREATE OR REPLACE TABLE am_grouped_{index} AS {records}")
        con.execute(f"CREATE OR REPLACE TABLE am_std_{index} AS {standardised}")
        parts.append((index, source, keys))
    # The identity tuples: distinct standardised values over every source. Numbered by a
    # hash of their values first (cheap to sort), so the numbering never depends on threads.
    union = " UNION ".join(f"SELECT {cols} FROM am_std_{index}" for index, _, _ in parts)
    con.execute(
        f"""CREATE OR REPLACE TABLE am_tuples AS
        SELECT row_number() OVER (ORDER BY hash({cols}), {cols}) - 1 AS tuple, * FROM (SELECT DISTINCT * FROM ({union}))"""
    )
    # A column a source lacks is a bare NULL there (typed INTEGER): compare in the tuples' types.
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE am_tuples)").fetchall())
    same = " AND ".join(f"CAST(s.{_q(c)} AS {types[c]}) IS NOT DISTINCT FROM t.{_q(c)}" for c in columns.all)
    # Each record gets a number (``rid``): the record links, their signatures and the key
    # edges are joined on it rather than on (source, record id) texts. A source's number is
    # its product's first place in the spec; the record numbers are internal (never shown).
    first_index: dict[str, int] = {}
    for index, source in enumerate(spec.sources):
        first_index.setdefault(source.product, index)
    selects = []
    for index, source, keys in parts:
        on = " AND ".join(f"g.{_q(k)} IS NOT DISTINCT FROM m.{_q(k)}" for k in keys)
        raw_keys = ", ".join(f"s.{_q(k)}" for k in keys)
        con.execute(
            f"""CREATE OR REPLACE TABLE am_map_{index} AS
            SELECT {raw_keys}, t.tuple FROM am_std_{index} s JOIN am_tuples t ON {same}"""
        )
        selects.append(
            f"SELECT {_lit(source.product)} AS source, {first_index[source.product]}::USMALLINT AS src, "
            f"({index}::BIGINT << 40) + g.rowid AS rid, g.record_id, g.updated_at, m.tuple "
            f"FROM am_grouped_{index} g JOIN am_map_{index} m ON {on}"
        )
    con.execute("CREATE OR REPLACE TABLE am_records_raw AS " + " UNION ALL ".join(selects))
    for index, _, _ in parts:
        for table in ("am_grouped", "am_std", "am_map"):
            con.execute(f"DROP TABLE {table}_{index}")

    # Link products by name order: the smallest number a pair carries is its first link's name.
    link_order = sorted({link.product for link in spec.links})
    links = []
    for index, link in enumerate(spec.links):
        _register(con, f"lnk_{index}", _table(tables, link.product, "link"))
        pairs = list(link.records.items())
        first_source, first_column = pairs[0]
        for other_source, other_column in pairs[1:]:
            if first_source not in first_index or other_source not in first_index:
                continue  # a record of no source links nothing
            # Only links between records that exist (a key pointing nowhere links nothing).
            links.append(
                f"""SELECT a.rid AS rid_a, b.rid AS rid_b, {link_order.index(link.product)}::USMALLINT AS link
                FROM (SELECT DISTINCT CAST({_q(first_column)} AS VARCHAR) AS record_a,
                             CAST({_q(other_column)} AS VARCHAR) AS record_b
                      FROM lnk_{index} WHERE {_q(first_column)} IS NOT NULL AND {_q(other_column)} IS NOT NULL) l
                JOIN am_records_raw a ON a.src = {first_index[first_source]} AND a.record_id = l.record_a
                JOIN am_records_raw b ON b.src = {first_index[other_source]} AND b.record_id = l.record_b
                WHERE a.rid <> b.rid"""
            )
    con.execute(
        "CREATE OR REPLACE TABLE am_record_links AS "
        + (
            " UNION ".join(f"({part})" for part in links)
            if links
            else "SELECT NULL::BIGINT AS rid_a, NULL::BIGINT AS rid_b, NULL::USMALLINT AS link WHERE FALSE"
        )
    )
    con.execute("CREATE OR REPLACE TABLE am_link_names (link USMALLINT, name VARCHAR)")
    if link_order:
        con.execute(
            "INSERT INTO am_link_names VALUES "
            + ", ".join(f"({i}, {_lit(name)})" for i, name in enumerate(link_order))
        )
    con.execute("CREATE OR REPLACE TABLE am_sources (src USMALLINT, source VARCHAR)")
    con.execute(
        "INSERT INTO am_sources VALUES "
        + ", ".join(f"({i}, {_lit(product)})" for product, i in first_index.items())
    )
    _collapse(con, columns)
    return columns


def _collapse(con: duckdb.DuckDBPyConnection, columns: Columns) -> None:
    """Records of one source with the same identity tuple and the same links: one node.

    The set of records a record is linked to is compared through its size, the sum and
    the xor of their 64-bit hashes: a hash aggregate, where sorting every record by its
    values and a text of its links took most of the time at scale. Two different sets
    agreeing on all three is a 2^-128 event.
    """
    con.execute(
        """CREATE OR REPLACE TABLE am_signatures AS
        SELECT rid, count(*) AS sig_n, sum(h::HUGEINT) AS sig_sum, bit_xor(h) AS sig_xor
        FROM (
            SELECT rid, hash(other) AS h FROM (
                SELECT rid_a AS rid, rid_b AS other FROM am_record_links
                UNION
                SELECT rid_b, rid_a FROM am_record_links
            )
        ) GROUP BY ALL"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE am_records_sig AS
        SELECT r.source, r.src, r.rid, r.record_id, r.updated_at, r.tuple, coalesce(s.sig_n, 0) AS sig_n,
               coalesce(s.sig_sum, 0) AS sig_sum, coalesce(s.sig_xor, 0) AS sig_xor
        FROM am_records_raw r LEFT JOIN am_signatures s USING (rid)"""
    )
    # Node ids follow each node's first record (source, record id): stable and readable.
    con.execute(
        """CREATE OR REPLACE TABLE am_node_keys AS
        SELECT k.*, s.source, row_number() OVER (ORDER BY s.source, k.first_record) - 1 AS node FROM (
            SELECT src, tuple, sig_n, sig_sum, sig_xor, min(record_id) AS first_record, count(*) AS records
            FROM am_records_sig GROUP BY ALL
        ) k JOIN am_sources s USING (src)"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE am_records AS
        SELECT r.source, r.record_id, r.updated_at, r.tuple, k.node, r.rid
        FROM am_records_sig r JOIN am_node_keys k USING (src, tuple, sig_n, sig_sum, sig_xor)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE am_nodes AS
        SELECT k.node, k.source, k.records, k.first_record, k.tuple, {", ".join(f"t.{_q(c)}" for c in columns.all)}
        FROM am_node_keys k JOIN am_tuples t USING (tuple) ORDER BY k.node"""
    )
    for table in ("am_records_raw", "am_records_sig", "am_node_keys", "am_signatures"):
        con.execute(f"DROP TABLE {table}")
