"""Which products a run builds, in dependency order (`--select` with dbt-like `+`)."""

from __future__ import annotations

from andmesh.errors import UsageError
from andmesh.spec.graph import topological_order, with_downstream, with_upstream
from andmesh.spec.mesh import Mesh
from andmesh.spec.suggest import hint_for


def select_products(mesh: Mesh, selectors: list[str] | None) -> list[str]:
    """Product ids to run, upstream first.

    A selector is a product id (`order_management.orders`), a domain name
    (`order_management`), with `+` in front to add everything upstream and `+` behind
    to add everything downstream. No selector means the whole mesh.
    """
    edges = {pid: product.upstream for pid, product in mesh.products.items()}
    order, cycle = topological_order(edges)
    if cycle:
        raise UsageError("dependency cycle: " + " → ".join(cycle))
    if not selectors:
        return order
    chosen: set[str] = set()
    for raw in selectors:
        upstream = raw.startswith("+")
        downstream = raw.endswith("+")
        name = raw.strip("+")
        if name in mesh.products:
            matched = {name}
        elif name in mesh.domains:
            matched = {pid for pid, p in mesh.products.items() if p.domain == name}
        else:
            raise UsageError(
                f"`{name}` is neither a product nor a domain of mesh {mesh.name}",
                hint=hint_for(name, [*mesh.products, *mesh.domains], "products and domains"),
            )
        if upstream:
            matched = with_upstream(edges, matched)
        if downstream:
            matched = with_downstream(edges, matched)
        chosen |= matched
    return [pid for pid in order if pid in chosen]
