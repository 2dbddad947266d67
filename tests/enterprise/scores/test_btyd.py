"""BG/NBD and Gamma-Gamma: the published worked example, parameter recovery from simulations."""

from __future__ import annotations

import numpy as np
import pytest

from andmesh.enterprise.scores.btyd import (
    BGNBDParams,
    GammaGammaParams,
    bgnbd_expected_purchases,
    bgnbd_p_alive,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_value,
    simulate_bgnbd,
    simulate_gamma_gamma,
)

CDNOW = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)  # Fader, Hardie & Lee (2005), weeks


def test_published_conditional_expectation() -> None:
    # Their worked example: x = 2, t_x = 30.43, T = 38.86 → 1.226 purchases in the next 39 weeks.
    e = bgnbd_expected_purchases(CDNOW, 39.0, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert e[0] == pytest.approx(1.226, abs=5e-4)


def test_p_alive_falls_with_time_since_last_purchase() -> None:
    p = bgnbd_p_alive(CDNOW, np.full(3, 4.0), np.array([30.0, 20.0, 5.0]), np.full(3, 38.0))
    assert p[0] > p[1] > p[2]
    assert bgnbd_p_alive(CDNOW, np.array([0.0]), np.array([0.0]), np.array([38.0]))[0] == 1.0


def test_bgnbd_fit_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(11)
    true = BGNBDParams(r=0.8, alpha=20.0, a=1.5, b=4.0)
    age = rng.uniform(20, 104, 40_000)
    x, t_x = simulate_bgnbd(true, age, rng)
    fit = fit_bgnbd(x, t_x, age)
    assert fit.converged
    assert fit.r == pytest.approx(true.r, rel=0.1)
    assert fit.alpha == pytest.approx(true.alpha, rel=0.1)
    # a and b are weakly identified one by one; their mean dropout probability is not.
    assert fit.a / (fit.a + fit.b) == pytest.approx(true.a / (true.a + true.b), rel=0.1)
    # The fitted model predicts the next period's purchases of the simulated customers.
    horizon = 52.0
    x2, _ = simulate_bgnbd(true, age + horizon, np.random.default_rng(11))
    predicted = bgnbd_expected_purchases(fit, horizon, x, t_x, age).sum()
    assert predicted == pytest.approx((x2 - x).sum(), rel=0.05)


def test_gamma_gamma_fit_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(5)
    true = GammaGammaParams(p=6.0, q=4.0, v=150.0)
    x = rng.integers(1, 12, 30_000).astype(float)
    m = simulate_gamma_gamma(true, x, rng)
    fit = fit_gamma_gamma(x, m)
    assert fit.p == pytest.approx(true.p, rel=0.1)
    assert fit.q == pytest.approx(true.q, rel=0.1)
    assert fit.v == pytest.approx(true.v, rel=0.15)
    assert fit.population_mean == pytest.approx(true.population_mean, rel=0.05)
    # Conditional expectation shrinks a customer's mean toward the population mean.
    e = gamma_gamma_expected_value(fit, np.array([1.0, 50.0]), np.array([1000.0, 1000.0]))
    assert fit.population_mean < e[0] < e[1] < 1000.0


def test_gamma_gamma_needs_repeat_buyers() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        fit_gamma_gamma(np.array([0.0, 1.0]), np.array([0.0, 5.0]))


def test_the_fits_likelihoods_by_distinct_value_are_the_per_customer_ones_to_the_bit() -> None:
    """The fits evaluate the special functions once per distinct frequency, recency and age;
    every customer's likelihood must stay what the published per-customer formula gives."""
    from andmesh.enterprise.scores.btyd import (
        _bgnbd_log_likelihood_by_value,
        _distinct,
        _gamma_gamma_log_likelihood_by_value,
        bgnbd_log_likelihood,
        gamma_gamma_log_likelihood,
    )

    rng = np.random.default_rng(5)
    n = 20_000
    x = rng.poisson(3.0, n).astype(np.float64)
    age = rng.integers(1, 730, n) / 7.0
    t_x = np.where(x > 0, np.floor(rng.random(n) * age * 7) / 7.0, 0.0)
    m = np.round(rng.gamma(2.0, 50.0, n), 2) + 0.01
    for _ in range(10):
        r, alpha, a, b = np.exp(rng.normal(0, 1.5, 4))
        expected = bgnbd_log_likelihood(r, alpha, a, b, x, t_x, age)
        got = _bgnbd_log_likelihood_by_value(r, alpha, a, b, _distinct(x), _distinct(t_x), _distinct(age))
        np.testing.assert_array_equal(got, expected)
        p, q, v = np.exp(rng.normal(0, 1.5, 3))
        xs = x + 1
        expected = gamma_gamma_log_likelihood(p, q, v, xs, m)
        got = _gamma_gamma_log_likelihood_by_value(p, q, v, _distinct(xs), np.log(m), np.log(xs), m * xs)
        np.testing.assert_array_equal(got, expected)
