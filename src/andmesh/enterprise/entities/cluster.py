"""Clustering nodes into enterprise entities, with constraints, and stable enterprise ids.

Plain connected components let one weak link chain two companies together (a head
office and a branch that share an address, a site of one and the account of the
other). So links are added strongest first, and a link is refused when the two groups
it would join hold clearly different values of an ``exclusive`` attribute (two tax
ids: two legal entities) or records a steward said are different:

1. steward confirmations (always);
2. key and identifier links (unless a steward rejected the join);
3. probabilistic links at or above the threshold, most probable first (unless a
   steward rejected the join or an exclusive attribute conflicts).

>>> c = Clustering(4, exclusive={"tax_id": {0: "DE111111111", 3: "DE999999999"}})
>>> c.join(0, 1, 1.0, "key")
'linked'
>>> c.join(1, 3, 0.97, "probabilistic", check_exclusive=True)
'conflict: tax_id'
>>> c.join(2, 3, 0.95, "probabilistic", check_exclusive=True)
'linked'
>>> sorted(c.groups().values())
[[0, 1], [2, 3]]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def near(a: str, b: str) -> bool:
    """Equal, or one keying error apart (optimal string alignment distance ≤ 1).

    >>> near("DE123456789", "DE123465789"), near("DE123456789", "DE987654321")
    (True, False)
    """
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class Clustering:
    """Union-find over nodes 0..n-1 with exclusive values and cannot-link pairs."""

    def __init__(
        self,
        n: int,
        *,
        exclusive: dict[str, dict[int, str]] | None = None,
        rejects: Iterable[tuple[int, int]] = (),
    ) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        # Per root: {attribute: set of values}, only for roots that have any.
        self.values: dict[int, dict[str, set[str]]] = {}
        for attribute, by_node in (exclusive or {}).items():
            for node, value in by_node.items():
                self.values.setdefault(node, {}).setdefault(attribute, set()).add(value)
        self.rejects: dict[int, list[tuple[int, int]]] = {}
        for a, b in rejects:
            self.rejects.setdefault(a, []).append((a, b))
            self.rejects.setdefault(b, []).append((a, b))
        self.best: dict[int, tuple[float, str]] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def _rejected(self, ra: int, rb: int) -> bool:
        small = (
            self.rejects.get(ra, [])
            if len(self.rejects.get(ra, [])) <= len(self.rejects.get(rb, []))
            else self.rejects.get(rb, [])
        )
        for u, v in small:
            fu, fv = self.find(u), self.find(v)
            if (fu == ra and fv == rb) or (fu == rb and fv == ra):
                return True
        return False

    def _conflict(self, ra: int, rb: int) -> str | None:
        va, vb = self.values.get(ra), self.values.get(rb)
        if not va or not vb:
            return None
        for attribute, left in va.items():
            right = vb.get(attribute)
            if right and any(not near(x, y) for x in left for y in right):
                return attribute
        return None

    def join(self, a: int, b: int, probability: float, method: str, *, check_exclusive: bool = False) -> str:
        """Link ``a`` and ``b`` if allowed; say what happened."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if method != "steward" and self._rejected(ra, rb):
                return "rejected by a steward"
            if check_exclusive:
                attribute = self._conflict(ra, rb)
                if attribute is not None:
                    return f"conflict: {attribute}"
            if self.size[ra] < self.size[rb]:
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.size[ra] += self.size[rb]
            if rb in self.values:
                merged = self.values.setdefault(ra, {})
                for attribute, values in self.values.pop(rb).items():
                    merged.setdefault(attribute, set()).update(values)
            if rb in self.rejects:
                self.rejects.setdefault(ra, []).extend(self.rejects.pop(rb))
            outcome = "linked"
        else:
            outcome = "already linked"
        for node in (a, b):
            if node not in self.best or self.best[node][0] < probability:
                self.best[node] = (probability, method)
        return outcome

    def raise_best(self, nodes: np.ndarray, probabilities: np.ndarray, method: str) -> None:
        """Record links of nodes already together (as :meth:`join` does for "already linked"):
        each node keeps its strongest link, an earlier one on a tie.

        >>> c = Clustering(3)
        >>> c.raise_best(np.array([0, 1, 0]), np.array([0.91, 0.95, 0.99]), "probabilistic")
        >>> c.best
        {0: (0.99, 'probabilistic'), 1: (0.95, 'probabilistic')}
        """
        if len(nodes) == 0:
            return
        order = np.lexsort((-probabilities, nodes))
        ordered = nodes[order]
        first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
        for n, p in zip(ordered[first].tolist(), probabilities[order][first].tolist(), strict=True):
            if n not in self.best or self.best[n][0] < p:
                self.best[n] = (p, method)

    def roots(self) -> list[int]:
        return [self.find(x) for x in range(len(self.parent))]

    def groups(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for node, root in enumerate(self.roots()):
            found.setdefault(root, []).append(node)
        return found


def format_id(prefix: str, number: int) -> str:
    """An enterprise id.

    >>> format_id("EC-", 42)
    'EC-000042'
    """
    return f"{prefix}{number:06d}"


def id_number(prefix: str, entity_id: str) -> int | None:
    """The number of an enterprise id with ``prefix`` (None for another prefix).

    >>> id_number("EC-", "EC-000042"), id_number("EC-", "EL-000001")
    (42, None)
    """
    if not entity_id.startswith(prefix) or not entity_id[len(prefix) :].isdigit():
        return None
    return int(entity_id[len(prefix) :])


def assign_ids(
    prefix: str,
    clusters: dict[int, tuple[str, str]],
    previous_votes: dict[int, dict[str, int]],
    floor: int = 0,
) -> dict[int, str]:
    """Enterprise ids for clusters, keeping the ids their records had before.

    ``clusters`` maps a cluster to its first record (source, record id), which orders
    new ids; ``previous_votes`` counts, per cluster, its records' previous ids. A
    previous id goes to the cluster holding most of its records (a split keeps the id
    on the bigger part); clusters left without one get new numbers after the highest
    ever given.

    >>> assign_ids("E-", {0: ("a", "1"), 1: ("a", "2")}, {1: {"E-000007": 3}, 0: {"E-000007": 1}})
    {1: 'E-000007', 0: 'E-000008'}
    """
    candidates = sorted(
        (
            (count, entity_id, cluster)
            for cluster, votes in previous_votes.items()
            for entity_id, count in votes.items()
        ),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    assigned: dict[int, str] = {}
    taken: set[str] = set()
    for _count, entity_id, cluster in candidates:
        if cluster in assigned or entity_id in taken or cluster not in clusters:
            continue
        assigned[cluster] = entity_id
        taken.add(entity_id)
    numbers = [
        n
        for entity_id in {e for v in previous_votes.values() for e in v}
        if (n := id_number(prefix, entity_id)) is not None
    ]
    next_number = max([*numbers, floor]) + 1
    for cluster in sorted((c for c in clusters if c not in assigned), key=lambda c: clusters[c]):
        assigned[cluster] = format_id(prefix, next_number)
        next_number += 1
    return assigned
