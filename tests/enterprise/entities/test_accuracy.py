"""Accuracy against a labelled truth folder, measures computed by hand."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.enterprise.entities.accuracy import clusters, pairwise
from andmesh.enterprise.entities.service import score_against_truth
from andmesh.errors import UsageError


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    folder = tmp_path / "truth"
    (folder / "record_map").mkdir(parents=True)
    (folder / "customers").mkdir()
    pq.write_table(
        pa.table(
            {
                "domain": ["sales", "sales", "credit", "credit", "billing", "billing"],
                "table": ["accounts", "accounts", "files", "files", "invoices", "invoices"],
                "record_id": ["A1", "A2", "F1", "F2", "I1", "I2"],
                "customer_id": ["C1", "C2", "C1", "C2", "C1", "C3"],
            }
        ),
        folder / "record_map" / "part-00000.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "customer_id": ["C1", "C2", "C3"],
                "head_office_of": [None, "C1", None],
                "shares_address_with": [None, None, "C1"],
            }
        ),
        folder / "customers" / "part-00000.parquet",
    )
    return folder


def test_scores_against_the_truth(truth: Path) -> None:
    # E1 wrongly holds C1 and C2's files (a branch merged into its head office); I2 of C3 is
    # alone; one record (X9) is not in the truth.
    xref = pa.table(
        {
            "entity_id": ["E1", "E2", "E1", "E1", "E1", "E3", "E4"],
            "source": ["sales.accounts", "sales.accounts", "credit.files", "credit.files",
                       "billing.invoices", "billing.invoices", "billing.invoices"],
            "record_id": ["A1", "A2", "F1", "F2", "I1", "I2", "X9"],
        }
    )  # fmt: skip
    report = score_against_truth("customer", xref, truth)
    assert (report.records, report.missing_from_truth, report.missing_from_xref) == (6, 1, 0)
    # Predicted E1 = {A1, F1, F2, I1}: 6 pairs, 3 true (A1 F1 I1); C2 = {A2, F2}: 1 pair, missed.
    p = report.pairwise
    assert (p.true_positives, p.false_positives, p.false_negatives) == (3, 3, 1)
    assert (p.precision, p.recall) == (0.5, 0.75)
    assert report.clusters.merged_clusters == 1 and report.clusters.split_entities == 1
    # C2 is split 1–1 between E1 and E2: a tie goes to the smaller id (E1), so A2 counts as misplaced.
    assert (report.by_source["credit.files"], report.by_source["sales.accounts"]) == (1.0, 0.5)
    related = {r.kind: (r.pairs, r.merged) for r in report.related}
    assert related["branch and head office (any record)"] == (1, 1)
    assert related["companies sharing an address (any record)"] == (1, 0)


def test_a_truth_without_the_entity_says_so(truth: Path) -> None:
    xref = pa.table({"entity_id": ["E1"], "source": ["sales.accounts"], "record_id": ["A1"]})
    with pytest.raises(UsageError, match="no `location_id`"):
        score_against_truth("location", xref, truth)


def test_perfect_and_all_in_one() -> None:
    assert pairwise(["a", "a", "b"], [1, 1, 2]).f1 == 1.0
    lumped = pairwise(["a", "a", "a", "a"], [1, 1, 2, 2])
    assert (lumped.precision, lumped.recall) == (round(2 / 6, 6), 1.0)
    c = clusters(["a", "b", "c"], [1, 1, 1])
    assert (c.split_entities, c.merged_clusters, c.exact_clusters) == (1, 0, 0)
