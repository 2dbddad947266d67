"""The Order-to-Cash customers (300, generated) resolved as customer.yaml says, against the truth."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from andmesh.enterprise.entities.resolve import resolve
from andmesh.enterprise.entities.service import score_against_truth
from tests.enterprise.entities.conftest import o2c_spec


def test_customers_resolve_to_the_true_customers(o2c_tables: tuple[dict[str, pa.Table], Path]) -> None:
    tables, truth = o2c_tables
    result = resolve(o2c_spec(), tables)
    report = score_against_truth("customer", result.xref, truth, result.summary.model_version)
    assert report.missing_from_truth == 0
    assert report.pairwise.f1 >= 0.98, report.pairwise
    assert report.pairwise.precision >= 0.99, report.pairwise
    assert report.clusters.bcubed_f1 >= 0.98, report.clusters
    assert min(report.by_source.values()) >= 0.97, report.by_source
    merged = {r.kind: r.merged for r in report.related}
    assert merged["branch and head office (same entity)"] == 0
    assert merged["companies sharing an address (same entity)"] == 0
    assert result.summary.training == "labels"
    assert result.summary.pairs_compared > result.summary.candidate_pairs > 0


def test_without_shared_keys_the_model_alone_links_most_records(
    o2c_tables: tuple[dict[str, pa.Table], Path],
) -> None:
    """No trusted keys (as if the units' systems were not integrated): tax ids, bank accounts
    and Splink only. Records with a name and nothing else (payers cut by the bank) are where
    it loses recall; precision stays high."""
    tables, truth = o2c_tables
    spec = o2c_spec(links=[])
    result = resolve(spec, tables)
    report = score_against_truth("customer", result.xref, truth)
    assert result.summary.training == "em"
    assert report.pairwise.precision >= 0.95, report.pairwise
    assert report.pairwise.f1 >= 0.8, report.pairwise
    assert report.by_source["credit_management.credit_files"] >= 0.98
