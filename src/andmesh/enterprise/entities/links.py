"""Deterministic links between nodes: trusted keys, shared identifiers, steward confirmations.

``am_hard_edges`` (node_l < node_r, method, detail) holds every link that needs no model:

``key``         a link product names both records (an invoice names its sales account)
``identifier``  both carry the same value of an ``identifying`` attribute (tax id)
``steward``     a data steward confirmed the pair
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from andmesh.enterprise.entities.results import Decision
from andmesh.spec.entity import EntitySpec


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def decisions_table(decisions: Sequence[Decision]) -> pa.Table:
    return pa.table(
        {
            "source_l": pa.array([d.left_source for d in decisions], pa.string()),
            "record_l": pa.array([d.left_record for d in decisions], pa.string()),
            "source_r": pa.array([d.right_source for d in decisions], pa.string()),
            "record_r": pa.array([d.right_record for d in decisions], pa.string()),
            "decision": pa.array([d.decision for d in decisions], pa.string()),
            "decided_by": pa.array([d.decided_by for d in decisions], pa.string()),
        }
    )


def load_decisions(con: duckdb.DuckDBPyConnection, decisions: Sequence[Decision]) -> None:
    """``am_decisions``: the latest decision per record pair, mapped to nodes (unknown records dropped)."""
    con.register("am_decisions_in", decisions_table(decisions))
    con.execute(
        """CREATE OR REPLACE TABLE am_decisions AS
        SELECT least(a.node, b.node) AS node_l, greatest(a.node, b.node) AS node_r,
               d.source_l, d.record_l, d.source_r, d.record_r, d.decision, d.decided_by
        FROM am_decisions_in d
        JOIN am_records a ON a.source = d.source_l AND a.record_id = d.record_l
        JOIN am_records b ON b.source = d.source_r AND b.record_id = d.record_r
        WHERE a.node <> b.node"""
    )


def hard_edges(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Create ``am_hard_edges`` from record links, identifying attributes and confirmations."""
    parts = [
        """SELECT k.node_l, k.node_r, 'key' AS method, n.name AS detail FROM (
               SELECT least(a.node, b.node) AS node_l, greatest(a.node, b.node) AS node_r, min(l.link) AS link
               FROM am_record_links l
               JOIN am_records a ON a.rid = l.rid_a
               JOIN am_records b ON b.rid = l.rid_b
               WHERE a.node <> b.node GROUP BY 1, 2
           ) k JOIN am_link_names n USING (link)"""
    ]
    for attr in spec.attributes:
        if not (attr.identifying and attr.matching):
            continue
        # A star per value (each node to the value's first node): n - 1 edges, not n².
        column = _q(attr.name)
        parts.append(
            f"""SELECT first_node AS node_l, node AS node_r, 'identifier' AS method,
                       '{attr.name}' AS detail
                FROM (SELECT node, min(node) OVER (PARTITION BY {column}) AS first_node
                      FROM am_nodes WHERE {column} IS NOT NULL)
                WHERE node <> first_node"""
        )
    parts.append(
        """SELECT node_l, node_r, 'steward' AS method, min(decided_by) AS detail
           FROM am_decisions WHERE decision = 'confirm' GROUP BY 1, 2"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE am_hard_edges AS
        SELECT node_l, node_r, arg_min(method, rank) AS method, arg_min(detail, rank) AS detail
        FROM (
            SELECT *, CASE method WHEN 'steward' THEN 0 WHEN 'key' THEN 1 ELSE 2 END AS rank
            FROM ({" UNION ALL ".join(parts)})
        ) GROUP BY 1, 2"""
    )
