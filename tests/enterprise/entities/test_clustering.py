"""Clustering at scale: trusted links joined in bulk give what joining them one by one gives,
and the model scores no pair the trusted links already put in one group."""

from __future__ import annotations

import random

import numpy as np

from andmesh.enterprise.entities.cluster import Clustering
from andmesh.enterprise.entities.resolve import Resolution


def _one_by_one(n: int, edges: list[tuple[int, int, str]], rejects: list[tuple[int, int]]) -> Clustering:
    c = Clustering(n, rejects=rejects)
    c.outcomes = [c.join(a, b, 1.0, m) for a, b, m in edges]  # type: ignore[attr-defined]
    return c


def test_bulk_join_equals_joining_one_by_one() -> None:
    """Random graphs with cycles, stewards' rejections inside some components: the same
    outcome per link, the same groups, each node's same strongest link."""
    rng = random.Random(7)
    for _ in range(30):
        n = rng.randint(5, 60)
        pairs = ((rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(1, 2 * n)))
        edges = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b} | {(0, 1)})
        methods = [rng.choice(["key", "identifier", "steward"]) for _ in edges]
        rejects = [tuple(sorted(rng.sample(range(n), 2))) for _ in range(rng.randint(0, 3))]
        expected = _one_by_one(n, [(a, b, m) for (a, b), m in zip(edges, methods, strict=True)], rejects)
        bulk = Clustering(n, rejects=rejects)
        outcomes = bulk.join_all(np.array([a for a, _ in edges]), np.array([b for _, b in edges]), methods)
        assert outcomes == expected.outcomes  # type: ignore[attr-defined]
        assert sorted(bulk.groups().values()) == sorted(expected.groups().values())
        assert bulk.best == expected.best
        assert "linked" in outcomes


def test_a_rejection_inside_a_component_is_respected_in_bulk() -> None:
    c = Clustering(4, rejects=[(0, 3)])
    outcomes = c.join_all(np.array([0, 1, 2]), np.array([1, 2, 3]), ["key", "key", "key"])
    assert outcomes == ["linked", "linked", "rejected by a steward"]
    assert sorted(c.groups().values()) == [[0, 1, 2], [3]]


def test_pairs_the_trusted_links_already_joined_are_not_scored(resolved: Resolution) -> None:
    """Every scored pair has a tuple whose nodes are in a group of trusted links other than
    the other tuple's; pairs inside one group would be found by the name rules (same names
    within a group) but are not scored."""
    nodes = resolved.nodes.to_pylist()
    parent = list(range(len(nodes)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    evidence = resolved.evidence.to_pylist()
    for e in evidence:
        if e["method"] != "probabilistic" and e["accepted"]:
            parent[find(e["node_l"])] = find(e["node_r"])
    groups_of_tuple: dict[int, set[int]] = {}
    for node in nodes:
        groups_of_tuple.setdefault(node["tuple"], set()).add(find(node["node"]))
    tuple_of = {node["node"]: node["tuple"] for node in nodes}
    scored = [e for e in evidence if e["method"] == "probabilistic"]
    assert scored
    for e in scored:
        together = groups_of_tuple[tuple_of[e["node_l"]]] | groups_of_tuple[tuple_of[e["node_r"]]]
        assert len(together) > 1, e
    # Not vacuous: some group holds two tuples with the same name (a rule pairs them).
    names: dict[tuple[int, str], set[int]] = {}
    for node in nodes:
        if node["name"]:
            names.setdefault((find(node["node"]), node["name"]), set()).add(node["tuple"])
    assert any(len(tuples) > 1 for tuples in names.values())
