"""The home page's four figures, live for the mesh, from the facade acting as the signed-in member.

1. the business-unit view of each value chain: stages, owning domain, products, health;
2. the enterprise view: requirements × domains, the gaps and the hand-offs they block;
3. business units + enterprise: the served scores, the treatment tiers, each unit's action per
   tier, and the consistency proof;
4. the council: decisions waiting, policy compliance, reuse, cost and value.

A figure the mesh cannot draw (no value chain, no Treatment spec, no score run yet) says why
instead of failing the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from andmesh.errors import AndmeshError
from andmesh.facade import Andmesh, PortSummary
from andmesh.web import svg
from andmesh.web.cache import StateCache, state_key

TITLES = (
    "1 · Business units along the value chain",
    "2 · The enterprise view: requirements × domains",
    "3 · Business units + enterprise: shared scores and treatments",
    "4 · The council: decisions, compliance, reuse, cost and value",
)


def health(port: PortSummary) -> str:
    """One word for a port's state: unpublished, failing, warning or healthy.

    >>> health(PortSummary(product_id="p", table_id="d.p", domain="d", owner=None))
    'unpublished'
    >>> health(PortSummary(product_id="p", table_id="d.p", domain="d", owner=None, current_version=2,
    ...                    last_status="blocked", checks={"failed": 1}))
    'failing'
    """
    if port.current_version is None:
        return "unpublished"
    if port.checks.get("failed") or port.checks.get("error") or port.last_status in ("blocked", "failed"):
        return "failing"
    if port.checks.get("warning"):
        return "warning"
    return "healthy"


@dataclass
class Figure:
    title: str
    chart: Markup | None = None
    note: str | None = None
    tables: list[dict[str, Any]] = field(default_factory=list)  # {"caption", "header", "rows"}


def _value_chains(
    app: Andmesh, path: Path | None, ports: list[PortSummary], by_handoff: dict[str, Any]
) -> Figure:
    mesh = app.mesh(path)
    health_of = {p.product_id: health(p) for p in ports}
    charts: list[Markup] = []
    rows = []
    for chain in mesh.value_chains.values():
        stages = []
        for stage in chain.spec.stages:
            products = sorted(p.id for p in mesh.products.values() if p.domain == stage.domain)
            stages.append(
                svg.StageBox(
                    stage.name,
                    stage.title or stage.name,
                    stage.domain,
                    [(p, health_of.get(p, "unpublished")) for p in products],
                )
            )
        arrows = []
        for handoff in chain.spec.handoffs:
            rollup = by_handoff.get(f"{chain.name}:{handoff.from_}→{handoff.to}")
            gaps = rollup.gaps if rollup else 0
            arrows.append(svg.Arrow(handoff.from_, handoff.to, gaps, len(handoff.needs)))
            rows.append([chain.name, f"{handoff.from_} → {handoff.to}", len(handoff.needs), gaps])
        charts.append(svg.value_chain(f"Value chain: {chain.spec.title or chain.name}", stages, arrows))
    if not charts:
        return Figure(TITLES[0], note="This mesh declares no value chain.")
    table = {"caption": "Hand-offs", "header": ["chain", "hand-off", "needs", "open gaps"], "rows": rows}
    return Figure(
        TITLES[0],
        chart=Markup("").join(charts),
        tables=[table] if rows else [],
    )


def _enterprise(app: Andmesh, path: Path | None, report: Any) -> Figure:
    from andmesh.report.charts import domain_order, requirement_state
    from andmesh.report.enterprise import handoff_receivers, stage_domains

    mesh = app.mesh(path)
    title = TITLES[1]
    if not report.requirements:
        return Figure(title, note="This mesh has no enterprise requirements.")
    domains = domain_order(report, stage_domains(mesh))
    receivers = handoff_receivers(mesh)
    cells: dict[tuple[int, int], tuple[str, str]] = {}
    for r, status in enumerate(report.requirements):
        for c, domain in enumerate(domains):
            if domain == status.domain:
                coverage = "absent" if status.coverage is None else f"{status.coverage:.0f}%"
                cells[(r, c)] = (requirement_state(status), coverage)
            elif domain in receivers.get(status.id, set()):
                cells[(r, c)] = ("needs it (hand-off)", "")
    chart = svg.heatmap(
        "Requirements (rows) × domains (columns, value-chain order)",
        [s.id for s in report.requirements],
        domains,
        cells,
    )
    rows = [
        [g.requirement, g.level, g.measured or "—", g.standard, g.owner or "—",
         ", ".join(s.handoffs) or "—", ", ".join(g.blocks_use_cases) or "—"]
        for g in report.gaps
        for s in report.requirements
        if s.id == g.requirement
    ]  # fmt: skip
    table = {
        "caption": f"{len(report.gaps)} gaps between the units",
        "header": ["requirement", "level", "measured", "standard", "owner", "hand-offs blocked", "use cases"],
        "rows": rows,
    }
    return Figure(title, chart=chart, tables=[table])


def _scores(app: Andmesh, path: Path | None) -> Figure:
    title = TITLES[2]
    try:
        service = app.treatments(path)
        report = service.consistency(examples=3)
    except AndmeshError as error:  # no Treatment spec, or no served score version run yet
        return Figure(title, note=error.message + (f" — {error.hint}" if error.hint else ""))
    spec = service.treatment.spec
    chart = svg.bars(
        f"{report.entity_plural.capitalize()} per tier ({report.treatment}, {report.customers:,} "
        f"{report.entity_plural})",
        [svg.Bar(t.name, [float(report.tier_counts.get(t.name, 0))]) for t in spec.tiers],
        [(report.entity_plural, "#3f51b5")],
    )
    tiers = [t.name for t in spec.tiers]
    actions = {
        "caption": "What each unit does for each tier",
        "header": ["domain", *tiers],
        "rows": [[d.domain, *(d.actions.get(t, "—") for t in tiers)] for d in spec.domains],
    }
    served = ", ".join(f"{n}@{v or 'none'}" for n, v in report.served.items())
    proof = [
        ["served score versions", served],
        [
            "every unit on the served versions",
            "yes" if not report.findings else f"no: {len(report.findings)} pins",
        ],
        [f"{report.entity_plural} two units treat differently", f"{report.conflicting_customers:,}"],
        ["consistent", "yes" if report.consistent else "no"],
    ]
    if report.local is not None:
        proof.append(
            ["had each unit scored on its own", f"{report.local.conflicting_customers:,} {report.entity_plural} "
             f"({report.local.share:.1%}) treated differently by {', '.join(report.local.domains)}"]
        )  # fmt: skip
    return Figure(
        title,
        chart=chart,
        tables=[actions, {"caption": "The consistency proof", "header": ["", ""], "rows": proof}],
    )


def _council(app: Andmesh, parts: tuple[Any, Any]) -> Figure:
    title = TITLES[3]
    proposals = app.proposals("open")  # live: a vote shows at once
    waiting = {
        "caption": f"{len(proposals)} decisions waiting",
        "header": ["#", "kind", "title", "domain", "votes"],
        "rows": [[p.id, p.kind, p.title, p.domain or "—", len(p.votes)] for p in proposals],
    }
    policies, value = parts
    compliance = svg.bars(
        "Policy compliance by domain (% of checks passed)",
        [
            svg.Bar(d.domain, [d.compliance], note=f"{d.blocking} blocking" if d.blocking else "")
            for d in policies.by_domain
        ],
        [("compliance", "#00897b")],
        unit="%",
    )
    published = [a for a in value.assets if a.published][:12]
    economics = svg.bars(
        f"Value and cost per asset ({value.currency} a year)",
        [svg.Bar(a.asset, [a.value, a.cost.total], note="orphan" if a.orphan else "") for a in published],
        [("value", "#2e7d32"), ("cost", "#9e9e9e")],
    )
    roi = f"{value.roi:.1f}×" if value.roi is not None else "—"
    summary = {
        "caption": "Reuse and economics",
        "header": ["", ""],
        "rows": [
            ["value a year", f"{value.total_value:,.0f} {value.currency}"],
            ["cost a year", f"{value.total_cost:,.0f} {value.currency}"],
            ["return on cost", roi],
            ["reuse multiplier", f"{value.reuse.multiplier:.2f}×"],
            ["orphans (no use)", ", ".join(value.orphans) or "none"],
        ],
    }
    return Figure(title, chart=compliance + economics, tables=[waiting, summary])


class Figures:
    """The four figures for one request, their heavy parts shared through the mesh-state cache."""

    def __init__(self, app: Andmesh, path: Path | None, cache: StateCache | None = None) -> None:
        self.app, self.path = app, path
        self.cache = cache or StateCache()
        self.key = state_key(app, path)

    def ports(self) -> list[PortSummary]:
        return self.cache.get("ports", self.key, self.app.products)

    def _gaps(self) -> Any:
        return self.cache.get("gaps", self.key, lambda: self.app.gaps(path=self.path))

    def gaps(self) -> Any:
        """The gap analysis of the whole mesh (the home page, domain and gap pages share it)."""
        return self._gaps()

    def gaps_of(self, use_case: str) -> Any:
        return self.cache.get(f"gaps:{use_case}", self.key, lambda: self.app.gaps(use_case, path=self.path))

    def _figure(self, n: int) -> Figure:
        if n == 1:
            by_handoff = {r.key: r for r in self._gaps().by_handoff}
            return _value_chains(self.app, self.path, self.ports(), by_handoff)
        if n == 2:
            return _enterprise(self.app, self.path, self._gaps())
        return _scores(self.app, self.path)

    def figure(self, n: int) -> Figure:
        """Figure ``n`` (1–4); 1–3 change only with the mesh's state, 4 also with its governance."""
        if n in (1, 2, 3):
            return self.cache.get(f"figure{n}", self.key, lambda: self._figure(n))
        policies = self.cache.get("policies", self.key, lambda: self.app.policies(self.path, record=False))
        value = self.cache.recent("value", self.key, lambda: self.app.value(self.path))
        return _council(self.app, (policies, value))

    def ready(self, n: int) -> Figure | None:
        """Figure ``n`` if it can be drawn without computing anything heavy, else None (load it later)."""
        if n in (1, 2, 3):
            found: Figure | None = self.cache.peek(f"figure{n}", self.key)
            return found
        if self.cache.peek("policies", self.key) is None or self.cache.peek("value", self.key) is None:
            return None
        return self.figure(4)


def home_figures(app: Andmesh, path: Path | None) -> list[Figure]:
    figures = Figures(app, path)
    return [figures.figure(n) for n in range(1, 5)]
