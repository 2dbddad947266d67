"""Results of entity resolution as data: printed by the CLI, returned by the API as JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

from pydantic import BaseModel, Field

from andmesh.pipeline.results import RunResult

DecisionKind = Literal["confirm", "reject"]


def pair_id(left: tuple[str, str], right: tuple[str, str]) -> str:
    """A short, stable id for a pair of records, whatever their order.

    >>> pair_id(("a.b", "1"), ("c.d", "2")) == pair_id(("c.d", "2"), ("a.b", "1"))
    True
    >>> len(pair_id(("a.b", "1"), ("c.d", "2")))
    10
    """
    first, second = sorted([left, right])
    text = f"{first[0]}|{first[1]}|{second[0]}|{second[1]}"
    return hashlib.sha1(text.encode()).hexdigest()[:10]


class Decision(BaseModel):
    """A data steward's verdict on a pair of records: the same entity (confirm) or not (reject)."""

    entity: str
    left_source: str = Field(description="Product id of the left record's source.")
    left_record: str
    right_source: str
    right_record: str
    decision: DecisionKind
    decided_by: str
    decided_at: dt.datetime | None = None
    note: str | None = None

    @property
    def pair_id(self) -> str:
        return pair_id((self.left_source, self.left_record), (self.right_source, self.right_record))


class ResolutionSummary(BaseModel):
    """What one resolution did, saved beside its model and evidence."""

    entity: str
    run_id: str | None = None
    model_version: str = Field(description="Hash of the trained model (its saved JSON).")
    records: int
    records_by_source: dict[str, int]
    nodes: int = Field(description="Distinct records after collapsing identical ones of a source.")
    tuples: int = Field(
        0,
        description="Distinct identity tuples (standardised values) over all sources: what the model compares.",
    )
    entities: int = Field(description="Enterprise ids (clusters).")
    singletons: int = Field(description="Enterprise ids holding one node only.")
    links: dict[str, int] = Field(
        default_factory=dict,
        description="Links that joined nodes, by method (key, identifier, steward, probabilistic).",
    )
    pairs_compared: int = Field(
        0,
        description="Tuple pairs the model scored (after blocking), and tuples held by several nodes "
        "scored against themselves.",
    )
    candidate_pairs: int = Field(
        0, description="Of those, scored at or above the review band (each is one or more pairs of nodes)."
    )
    review_pairs: int = Field(0, description="Uncertain pairs waiting for a steward.")
    conflicts: int = Field(
        0, description="Pairs above the threshold kept apart: an exclusive attribute differs."
    )
    rejected: int = Field(0, description="Links kept apart by a steward's rejection.")
    decisions: int = Field(0, description="Steward decisions applied.")
    threshold: float
    review_from: float
    prior: float = Field(description="Probability that two random nodes match, used by the model.")
    training: str = Field(description="How m probabilities were estimated: labels, em, or labels+em.")
    label_pairs: int = 0
    seconds: dict[str, float] = Field(default_factory=dict)


class AttributeValue(BaseModel):
    attribute: str
    value: Any = None
    source: str | None = Field(None, description="Product id of the winning record.")
    record_id: str | None = None
    rule: str | None = None


class RecordView(BaseModel):
    source: str
    record_id: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class Evidence(BaseModel):
    """One comparison of a scored pair: the level it fell in and its weight (log2 Bayes factor)."""

    comparison: str
    level: str
    weight: float | None = None


class Link(BaseModel):
    """Why two records are (or are not) the same entity."""

    left: RecordView
    right: RecordView
    method: str = Field(description="key, identifier, steward or probabilistic")
    detail: str | None = None
    probability: float | None = None
    match_weight: float | None = None
    accepted: bool
    reason: str
    evidence: list[Evidence] = Field(default_factory=list)


class LinkedRecord(BaseModel):
    source: str
    record_id: str
    match_probability: float | None
    match_method: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class EntityView(BaseModel):
    """`andmesh entities show`: the golden record, its records and the evidence linking them."""

    entity: str
    entity_id: str
    model_version: str | None
    golden: list[AttributeValue]
    records: list[LinkedRecord]
    links: list[Link]
    decisions: list[Decision] = Field(default_factory=list)


class ReviewPair(BaseModel):
    pair_id: str
    probability: float
    match_weight: float | None = None
    left: RecordView
    right: RecordView
    left_entity: str | None = None
    right_entity: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class ReviewQueue(BaseModel):
    entity: str
    model_version: str | None
    band: tuple[float, float]
    total: int
    pairs: list[ReviewPair]


class PairwiseScores(BaseModel):
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    f1: float


class ClusterScores(BaseModel):
    predicted_entities: int
    true_entities: int
    exact_clusters: int = Field(description="Predicted clusters equal to a true entity's records.")
    cluster_precision: float = Field(description="exact clusters / predicted clusters")
    cluster_recall: float = Field(description="exact clusters / true entities")
    split_entities: int = Field(description="True entities spread over several enterprise ids.")
    merged_clusters: int = Field(description="Enterprise ids holding records of several true entities.")
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float


class RelatedPairs(BaseModel):
    """Pairs of different true entities that share something (an address): how many got merged."""

    kind: str
    pairs: int
    merged: int
    rate: float


class AccuracyReport(BaseModel):
    entity: str
    truth: str
    model_version: str | None = None
    records: int = Field(description="Records scored: in both the cross-reference and the truth.")
    missing_from_truth: int = 0
    missing_from_xref: int = 0
    pairwise: PairwiseScores
    clusters: ClusterScores
    by_source: dict[str, float] = Field(
        default_factory=dict,
        description="Share of each source's records placed with their entity's majority id.",
    )
    related: list[RelatedPairs] = Field(default_factory=list)


class ResolveReport(BaseModel):
    """`andmesh entities resolve`: the run of the entity's products and what the resolution did."""

    entity: str
    run: RunResult
    summary: ResolutionSummary | None = None
