"""Credit risk scorecard: separation, points scaling, reason codes, input errors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from andmesh.enterprise.scores import ScoreInputError, create
from andmesh.enterprise.scores.credit_risk import CreditRiskScorecard
from andmesh.enterprise.scores.metrics import auc
from andmesh.enterprise.scores.scaling import points_from_pd


def _data(n: int = 4000, seed: int = 0, separable: bool = False) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    dbt = rng.gamma(2.0, 10.0, n)
    disputes = rng.uniform(0, 0.2, n)
    grade = rng.choice(["A", "B", "C"], n)
    if separable:
        # Separable but for 3% of flipped labels: optbinning merges pure bins (their WoE is
        # infinite), so an exactly separable feature would collapse into one bin.
        y = ((dbt > 30) ^ (rng.random(n) < 0.03)).astype(int)
    else:
        logit = -4.0 + 0.08 * dbt + 8 * disputes + (grade == "C") * 1.0
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    ids = [f"c{i}" for i in range(n)]
    features = pa.table({"customer_id": ids, "dbt": dbt, "dispute_rate": disputes, "grade": grade})
    return features, pa.table({"customer_id": ids, "label": y})


CONFIG = {"features": ["dbt", "dispute_rate", "grade"], "categorical": ["grade"]}


@pytest.fixture(scope="module")
def fitted() -> tuple[CreditRiskScorecard, pa.Table, pa.Table]:
    features, labels = _data()
    method = create("credit_risk_scorecard", CONFIG)
    method.fit(features=features, labels=labels)
    assert isinstance(method, CreditRiskScorecard)
    return method, features, labels


def test_separable_fixture_ranks_the_clean_classes_perfectly() -> None:
    features, labels = _data(4000, separable=True)
    method = create("credit_risk_scorecard", {"features": ["dbt"]}).fit(features=features, labels=labels)
    assert isinstance(method, CreditRiskScorecard)
    pd_ = np.asarray(method.score(features=features).table["probability"])
    clean = (np.asarray(features["dbt"]) > 30).astype(int)
    assert auc(pd_, clean) > 0.99
    assert method.validate(features, labels).auc > 0.9


def test_out_of_sample_discrimination_and_calibration(
    fitted: tuple[CreditRiskScorecard, pa.Table, pa.Table],
) -> None:
    method, _, _ = fitted
    features, labels = _data(4000, seed=1)
    report = method.validate(features, labels)
    assert report.auc > 0.75
    assert report.mean_predicted == pytest.approx(report.event_rate, abs=0.02)
    assert len(report.calibration) == 10


def test_points_follow_the_pdo_scaling(fitted: tuple[CreditRiskScorecard, pa.Table, pa.Table]) -> None:
    method, features, _ = fitted
    out = method.score(features=features)
    score = np.asarray(out.table["score"])
    pd_ = np.asarray(out.table["probability"])
    # Σ points = offset + factor · ln((1 − PD) / PD): 600 at 50:1, +20 per doubling of the odds.
    np.testing.assert_allclose(score, points_from_pd(pd_, 20, 600, 50), atol=0.02)
    parts = sum(np.asarray(out.table[f"points_{f}"]) for f in ("dbt", "dispute_rate", "grade"))
    np.testing.assert_allclose(parts, score, atol=0.05)
    assert auc(-score, np.asarray(_data()[1]["label"])) > 0.75


def test_reason_codes_name_the_costliest_characteristic(
    fitted: tuple[CreditRiskScorecard, pa.Table, pa.Table],
) -> None:
    method, _, _ = fitted
    one = pa.table(
        {
            "customer_id": ["late", "good"],
            "dbt": [120.0, 1.0],
            "dispute_rate": [0.0, 0.0],
            "grade": ["A", "A"],
        }
    )
    out = method.score(features=one)
    late = out.customer("late")
    assert late.reasons[0].code == "CR_DBT"
    assert late.reasons[0].value == 120.0
    assert late.reasons[0].text.startswith("dbt: [")
    assert late.reasons[0].impact > 0
    good = out.customer("good")
    assert all(r.feature != "dbt" for r in good.reasons)
    assert out.customer("late").band in {"D", "E", "F"}


def test_scorecard_table_is_visible(fitted: tuple[CreditRiskScorecard, pa.Table, pa.Table]) -> None:
    method, _, _ = fitted
    rows = method.table()
    assert {r.feature for r in rows} == {"dbt", "dispute_rate", "grade"}
    dbt = [r for r in rows if r.feature == "dbt" and r.count > 0 and r.bin not in ("Special", "Missing")]
    # Monotone trend: more days beyond terms, fewer points.
    assert [r.points for r in dbt] == sorted((r.points for r in dbt), reverse=True)


def test_input_errors() -> None:
    features, labels = _data(500)
    method = create("credit_risk_scorecard", CONFIG)
    with pytest.raises(ScoreInputError, match="not fitted"):
        method.score(features=features)
    with pytest.raises(ScoreInputError) as err:
        method.fit(features=features.drop_columns(["dispute_rate"]), labels=labels)
    assert err.value.column == "dispute_rate"
    with pytest.raises(ScoreInputError, match="needs the `labels` table"):
        method.fit(features=features)
    with pytest.raises(ScoreInputError, match="every `label` is the same"):
        method.fit(features=features, labels=labels.set_column(1, "label", pa.array([0] * 500)))
    with pytest.raises(ScoreInputError, match="did you mean `labels`"):
        method.fit(features=features, label=labels)
    with pytest.raises(ValueError, match="categorical features not in"):
        create("credit_risk_scorecard", {"features": ["dbt"], "categorical": ["grade"]})


def _with_gaps(features: pa.Table) -> pa.Table:
    """Missing values in a numeric and in the categorical feature."""
    n = features.num_rows
    rate = [None if i % 17 == 0 else v for i, v in enumerate(features["dispute_rate"].to_pylist())]
    grade = [None if i % 23 == 0 else v for i, v in enumerate(features["grade"].to_pylist())]
    features = features.set_column(2, "dispute_rate", pa.array(rate, pa.float64()))
    assert len(grade) == n
    return features.set_column(3, "grade", pa.array(grade, pa.string()))


def test_a_kept_fit_scores_to_the_bit_as_the_optbinning_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain tables a fit keeps give the PDs, points and reasons optbinning's objects give.

    The objects' scoring is the one of a fit kept before the plain tables (which still
    scores through them); both read the same fitted binning and regression.
    """
    import pickle

    features, labels = _data(4000, seed=3)
    features = _with_gaps(features)
    plain = create("credit_risk_scorecard", CONFIG).fit(features=features, labels=labels)
    monkeypatch.setattr(CreditRiskScorecard, "_plain_tables", lambda self, training: None)
    objects = create("credit_risk_scorecard", CONFIG).fit(features=features, labels=labels)
    monkeypatch.undo()
    assert isinstance(plain, CreditRiskScorecard) and isinstance(objects, CreditRiskScorecard)
    assert not hasattr(plain, "scorecard_") and hasattr(objects, "scorecard_")
    new, _ = _data(5000, seed=4)
    new = _with_gaps(new)
    kept = pickle.loads(pickle.dumps(plain))
    got, expected = kept.score(features=new).table, objects.score(features=new).table
    assert got.equals(expected)
    assert plain.training_ == objects.training_
    assert plain.table() == objects.table()


def test_applying_a_kept_fit_imports_neither_optbinning_nor_scikit_learn(tmp_path) -> None:
    import pickle
    import subprocess
    import sys

    features, labels = _data(2000)
    method = create("credit_risk_scorecard", CONFIG).fit(features=features, labels=labels)
    (tmp_path / "fit.pkl").write_bytes(pickle.dumps(method))
    import pyarrow.parquet as pq

    pq.write_table(features, tmp_path / "features.parquet")
    code = (
        "import pickle, sys, pyarrow.parquet as pq\n"
        f"method = pickle.loads(open({str(tmp_path / 'fit.pkl')!r}, 'rb').read())\n"
        f"out = method.score(features=pq.read_table({str(tmp_path / 'features.parquet')!r}))\n"
        "assert out.count == 2000\n"
        "print(sorted(m for m in ('optbinning', 'sklearn') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_unseen_category_scores_as_its_fit_scores_it_and_is_explained(
    fitted: tuple[CreditRiskScorecard, pa.Table, pa.Table],
) -> None:
    """A grade never seen in training: points and reason text both from the bin optbinning gives it."""
    method, features, _ = fitted
    grade = ["Z" if i % 5 == 0 else v for i, v in enumerate(features["grade"].to_pylist())]
    unseen = features.set_column(3, "grade", pa.array(grade, pa.string()))
    out = method.score(features=unseen).table
    _, idx = method._apply(unseen)
    j = list(method.selected_).index("grade")
    bins = method.bins_["grade"]
    rows = np.asarray(idx[:, j])
    expected = [bins[k] for k in np.where(rows < 0, rows + len(bins), rows)]
    assert len(method.points_["grade"]) == len(bins)
    points = np.asarray(out["points_grade"])
    assert np.allclose(points, np.round(method.points_["grade"][rows], 2))
    texts = [r for reasons in out["reasons"].to_pylist() for r in reasons if "grade" in str(r).lower()]
    assert out.num_rows == features.num_rows
    assert texts
    assert all(any(b in str(t) for b in set(expected)) for t in texts)
