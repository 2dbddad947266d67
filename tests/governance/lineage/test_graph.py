"""The lineage graph of a mesh and impact analysis, downstream and upstream, by product and by domain."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.errors import UsageError
from andmesh.governance.lineage.graph import build_graph, impact, impact_tree, resolve_focus
from andmesh.governance.lineage.picture import draw, save
from andmesh.spec import load_mesh
from andmesh.spec.mesh import Mesh


@pytest.fixture
def mesh(lineage_mesh: Path) -> Mesh:
    return load_mesh(lineage_mesh)


def test_product_graph_has_every_product_and_input_port(mesh: Mesh) -> None:
    graph = build_graph(mesh)
    assert graph.ids() == sorted(mesh.products)
    edges = {(e.upstream, e.downstream): e.via for e in graph.edges}
    assert edges == {
        ("sales.customers", "sales.orders"): ["sales.customers"],
        ("sales.customers", "finance.exposure"): ["sales.customers"],
        ("sales.customers", "support.tickets"): ["sales.customers"],
        ("sales.orders", "finance.invoices"): ["sales.orders"],
        ("finance.invoices", "finance.exposure"): ["finance.invoices"],
    }
    assert graph.node("sales.customers").sources == ["raw_customers"]
    assert graph.node("finance.invoices").owner == "fay"


def test_downstream_impact_is_everything_that_reads_it_transitively(mesh: Mesh) -> None:
    graph = build_graph(mesh)
    found = impact(graph, "sales.customers", "downstream")
    assert [(n.id, n.distance) for n in found.nodes] == [
        ("finance.exposure", 1),
        ("sales.orders", 1),
        ("support.tickets", 1),
        ("finance.invoices", 2),
    ]
    assert found.nodes[-1].path == ["sales.customers", "sales.orders", "finance.invoices"]
    assert impact(graph, "finance.exposure", "downstream").nodes == []


def test_upstream_impact_is_everything_it_depends_on(mesh: Mesh) -> None:
    graph = build_graph(mesh)
    found = impact(graph, "finance.exposure", "upstream")
    assert [(n.id, n.distance) for n in found.nodes] == [
        ("finance.invoices", 1),
        ("sales.customers", 1),
        ("sales.orders", 2),
    ]
    assert impact(graph, "sales.customers", "upstream").nodes == []


def test_depth_limits_the_walk(mesh: Mesh) -> None:
    graph = build_graph(mesh)
    assert impact(graph, "sales.customers", "downstream", depth=1).ids == [
        "finance.exposure",
        "sales.orders",
        "support.tickets",
    ]
    assert impact(graph, "finance.exposure", "upstream", depth=1).ids == [
        "finance.invoices",
        "sales.customers",
    ]
    with pytest.raises(UsageError):
        impact(graph, "sales.customers", "downstream", depth=0)


def test_domain_graph_folds_products_and_drops_edges_inside_a_domain(mesh: Mesh) -> None:
    graph = build_graph(mesh, "domain")
    assert graph.ids() == ["finance", "sales", "support"]
    edges = {(e.upstream, e.downstream): e.via for e in graph.edges}
    assert edges == {
        ("sales", "finance"): ["sales.customers → finance.exposure", "sales.orders → finance.invoices"],
        ("sales", "support"): ["sales.customers → support.tickets"],
    }
    assert graph.node("finance").tables == ["finance.exposure", "finance.invoices"]
    assert impact(graph, "sales", "downstream").ids == ["finance", "support"]
    assert impact(graph, "support", "upstream").ids == ["sales"]
    assert impact(graph, "finance", "downstream").ids == []


def test_focus_is_a_product_a_table_or_a_domain(mesh: Mesh) -> None:
    products, domains = build_graph(mesh), build_graph(mesh, "domain")
    assert resolve_focus(mesh, products, "sales.orders") == "sales.orders"
    assert resolve_focus(mesh, domains, "sales.orders") == "sales"
    assert resolve_focus(mesh, domains, "finance") == "finance"
    with pytest.raises(UsageError) as caught:
        resolve_focus(mesh, products, "sales.order")
    assert caught.value.hint == "did you mean `sales.orders`?"


def test_text_tree_shows_each_node_once_and_its_owner(mesh: Mesh) -> None:
    graph = build_graph(mesh)
    lines = impact_tree(graph, impact(graph, "sales.customers", "downstream"))
    assert lines == [
        "sales.customers (downstream)",
        "├── finance.exposure  [owner fay]",
        "├── sales.orders  [owner sam]",
        "│   └── finance.invoices  [owner fay]",
        "│       └── finance.exposure  (see above)",
        "└── support.tickets  [owner sue]",
    ]
    assert impact_tree(graph, impact(graph, "sales.customers", "upstream"))[-1] == "└── nothing upstream"


def test_picture_is_an_svg_with_every_node(mesh: Mesh, tmp_path: Path) -> None:
    graph = build_graph(mesh)
    found = impact(graph, "sales.orders", "downstream")
    path = save(draw(graph, [found], "orders"), tmp_path / "lineage.svg")
    svg = path.read_text()
    assert svg.startswith("<?xml") and "<svg" in svg
    for node in graph.nodes:
        assert node.id.split(".")[1] in svg
    again = save(draw(graph, [found], "orders"), tmp_path / "again.svg")
    assert again.read_text() == svg  # no date, fixed ids: the same graph gives the same file
    png = save(draw(build_graph(mesh, "domain")), tmp_path / "domains.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
