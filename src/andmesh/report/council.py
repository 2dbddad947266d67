"""The council's one-page report: collaboration, transparency, reuse, economics, decisions waiting.

Built from the result models the CLI prints (gap report, policy report, reuse ledger,
value report, proposals, access requests), so the page and the commands agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from pydantic import BaseModel, Field

from andmesh.enterprise.gaps import GapReport
from andmesh.governance.policies import PolicyReport
from andmesh.governance.reuse import ReuseLedger
from andmesh.governance.value_service import ValueReport
from andmesh.report.charts import Chart, _save, styled
from andmesh.report.enterprise import _image, table
from andmesh.spec.enterprise import LIFECYCLE
from andmesh.spec.mesh import Mesh
from andmesh.store.governance import AccessRequest, Proposal

REPORT_FILE = "council.md"
LIFECYCLE_COLOURS = {
    "proposed": "#bdbdbd",
    "accepted": "#64b5f6",
    "implemented": "#1e88e5",
    "verified": "#2e7d32",
}


class Transparency(BaseModel):
    products: int
    described: int = Field(description="Products whose ODPS descriptor states a purpose.")
    owned: int
    ports: int
    with_contract: int
    with_sla: int
    lineage_sql: int = Field(description="Ports built by SQL: column-level lineage derivable.")

    def pct(self, part: int, whole: int) -> float:
        """``part / whole`` in % (100 when there is nothing to cover).

        >>> Transparency(products=4, described=3, owned=4, ports=4, with_contract=4, with_sla=2,
        ...              lineage_sql=3).pct(3, 4)
        75.0
        """
        return round(100.0 * part / whole, 1) if whole else 100.0


class CouncilReport(BaseModel):
    mesh: str
    generated_at: dt.datetime
    out: str
    files: list[str]
    requirements_by_status: dict[str, int]
    cross_domain_requirements: int
    transparency: Transparency
    compliance: dict[str, float] = Field(description="Domain → % of (policy, product) pairs passed.")
    blocking_policies: int
    orphans: list[str]
    reuse_multiplier: float
    total_value: float
    total_cost: float
    currency: str
    open_proposals: list[Proposal]
    pending_access: list[AccessRequest]


def transparency(mesh: Mesh) -> Transparency:
    ports = mesh.ports()
    described = sum(
        1
        for p in mesh.products.values()
        if p.spec.description is not None and getattr(p.spec.description, "purpose", None)
    )
    return Transparency(
        products=len(mesh.products),
        described=described,
        owned=sum(1 for p in mesh.products.values() if p.owner),
        ports=len(ports),
        with_contract=sum(1 for p in ports if p.contract is not None),
        with_sla=sum(1 for p in ports if p.contract.model.slaProperties),
        lineage_sql=sum(1 for p in ports if p.pipeline.kind == "sql"),
    )


def collaboration_chart(gaps: GapReport, path: Path) -> Chart:
    """Enterprise requirements per producing domain, stacked by lifecycle status, gaps marked."""
    domains = sorted({s.domain for s in gaps.requirements})
    counts = {status: [0] * len(domains) for status in LIFECYCLE}
    open_gaps = [0] * len(domains)
    for s in gaps.requirements:
        i = domains.index(s.domain)
        counts[s.lifecycle][i] += 1
        open_gaps[i] += s.gap
    with styled():
        figure = Figure(figsize=(8.0, 0.45 * len(domains) + 1.6))
        axes = figure.subplots()
        left = [0] * len(domains)
        for status in LIFECYCLE:
            axes.barh(domains, counts[status], left=left, color=LIFECYCLE_COLOURS[status], label=status)
            left = [a + b for a, b in zip(left, counts[status], strict=True)]
        for i, n in enumerate(open_gaps):
            if n:
                axes.text(left[i] + 0.1, i, f"{n} with a gap", va="center", fontsize=8, color="#c62828")
        axes.invert_yaxis()
        axes.set_xlabel("enterprise requirements")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        axes.set_title(
            "Collaboration: what the enterprise asks of each domain, and where it stands", loc="left"
        )
        _save(figure, path)
    return Chart(path, "Collaboration", f"{len(gaps.requirements)} requirements over {len(domains)} domains.")


def economics_chart(value: ValueReport, path: Path) -> Chart:
    """Attributed value and cost a year per published asset, best ROI first; orphans in red."""
    assets = [a for a in value.assets if a.published]
    names = [a.asset + ("  (orphan)" if a.orphan else "") for a in assets]
    with styled():
        figure = Figure(figsize=(8.5, 0.38 * len(assets) + 1.5))
        axes = figure.subplots()
        rows = list(range(len(assets)))
        axes.barh(
            [r - 0.2 for r in rows], [a.value for a in assets], height=0.4, color="#2e7d32", label="value"
        )
        axes.barh(
            [r + 0.2 for r in rows], [a.cost.total for a in assets], height=0.4, color="#9e9e9e", label="cost"
        )
        axes.set_yticks(rows, names, fontsize=8)
        for tick, a in zip(axes.get_yticklabels(), assets, strict=True):
            if a.orphan:
                tick.set_color("#c62828")
        axes.invert_yaxis()
        axes.set_xlabel(f"{value.currency} per year")
        axes.legend(loc="lower right", frameon=False, fontsize=8)
        axes.set_title(
            "Economics: value attributed through the use cases against cost, per asset", loc="left"
        )
        _save(figure, path)
    return Chart(path, "Economics", f"{len(assets)} assets by ROI; {len(value.orphans)} orphans.")


def write_council_report(
    mesh: Mesh,
    gaps: GapReport,
    policies: PolicyReport,
    reuse: ReuseLedger,
    value: ValueReport,
    proposals: Sequence[Proposal],
    access: Sequence[AccessRequest],
    out: Path,
) -> CouncilReport:
    out.mkdir(parents=True, exist_ok=True)
    collab = collaboration_chart(gaps, out / "charts" / "collaboration.svg")
    econ = economics_chart(value, out / "charts" / "economics.svg")
    cover = transparency(mesh)
    statuses = Counter(s.lifecycle for s in gaps.requirements)
    pending = [r for r in access if r.status in ("pending", "awaiting_council")]
    waiting = [p for p in proposals if p.status == "open"]
    report = CouncilReport(
        mesh=mesh.name,
        generated_at=dt.datetime.now(dt.UTC),
        out=str(out),
        files=[REPORT_FILE, "charts/collaboration.svg", "charts/economics.svg"],
        requirements_by_status={s: statuses.get(s, 0) for s in LIFECYCLE},
        cross_domain_requirements=sum(1 for s in gaps.requirements if s.handoffs),
        transparency=cover,
        compliance={d.domain: d.compliance for d in policies.by_domain},
        blocking_policies=sum(1 for r in policies.results if r.blocks),
        orphans=reuse.orphans,
        reuse_multiplier=value.reuse.multiplier,
        total_value=value.total_value,
        total_cost=value.total_cost,
        currency=value.currency,
        open_proposals=waiting,
        pending_access=pending,
    )
    text = _markdown(report, gaps, policies, reuse, value, [collab, econ], out)
    (out / REPORT_FILE).write_text(text, encoding="utf-8")
    return report


def _markdown(
    report: CouncilReport,
    gaps: GapReport,
    policies: PolicyReport,
    reuse: ReuseLedger,
    value: ValueReport,
    chart_list: Sequence[Chart],
    out: Path,
) -> str:
    collab, econ = chart_list
    t = report.transparency
    money = report.currency
    top = [a for a in value.assets if a.published][:5]
    parts = [
        f"# Council report — {report.mesh}",
        f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC by `andmesh report council`.",
        "## Decisions waiting",
        table(
            ["#", "kind", "subject", "title", "votes"],
            [
                [
                    p.id,
                    p.kind,
                    p.subject,
                    p.title,
                    ", ".join(f"{v.voter}: {v.decision}" for v in p.votes) or "none",
                ]
                for p in report.open_proposals
            ],
        )
        if report.open_proposals
        else "No open proposal.",
        table(
            ["access #", "port", "consumer", "purpose", "status"],
            [[r.id, r.table_id, r.consumer, r.purpose, r.status] for r in report.pending_access],
        )
        if report.pending_access
        else "No access request waiting.",
        "## Collaboration",
        f"{sum(report.requirements_by_status.values())} enterprise requirements on the domains "
        f"({report.cross_domain_requirements} handed over between stages): "
        + ", ".join(f"{n} {s}" for s, n in report.requirements_by_status.items())
        + f"; {len(gaps.gaps)} with a gap ({len(gaps.committed_gaps)} broken commitments).",
        _image(collab, out),
        "## Transparency",
        table(
            ["coverage", "share"],
            [
                [
                    "products with a stated purpose",
                    f"{t.described}/{t.products} ({t.pct(t.described, t.products)}%)",
                ],
                ["products with an owner", f"{t.owned}/{t.products} ({t.pct(t.owned, t.products)}%)"],
                [
                    "output ports with a contract",
                    f"{t.with_contract}/{t.ports} ({t.pct(t.with_contract, t.ports)}%)",
                ],
                ["contracts with SLAs", f"{t.with_sla}/{t.ports} ({t.pct(t.with_sla, t.ports)}%)"],
                [
                    "ports with column-level lineage (SQL)",
                    f"{t.lineage_sql}/{t.ports} ({t.pct(t.lineage_sql, t.ports)}%)",
                ],
            ],
        ),
        "Policy compliance by domain (share of policy × product checks passed):",
        table(
            ["domain", "compliance", "failed", "blocking"],
            [[d.domain, f"{d.compliance:.1f}%", d.failed + d.errors, d.blocking] for d in policies.by_domain],
        ),
        "## Reuse",
        f"Reuse multiplies the value of the mesh's data {value.reuse.multiplier:.2f}× "
        f"({value.reuse.cost_avoided:,.0f} {money} a year of duplicate builds avoided).",
        table(
            ["asset", "consumers", "other domains", "reads", "orphan"],
            [
                [a.asset, a.consumers, a.cross_domain, a.reads, "**orphan**" if a.orphan else ""]
                for a in sorted(reuse.assets, key=lambda a: (-a.consumers, a.asset))
            ],
        ),
        "## Economics",
        f"Value attributed through the use cases: {report.total_value:,.0f} {money} a year; cost "
        f"{report.total_cost:,.0f} {money} a year"
        + (f"; ROI {value.roi:,.2f}×." if value.roi is not None else "."),
        _image(econ, out),
        table(
            ["asset", "value", "cost", "ROI", "use cases"],
            [
                [
                    a.asset,
                    f"{a.value:,.0f}",
                    f"{a.cost.total:,.2f}",
                    "–" if a.roi is None else f"{a.roi:,.1f}×",
                    ", ".join(a.use_cases),
                ]
                for a in top
            ],
        ),
    ]
    if value.problems:
        parts += ["What could not be priced or attributed:", "\n".join(f"- {p}" for p in value.problems)]
    return "\n\n".join(parts) + "\n"
