"""Charts of the reports, drawn with matplotlib (no pyplot, no GUI, offline) to SVG.

SVG keeps its text as ``<text>`` elements (``svg.fonttype = none``), so the charts stay
small, searchable and testable, and a fixed hash salt and no date make the same data
give the same file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from andmesh.enterprise.gaps import GapReport, RequirementStatus
from andmesh.enterprise.kpis import KpiResult
from andmesh.enterprise.priority import PriorityReport

STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "andmesh",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

# Heat-map cell states, in colour order: what a domain's cell says about a requirement.
CELL_STATES: tuple[tuple[str, str], ...] = (
    ("", "#ffffff"),
    ("needs it (hand-off)", "#dbe4f0"),
    ("met", "#4caf50"),
    ("fit gap", "#ffc107"),
    ("captured gap", "#ff7f0e"),
    ("promised gap", "#d62728"),
)
_STATE_INDEX = {name: index for index, (name, _) in enumerate(CELL_STATES)}
QUADRANT_COLOURS = {
    "quick win": "#2e7d32",
    "strategic bet": "#f9a825",
    "fill-in": "#0277bd",
    "deprioritize": "#c62828",
}


def styled() -> AbstractContextManager[None]:
    """The reports' matplotlib settings, for one chart."""
    return matplotlib.rc_context(STYLE)  # type: ignore[arg-type]  # keys are valid rcParams


@dataclass(frozen=True)
class Chart:
    """A chart written to disk: its file and the text alternative for the report."""

    file: Path
    title: str
    alt: str


def _save(figure: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = path.suffix.lstrip(".") or "svg"
    metadata = {"Date": None} if kind == "svg" else {}
    figure.savefig(path, format=kind, bbox_inches="tight", metadata=metadata, dpi=110)


def requirement_state(status: RequirementStatus) -> str:
    """The heat-map state of a requirement in its producing domain's cell.

    >>> from andmesh.enterprise.gaps import Level
    >>> ok, ko = Level(met=True, standard="s", message="m"), Level(met=False, standard="s", message="m")
    >>> base = dict(id="d.p.a", entity="e", domain="d", product="d.p", table_id="d.p", attribute="a",
    ...             lifecycle="accepted", owner=None, use_cases=[], kpis=[])
    >>> requirement_state(RequirementStatus(**base, promised=ko, captured=ok, fit=ko))
    'promised gap'
    >>> requirement_state(RequirementStatus(**base, promised=ok, captured=ok, fit=ok))
    'met'
    """
    return "met" if status.level is None else f"{status.level} gap"


def domain_order(report: GapReport, stages: Sequence[str]) -> list[str]:
    """Domains in value-chain order (``stages`` are domains), then any other, by name."""
    seen = list(dict.fromkeys(stages))
    others = sorted({s.domain for s in report.requirements} - set(seen))
    return seen + others


def gap_heatmap(
    report: GapReport,
    path: Path,
    *,
    domains: Sequence[str],
    receivers: dict[str, set[str]],
) -> Chart:
    """Requirements (rows) × domains (columns, value-chain order).

    The producing domain's cell shows the requirement's state (met, or the first level
    that fails, with the measured coverage); the cells of the domains whose stage needs
    it through a hand-off are shaded, so a row reads "who owes it → who waits for it".
    """
    rows = report.requirements
    grid = [[0] * len(domains) for _ in rows]
    labels: list[tuple[int, int, str]] = []
    for r, status in enumerate(rows):
        for c, domain in enumerate(domains):
            if domain == status.domain:
                grid[r][c] = _STATE_INDEX[requirement_state(status)]
                coverage = "absent" if status.coverage is None else f"{status.coverage:.0f}%"
                labels.append((r, c, coverage))
            elif domain in receivers.get(status.id, set()):
                grid[r][c] = _STATE_INDEX["needs it (hand-off)"]
    with styled():
        height = max(2.5, 0.32 * len(rows) + 1.6)
        figure = Figure(figsize=(1.0 * len(domains) + 4.5, height))
        axes = figure.subplots()
        cmap = ListedColormap([colour for _, colour in CELL_STATES])
        axes.imshow(grid, cmap=cmap, vmin=0, vmax=len(CELL_STATES) - 1, aspect="auto")
        axes.set_xticks(range(len(domains)), [d.replace("_", "\n") for d in domains], fontsize=8)
        axes.set_yticks(range(len(rows)), [s.id for s in rows], fontsize=8)
        axes.xaxis.tick_top()
        for r, c, text in labels:
            axes.text(c, r, text, ha="center", va="center", fontsize=7, color="black")
        axes.set_xticks([x - 0.5 for x in range(1, len(domains))], minor=True)
        axes.set_yticks([y - 0.5 for y in range(1, len(rows))], minor=True)
        axes.grid(which="minor", color="#cccccc", linewidth=0.5)
        axes.tick_params(which="minor", length=0)
        legend = [Patch(color=colour, label=name) for name, colour in CELL_STATES[1:]]
        axes.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        axes.set_title(f"Enterprise requirements × domains — {report.mesh}", pad=28, loc="left")
        _save(figure, path)
    gaps = sum(1 for s in rows if s.gap)
    return Chart(
        path,
        "Gap heat map",
        f"{len(rows)} requirements across {len(domains)} domains; {gaps} with a gap.",
    )


def prioritization_matrix(report: PriorityReport, path: Path, *, open_gaps: dict[str, int]) -> Chart:
    """Value (y) against feasibility (x), split at the midpoint into four labelled quadrants.

    Each use case is a point labelled with its rank and name; a ring around it grows
    with the number of open gaps between it and its data.
    """
    mid = report.midpoint
    with styled():
        figure = Figure(figsize=(7.5, 6.0))
        axes = figure.subplots()
        axes.set_xlim(1, 5)
        axes.set_ylim(1, 5)
        axes.axvline(mid, color="#888888", linewidth=0.8)
        axes.axhline(mid, color="#888888", linewidth=0.8)
        corners = {
            "strategic bet": (1.08, 4.9, "left"),
            "quick win": (4.92, 4.9, "right"),
            "deprioritize": (1.08, 1.1, "left"),
            "fill-in": (4.92, 1.1, "right"),
        }
        for name, (x, y, align) in corners.items():
            va = "top" if y > mid else "bottom"
            axes.text(x, y, name, ha=align, va=va, fontsize=11, color=QUADRANT_COLOURS[name], alpha=0.8)
        for row in report.use_cases:
            gaps = open_gaps.get(row.name, 0)
            axes.scatter(
                row.feasibility,
                row.value,
                s=60,
                color=QUADRANT_COLOURS.get(row.quadrant, "#555555"),
                zorder=3,
            )
            if gaps:
                axes.scatter(
                    row.feasibility,
                    row.value,
                    s=60 + 140 * gaps,
                    facecolors="none",
                    edgecolors="#d62728",
                    linewidths=1.0,
                    zorder=2,
                )
            label = f"{row.rank}. {row.name}" + (f" ({gaps} gaps)" if gaps else "")
            # Alternate above and below the point, so neighbours' labels do not overlap.
            below = row.rank % 2 == 1
            axes.annotate(
                label,
                (row.feasibility, row.value),
                xytext=(0, -16 if below else 12),
                textcoords="offset points",
                ha="center",
                va="top" if below else "bottom",
            )
        axes.set_xlabel("feasibility (weighted, 1–5)")
        axes.set_ylabel("value (weighted, 1–5)")
        axes.set_title(f"Prioritization matrix — {report.mesh}", loc="left")
        _save(figure, path)
    top = report.use_cases[0].name if report.use_cases else "none"
    return Chart(
        path,
        "Prioritization matrix",
        f"{len(report.use_cases)} use cases by value and feasibility; first: {top}.",
    )


_RAG = {"green": "#2ca02c", "amber": "#ff7f0e", "red": "#d62728"}


def kpi_trends(results: Sequence[KpiResult], path: Path, *, columns: int = 4) -> Chart | None:
    """One small line chart per computed KPI (value per period), its thresholds as dashed amber
    and red lines and its latest value in its status colour; None when none was computed."""
    computed = [r for r in results if r.status == "computed" and r.rows and "segment" not in r.rows[0]]
    if not computed:
        return None
    rows = math.ceil(len(computed) / columns)
    with styled():
        figure = Figure(figsize=(3.2 * columns, 2.3 * rows))
        grid = figure.subplots(rows, columns, squeeze=False)
        for index, result in enumerate(computed):
            axes = grid[index // columns][index % columns]
            points = [
                (_as_date(r["period"]), float(r[result.name]))
                for r in result.rows
                if r.get(result.name) is not None and not math.isnan(float(r[result.name]))
            ]
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, color="#1f77b4", linewidth=1.3, marker="o", markersize=2)
                if result.rag_status is not None:
                    # The latest value in its red/amber/green status, as in `andmesh kpis`.
                    axes.plot(xs[-1:], ys[-1:], "o", color=_RAG[result.rag_status], markersize=5)
            if result.thresholds is not None:
                for limit, colour in (
                    (result.thresholds.warning, "amber"),
                    (result.thresholds.critical, "red"),
                ):
                    if limit is not None:
                        axes.axhline(limit, color=_RAG[colour], linewidth=0.8, linestyle="--")
            axes.set_title(
                f"{result.name} ({result.unit}, {result.direction} is better)", fontsize=8, loc="left"
            )
            axes.tick_params(labelsize=7)
            for label in axes.get_xticklabels():
                label.set_rotation(30)
        for index in range(len(computed), rows * columns):
            grid[index // columns][index % columns].axis("off")
        figure.suptitle(f"KPIs by {computed[0].period}", x=0.01, ha="left")
        figure.tight_layout()
        _save(figure, path)
    return Chart(path, "KPI trends", f"{len(computed)} KPIs computed, one line per KPI over time.")


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
