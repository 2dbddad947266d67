"""Lifetime value: RFM by hand, discounting, risk adjustment, a back-test on simulated buyers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pytest

from andmesh.enterprise.scores import ScoreInputError, create
from andmesh.enterprise.scores.btyd import BGNBDParams, GammaGammaParams, simulate_bgnbd
from andmesh.enterprise.scores.lifetime_value import LifetimeValue, discounted_clv, rfm_summary

START = dt.date(2024, 1, 1)
END = dt.date(2025, 12, 31)


def _simulated(n: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """Daily purchases of BG/NBD customers over two years; returns (calibration, holdout)."""
    rng = np.random.default_rng(seed)
    params = BGNBDParams(r=1.2, alpha=40.0, a=1.5, b=5.0)  # in days
    first = rng.integers(0, 365, n)
    lam = rng.gamma(params.r, 1 / params.alpha, n)
    drop = rng.beta(params.a, params.b, n)
    nu = rng.gamma(4.0, 1 / 300.0, n)
    rows_c, rows_d, rows_a = [], [], []
    total_days = (END - START).days
    for i in range(n):
        t = float(first[i])
        while t <= total_days:
            rows_c.append(f"c{i}")
            rows_d.append(int(t))
            rows_a.append(rng.gamma(6.0, 1 / nu[i]))
            if t > first[i] and rng.random() < drop[i]:
                break
            t += rng.exponential(1 / lam[i])
    days = np.asarray(rows_d)
    table = pa.table(
        {
            "customer_id": rows_c,
            "date": pa.array(days + (START - dt.date(1970, 1, 1)).days, pa.int32()).cast(pa.date32()),
            "amount": rows_a,
        }
    )
    cut = 365
    return table.filter(pa.array(days <= cut)), table.filter(pa.array(days > cut))


def test_rfm_by_hand() -> None:
    t = pa.table(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "date": pa.array([0, 7, 7, 21, 14, 30], pa.date32()),
            "amount": [10.0, 5.0, 5.0, 20.0, 3.0, 9.0],
        }
    )
    r = rfm_summary(t, 28, 7.0)  # day 30 is after the end: c is not a customer yet
    assert r.customer_id.to_pylist() == ["a", "b"]
    assert r.x.tolist() == [2.0, 0.0]  # two repeat purchase days (7 and 21; day 7's rows add up)
    assert r.t_x.tolist() == [3.0, 0.0]  # last purchase 21 days = 3 weeks after the first
    assert r.T.tolist() == [4.0, 2.0]
    assert r.monetary.tolist() == [15.0, 0.0]  # (10 + 20) / 2 repeat days
    assert r.total.tolist() == [40.0, 3.0]


def test_discounting_and_risk_by_hand() -> None:
    # 1 purchase a month of 100 for 12 months at 12%/year: Σ 100 / 1.12^(k/12)
    inc = np.ones((1, 12))
    by_hand = sum(100 / 1.12 ** (k / 12) for k in range(1, 13))
    assert discounted_clv(inc, np.array([100.0]), 0.12)[0] == pytest.approx(by_hand)
    # A 12-month PD of 19% leaves (0.81)^(k/12) of month k's value.
    risky = sum(100 * 0.81 ** (k / 12) for k in range(1, 13))
    s = np.array([0.81 ** (1 / 12)])
    assert discounted_clv(inc, np.array([100.0]), 0.0, s)[0] == pytest.approx(risky)


@pytest.fixture(scope="module")
def simulated() -> tuple[pa.Table, pa.Table]:
    return _simulated(3000, 4)


def test_value_back_test_on_simulated_customers(simulated: tuple[pa.Table, pa.Table]) -> None:
    calibration, holdout = simulated
    end = START + dt.timedelta(days=365)
    method = create("lifetime_value_bgnbd", {"observation_end": end, "annual_discount_rate": 0.0})
    out = method.fit(transactions=calibration).score(transactions=calibration)
    assert isinstance(method, LifetimeValue)
    # Undiscounted 12-month value against what the customers spent in the next 365 days.
    actual = holdout.group_by("customer_id").aggregate([("amount", "sum")])
    got = dict(zip(actual["customer_id"].to_pylist(), actual["amount_sum"].to_pylist(), strict=True))
    ids = out.table["customer_id"].to_pylist()
    realised = np.array([got.get(c, 0.0) for c in ids])
    predicted = np.asarray(out.table["score"])
    assert predicted.sum() == pytest.approx(realised.sum(), rel=0.15)
    from andmesh.enterprise.scores.metrics import spearman

    assert spearman(predicted, realised) > 0.5
    assert set(out.table["band"].to_pylist()) <= {"platinum", "gold", "silver", "bronze", "none"}
    assert out.parameters["bgnbd"]["customers"] == len(ids)


def test_risk_table_lowers_value_and_new_customers_get_zero(simulated: tuple[pa.Table, pa.Table]) -> None:
    calibration, _ = simulated
    method = create("lifetime_value_bgnbd", {"observation_end": START + dt.timedelta(days=365)})
    method.fit(transactions=calibration)
    some = calibration["customer_id"].unique().slice(0, 2).to_pylist()
    risk = pa.table({"customer_id": some, "probability": [0.5, 0.0]})
    customers = pa.table({"customer_id": [*some, "nobody"]})
    out = method.score(transactions=calibration, risk=risk, customers=customers)
    rows = {r["customer_id"]: r for r in out.table.to_pylist()}
    assert rows[some[0]]["score"] < rows[some[0]]["clv"]
    assert rows[some[1]]["score"] == pytest.approx(rows[some[1]]["clv"], abs=0.01)
    assert rows["nobody"]["score"] == 0.0
    assert rows["nobody"]["band"] == "none"
    codes = [r["code"] for r in rows[some[0]]["reasons"]]
    assert "LTV_CREDIT_RISK" in codes


def test_risk_probability_must_be_a_probability(simulated: tuple[pa.Table, pa.Table]) -> None:
    calibration, _ = simulated
    method = create("lifetime_value_bgnbd").fit(transactions=calibration)
    with pytest.raises(ScoreInputError, match=r"0\.\.1"):
        method.score(transactions=calibration, risk=pa.table({"customer_id": ["c0"], "probability": [600.0]}))


def test_too_little_history_is_refused() -> None:
    t = pa.table({"customer_id": ["a"], "date": pa.array([0], pa.date32()), "amount": [1.0]})
    with pytest.raises(ScoreInputError, match="the models need more"):
        create("lifetime_value_bgnbd").fit(transactions=t)


def test_simulation_helper_matches_its_parameters() -> None:
    rng = np.random.default_rng(0)
    x, t_x = simulate_bgnbd(BGNBDParams(1.0, 10.0, 2.0, 8.0), np.full(1000, 50.0), rng)
    assert (t_x <= 50).all() and (x >= 0).all()
    assert GammaGammaParams(6.0, 4.0, 15.0).population_mean == 30.0


def test_the_fit_does_not_depend_on_the_order_of_the_transactions(
    simulated: tuple[pa.Table, pa.Table],
) -> None:
    """A SQL join returns rows in no fixed order; the fitted parameters must not follow it."""
    calibration, _ = simulated
    config = {"observation_end": START + dt.timedelta(days=365)}
    fits = []
    for seed in (1, 2):
        shuffled = calibration.take(pa.array(np.random.default_rng(seed).permutation(calibration.num_rows)))
        method = create("lifetime_value_bgnbd", config).fit(transactions=shuffled)
        assert isinstance(method, LifetimeValue)
        fits.append((method.bgnbd_, method.gamma_gamma_))
    assert fits[0] == fits[1]


def _same_fit(got: LifetimeValue, expected: LifetimeValue) -> None:
    """The engine adds a customer's day totals in its own order (a spillable sum, not NumPy's
    sequential one), so the totals may differ in their last bits and the fitted parameters
    move within the optimiser's tolerance; counts, convergence and the customers fitted match."""
    for mine, theirs in ((got.bgnbd_, expected.bgnbd_), (got.gamma_gamma_, expected.gamma_gamma_)):
        assert type(mine) is type(theirs)
        for name, value in dataclasses.asdict(theirs).items():
            other = getattr(mine, name)
            if isinstance(value, float):
                assert other == pytest.approx(value, rel=1e-4), name
            else:
                assert other == value, name


def _same_scores(got: pa.Table, expected: pa.Table) -> None:
    """Same customers, same columns, equal values up to the fit's tolerance (nested ones too)."""
    assert got.schema == expected.schema
    for name in expected.column_names:
        _assert_close(got.column(name).to_pylist(), expected.column(name).to_pylist(), name)


def _assert_close(got: object, expected: object, where: str) -> None:
    if isinstance(expected, float) and isinstance(got, float):
        # values shown rounded (to 4 places) may round one step apart
        assert got == pytest.approx(expected, rel=1e-3, abs=1.5e-4, nan_ok=True), where
    elif isinstance(expected, list) and isinstance(got, list):
        assert len(got) == len(expected), where
        for i, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
            _assert_close(mine, theirs, f"{where}[{i}]")
    elif isinstance(expected, dict) and isinstance(got, dict):
        assert got.keys() == expected.keys(), where
        for key, theirs in expected.items():
            _assert_close(got[key], theirs, f"{where}.{key}")
    elif isinstance(expected, str) and isinstance(got, str) and got != expected:
        # A reason's text rounds a value: one the fit moved may round one unit apart.
        words, theirs = _NUMBER.sub("#", got), _NUMBER.sub("#", expected)
        assert words == theirs, where
        for mine_n, their_n in zip(_NUMBER.findall(got), _NUMBER.findall(expected), strict=True):
            assert float(mine_n) == pytest.approx(float(their_n), rel=1e-3, abs=1), where
    else:
        assert got == expected, where


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _summarised(transactions: pa.Table, method: LifetimeValue, *, fit: bool) -> pa.Table:
    """The method's engine summary of ``transactions``, run by DuckDB (as the score service runs it)."""
    import duckdb

    summary = method.engine_summary("transactions", fit=fit)
    assert summary is not None
    con = duckdb.connect()
    con.register("tx", transactions)
    try:
        return summary.build(
            lambda sql: con.execute(sql).to_arrow_table(), "SELECT * FROM tx", transactions.schema, None
        )
    finally:
        con.close()


def test_the_engine_summary_scores_as_the_transactions_do(simulated: tuple[pa.Table, pa.Table]) -> None:
    """Fitted and scored on the engine's one row per customer, the values are those of every row."""
    calibration, holdout = simulated
    # Same-day purchases (amounts add up), a credit note that cancels a day, a null amount,
    # rows after the observation end: the summary reads them as rfm_summary does.
    extra = pa.table(
        {
            "customer_id": ["c1", "c1", "c2", "c2", "c3"],
            "date": pa.array([400, 400, 420, 420, 430], pa.int32()).cast(pa.int32()),
            "amount": [10.25, 0.1, 50.0, -50.0, None],
        }
    )
    first = calibration.column("date")[0].cast(pa.int32()).as_py()
    extra = extra.set_column(
        1,
        "date",
        pa.array([first + d - 400 for d in extra["date"].to_pylist()], pa.int32()).cast(pa.date32()),
    )
    rows = pa.concat_tables([calibration, extra.cast(calibration.schema), holdout])
    config = {"observation_end": START + dt.timedelta(days=365)}
    plain = create("lifetime_value_bgnbd", config)
    assert isinstance(plain, LifetimeValue)
    plain.fit(transactions=rows)
    summed = create("lifetime_value_bgnbd", config)
    assert isinstance(summed, LifetimeValue)
    fit_summary = _summarised(rows, summed, fit=True)
    assert fit_summary.num_rows < rows.num_rows
    summed.fit(transactions=fit_summary)
    _same_fit(summed, plain)
    customers = pa.table({"customer_id": [*rows["customer_id"].unique().to_pylist(), "nobody"]})
    expected = plain.score(transactions=rows, customers=customers).table
    got = summed.score(transactions=_summarised(rows, summed, fit=False), customers=customers).table
    _same_scores(got, expected)


def test_the_engine_summary_without_an_observation_end_reads_up_to_the_last_date(
    simulated: tuple[pa.Table, pa.Table],
) -> None:
    calibration, _ = simulated
    plain = create("lifetime_value_bgnbd").fit(transactions=calibration)
    summed = create("lifetime_value_bgnbd")
    assert isinstance(plain, LifetimeValue) and isinstance(summed, LifetimeValue)
    summed.fit(transactions=_summarised(calibration, summed, fit=True))
    assert summed.end_day_ == plain.end_day_
    _same_fit(summed, plain)
    got = summed.score(transactions=_summarised(calibration, summed, fit=False)).table
    expected = plain.score(transactions=calibration).table
    _same_scores(got.sort_by("customer_id"), expected.sort_by("customer_id"))
    with pytest.raises(ScoreInputError, match="no dated row"):
        _summarised(calibration.filter(pa.array([False] * calibration.num_rows)), summed, fit=True)


def test_decimal_amounts_are_summed_as_arrow_reads_them(simulated: tuple[pa.Table, pa.Table]) -> None:
    """Arrow reads a decimal as its unscaled integer × 10⁻ˢ (not DuckDB's rounded quotient):
    the summary does the same, so a fit on decimal amounts is the fit on the rows."""
    calibration, _ = simulated
    cents = pa.array(np.round(np.asarray(calibration["amount"]) * 100).astype(np.int64))
    import decimal

    amounts = pa.array([decimal.Decimal(int(c)).scaleb(-2) for c in cents.to_pylist()], pa.decimal128(15, 2))
    rows = calibration.set_column(2, "amount", amounts)
    config = {"observation_end": START + dt.timedelta(days=365)}
    plain = create("lifetime_value_bgnbd", config).fit(transactions=rows)
    summed = create("lifetime_value_bgnbd", config)
    assert isinstance(plain, LifetimeValue) and isinstance(summed, LifetimeValue)
    summed.fit(transactions=_summarised(rows, summed, fit=True))
    _same_fit(summed, plain)
    got = summed.score(transactions=_summarised(rows, summed, fit=False)).table
    _same_scores(got.sort_by("customer_id"), plain.score(transactions=rows).table.sort_by("customer_id"))
    # A decimal too wide for an exact double has no summary: the rows are read instead.
    wide = rows.set_column(2, "amount", amounts.cast(pa.decimal128(20, 2)))
    assert summed.engine_summary("transactions", fit=False) is not None
    import duckdb

    con = duckdb.connect()
    con.register("tx", wide)
    summary = summed.engine_summary("transactions", fit=False)
    assert summary is not None
    assert (
        summary.build(lambda q: con.execute(q).to_arrow_table(), "SELECT * FROM tx", wide.schema, None)
        is None
    )
