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

from collections.abc import Mapping

import duckdb
import pyarrow as pa

from andmesh.enterprise.entities.records import vocabulary_of
from andmesh.enterprise.entities.standardise import STANDARDISERS
from andmesh.spec.entity import EntitySpec, standardiser_of

ORDER: dict[str, str] = {
    "most_trusted": "trust DESC, frequency DESC, updated_at DESC NULLS LAST",
    "most_recent": "updated_at DESC NULLS LAST, trust DESC, frequency DESC",
    "most_complete": "length(value) DESC, trust DESC, frequency DESC",
    "most_frequent": "frequency DESC, trust DESC, updated_at DESC NULLS LAST",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def golden_attributes(spec: EntitySpec) -> list[str]:
    return [a.name for a in spec.attributes if a.golden]


def golden_records(spec: EntitySpec, xref: pa.Table, tables: Mapping[str, pa.Table]) -> pa.Table:
    """One row per enterprise id: each golden attribute's value and the source it came from."""
    vocab = vocabulary_of(spec)
    con = duckdb.connect()
    try:
        con.register("xref", xref.select(["entity_id", "source", "record_id"]))
        candidates = []
        for index, source in enumerate(spec.sources):
            table = tables.get(source.product)
            if table is None:
                continue
            con.register(f"src_{index}", table)
            country = next(
                (
                    c.column
                    for a in spec.attributes
                    if a.standardise == "country" and (c := source.column_for(a.name))
                ),
                None,
            )
            for attr in spec.attributes:
                column = source.column_for(attr.name)
                if not attr.golden or column is None:
                    continue
                trust = column.trust if column.trust is not None else source.trust
                if trust <= 0:
                    continue
                std = STANDARDISERS[standardiser_of(spec, source, attr.name)]
                raw = f"CAST({_q(column.column)} AS VARCHAR)"
                if std.canonical:
                    value = std.outputs(std.stage1(raw, _q(country) if country else "NULL", vocab))[""]
                else:
                    value = f"nullif(trim(regexp_replace({raw}, '\\s+', ' ', 'g')), '')"
                updated = (
                    f"CAST({_q(source.updatedAt)} AS TIMESTAMP)" if source.updatedAt else "NULL::TIMESTAMP"
                )
                candidates.append(
                    f"""SELECT {_lit(attr.name)} AS attribute, x.entity_id, {_lit(source.product)} AS source,
                               r.record_id, r.value, {int(trust)} AS trust, r.updated_at
                        FROM (SELECT CAST({_q(source.record)} AS VARCHAR) AS record_id, min({value}) AS value,
                                     max({updated}) AS updated_at
                              FROM src_{index} GROUP BY 1) r
                        JOIN xref x ON x.source = {_lit(source.product)} AND x.record_id = r.record_id
                        WHERE r.value IS NOT NULL"""
                )
        attributes = golden_attributes(spec)
        if candidates:
            con.execute(
                "CREATE TABLE candidates AS SELECT *, count(*) OVER (PARTITION BY attribute, entity_id, value) "
                "AS frequency FROM (" + " UNION ALL ".join(candidates) + ")"
            )
        else:
            con.execute(
                "CREATE TABLE candidates (attribute VARCHAR, entity_id VARCHAR, source VARCHAR, record_id VARCHAR, "
                "value VARCHAR, trust INTEGER, updated_at TIMESTAMP, frequency BIGINT)"
            )
        winners = []
        for attr in spec.attributes:
            if not attr.golden:
                continue
            winners.append(
                f"""SELECT attribute, entity_id, value, source FROM candidates WHERE attribute = {_lit(attr.name)}
                    QUALIFY row_number() OVER (PARTITION BY entity_id
                        ORDER BY {ORDER[attr.survivorship]}, source, record_id) = 1"""
            )
        pivots = ", ".join(
            f"max(value) FILTER (WHERE attribute = {_lit(a)}) AS {_q(a)}, "
            f"max(source) FILTER (WHERE attribute = {_lit(a)}) AS {_q(a + '_source')}"
            for a in attributes
        )
        won = (
            " UNION ALL ".join(winners)
            if winners
            else "SELECT NULL AS attribute, NULL AS entity_id, NULL AS value, NULL AS source WHERE FALSE"
        )
        return con.execute(
            f"""WITH winners AS ({won}),
                entities AS (SELECT entity_id, count(*) AS records, count(DISTINCT source) AS sources
                             FROM xref GROUP BY 1)
            SELECT e.entity_id{", " + pivots if pivots else ""}, e.records, e.sources
            FROM entities e LEFT JOIN winners w USING (entity_id)
            GROUP BY e.entity_id, e.records, e.sources
            ORDER BY e.entity_id"""
        ).to_arrow_table()
    finally:
        con.close()
