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


def test_sampling_u_for_some_comparisons_gives_them_the_u_sampling_all_gives(
    o2c_tables: tuple[dict[str, pa.Table], Path],
) -> None:
    """A labels-trained model samples u at random only for the comparisons the known
    non-matches leave (`linkage._u_by_random_sampling`): that is the same model only because
    Splink estimates each comparison from one seeded sample on its own. Held here, on the
    real model and data, against the sampling of every comparison."""
    import duckdb
    from splink import DuckDBAPI, Linker

    from andmesh.enterprise.entities import linkage
    from andmesh.enterprise.entities.records import load_records

    tables, _ = o2c_tables
    spec = o2c_spec()
    training = spec.matching.training
    con = duckdb.connect()
    linkage._input(con, load_records(con, spec, tables))

    def sampled(skip: set[str]) -> dict[str, list[float | None]]:
        db_api = DuckDBAPI(connection=con)
        linker = Linker(db_api.register("am_splink_input"), linkage.settings(spec, 0.001), log_level=None)
        linkage._u_by_random_sampling(linker, training.uPairs, training.seed, skip=skip)
        return {
            c.output_column_name: [lv._u_probability for lv in c._comparison_levels_excluding_null]
            for c in linker._settings_obj.comparisons
        }

    every = sampled(set())
    names = sorted(every)
    untrained = sampled(set(names))
    estimated = [name for name in names if every[name] != untrained[name]]
    assert len(estimated) >= 3, every
    for kept in (estimated[0], estimated[-1]):
        skipped = set(names) - {kept}
        some = sampled(skipped)
        assert some[kept] == every[kept]
        assert all(some[name] == untrained[name] for name in skipped)  # left for the known non-matches
    con.close()
