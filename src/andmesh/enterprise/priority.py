"""The prioritization matrix: each use case's weighted value and feasibility, its quadrant, its rank.

Scores are 1 (low) … 5 (high) per criterion, each with a weight. A use case's value
(and feasibility) is the weighted mean of its criteria; the matrix splits both axes at
the midpoint 3.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, Field

from andmesh.spec.enterprise import WeightedScore
from andmesh.spec.mesh import Mesh

MIDPOINT = 3.0
QUADRANTS = {
    (True, True): "quick win",
    (True, False): "strategic bet",
    (False, True): "fill-in",
    (False, False): "deprioritize",
}
"""(high value?, high feasibility?) → the quadrant's label."""


def weighted_score(criteria: Mapping[str, WeightedScore]) -> float:
    """Weighted mean of the criteria's scores: ``Σ wᵢ·sᵢ / Σ wᵢ`` (0 when there are none).

    >>> weighted_score({"financial": WeightedScore(score=5, weight=3),
    ...                 "customer": WeightedScore(score=2, weight=1)})
    4.25
    >>> weighted_score({})
    0.0
    """
    total = sum(c.weight for c in criteria.values())
    if not total:
        return 0.0
    return round(sum(c.score * c.weight for c in criteria.values()) / total, 4)


def quadrant(value: float, feasibility: float, midpoint: float = MIDPOINT) -> str:
    """The matrix quadrant: an axis is high at or above ``midpoint``.

    >>> quadrant(4.2, 3.0), quadrant(4.2, 2.1), quadrant(2.0, 4.0), quadrant(2.0, 2.0)
    ('quick win', 'strategic bet', 'fill-in', 'deprioritize')
    """
    return QUADRANTS[(value >= midpoint, feasibility >= midpoint)]


def priority(value: float, feasibility: float) -> float:
    """The ranking key: ``value × feasibility`` (1 … 25), so both axes count.

    >>> priority(4.25, 2.5)
    10.625
    """
    return round(value * feasibility, 4)


class UseCasePriority(BaseModel):
    rank: int = Field(description="1 = do first.")
    name: str
    title: str | None
    value: float = Field(description="Weighted mean of the value criteria (1–5).", examples=[4.33])
    feasibility: float = Field(description="Weighted mean of the feasibility criteria (1–5).")
    priority: float = Field(description="value × feasibility (1–25).")
    quadrant: str = Field(examples=["quick win", "strategic bet", "fill-in", "deprioritize"])
    value_scores: dict[str, float]
    feasibility_scores: dict[str, float]
    kpis: list[str]
    requirements: list[str] = Field(description="Ids of the requirements the use case needs.")


class PriorityReport(BaseModel):
    mesh: str
    midpoint: float = MIDPOINT
    use_cases: list[UseCasePriority]


def prioritize(mesh: Mesh) -> PriorityReport:
    """Every use case of the mesh, ranked by priority (then value, then name)."""
    rows = []
    for use_case in mesh.use_cases.values():
        spec = use_case.spec
        value, feasibility = weighted_score(spec.value), weighted_score(spec.feasibility)
        rows.append(
            UseCasePriority(
                rank=0,
                name=use_case.name,
                title=spec.title,
                value=value,
                feasibility=feasibility,
                priority=priority(value, feasibility),
                quadrant=quadrant(value, feasibility),
                value_scores={k: v.score for k, v in spec.value.items()},
                feasibility_scores={k: v.score for k, v in spec.feasibility.items()},
                kpis=list(spec.kpis),
                requirements=sorted(use_case.requirements),
            )
        )
    rows.sort(key=lambda r: (-r.priority, -r.value, r.name))
    for index, row in enumerate(rows, start=1):
        row.rank = index
    return PriorityReport(mesh=mesh.name, use_cases=rows)
