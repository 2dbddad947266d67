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

from collections.abc import Iterable, Sequence

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


# What joining a trusted link did (:meth:`Clustering.join_codes`), by code.
OUTCOMES = ("linked", "already linked", "rejected by a steward")


class Clustering:
    """Union-find over nodes 0..n-1 with exclusive values and cannot-link pairs.

    Each node keeps its strongest link (probability, method) in ``best_probability`` and
    ``best_method`` (an index into ``methods``; -1: none). Parents and sizes are int64
    arrays, not lists: a million customers make millions of nodes, and a Python list holds
    an object per number (~5x the memory).
    """

    def __init__(
        self,
        n: int,
        *,
        exclusive: dict[str, dict[int, str]] | None = None,
        rejects: Iterable[tuple[int, int]] = (),
    ) -> None:
        self.parent = np.arange(n, dtype=np.int64)
        self.size = np.ones(n, dtype=np.int64)
        # Per root: {attribute: set of values}, only for roots that have any.
        self.values: dict[int, dict[str, set[str]]] = {}
        for attribute, by_node in (exclusive or {}).items():
            for node, value in by_node.items():
                self.values.setdefault(node, {}).setdefault(attribute, set()).add(value)
        self.rejects: dict[int, list[tuple[int, int]]] = {}
        for a, b in rejects:
            self.rejects.setdefault(a, []).append((a, b))
            self.rejects.setdefault(b, []).append((a, b))
        self.best_probability = np.full(n, -1.0)
        self.best_method = np.full(n, -1, dtype=np.int16)
        self.methods: list[str] = []

    def _method(self, method: str) -> int:
        if method not in self.methods:
            self.methods.append(method)
        return self.methods.index(method)

    @property
    def best(self) -> dict[int, tuple[float, str]]:
        """Each linked node's strongest link: {node: (probability, method)}."""
        linked = np.flatnonzero(self.best_method >= 0)
        return {
            int(n): (float(self.best_probability[n]), self.methods[int(self.best_method[n])])
            for n in linked.tolist()
        }

    def add_values(self, attribute: str, roots: np.ndarray, values: np.ndarray) -> None:
        """Give groups (by their root) values of an exclusive attribute."""
        for root, value in zip(roots.tolist(), values.tolist(), strict=True):
            self.values.setdefault(int(root), {}).setdefault(attribute, set()).add(str(value))

    def find(self, x: int) -> int:
        parent = self.parent
        root = int(x)
        while (up := int(parent[root])) != root:
            root = up
        while (up := int(parent[x])) != root:
            parent[x], x = root, up
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

    def _union(self, ra: int, rb: int) -> None:
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
            self._union(ra, rb)
            outcome = "linked"
        else:
            outcome = "already linked"
        code = self._method(method)
        for node in (a, b):
            if self.best_probability[node] < probability:
                self.best_probability[node] = probability
                self.best_method[node] = code
        return outcome

    def join_all(self, lefts: np.ndarray, rights: np.ndarray, methods: Sequence[str]) -> list[str]:
        """Join every pair in order, as :meth:`join` one by one would (without the exclusive
        check: trusted links), on a clustering nothing was joined in yet; the outcome of each.

        >>> c = Clustering(5, rejects=[(3, 4)])
        >>> c.join_all(np.array([0, 1, 0, 2, 3]), np.array([1, 2, 2, 3, 4]), ["key"] * 5)
        ['linked', 'linked', 'already linked', 'linked', 'rejected by a steward']
        >>> sorted(c.groups().values())
        [[0, 1, 2, 3], [4]]
        """
        names = list(dict.fromkeys(methods))
        codes = np.asarray([names.index(m) for m in methods], dtype=np.int16)
        return [OUTCOMES[o] for o in self.join_codes(lefts, rights, codes, names).tolist()]

    def join_codes(
        self, lefts: np.ndarray, rights: np.ndarray, codes: np.ndarray, names: Sequence[str]
    ) -> np.ndarray:
        """:meth:`join_all` on arrays: link ``i``'s method is ``names[codes[i]]``; the outcome of
        each link as an index into :data:`OUTCOMES` (int8). No Python object per link: there are
        millions at scale.

        Connected components where no steward rejected a pair are joined in bulk: there,
        every link succeeds, and the ones that join two groups when taken in order are the
        minimum spanning forest under the order (Kruskal's algorithm). Components holding
        both records of a rejected pair are walked one link at a time.

        Pairs are distinct (node_l < node_r), as ``am_hard_edges`` holds them.

        >>> c = Clustering(3)
        >>> lefts, rights, codes = np.array([0, 1, 0]), np.array([1, 2, 2]), np.array([1, 0, 0])
        >>> [OUTCOMES[o] for o in c.join_codes(lefts, rights, codes, ["key", "identifier"])]
        ['linked', 'linked', 'already linked']
        >>> c.best
        {0: (1.0, 'identifier'), 1: (1.0, 'identifier'), 2: (1.0, 'key')}
        """
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

        n, count = len(self.parent), len(lefts)
        outcomes = np.full(count, OUTCOMES.index("already linked"), dtype=np.int8)
        if count == 0:
            return outcomes
        lefts, rights = np.asarray(lefts, dtype=np.int64), np.asarray(rights, dtype=np.int64)
        graph = coo_matrix((np.ones(count, dtype=np.int8), (lefts, rights)), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        del graph
        rejected = [(a, b) for pairs in self.rejects.values() for a, b in pairs]
        tainted = np.zeros(labels.max() + 1, dtype=bool)
        for a, b in rejected:
            if labels[a] == labels[b]:
                tainted[labels[a]] = True
        walked = tainted[labels[lefts]]
        bulk = np.flatnonzero(~walked)

        # Weights are the order (+1: a zero weight is no edge), all distinct: one forest.
        forest = minimum_spanning_tree(
            coo_matrix((bulk + 1.0, (lefts[bulk], rights[bulk])), shape=(n, n)).tocsr()
        )
        outcomes[forest.data.astype(np.int64) - 1] = OUTCOMES.index("linked")
        del forest
        members = np.flatnonzero(~tainted[labels])
        sizes = np.bincount(labels[members], minlength=len(tainted))
        order = np.argsort(labels[members], kind="stable")
        grouped = members[order]
        starts = np.searchsorted(labels[grouped], np.arange(len(tainted)))
        parent, size = self.parent, self.size
        joined = np.flatnonzero(sizes > 1)
        representative = np.zeros(len(tainted), dtype=np.int64)
        representative[joined] = grouped[starts[joined]]  # each component's smallest node
        many = grouped[sizes[labels[grouped]] > 1]
        parent[many] = representative[labels[many]]
        size[representative[joined]] = sizes[joined]
        for table in (self.values, self.rejects):
            for node in [k for k in table if sizes[labels[k]] > 1 and not tainted[labels[k]]]:
                root = int(representative[labels[node]])
                if node == root:
                    continue
                moved = table.pop(node)
                if table is self.values:
                    merged = self.values.setdefault(root, {})
                    for attribute, values in moved.items():  # type: ignore[union-attr]
                        merged.setdefault(attribute, set()).update(values)
                else:
                    self.rejects.setdefault(root, []).extend(moved)  # type: ignore[arg-type]

        # Each node's strongest link is its first (all are certain).
        mine = np.asarray([self._method(m) for m in names], dtype=np.int16)
        first = np.full(n, count, dtype=np.int64)
        np.minimum.at(first, lefts[bulk], bulk)
        np.minimum.at(first, rights[bulk], bulk)
        touched = np.flatnonzero(first < count)
        self.best_probability[touched] = 1.0
        self.best_method[touched] = mine[np.asarray(codes, dtype=np.int64)[first[touched]]]
        for index in np.flatnonzero(walked).tolist():
            outcome = self.join(int(lefts[index]), int(rights[index]), 1.0, names[int(codes[index])])
            outcomes[index] = OUTCOMES.index(outcome)
        return outcomes

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
        best = np.full(len(self.parent), -1.0)
        np.maximum.at(best, nodes, probabilities)
        raised = np.flatnonzero(best > self.best_probability)
        self.best_probability[raised] = best[raised]
        self.best_method[raised] = self._method(method)

    def roots(self) -> np.ndarray:
        """Each node's root (its group), as an array."""
        roots = np.asarray(self.parent, dtype=np.int64)
        while True:
            up = roots[roots]
            if np.array_equal(up, roots):
                return roots
            roots = up

    def groups(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for node, root in enumerate(self.roots().tolist()):
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
