"""The enterprise report: use cases, the gaps between the units, KPIs — Markdown with charts.

Built from the same result models the CLI prints (priority, gap report, KPI results),
so the report and ``andmesh usecases|gaps|kpis`` can never disagree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from andmesh.enterprise.gaps import GapReport, Rollup
from andmesh.enterprise.kpis import KpiResult
from andmesh.enterprise.priority import PriorityReport
from andmesh.report import charts
from andmesh.spec.mesh import Mesh

REPORT_FILE = "enterprise.md"
CHART_DIR = "charts"


class KpiHeadline(BaseModel):
    name: str
    title: str
    unit: str
    status: str
    period: str | None = Field(None, description="The latest period with a value.")
    value: float | None = None
    previous: float | None = Field(None, description="The value of the period before.")
    direction: str = Field("lower", description="Which way is better.")
    target: float | None = None
    rag_status: str | None = Field(
        None, description="red, amber or green: the latest value against the KPI's thresholds."
    )
    reason: str | None = None
    blocked_by: list[str] = Field(default_factory=list, description="Requirements whose gap blocks it.")


class EnterpriseReport(BaseModel):
    """What ``andmesh report enterprise`` wrote, and the summary it prints."""

    mesh: str
    as_of: dt.datetime | None
    out: str
    files: list[str] = Field(description="Written files, relative to `out`.")
    priority: PriorityReport
    gaps: GapReport
    kpis: list[KpiHeadline]

    @property
    def open_gaps_by_use_case(self) -> dict[str, int]:
        return {r.key: r.gaps for r in self.gaps.by_use_case}


def headline(result: KpiResult) -> KpiHeadline:
    """The latest and previous values of a KPI (overall, not cut by a dimension), and the
    red/amber/green status of the latest.

    >>> r = KpiResult(name="dso", status="computed", unit="days", period="month",
    ...               rows=[{"period": "2026-08-01", "dso": 41.0}, {"period": "2026-09-01", "dso": 39.5}],
    ...               row_rag_status=["amber", "green"])
    >>> h = headline(r)
    >>> (h.period, h.value, h.previous, h.rag_status)
    ('2026-09-01', 39.5, 41.0, 'green')
    """
    statuses = result.row_rag_status or [None] * len(result.rows)
    values = [
        (str(row["period"])[:10], float(row[result.name]), status)
        for row, status in zip(result.rows, statuses, strict=True)
        if not result.by
        and "segment" not in row
        and row.get(result.name) is not None
        and not math.isnan(float(row[result.name]))
    ]
    last = values[-1] if values else None
    before = values[-2] if len(values) > 1 else None
    return KpiHeadline(
        name=result.name,
        title=result.title or result.name,
        unit=result.unit,
        status=result.status,
        period=last[0] if last else None,
        value=last[1] if last else None,
        previous=before[1] if before else None,
        direction=result.direction,
        target=result.target,
        rag_status=last[2] if last else None,
        reason=result.reason,
        blocked_by=sorted(result.gaps) if result.status != "computed" else [],
    )


def handoff_receivers(mesh: Mesh) -> dict[str, set[str]]:
    """Requirement id → the domains whose stage receives it through a hand-off."""
    receivers: dict[str, set[str]] = {}
    for chain in mesh.value_chains.values():
        domain_of = {stage.name: stage.domain for stage in chain.spec.stages}
        for handoff in chain.spec.handoffs:
            for need in handoff.needs:
                receivers.setdefault(need, set()).add(domain_of[handoff.to])
    return receivers


def stage_domains(mesh: Mesh) -> list[str]:
    return [stage.domain for chain in mesh.value_chains.values() for stage in chain.spec.stages]


def write_enterprise_report(
    mesh: Mesh, priority: PriorityReport, gaps: GapReport, kpis: Sequence[KpiResult], out: Path
) -> EnterpriseReport:
    """Write ``enterprise.md`` and its charts (SVG) to ``out``; return what was written."""
    out.mkdir(parents=True, exist_ok=True)
    chart_dir = out / CHART_DIR
    heat = charts.gap_heatmap(
        gaps,
        chart_dir / "gap_heatmap.svg",
        domains=charts.domain_order(gaps, stage_domains(mesh)),
        receivers=handoff_receivers(mesh),
    )
    open_gaps = {r.key: r.gaps for r in gaps.by_use_case}
    matrix = charts.prioritization_matrix(priority, chart_dir / "prioritization.svg", open_gaps=open_gaps)
    trends = charts.kpi_trends(kpis, chart_dir / "kpi_trends.svg")
    headlines = [headline(r) for r in kpis]
    text = render_markdown(mesh, priority, gaps, headlines, [heat, matrix, trends], out)
    (out / REPORT_FILE).write_text(text, encoding="utf-8")
    written = [REPORT_FILE] + [str(c.file.relative_to(out)) for c in (heat, matrix, trends) if c]
    return EnterpriseReport(
        mesh=mesh.name,
        as_of=gaps.as_of,
        out=str(out),
        files=written,
        priority=priority,
        gaps=gaps,
        kpis=headlines,
    )


# --- Markdown ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table; ``|`` in a cell is escaped, ``None`` shows as ``–``.

    >>> print(table(["a", "b"], [[1, None], ["x|y", 2.5]]))
    | a | b |
    |---|---|
    | 1 | – |
    | x\\|y | 2.50 |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _image(chart: charts.Chart | None, out: Path) -> str:
    if chart is None:
        return "_No chart: nothing to draw._"
    return f"![{chart.title}: {chart.alt}]({chart.file.relative_to(out).as_posix()})"


def _rollup_table(title: str, rollups: list[Rollup]) -> str:
    rows = [
        [
            r.key,
            r.requirements,
            r.met,
            r.gaps,
            r.by_level.get("promised", 0),
            r.by_level.get("captured", 0),
            r.by_level.get("fit", 0),
            ", ".join(f"`{g}`" for g in r.gap_ids),
        ]
        for r in rollups
    ]
    header = [title, "requirements", "met", "gaps", "not promised", "not captured", "not fit", "gaps"]
    return table(header, rows)


_RAG = {"red": "🔴 red", "amber": "🟠 amber", "green": "🟢 green"}


def render_markdown(
    mesh: Mesh,
    priority: PriorityReport,
    gaps: GapReport,
    kpis: Sequence[KpiHeadline],
    chart_list: Sequence[charts.Chart | None],
    out: Path,
) -> str:
    heat, matrix, trends = chart_list
    computed = [k for k in kpis if k.status == "computed"]
    blocked = [k for k in kpis if k.status != "computed"]
    committed = gaps.committed_gaps
    as_of = gaps.as_of.date().isoformat() if gaps.as_of else "now"
    open_gaps = {r.key: r.gaps for r in gaps.by_use_case}
    parts = [
        f"# Enterprise report — {mesh.name}",
        f"Measured on the published data products, as of {as_of}. "
        "Regenerate with `andmesh report enterprise --out <folder>`.",
        "## Summary",
        "\n".join(
            [
                f"- **Use cases:** {len(priority.use_cases)}; do first: "
                + (
                    f"**{priority.use_cases[0].name}** ({priority.use_cases[0].quadrant})."
                    if priority.use_cases
                    else "none."
                ),
                f"- **Enterprise requirements:** {len(gaps.requirements)}; "
                f"{len(gaps.requirements) - len(gaps.gaps)} met, **{len(gaps.gaps)} with a gap** "
                f"({len(committed)} broken commitments: accepted by the domain, not met).",
                f"- **KPIs:** {len(computed)} of {len(kpis)} computed; "
                f"{len(blocked)} not computable because of a gap.",
            ]
        ),
        "## Use cases, ranked",
        _image(matrix, out),
        table(
            ["rank", "use case", "value", "feasibility", "priority", "quadrant", "open gaps", "KPIs"],
            [
                [
                    u.rank,
                    u.name,
                    u.value,
                    u.feasibility,
                    u.priority,
                    u.quadrant,
                    open_gaps.get(u.name, 0),
                    ", ".join(u.kpis),
                ]
                for u in priority.use_cases
            ],
        ),
        "## The gaps between the units",
        "Each row is an enterprise requirement; its producing domain's cell shows whether it is "
        "met or the first level that fails (with the coverage measured), and the shaded cells are "
        "the domains whose stage waits for it in a hand-off.",
        _image(heat, out),
        table(
            ["requirement", "level", "what is missing", "measured", "standard", "owner", "status", "blocks"],
            [
                [
                    f"`{g.requirement}`",
                    g.level,
                    g.what,
                    g.measured,
                    g.standard,
                    g.owner,
                    g.lifecycle,
                    ", ".join(g.blocks_use_cases) + " · KPIs: " + ", ".join(g.blocks_kpis),
                ]
                for g in gaps.gaps
            ],
        )
        if gaps.gaps
        else "No gap: every requirement is promised, captured and fit.",
        "### By domain",
        _rollup_table("domain", gaps.by_domain),
        "### By value-chain stage",
        _rollup_table("stage", gaps.by_stage),
        "### By hand-off",
        _rollup_table("hand-off", gaps.by_handoff) if gaps.by_handoff else "_No hand-off declares needs._",
        "### By use case",
        _rollup_table("use case", gaps.by_use_case),
        "## KPIs",
        _image(trends, out),
        "Status: each KPI's latest value against its owner's thresholds, the way that is better "
        "(🔴 red, 🟠 amber, 🟢 green; – where the KPI sets none).",
        table(
            ["KPI", "unit", "target", "latest period", "value", "status", "period before"],
            [
                [
                    f"{k.title} (`{k.name}`)",
                    f"{k.unit}, {k.direction} is better",
                    k.target,
                    k.period,
                    k.value,
                    _RAG.get(k.rag_status or "", "–"),
                    k.previous,
                ]
                for k in computed
            ],
        )
        if computed
        else "_No KPI could be computed._",
    ]
    if blocked:
        parts += [
            "### Not computable",
            "A KPI is never computed from data that does not meet its requirements.",
            table(["KPI", "why not"], [[f"`{k.name}`", k.reason] for k in blocked]),
        ]
    return "\n\n".join(parts) + "\n"
