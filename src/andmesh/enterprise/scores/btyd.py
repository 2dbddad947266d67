"""BG/NBD and Gamma-Gamma: maximum-likelihood fits of the published likelihoods (scipy).

**BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing
Science 24(2)). While alive a customer buys as a Poisson process of rate
``λ ~ Gamma(r, α)``; after each purchase it drops out with probability ``p ~ Beta(a, b)``.
For ``x`` repeat purchases, the last at ``t_x``, observed for ``T`` since the first:

``L = B(a, b+x)/B(a, b) · Γ(r+x) αʳ / (Γ(r) (α+T)^(r+x))
    + 1{x>0} · B(a+1, b+x−1)/B(a, b) · Γ(r+x) αʳ / (Γ(r) (α+t_x)^(r+x))``   (their eq. 6)

Expected repeat purchases in ``(T, T+t]`` (their eq. 10):

``E[Y(t)] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
            / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``

and ``P(alive) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``.

**Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4); Fader & Hardie 2013,
"The Gamma-Gamma model of monetary value"). Each transaction's value is
``Gamma(p, ν)`` with ``ν ~ Gamma(q, γ)``; the mean ``m`` of ``x`` transactions has

``ln L = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + m x)``

and ``E[M | m, x] = p (γ + m x) / (px + q − 1)``.

Both are fitted by L-BFGS-B on log-parameters, which is what the ``lifetimes`` library
did and what ``pymc-marketing`` computes as its MAP estimate with flat priors; the
benchmark checks the parameters against ``pymc-marketing`` 0.19.2 on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters, in the time unit of the fit."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    customers: int = 0
    converged: bool = True


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters (``v`` is the scale γ)."""

    p: float
    q: float
    v: float
    log_likelihood: float = float("nan")
    customers: int = 0
    converged: bool = True

    @property
    def population_mean(self) -> float:
        """Mean transaction value of the population: ``p γ / (q − 1)``.

        >>> GammaGammaParams(6.0, 4.0, 15.0).population_mean
        30.0
        """
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("nan")


def bgnbd_log_likelihood(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood of the BG/NBD (see the module docstring).

    >>> round(float(bgnbd_log_likelihood(0.24, 4.41, 0.79, 2.43, np.array([0.0]), np.array([0.0]),
    ...     np.array([38.86]))[0]), 4)
    -0.5481
    """
    from scipy.special import betaln, gammaln

    x = np.asarray(x, dtype=np.float64)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + age)
    with np.errstate(invalid="ignore", divide="ignore"):
        a3 = np.where(
            x > 0,
            betaln(a + 1, np.maximum(b + x - 1, 1e-12)) - betaln(a, b) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return np.asarray(common + np.logaddexp(a2, a3))


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``values`` and where each element is among them."""
    distinct, where = np.unique(values, return_inverse=True)
    return distinct, where.reshape(-1)


def _bgnbd_log_likelihood_by_value(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: tuple[np.ndarray, np.ndarray],
    t_x: tuple[np.ndarray, np.ndarray],
    age: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """:func:`bgnbd_log_likelihood` with each special function evaluated once per distinct value.

    Frequencies are whole numbers and recencies and ages whole days: a fit's customers share
    a few hundred of each. Every element gets the very operations the per-customer form
    applies to it (a value computed once and taken is the value computed in place), so the
    likelihood is the same to the bit, for a fraction of the ``gammaln``/``betaln``/``log`` calls.
    """
    from scipy.special import betaln, gammaln

    (ux, ix), (ut, it), (ua, ia) = x, t_x, age
    xs = ux[ix]
    r_x = (r + ux)[ix]
    common = gammaln(r + ux)[ix] - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + ux)[ix] - betaln(a, b) - r_x * np.log(alpha + ua)[ia]
    with np.errstate(invalid="ignore", divide="ignore"):
        a3 = np.where(
            xs > 0,
            betaln(a + 1, np.maximum(b + ux - 1, 1e-12))[ix] - betaln(a, b) - r_x * np.log(alpha + ut)[it],
            -np.inf,
        )
    return np.asarray(common + np.logaddexp(a2, a3))


def _fit(neg_ll: object, start: np.ndarray) -> tuple[np.ndarray, float, bool]:
    from scipy.optimize import minimize

    res = minimize(neg_ll, np.log(start), method="L-BFGS-B", options={"maxiter": 500})
    return np.exp(res.x), float(-res.fun), bool(res.success)


def fit_bgnbd(
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    penalizer: float = 0.0,
) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters from frequency ``x``, recency ``t_x`` and
    ``age`` (``T``: time from the first purchase to the end of observation).

    ``penalizer`` adds ``penalizer · Σ θ²`` to the negative log-likelihood (as
    ``lifetimes`` did) to keep sparse data from running off to extreme values.
    """
    x, t_x, age = (np.asarray(v, dtype=np.float64) for v in (x, t_x, age))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    n = w.sum()
    # The optimiser evaluates the likelihood ~100 times: its special functions once per
    # distinct frequency, recency and age (the same numbers, see the function).
    by_x, by_t, by_age = _distinct(x), _distinct(t_x), _distinct(age)

    def neg_ll(theta: np.ndarray) -> float:
        r, alpha, a, b = np.exp(theta)
        ll = _bgnbd_log_likelihood_by_value(r, alpha, a, b, by_x, by_t, by_age)
        return float(-(w * ll).sum() / n + penalizer * np.sum(np.exp(theta) ** 2))

    (r, alpha, a, b), ll, ok = _fit(neg_ll, np.array([1.0, max(float(np.mean(age)), 1.0), 1.0, 1.0]))
    return BGNBDParams(float(r), float(alpha), float(a), float(b), float(ll * n), int(x.size), ok)


def bgnbd_p_alive(params: BGNBDParams, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Probability that each customer is still alive at ``T`` (1 with no repeat purchase).

    >>> bgnbd_p_alive(BGNBDParams(0.24, 4.41, 0.79, 2.43), np.array([0.0, 2.0]), np.array([0.0, 30.0]),
    ...     np.array([38.0, 38.0])).round(3).tolist()
    [1.0, 0.731]
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        odds = np.where(
            x > 0,
            a / np.maximum(b + x - 1, 1e-12) * np.exp((r + x) * np.log((alpha + age) / (alpha + t_x))),
            0.0,
        )
    return 1.0 / (1.0 + odds)


def bgnbd_expected_purchases(
    params: BGNBDParams, t: float | np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Expected repeat purchases in the next ``t`` time units (conditional, eq. 10).

    >>> p = BGNBDParams(0.243, 4.414, 0.793, 2.426)  # their CDNOW fit, in weeks
    >>> round(float(bgnbd_expected_purchases(p, 39.0, np.array([2.0]), np.array([30.43]),
    ...     np.array([38.86]))[0]), 4)  # Fader, Hardie & Lee's worked example: 1.226
    1.226
    """
    from scipy.special import hyp2f1

    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if abs(a - 1) < 1e-9:
        a += 1e-6  # the closed form has a removable singularity at a = 1
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + age + t)
    lead = (a + b + x - 1) / (a - 1)
    ratio = np.exp((r + x) * np.log((alpha + age) / (alpha + age + t)))
    body = lead * (1 - ratio * hyp2f1(r + x, b + x, a + b + x - 1, z))
    return np.asarray(body * bgnbd_p_alive(params, x, t_x, age))


def simulate_bgnbd(
    params: BGNBDParams, age: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchases ``x`` and last purchase time ``t_x`` drawn from the model (for tests).

    Each customer buys at 0 (not counted), then at Poisson times of rate ``λ`` and
    drops out after each purchase with probability ``p``, until its ``age``.
    """
    horizon = np.asarray(age, dtype=np.float64)
    n = horizon.size
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    drop = rng.beta(params.a, params.b, n)
    t = np.zeros(n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        t[idx] += rng.exponential(1.0 / lam[idx])
        bought = t[idx] <= horizon[idx]
        b_idx = idx[bought]
        x[b_idx] += 1
        t_x[b_idx] = t[b_idx]
        active[idx[~bought]] = False
        active[b_idx[rng.random(b_idx.size) < drop[b_idx]]] = False
    return x, t_x


def gamma_gamma_log_likelihood(p: float, q: float, v: float, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-customer log-likelihood of the mean value ``m`` of ``x`` transactions.

    >>> round(float(gamma_gamma_log_likelihood(6.25, 3.74, 15.44, np.array([2.0]), np.array([30.0]))[0]), 4)
    -3.847
    """
    from scipy.special import gammaln

    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + m * x)
    )


def _gamma_gamma_log_likelihood_by_value(
    p: float,
    q: float,
    v: float,
    x: tuple[np.ndarray, np.ndarray],
    log_m: np.ndarray,
    log_x: np.ndarray,
    mx: np.ndarray,
) -> np.ndarray:
    """:func:`gamma_gamma_log_likelihood` with ``ln m``, ``ln x`` and ``m x`` given, and the
    ``gammaln`` terms evaluated once per distinct ``x``: the same operations on the same numbers
    for each customer, so the same likelihood to the bit."""
    from scipy.special import gammaln

    ux, ix = x
    pux = p * ux
    px = pux[ix]
    return np.asarray(
        gammaln(pux + q)[ix]
        - gammaln(pux)[ix]
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * log_m
        + px * log_x
        - (px + q) * np.log(v + mx)
    )


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray, *, penalizer: float = 0.0) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters from customers with ``x ≥ 1`` and ``m > 0``."""
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if x.size < 3:
        raise ValueError("Gamma-Gamma needs at least 3 customers with a repeat purchase of positive value")
    n = x.size
    scale = float(np.median(m))
    # Fit on values divided by their median: same p and q, γ scaled; better conditioned.
    by_x, scaled = _distinct(x), m / scale
    # What does not depend on the parameters is computed once, not at each of ~100 evaluations.
    log_m, log_x, mx = np.log(scaled), np.log(x), scaled * x

    def neg_ll(theta: np.ndarray) -> float:
        p, q, v = np.exp(theta)
        ll = _gamma_gamma_log_likelihood_by_value(p, q, v, by_x, log_m, log_x, mx)
        return float(-ll.sum() / n + penalizer * np.sum(np.exp(theta) ** 2))

    (p, q, v), ll, ok = _fit(neg_ll, np.array([1.0, 2.0, 1.0]))
    # ln L of the unscaled values differs by −Σ ln(scale) (the density's Jacobian).
    return GammaGammaParams(float(p), float(q), float(v * scale), float(ll * n - n * np.log(scale)), n, ok)


def gamma_gamma_expected_value(params: GammaGammaParams, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Expected value of a customer's transaction: ``p (γ + m x) / (p x + q − 1)``;
    the population mean ``p γ / (q − 1)`` for customers with no repeat purchase.

    >>> gamma_gamma_expected_value(GammaGammaParams(6.0, 4.0, 15.0), np.array([0.0, 3.0]),
    ...     np.array([0.0, 40.0])).round(2).tolist()
    [30.0, 38.57]
    """
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    p, q, v = params.p, params.q, params.v
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = p * (v + m * x) / (p * x + q - 1)
    return np.where(x > 0, cond, params.population_mean)


def simulate_gamma_gamma(params: GammaGammaParams, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mean value of ``x`` transactions per customer drawn from the model (for tests)."""
    x = np.asarray(x, dtype=np.int64)
    nu = rng.gamma(params.q, 1.0 / params.v, x.size)
    # The sum of x Gamma(p, ν) values is Gamma(p x, ν).
    total = rng.gamma(np.maximum(params.p * x, 1e-12), 1.0 / nu)
    return np.where(x > 0, total / np.maximum(x, 1), 0.0)


__all__ = [
    "BGNBDParams",
    "GammaGammaParams",
    "bgnbd_expected_purchases",
    "bgnbd_log_likelihood",
    "bgnbd_p_alive",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "gamma_gamma_expected_value",
    "gamma_gamma_log_likelihood",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]
