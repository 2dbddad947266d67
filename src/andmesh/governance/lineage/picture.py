"""The lineage graph as a picture: SVG (or PNG) drawn with matplotlib's object API.

Left to right: each node sits in the column of its longest path from a node with no
upstream, so every edge points right. Within a column nodes are ordered by the mean
row of their upstream (a few sweeps of the barycentre heuristic), which keeps
crossings down without a graph-layout dependency. Nodes are coloured by domain; when
an impact analysis is drawn, the node analysed is outlined and everything outside the
impact is faded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from andmesh.governance.lineage.graph import Impact, LineageGraph

STYLE: Any = {  # matplotlib types rc keys as a Literal union: keep this a plain mapping
    "svg.fonttype": "none",
    "svg.hashsalt": "andmesh-lineage",
    "font.family": "sans-serif",
    "font.size": 8,
}
_BOX_W, _BOX_H, _COL_GAP, _ROW_GAP = 2.6, 0.62, 1.3, 0.35


def layout(graph: LineageGraph) -> dict[str, tuple[float, float]]:
    """Centre of every node's box, in drawing units (x grows downstream, y downward)."""
    layers = graph.layers()
    columns: dict[int, list[str]] = {}
    for node in sorted(graph.ids(), key=lambda n: (graph.node(n).domain, n)):
        columns.setdefault(layers[node], []).append(node)
    order = {node: index for column in columns.values() for index, node in enumerate(column)}
    for _ in range(4):  # barycentre sweeps, downstream then upstream
        for direction in ("upstream", "downstream"):
            keys = sorted(columns) if direction == "upstream" else sorted(columns, reverse=True)
            for key in keys:

                def rank(node: str, direction: str = direction) -> tuple[float, int]:
                    linked = graph.neighbours(node, direction)  # type: ignore[arg-type]
                    mean = sum(order[n] for n in linked) / len(linked) if linked else float(order[node])
                    return (mean, order[node])

                columns[key].sort(key=rank)
                order.update({node: index for index, node in enumerate(columns[key])})
    tallest = max((len(c) for c in columns.values()), default=1)
    positions: dict[str, tuple[float, float]] = {}
    for key, column in columns.items():
        offset = (tallest - len(column)) * (_BOX_H + _ROW_GAP) / 2
        for index, node in enumerate(column):
            positions[node] = (_BOX_W / 2 + key * (_BOX_W + _COL_GAP), offset + index * (_BOX_H + _ROW_GAP))
    return positions


def _palette(domains: list[str]) -> dict[str, str]:
    # The strong half of tab20, then of tab20b: 20 distinguishable domain colours.
    maps = [matplotlib.colormaps["tab20"], matplotlib.colormaps["tab20b"]]
    colours = [matplotlib.colors.to_hex(m(i / 20)) for m in maps for i in range(0, 20, 2)]
    return {domain: colours[index % len(colours)] for index, domain in enumerate(domains)}


def draw(graph: LineageGraph, impacts: list[Impact] | None = None, title: str | None = None) -> Figure:
    """A figure of ``graph``; with ``impacts``, the analysed node and what it reaches stand out."""
    positions = layout(graph)
    domains = sorted({n.domain for n in graph.nodes})
    colours = _palette(domains)
    focus = {i.focus for i in impacts or []}
    lit = focus | {n for i in impacts or [] for n in i.ids}
    dimmed = bool(impacts)
    width = max((x for x, _ in positions.values()), default=0) + _BOX_W / 2 + 0.5
    height = max((y for _, y in positions.values()), default=0) + _BOX_H + 1.2
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(max(4.0, width * 0.9), max(2.5, height * 0.9)))
        axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        axes.set_xlim(-0.3, width)
        axes.set_ylim(height - 0.5, -0.9)
        axes.axis("off")
        if title:
            axes.text(0.0, -0.55, title, fontsize=10, fontweight="bold", va="center")
        layers = graph.layers()
        for edge in graph.edges:
            (x1, y1), (x2, y2) = positions[edge.upstream], positions[edge.downstream]
            on = not dimmed or (edge.upstream in lit and edge.downstream in lit)
            # An edge that skips columns bends, so it does not run under the boxes between.
            span = layers[edge.downstream] - layers[edge.upstream]
            bend = 0.0 if span <= 1 else (-0.25 if y2 <= y1 else 0.25)
            arrow = FancyArrowPatch(
                (x1 + _BOX_W / 2, y1),
                (x2 - _BOX_W / 2, y2),
                arrowstyle="-|>",
                mutation_scale=9,
                connectionstyle=f"arc3,rad={bend}",
                color="#444444" if on else "#cccccc",
                linewidth=1.0 if on else 0.6,
                zorder=1,
            )
            axes.add_patch(arrow)
            if graph.level == "domain" and len(edge.via) > 1:
                axes.text((x1 + x2) / 2, (y1 + y2) / 2, str(len(edge.via)), fontsize=7, ha="center", va="center",
                          bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "#999999", "lw": 0.5})  # fmt: skip
        for node in graph.nodes:
            x, y = positions[node.id]
            on = not dimmed or node.id in lit
            box = FancyBboxPatch(
                (x - _BOX_W / 2, y - _BOX_H / 2),
                _BOX_W,
                _BOX_H,
                boxstyle="round,pad=0.02,rounding_size=0.08",
                facecolor=colours[node.domain],
                edgecolor="black" if node.id in focus else "white",
                linewidth=2.0 if node.id in focus else 0.5,
                alpha=1.0 if on else 0.25,
                zorder=2,
            )
            axes.add_patch(box)
            label = node.id.split(".", 1)[1] if node.kind == "product" and "." in node.id else node.id
            axes.text(x, y, label, ha="center", va="center", fontsize=8, zorder=3, alpha=1.0 if on else 0.4,
                      fontweight="bold" if node.id in focus else "normal")  # fmt: skip
        if graph.level == "product":
            handles = [Patch(facecolor=colours[d], label=d) for d in domains]
            axes.legend(
                handles=handles, loc="lower right", fontsize=7, frameon=False, ncol=min(4, len(domains))
            )
    return figure


def save(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as SVG (default), PNG or PDF, by the file's suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = path.suffix.lstrip(".").lower() or "svg"
    metadata = {"Date": None} if kind == "svg" else {}
    with matplotlib.rc_context(STYLE):
        figure.savefig(path, format=kind, bbox_inches="tight", metadata=metadata, dpi=110)
    return path
