"""Resolution compares identity tuples once and fans the result out to every record.

Records spelt alike share one tuple: the model scores each pair of tuples once, the pairs
of nodes holding them get that score, and nodes holding the same tuple get the score the
model gives equal values. Real DuckDB and Splink on the small hand-made world."""

from __future__ import annotations

import math
from collections import defaultdict

import pyarrow as pa
import pytest

from andmesh.enterprise.entities.linkage import rule_sql
from andmesh.enterprise.entities.resolve import Resolution, resolve
from tests.enterprise.entities.conftest import entity_spec, small_world


def partition(
    result: Resolution, keep: set[tuple[str, str]] | None = None
) -> set[frozenset[tuple[str, str]]]:
    """The clusters of records, whatever the enterprise ids are called."""
    groups: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in result.xref.to_pylist():
        key = (r["source"], r["record_id"])
        if keep is None or key in keep:
            groups[r["entity_id"]].add(key)
    return {frozenset(g) for g in groups.values()}


def test_a_tuple_per_distinct_value_set_fewer_than_nodes(resolved: Resolution) -> None:
    s = resolved.summary
    assert s.tuples == len(set(resolved.nodes.column("tuple").to_pylist()))
    # 40 companies: credit files and accounts differ in spelling, the 3 invoices of an
    # account are one node, and the invoices' bill-to ("<name> GmbH") is the credit file's name.
    assert s.records == 200 and s.nodes == 120 and s.tuples < s.nodes


def test_copies_of_records_join_their_originals_and_change_nothing_else(
    world: dict[str, pa.Table], resolved: Resolution
) -> None:
    """Every account again under a new number (same values, no key to anything): the copies
    hold the originals' tuples, so the model is trained on the same rows and every copy
    lands with its original; the original records' clusters are exactly as before."""
    accounts = world["sales.accounts"]
    copies = accounts.set_column(
        accounts.schema.get_field_index("account_no"),
        "account_no",
        pa.array([f"B{a[1:]}" for a in accounts.column("account_no").to_pylist()]),
    )
    doubled = {**world, "sales.accounts": pa.concat_tables([accounts, copies])}
    again = resolve(entity_spec(), doubled)
    assert again.summary.tuples == resolved.summary.tuples
    assert again.summary.model_version == resolved.summary.model_version
    originals = {(r["source"], r["record_id"]) for r in resolved.xref.to_pylist()}
    assert partition(again, originals) == partition(resolved)
    entity = {(r["source"], r["record_id"]): r["entity_id"] for r in again.xref.to_pylist()}
    for number in accounts.column("account_no").to_pylist():
        assert entity[("sales.accounts", "B" + number[1:])] == entity[("sales.accounts", number)]


def test_nodes_holding_one_tuple_get_the_models_score_of_equal_values(world: dict[str, pa.Table]) -> None:
    """Without keys or tax ids, a credit file and an account spelt alike hold one tuple. Their
    pair is scored by the model's own level SQL: a pair with the same comparison levels
    scored among the candidate pairs has exactly the same match weight. (With an equal tax
    id they would be one group of trusted links already: nothing to score.)"""
    spec = entity_spec(links=[])
    files = world["credit.files"]
    files = files.set_column(
        files.schema.get_field_index("vat"), "vat", pa.nulls(files.num_rows, pa.string())
    )
    alike = pa.table(
        {
            "account_no": [f"A{i:03d}" for i in range(files.num_rows)],
            "name": files.column("legal_name"),
            "vat": files.column("vat"),
            "street": files.column("street"),
            "city": files.column("city"),
            "postcode": files.column("postcode"),
            "country": files.column("country"),
        }
    )
    tables = {**world, "credit.files": files, "sales.accounts": alike}
    result = resolve(spec, tables)
    nodes = {r["node"]: r for r in result.nodes.to_pylist()}
    evidence = [e for e in result.evidence.to_pylist() if e["method"] == "probabilistic"]
    same = [e for e in evidence if nodes[e["node_l"]]["tuple"] == nodes[e["node_r"]]["tuple"]]
    assert len(same) >= 30, "the accounts copy the credit files: one tuple each pair"
    # Every scored pair, by Splink or as a shared tuple: one weight per level of each
    # comparison, and the pair's weight their sum with the prior, as Splink adds them.
    prior = result.model["probability_two_random_records_match"]
    names = [c[len("gamma_") :] for c in result.evidence.column_names if c.startswith("gamma_")]
    weights: dict[tuple[str, int], set[float]] = defaultdict(set)
    for e in evidence:
        for name in names:
            weights[(name, e[f"gamma_{name}"])].add(round(e[f"mw_{name}"], 9))
        parts = sum(e[f"mw_{name}"] for name in names)
        assert e["match_weight"] == pytest.approx(math.log2(prior / (1 - prior)) + parts)
        assert e["probability"] == pytest.approx(1 / (1 + 2 ** -e["match_weight"]))
    assert all(len(w) == 1 for w in weights.values()), "a level weighs the same in every pair"
    shared = {(name, e[f"gamma_{name}"]) for e in same for name in names}
    by_splink = {(name, e[f"gamma_{name}"]) for e in evidence if e not in same for name in names}
    assert shared & by_splink, "levels of shared tuples also seen in pairs Splink scored"
    entity = {(r["source"], r["record_id"]): r["entity_id"] for r in result.xref.to_pylist()}
    linked = sum(
        entity[("sales.accounts", f"A{i:03d}")] == entity[("credit.files", f"F{i:03d}")] for i in range(40)
    )
    assert linked == 40


def test_prefix_block_pairs_only_names_that_start_alike_or_are_one_typo_apart() -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT *, length(name) - length(replace(name, ' ', '')) + 1 AS name_tokens "
        "FROM (VALUES (1, 'distribution electrique du sud', 'distribution'), "
        "(2, 'distribution electr', 'distribution'), (3, 'distribution agricole bretonne', 'distribution'), "
        "(4, 'distribution electrique du nord', 'distribution'), "
        "(5, 'distribution electrique sud', 'distribution'), "
        "(6, 'automazione corpoint', 'automazione'), (7, 'automazione riva', 'automazione'), "
        "(8, 'automazione corpiont', 'automazione')) v(id, name, name_prefix)"
    )
    pairs = con.execute(
        f"SELECT l.id, r.id FROM t l JOIN t r ON l.id < r.id AND {rule_sql(['name_prefix'])} ORDER BY 1, 2"
    ).fetchall()
    # The cut name meets the whole names it starts; names one typo apart with as many words
    # meet (1-4, 6-8); names as close but with a word more (1-5: 0.97) or only sharing a
    # long start (6-7: 0.915) do not, nor does the other company.
    assert pairs == [(1, 2), (1, 4), (2, 4), (2, 5), (6, 8)]


def test_world_without_shared_tuples_is_unchanged_by_them() -> None:
    """Sanity: a fresh world resolves to the same clusters twice (tuple numbering is stable)."""
    first = resolve(entity_spec(), small_world(5))
    second = resolve(entity_spec(), small_world(5))
    assert partition(first) == partition(second)
    assert first.summary.model_version == second.summary.model_version


def test_name_key_block_pairs_only_close_names_and_addresses_still_pair_the_others() -> None:
    """A block on a name's first two words ("van den …") pairs every name of the block, with
    the square of its size; narrowed, it pairs only names where one starts the other or one
    typo apart — a pair it leaves out still meets through an address rule."""
    import duckdb

    from andmesh.enterprise.entities.linkage import _pairs, narrowed_keys

    con = duckdb.connect()
    con.execute(
        """CREATE TABLE t AS SELECT *, split_part(name, ' ', 1) || ' ' || split_part(name, ' ', 2) AS name_key,
                  left(name, 12) AS name_prefix,
                  length(name) - length(replace(name, ' ', '')) + 1 AS name_tokens
        FROM (VALUES (1, NULL, 'van den berg bouw', '1011', '5'),
                     (2, NULL, 'van den bosch handel', '2022', '7'),
                     (3, NULL, 'van den heuvel transport', '1011', '5'),
                     (4, NULL, 'van den berg bouw zonen', '3033', '9'),
                     (5, NULL, 'van den berg bouv', '4044', '1'),
                     (6, 1, 'van den dijk metaal', '5055', '2'),
                     (7, 1, 'van den dijk metaal', '5055', '2'))
             v(unique_id, grp, name, postcode, street_number)"""
    )
    rules = [["name"], ["name_key"], ["name_prefix"], ["postcode", "street_number"]]
    apart = "NOT coalesce(l.grp = r.grp, FALSE)"

    def pairs(narrow: set[str]) -> list[tuple[int, int]]:
        _pairs(con, "t", rules, apart, "out", narrow)
        found = con.execute("SELECT tuple_l, tuple_r FROM out ORDER BY 1, 2").fetchall()
        assert len(found) == len(set(found)), "each pair once"
        return found

    narrow = narrowed_keys([c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE t)").fetchall()])
    assert narrow == {"name_key"}
    # 1 starts 4; 1-5 one typo apart (as many words; 4-5 neither); 1-3 share an address;
    # 6-7 are one group of the trusted links already.
    assert pairs(narrow) == [(1, 3), (1, 4), (1, 5)]
    # The whole block, as the u estimation counts it: every "van den …" pair.
    assert pairs(set()) == [(a, b) for a in range(1, 8) for b in range(a + 1, 8) if (a, b) != (6, 7)]
