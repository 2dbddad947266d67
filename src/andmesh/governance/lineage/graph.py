"""The mesh's lineage graph, product by product or domain by domain, and impact analysis.

A product reads its input ports from upstream products: that is an edge upstream →
downstream. The domain graph folds products into their domains (an edge between two
domains whenever one of their products reads the other's), leaving out the edges
inside a domain. Impact analysis walks the graph either way from one node, breadth
first, so each affected node is reported at its shortest distance with one shortest
path to it.

>>> graph = LineageGraph(mesh="m", level="product", nodes=[
...     LineageNode(id=n, kind="product", domain=n.split(".")[0]) for n in ("a.x", "b.y", "c.z")
... ], edges=[LineageEdge(upstream="a.x", downstream="b.y"), LineageEdge(upstream="b.y", downstream="c.z")])
>>> [(n.id, n.distance) for n in impact(graph, "a.x", "downstream").nodes]
[('b.y', 1), ('c.z', 2)]
>>> [n.id for n in impact(graph, "c.z", "upstream", depth=1).nodes]
['b.y']
"""

from __future__ import annotations

from collections import deque
from typing import Literal

from pydantic import BaseModel, Field

from andmesh.errors import UsageError
from andmesh.spec.mesh import Mesh
from andmesh.spec.suggest import hint_for

Level = Literal["product", "domain"]
# A job of another tool, known from the OpenLineage events it sent (governance.lineage.ingest).
NodeKind = Literal["product", "domain", "job"]
Direction = Literal["upstream", "downstream"]


class LineageNode(BaseModel):
    id: str = Field(
        description="Product id (`<domain>.<product>`) or domain name.", examples=["sales.orders"]
    )
    kind: NodeKind
    domain: str
    owner: str | None = None
    tables: list[str] = Field(
        default_factory=list, description="Product: its output tables. Domain: its products."
    )
    sources: list[str] = Field(default_factory=list, description="Raw sources a product ingests.")


class LineageEdge(BaseModel):
    upstream: str
    downstream: str
    via: list[str] = Field(
        default_factory=list,
        description="Product level: the tables read (`<table> as <input port>`). "
        "Domain level: the product edges folded into this one.",
    )


class LineageGraph(BaseModel):
    mesh: str
    level: Level
    nodes: list[LineageNode]
    edges: list[LineageEdge]

    def node(self, node_id: str) -> LineageNode:
        return next(n for n in self.nodes if n.id == node_id)

    def ids(self) -> list[str]:
        return [n.id for n in self.nodes]

    def neighbours(self, node_id: str, direction: Direction) -> list[str]:
        if direction == "downstream":
            return sorted({e.downstream for e in self.edges if e.upstream == node_id})
        return sorted({e.upstream for e in self.edges if e.downstream == node_id})

    def layers(self) -> dict[str, int]:
        """Each node's column in a left-to-right drawing: the longest path from a node with no upstream."""
        layer: dict[str, int] = {}
        pending = {n.id: len(self.neighbours(n.id, "upstream")) for n in self.nodes}
        ready = deque(sorted(node for node, count in pending.items() if count == 0))
        for node in ready:
            layer[node] = 0
        while ready:
            node = ready.popleft()
            for child in self.neighbours(node, "downstream"):
                layer[child] = max(layer.get(child, 0), layer[node] + 1)
                pending[child] -= 1
                if pending[child] == 0:
                    ready.append(child)
        for node in pending:  # a cycle (lint refuses them) would leave nodes unplaced
            layer.setdefault(node, 0)
        for node in layer:  # a node with no upstream sits just before its first reader
            children = self.neighbours(node, "downstream")
            if not self.neighbours(node, "upstream") and children:
                layer[node] = min(layer[c] for c in children) - 1
        return layer


class ImpactedNode(BaseModel):
    id: str
    domain: str
    owner: str | None = None
    distance: int = Field(description="Edges from the node analysed (1: a direct neighbour).")
    path: list[str] = Field(description="A shortest path from the node analysed to this one.")


class Impact(BaseModel):
    focus: str
    direction: Direction
    depth: int | None = Field(None, description="How far the walk went (None: all the way).")
    nodes: list[ImpactedNode]

    @property
    def ids(self) -> list[str]:
        return [n.id for n in self.nodes]


def product_graph(mesh: Mesh) -> LineageGraph:
    """Products and the input ports that link them."""
    nodes = [
        LineageNode(
            id=product.id,
            kind="product",
            domain=product.domain,
            owner=product.owner,
            tables=[port.table_id for port in product.outputs],
            sources=[source.name for source in product.sources],
        )
        for product in sorted(mesh.products.values(), key=lambda p: p.id)
    ]
    via: dict[tuple[str, str], list[str]] = {}
    for product in mesh.products.values():
        for ref in product.inputs:
            upstream = mesh.products[ref.product_id]
            table = f"{upstream.domain}.{ref.port}"
            label = table if ref.name == ref.port else f"{table} as {ref.name}"
            via.setdefault((ref.product_id, product.id), []).append(label)
    edges = [
        LineageEdge(upstream=up, downstream=down, via=sorted(labels)) for (up, down), labels in via.items()
    ]
    edges.sort(key=lambda e: (e.upstream, e.downstream))
    return LineageGraph(mesh=mesh.name, level="product", nodes=nodes, edges=edges)


def domain_graph(mesh: Mesh) -> LineageGraph:
    """Domains, linked wherever a product of one reads a product of another."""
    products = product_graph(mesh)
    owners = {name: domain.spec.owner for name, domain in mesh.domains.items()}
    members: dict[str, list[str]] = {}
    for node in products.nodes:
        members.setdefault(node.domain, []).append(node.id)
    nodes = [
        LineageNode(
            id=name, kind="domain", domain=name, owner=owners.get(name), tables=sorted(members.get(name, []))
        )
        for name in sorted(set(mesh.domains) | set(members))
    ]
    folded: dict[tuple[str, str], list[str]] = {}
    for edge in products.edges:
        up, down = products.node(edge.upstream).domain, products.node(edge.downstream).domain
        if up != down:
            folded.setdefault((up, down), []).append(f"{edge.upstream} → {edge.downstream}")
    edges = [
        LineageEdge(upstream=up, downstream=down, via=sorted(v)) for (up, down), v in sorted(folded.items())
    ]
    return LineageGraph(mesh=mesh.name, level="domain", nodes=nodes, edges=edges)


def build_graph(mesh: Mesh, level: Level = "product") -> LineageGraph:
    return domain_graph(mesh) if level == "domain" else product_graph(mesh)


def resolve_focus(mesh: Mesh, graph: LineageGraph, target: str) -> str:
    """The graph node ``target`` names: a product id, an output table id, or (domain level) a domain."""
    ids = set(graph.ids())
    if target in ids:
        return target
    product_id = target if target in mesh.products else None
    if product_id is None:
        port = next((p for p in mesh.ports() if p.table_id == target), None)
        product_id = port.product_id if port else None
    if product_id is not None:
        return mesh.products[product_id].domain if graph.level == "domain" else product_id
    what = "products or domains" if graph.level == "domain" else "products"
    candidates = ids | set(mesh.products) | {p.table_id for p in mesh.ports()}
    raise UsageError(
        f"`{target}` is not a {graph.level} of mesh {mesh.name}", hint=hint_for(target, candidates, what)
    )


def impact(graph: LineageGraph, focus: str, direction: Direction, depth: int | None = None) -> Impact:
    """Every node reachable from ``focus`` going ``direction``, nearest first (ties by id)."""
    if depth is not None and depth < 1:
        raise UsageError(
            f"depth must be 1 or more, not {depth}", hint="leave `--depth` out to go all the way"
        )
    paths: dict[str, list[str]] = {focus: [focus]}
    queue = deque([focus])
    while queue:
        node = queue.popleft()
        if depth is not None and len(paths[node]) - 1 >= depth:
            continue
        for neighbour in graph.neighbours(node, direction):
            if neighbour not in paths:
                paths[neighbour] = [*paths[node], neighbour]
                queue.append(neighbour)
    found = [
        ImpactedNode(
            id=node,
            domain=graph.node(node).domain,
            owner=graph.node(node).owner,
            distance=len(path) - 1,
            path=path,
        )
        for node, path in paths.items()
        if node != focus
    ]
    found.sort(key=lambda n: (n.distance, n.id))
    return Impact(focus=focus, direction=direction, depth=depth, nodes=found)


def impact_tree(graph: LineageGraph, result: Impact) -> list[str]:
    """``result`` as an indented tree, one line per edge walked; a node met again is not expanded again.

    >>> graph = LineageGraph(mesh="m", level="product", nodes=[
    ...     LineageNode(id=n, kind="product", domain="d", owner="o") for n in ("d.a", "d.b", "d.c")
    ... ], edges=[LineageEdge(upstream="d.a", downstream="d.b"), LineageEdge(upstream="d.a", downstream="d.c"),
    ...           LineageEdge(upstream="d.b", downstream="d.c")])
    >>> print("\\n".join(impact_tree(graph, impact(graph, "d.a", "downstream"))))
    d.a (downstream)
    ├── d.b  [owner o]
    │   └── d.c  [owner o]
    └── d.c  (see above)
    """
    reached = {n.id for n in result.nodes}
    lines = [f"{result.focus} ({result.direction})"]
    expanded: set[str] = set()

    def walk(node: str, prefix: str, level: int) -> None:
        children = [c for c in graph.neighbours(node, result.direction) if c in reached]
        if result.depth is not None and level >= result.depth:
            children = []
        for index, child in enumerate(children):
            last = index == len(children) - 1
            branch = "└── " if last else "├── "
            if child in expanded:
                lines.append(f"{prefix}{branch}{child}  (see above)")
                continue
            expanded.add(child)
            owner = graph.node(child).owner
            lines.append(f"{prefix}{branch}{child}" + (f"  [owner {owner}]" if owner else ""))
            walk(child, prefix + ("    " if last else "│   "), level + 1)

    walk(result.focus, "", 0)
    if len(lines) == 1:
        lines.append(f"└── nothing {result.direction}")
    return lines
