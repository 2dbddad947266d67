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


def ids_never_repeat(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether no record id of ``table`` occurs twice (such a source needs no grouping by record)."""
    row = con.execute(
        f"SELECT count(*) FROM (SELECT {_q(column)} FROM {table} "
        f"WHERE {_q(column)} IS NOT NULL GROUP BY 1 HAVING count(*) > 1)"
    ).fetchone()
    return not (row and row[0])


def bind_table(con: duckdb.DuckDBPyConnection, name: str, table: Any) -> None:
    """Bind a source or link table to ``name``: a scan of Parquet files is read by DuckDB's own
    reader (its buffers within the connection's memory budget; a pyarrow scan's batches live
    outside it), any other table (Arrow, another dataset) is registered as it is."""
    files = _parquet_files(table)
    if files is None:
        con.register(name, table)
        return
    listed = ", ".join(_lit(f) for f in files)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {_q(name)} AS SELECT * FROM read_parquet([{listed}], union_by_name = true)"
    )


def _parquet_files(table: Any) -> list[str] | None:
    """The files of a pyarrow dataset of Parquet files, else None."""
    import pyarrow.dataset as ds

    if (
        isinstance(table, ds.FileSystemDataset)
        and isinstance(table.format, ds.ParquetFileFormat)
        and table.files
    ):
        return list(table.files)
    return None


def _table(tables: Mapping[str, Any], product: str, role: str) -> Any:
    """A source or link table: an Arrow table, or a lazy scan (a pyarrow dataset)."""
    table = tables.get(product)
    if table is None:
        raise UsageError(
            f"no table for `{product}` ({role})",
            hint="pass every source and link product of the entity: " + ", ".join(sorted(tables)),
        )
    return table


def _grouped(index: int, source: SourceSpec, raw: dict[str, str], country: str | None, unique: bool) -> str:
    """One source's records with their raw values, one row per record id.

    A record spread over several rows (the AR items of one debtor) takes each column's
    least value. When no record id repeats (an invoice, a payment: one row each), the rows
    are the records as they are: no aggregate over millions of texts.
    """
    record = f"CAST({_q(source.record)} AS VARCHAR)"
    values = [(f"CAST({_q(country)} AS VARCHAR)" if country else "NULL::VARCHAR", "__country")]
    values += [(f"CAST({_q(column)} AS VARCHAR)", "raw__" + attr) for attr, column in raw.items()]
    updated = f"{_q(source.updatedAt)}::TIMESTAMP" if source.updatedAt else "NULL::TIMESTAMP"
    if unique:
        picked = "".join(f", {v} AS {_q(name)}" for v, name in values)
        return f"SELECT {record} AS record_id, {updated} AS updated_at{picked} FROM src_{index} WHERE {_q(source.record)} IS NOT NULL"
    least = "".join(
        f", min({v}) AS {_q(name)}" if v != "NULL::VARCHAR" else f", {v} AS {_q(name)}" for v, name in values
    )
    updated = f"max({_q(source.updatedAt)})::TIMESTAMP" if source.updatedAt else "NULL::TIMESTAMP"
    return (
        f"SELECT {record} AS record_id, {updated} AS updated_at{least} "
        f"FROM src_{index} WHERE {_q(source.record)} IS NOT NULL GROUP BY 1"
    )


@dataclass(frozen=True)
class _Values:
    """The distinct raw values of one attribute standardised one way, over every source
    standardising it so (``am_val_<n>``: raw value, country if the standardiser reads it,
    the attribute's standardised columns)."""

    table: str
    attribute: str
    standardiser: str
    by_country: bool


def _standardise_values(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    columns: Columns,
    vocab: Vocabulary,
    users: dict[tuple[str, str], list[int]],
) -> dict[tuple[str, str], _Values]:
    """Standardise each distinct raw value once, whichever sources and records carry it.

    Names, streets and cities repeat across sources (the account, its invoices' bill-to,
    its debtor): standardising per source's distinct tuples did the same work several
    times over. Values the standardiser reads the country for (a tax id) are distinct
    (value, country) pairs.
    """
    made: dict[tuple[str, str], _Values] = {}
    for number, ((attr, name), indexes) in enumerate(users.items()):
        std = STANDARDISERS[name]
        stage = std.stage1('"raw"', '"country"', vocab)
        by_country = '"country"' in stage
        keys = '"raw", "country"' if by_country else '"raw"'
        distinct = " UNION ALL ".join(
            f"SELECT {_q('raw__' + attr)} AS raw{', __country AS country' if by_country else ''} "
            f"FROM am_grouped_{i} WHERE {_q('raw__' + attr)} IS NOT NULL"
            for i in indexes
        )
        outputs = std.outputs('"s"')
        finals = []
        for output in columns.by_attribute[attr]:
            suffix = output[len(attr) + 1 :] if output != attr else ""
            if suffix in outputs:
                finals.append(f"{outputs[suffix]} AS {_q(output)}")
        table = f"am_val_{number}"
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT {keys}, {', '.join(finals)} "
            f"FROM (SELECT {keys}, {stage} AS s FROM (SELECT DISTINCT * FROM ({distinct})))"
        )
        made[(attr, name)] = _Values(table, attr, name, by_country)
    return made


def _source_tuples(
    spec: EntitySpec, index: int, source: SourceSpec, columns: Columns, values: dict[tuple[str, str], _Values]
) -> tuple[str, list[str]]:
    """One source's distinct raw tuples with their standardised columns, looked up in the
    standardised values; (SQL, raw keys). A value missing (NULL) stays NULL in every output."""
    keys = ["__country"]
    joins: list[str] = []
    finals: list[str] = []
    for attr, outputs in columns.by_attribute.items():
        if source.column_for(attr) is None:
            finals.extend(f"NULL AS {_q(o)}" for o in outputs)
            continue
        raw = "raw__" + attr
        keys.append(raw)
        v = values[(attr, standardiser_of(spec, source, attr))]
        alias = f"v{len(joins)}"
        on = f"{alias}.raw = d.{_q(raw)}"
        if v.by_country:
            on += f" AND {alias}.country IS NOT DISTINCT FROM d.__country"
        joins.append(f" LEFT JOIN {v.table} {alias} ON {on}")
        std_outputs = STANDARDISERS[v.standardiser].derived
        for output in outputs:
            suffix = output[len(attr) + 1 :] if output != attr else ""
            present = suffix == "" or suffix in std_outputs
            finals.append(f"{alias}.{_q(output)}" if present else f"NULL AS {_q(output)}")
    distinct = f"SELECT DISTINCT {', '.join(_q(k) for k in keys)} FROM am_grouped_{index}"
    sql = (
        f"SELECT {', '.join('d.' + _q(k) for k in keys)}, {', '.join(finals)} "
        f"FROM ({distinct}) d{''.join(joins)}"
    )
    return sql, keys


def load_records(con: duckdb.DuckDBPyConnection, spec: EntitySpec, tables: Mapping[str, Any]) -> Columns:
    """Create ``am_tuples``, ``am_records``, ``am_record_links`` and ``am_nodes`` from the source tables."""
    vocab = vocabulary_of(spec)
    columns = Columns.of(spec)
    cols = ", ".join(_q(c) for c in columns.all)
    country_attr = next((a.name for a in spec.attributes if a.standardise == "country"), None)
    users: dict[tuple[str, str], list[int]] = {}
    for index, source in enumerate(spec.sources):
        bind_table(con, f"src_{index}", _table(tables, source.product, "source"))
        raw: dict[str, str] = {}
        for attr in columns.by_attribute:
            column = source.column_for(attr)
            if column is not None:
                raw[attr] = column.column
                users.setdefault((attr, standardiser_of(spec, source, attr)), []).append(index)
        country = source.column_for(country_attr) if country_attr else None
        unique = ids_never_repeat(con, f"src_{index}", source.record)
        con.execute(
            f"CREATE OR REPLACE TABLE am_grouped_{index} AS "
            + _grouped(index, source, raw, country.column if country else None, unique)
        )
    values = _standardise_values(con, spec, columns, vocab, users)
    parts: list[tuple[int, SourceSpec, list[str]]] = []
    for index, source in enumerate(spec.sources):
        standardised, keys = _source_tuples(spec, index, source, columns, values)
        con.execute(f"CREATE OR REPLACE TABLE am_std_{index} AS {standardised}")
        parts.append((index, source, keys))
    for v in values.values():
        con.execute(f"DROP TABLE {v.table}")
    # The identity tuples: distinct standardised values over every source (UNION is distinct:
    # no second DISTINCT over millions of rows of 16 texts). Numbered by a hash of their
    # values first (cheap to sort), so the numbering never depends on threads.
    union = " UNION ".join(f"SELECT {cols} FROM am_std_{index}" for index, _, _ in parts)
    if len(parts) == 1:
        union = f"SELECT DISTINCT * FROM ({union})"
    con.execute(
        f"""CREATE OR REPLACE TABLE am_tuples AS
        SELECT row_number() OVER (ORDER BY hash({cols}), {cols}) - 1 AS tuple, * FROM ({union})"""
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
        bind_table(con, f"lnk_{index}", _table(tables, link.product, "link"))
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
    # Not sorted here: every reader joins or sorts it itself (a 1.4 M-row sort at 200,000 customers).
    con.execute(
        f"""CREATE OR REPLACE TABLE am_nodes AS
        SELECT k.node, k.source, k.records, k.first_record, k.tuple, {", ".join(f"t.{_q(c)}" for c in columns.all)}
        FROM am_node_keys k JOIN am_tuples t USING (tuple)"""
    )
    for table in ("am_records_raw", "am_records_sig", "am_node_keys", "am_signatures"):
        con.execute(f"DROP TABLE {table}")
