"""Potential lifetime value: BG/NBD purchases × Gamma-Gamma value, discounted, risk-adjusted.

From a transactions table (``customer_id``, ``date``, ``amount``) cut at the
observation end, each customer's repeat frequency ``x``, recency ``t_x`` and age ``T``
are fitted by :func:`~andmesh.enterprise.scores.btyd.fit_bgnbd` and the mean value of
its purchases by :func:`~andmesh.enterprise.scores.btyd.fit_gamma_gamma` (all purchases
by default: in B2B the first order is an ordinary order, and valuing one-order
customers at the population mean ranks a small firm's single order with an
enterprise's; ``monetary_includes_first=False`` keeps the CDNOW convention). The
value over a horizon of ``H`` months is

``CLV = Σ_{k=1..H} ΔE_k · M · margin · S_k / (1 + d)^{k/12}``

with ``ΔE_k = E[Y(t_k)] − E[Y(t_{k−1})]`` the expected purchases in month ``k``
(``t_k = k`` months), ``M`` the Gamma-Gamma expected value of a purchase, ``margin``
the share of an amount that is margin (1 when amounts are margins already), ``d``
the annual discount rate and ``S_k = (1 − PD)^{k/h}`` the probability that the
customer has not defaulted by month ``k`` given its probability of default ``PD`` over
``h`` months (1 without a risk table): purchases after a default do not happen.

Purchases are counted per customer and day (amounts of one day add up); days whose
total is ≤ 0 (credit notes) are not purchases. Only transactions up to the observation
end are read, so the value never sees the period it predicts.

When the transactions come from SQL, the score service has the engine reduce them to one
row per customer (:func:`purchase_summary`: purchase days, total, first and last day, the
first day's amount) and the method reads that summary instead of every invoice; the sums
are the same sums in the same order, so the frequencies, values and fits are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from andmesh.enterprise.scores.base import EngineSummary, Run, ScoreMethod
from andmesh.enterprise.scores.btyd import (
    BGNBDParams,
    GammaGammaParams,
    bgnbd_expected_purchases,
    bgnbd_p_alive,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_value,
)
from andmesh.enterprise.scores.inputs import Column, ScoreInputError, bind, days, factorize, floats, ids
from andmesh.enterprise.scores.reasons import top_reasons
from andmesh.enterprise.scores.results import ScoreOutput

DAYS_PER_MONTH = 365.25 / 12
_EPOCH = dt.date(1970, 1, 1)


def discounted_clv(
    increments: np.ndarray, value: np.ndarray, annual_rate: float, survival: np.ndarray | None = None
) -> np.ndarray:
    """``Σ_k ΔE_k · value · S_k / (1 + d)^{k/12}`` for monthly increments (customers × months).

    ``survival`` is the per-customer probability of surviving one month (``S_k = s^k``).

    >>> discounted_clv(np.array([[1.0, 1.0]]), np.array([100.0]), 0.10).round(2).tolist()
    [197.63]
    >>> discounted_clv(np.array([[1.0, 1.0]]), np.array([100.0]), 0.0, np.array([0.5])).round(2).tolist()
    [75.0]
    """
    n, h = increments.shape
    k = np.arange(1, h + 1, dtype=np.float64)
    discount = (1.0 + annual_rate) ** (-k / 12.0)
    s = np.ones(n) if survival is None else np.asarray(survival, dtype=np.float64)
    surv = s[:, None] ** k[None, :]
    return np.asarray((increments * discount[None, :] * surv).sum(axis=1) * value)


def monthly_survival(pd: np.ndarray, pd_horizon_months: float) -> np.ndarray:
    """Monthly survival ``(1 − PD)^{1/h}`` of a PD over ``h`` months; NaN PD → 1.

    >>> monthly_survival(np.array([0.0, 0.75, np.nan]), 2).tolist()
    [1.0, 0.5, 1.0]
    """
    p = np.clip(np.nan_to_num(np.asarray(pd, dtype=np.float64), nan=0.0), 0.0, 1.0)
    return np.asarray((1.0 - p) ** (1.0 / pd_horizon_months))


class RFM(BaseModel):
    """Per-customer frequency, recency, age and repeat value at an observation end."""

    model_config = {"arbitrary_types_allowed": True}

    customer_id: pa.Array
    x: np.ndarray = Field(description="Repeat purchases (purchase days after the first).")
    t_x: np.ndarray = Field(description="Time of the last purchase since the first (time units).")
    T: np.ndarray = Field(description="Time from the first purchase to the observation end (time units).")
    monetary: np.ndarray = Field(description="Mean amount of the repeat purchase days (0 when x = 0).")
    total: np.ndarray = Field(description="Total amount of all purchase days.")

    def value_inputs(self, include_first: bool) -> tuple[np.ndarray, np.ndarray]:
        """(transactions, mean value) the Gamma-Gamma reads: repeat days only, or all days."""
        if not include_first:
            return self.x, self.monetary
        return self.x + 1, self.total / (self.x + 1)


def rfm_summary(transactions: pa.Table, end_day: float, unit_days: float) -> RFM:
    """Frequency/recency/age/value of every customer with a purchase up to ``end_day``.

    >>> t = pa.table({"customer_id": ["a", "a", "a", "b"], "date": pa.array([0, 7, 7, 14], pa.date32()),
    ...     "amount": [10.0, 5.0, 5.0, 3.0]})
    >>> r = rfm_summary(t, 21, 7.0)
    >>> r.x.tolist(), r.t_x.tolist(), r.T.tolist(), r.monetary.tolist()
    ([1.0, 0.0], [1.0, 0.0], [3.0, 1.0], [10.0, 0.0])
    """
    day = days(transactions, "date")
    amount = floats(transactions, "amount")
    keep = (day <= end_day) & ~np.isnan(day) & ~np.isnan(amount)
    codes, keys = factorize(ids(transactions).filter(pa.array(keep)))
    day, amount = day[keep].astype(np.int64), amount[keep]
    if codes.size == 0:
        empty = np.zeros(0)
        return RFM(
            customer_id=pa.array([], pa.string()), x=empty, t_x=empty, T=empty, monetary=empty, total=empty
        )
    lo = int(day.min())
    span = int(day.max()) - lo + 1
    pair, inv = np.unique(codes * span + (day - lo), return_inverse=True)
    day_total = np.bincount(inv, weights=amount)
    purchase = day_total > 0
    pair, day_total = pair[purchase], day_total[purchase]
    cust = pair // span
    pday = (pair % span + lo).astype(np.float64)
    k = len(keys)
    # Pairs are sorted by customer, then day: the first of each customer is its first purchase.
    first_idx = np.r_[0, np.flatnonzero(np.diff(cust)) + 1]
    present = np.zeros(k, dtype=bool)
    present[cust] = True
    count = np.bincount(cust, minlength=k).astype(np.float64)
    total = np.bincount(cust, weights=day_total, minlength=k)
    first = np.full(k, np.nan)
    first[cust[first_idx]] = pday[first_idx]
    first_amount = np.zeros(k)
    first_amount[cust[first_idx]] = day_total[first_idx]
    last = np.full(k, np.nan)
    last_idx = np.r_[first_idx[1:] - 1, cust.size - 1]
    last[cust[last_idx]] = pday[last_idx]
    x = np.maximum(count - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(x > 0, (total - first_amount) / x, 0.0)
    sel = np.flatnonzero(present)
    return RFM(
        customer_id=keys.take(pa.array(sel)),
        x=x[sel],
        t_x=(last[sel] - first[sel]) / unit_days,
        T=(end_day - first[sel]) / unit_days,
        monetary=monetary[sel],
        total=total[sel],
    )


#: Schema metadata of a per-customer purchase summary: the observation end (days since 1970).
SUMMARY_END = b"andmesh.purchase_summary.end_day"

#: The transactions a summary reads (as :meth:`LifetimeValue.inputs` declares them).
TRANSACTION_COLUMNS = (
    Column("customer_id", "id", "the customer"),
    Column("date", "date", "purchase (order or invoice) date"),
    Column("amount", "numeric", "amount of the purchase (revenue, or margin with margin_rate 1)"),
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_arrow_double(column: str, kind: pa.DataType) -> str | None:
    """SQL of ``column`` as the double Arrow casts it to (what ``rfm_summary`` adds up).

    Arrow turns a decimal into a double as its unscaled integer times ``10⁻ˢ`` (not the
    correctly rounded quotient DuckDB's cast gives: 13% of cents then differ in the last
    bit, and a fit on them stops elsewhere). Exact for precisions up to 15 (the integer is
    exact as a double); a wider decimal returns None (the rows are read instead).
    """
    if pa.types.is_decimal(kind):
        assert isinstance(kind, pa.Decimal128Type | pa.Decimal256Type)
        if kind.precision > 15:
            return None
        if kind.scale <= 0:
            return f"CAST({column} AS DOUBLE)"
        unscaled = f"CAST(CAST({column} * {10**kind.scale} AS BIGINT) AS DOUBLE)"
        return f"{unscaled} * CAST({float(f'1e-{kind.scale}')!r} AS DOUBLE)"
    return f"CAST({column} AS DOUBLE)"


def purchase_summary(
    run: Run, items_sql: str, schema: pa.Schema, end_day: float | None, mapping: Mapping[str, str] | None
) -> pa.Table | None:
    """What :func:`rfm_summary` reads of the transactions, one row per customer, computed by the engine.

    Per customer and day the amounts add up (as doubles, as ``rfm_summary`` adds them);
    days up to ``end_day`` with a total > 0 are purchases: their count, their total (a compensated
    ``fsum``: DuckDB spills it, where an ordered ``sum(… ORDER BY day)`` held every customer's
    days in memory and ran out at 1,000,000 customers; it may differ from NumPy's sequential
    sum in the last bits, so a fit moves within the optimiser's tolerance), the first and last day and the first day's
    total. ``end_day`` None is the last dated transaction (as the method's default). The
    observation end travels in the schema's metadata. None when the amounts' type has no
    exact engine form (a decimal wider than 15 digits): the caller reads the rows.
    """
    bound = bind(schema.empty_table(), TRANSACTION_COLUMNS, "transactions", mapping)
    col = {c.name: _q((mapping or {}).get(c.name, c.name)) for c in TRANSACTION_COLUMNS}
    amount = _as_arrow_double(col["amount"], bound.schema.field("amount").type)
    if amount is None:
        return None
    rows = (
        f"SELECT CAST({col['customer_id']} AS VARCHAR) AS customer_id, "
        f"floor(epoch({col['date']}) / 86400) AS day, {amount} AS amount "
        f"FROM ({items_sql}) AS src"
    )
    if end_day is None:
        last = run(f"SELECT max(day) AS d FROM ({rows}) AS t").column(0)[0].as_py()
        if last is None:
            raise ScoreInputError(
                "transactions: no dated row", table="transactions", column="date", hint="pass transactions"
            )
        end_day = float(last)
    days_ = (
        f"SELECT customer_id, day, sum(amount) AS day_total FROM ({rows}) AS t "
        f"WHERE day <= CAST({float(end_day)!r} AS DOUBLE) AND amount IS NOT NULL AND NOT isnan(amount) "
        "AND customer_id IS NOT NULL GROUP BY customer_id, day"
    )
    table = run(
        "SELECT customer_id, count(*) AS purchase_days, fsum(day_total) AS total, "
        "min(day) AS first_day, arg_min(day_total, day) AS first_amount, max(day) AS last_day "
        f"FROM ({days_}) AS d WHERE day_total > 0 GROUP BY customer_id"
    )
    return table.replace_schema_metadata({SUMMARY_END: repr(float(end_day)).encode()})


def is_summary(table: pa.Table) -> bool:
    """Whether ``table`` is a :func:`purchase_summary` (not transactions)."""
    return SUMMARY_END in (table.schema.metadata or {})


def rfm_of_summary(summary: pa.Table, unit_days: float) -> RFM:
    """:func:`rfm_summary` of the transactions ``summary`` sums up (at its observation end)."""
    end = float((summary.schema.metadata or {})[SUMMARY_END])
    count = floats(summary, "purchase_days")
    total = floats(summary, "total")
    first = floats(summary, "first_day")
    first_amount = floats(summary, "first_amount")
    last = floats(summary, "last_day")
    x = np.maximum(count - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(x > 0, (total - first_amount) / x, 0.0)
    return RFM(
        customer_id=ids(summary),
        x=x,
        t_x=(last - first) / unit_days,
        T=(end - first) / unit_days,
        monetary=monetary,
        total=total,
    )


class LifetimeValueConfig(BaseModel):
    """Observation end, horizon, discounting, margin and the risk adjustment."""

    observation_end: dt.date | None = Field(
        default=None, description="Cut-off: transactions after it are ignored (default: the last date)."
    )
    score_as_of: dt.date | None = Field(
        default=None,
        description="Date whose purchase history is scored (default: the observation end): fit on a "
        "past cut-off, score today with the same parameters.",
    )
    horizon_months: int = Field(default=12, ge=1, le=120)
    annual_discount_rate: float = Field(default=0.10, ge=0, lt=1)
    margin_rate: float = Field(default=1.0, gt=0, le=1, description="Margin share of an amount.")
    time_unit_days: float = Field(default=7.0, gt=0, description="Time unit of the fit (7: weeks).")
    pd_horizon_months: float = Field(default=12.0, gt=0, description="Horizon of the risk table's PD.")
    penalizer: float = Field(default=0.0, ge=0)
    monetary_includes_first: bool = Field(
        default=True,
        description="Value the first purchase too (B2B: the first order is an ordinary order); "
        "False follows the CDNOW convention of repeat purchases only.",
    )
    tiers: list[tuple[str, float]] = Field(
        default_factory=lambda: [("platinum", 0.10), ("gold", 0.30), ("silver", 0.60), ("bronze", 1.0)],
        description="(tier, cumulative share of customers from the top), by value.",
    )
    top_reasons: int = Field(default=3, ge=0, le=4)


class LifetimeValue(ScoreMethod):
    """Discounted, risk-adjusted potential lifetime value over a horizon."""

    name: ClassVar[str] = "lifetime_value_bgnbd"
    title: ClassVar[str] = "Potential lifetime value (BG/NBD + Gamma-Gamma)"
    version: ClassVar[str] = "1.0"
    higher_is_better: ClassVar[bool] = True
    config_model: ClassVar[type[BaseModel]] = LifetimeValueConfig
    fit_roles: ClassVar[tuple[str, ...]] = ("transactions",)
    score_roles: ClassVar[tuple[str, ...]] = ("transactions",)
    summary_roles: ClassVar[tuple[str, ...]] = ("transactions",)

    config: LifetimeValueConfig

    def inputs(self) -> dict[str, tuple[Column, ...]]:
        return {
            "transactions": TRANSACTION_COLUMNS,
            "risk": (
                Column("customer_id", "id", "the customer"),
                Column("probability", "numeric", "probability of default over pd_horizon_months"),
            ),
            "customers": (Column("customer_id", "id", "every customer to score, with or without purchases"),),
        }

    def bind(self, role: str, table: pa.Table | None, columns: Any = None) -> pa.Table:
        if role == "transactions" and table is not None and is_summary(table):
            return table  # already checked against the transactions' columns by purchase_summary
        return super().bind(role, table, columns)

    def engine_summary(self, role: str, *, fit: bool) -> EngineSummary | None:
        """The transactions as :func:`purchase_summary` at the fit's (or the scoring's) observation end."""
        if role != "transactions":
            return None
        cfg = self.config
        end: float | None
        if fit:
            end = float((cfg.observation_end - _EPOCH).days) if cfg.observation_end is not None else None
        elif cfg.score_as_of is not None:
            end = float((cfg.score_as_of - _EPOCH).days)
        elif cfg.observation_end is not None:
            end = float((cfg.observation_end - _EPOCH).days)
        else:
            end = self.end_day_

        def build(run: Run, sql: str, schema: pa.Schema, mapping: Mapping[str, str] | None) -> pa.Table:
            return purchase_summary(run, sql, schema, end, mapping)

        return EngineSummary(key=f"purchase_summary@{end}", build=build)

    def _rfm(self, transactions: pa.Table, end: float) -> RFM:
        if is_summary(transactions):
            return rfm_of_summary(transactions, self.config.time_unit_days)
        return rfm_summary(transactions, end, self.config.time_unit_days)

    def _end_day(self, transactions: pa.Table) -> float:
        if is_summary(transactions):
            return float((transactions.schema.metadata or {})[SUMMARY_END])
        if self.config.observation_end is not None:
            return float((self.config.observation_end - _EPOCH).days)
        d = days(transactions, "date")
        if np.isnan(d).all():
            raise ScoreInputError(
                "transactions: no dated row", table="transactions", column="date", hint="pass transactions"
            )
        return float(np.nanmax(d))

    def _fit(self, tables: dict[str, pa.Table]) -> None:
        tx = tables["transactions"]
        end = self._end_day(tx)
        rfm = _by_customer(self._rfm(tx, end))
        if rfm.x.size < 10 or (rfm.x > 0).sum() < 3:
            raise ScoreInputError(
                f"transactions: {rfm.x.size} customers with purchases up to the observation end, "
                f"{int((rfm.x > 0).sum())} with a repeat purchase; the models need more",
                table="transactions",
                column="date",
                hint="move observation_end later or pass more history",
            )
        self.end_day_ = end
        self.bgnbd_: BGNBDParams = fit_bgnbd(rfm.x, rfm.t_x, rfm.T, penalizer=self.config.penalizer)
        n_value, mean_value = rfm.value_inputs(self.config.monetary_includes_first)
        self.gamma_gamma_: GammaGammaParams = fit_gamma_gamma(
            n_value, mean_value, penalizer=self.config.penalizer
        )

    def _score(self, tables: dict[str, pa.Table]) -> ScoreOutput:
        cfg = self.config
        tx = tables["transactions"]
        if cfg.score_as_of is not None:
            end = float((cfg.score_as_of - _EPOCH).days)
        else:
            end = self._end_day(tx) if cfg.observation_end is not None else self.end_day_
        if is_summary(tx) and self._end_day(tx) != end:
            raise ScoreInputError(
                "transactions: summarised at another observation end than the scoring's",
                table="transactions",
                column="date",
                hint="summarise with engine_summary(fit=False)",
            )
        rfm = self._rfm(tx, end)
        unit = cfg.time_unit_days
        steps = np.arange(0, cfg.horizon_months + 1) * DAYS_PER_MONTH / unit
        cum = np.column_stack(
            [np.zeros(rfm.x.size)]
            + [bgnbd_expected_purchases(self.bgnbd_, t, rfm.x, rfm.t_x, rfm.T) for t in steps[1:]]
        )
        increments = np.diff(cum, axis=1)
        n_value, mean_value = rfm.value_inputs(cfg.monetary_includes_first)
        value = gamma_gamma_expected_value(self.gamma_gamma_, n_value, mean_value) * cfg.margin_rate
        pd_ = self._risk(tables.get("risk"), rfm.customer_id)
        clv = discounted_clv(increments, value, cfg.annual_discount_rate)
        adjusted = discounted_clv(
            increments, value, cfg.annual_discount_rate, monthly_survival(pd_, cfg.pd_horizon_months)
        )
        p_alive = bgnbd_p_alive(self.bgnbd_, rfm.x, rfm.t_x, rfm.T)
        cols: dict[str, Any] = {
            "customer_id": rfm.customer_id,
            "score": adjusted,
            "expected_purchases": cum[:, -1],
            "p_alive": p_alive,
            "expected_value": value,
            "clv": clv,
            "risk_probability": pd_,
            "frequency": rfm.x,
            "recency_days": rfm.t_x * unit,
            "age_days": rfm.T * unit,
        }
        table = self._with_customers(cols, tables.get("customers"))
        score = table["score"]
        band = _tiers(score, cfg.tiers)
        reasons = self._reasons(table)
        out = pa.table(
            {
                "customer_id": table["customer_id"],
                "score": pa.array(np.round(score, 2)),
                "band": pa.array(band, pa.string()),
                **{
                    k: pa.array(_round(v), from_pandas=True)
                    for k, v in table.items()
                    if k not in ("customer_id", "score")
                },
                "reasons": reasons,
            }
        )
        b, g = self.bgnbd_, self.gamma_gamma_
        return ScoreOutput(
            method=self.name,
            version=self.version,
            count=out.num_rows,
            scored=out.num_rows,
            higher_is_better=True,
            parameters={
                "observation_end": str(_EPOCH + dt.timedelta(days=int(end))),
                "horizon_months": cfg.horizon_months,
                "annual_discount_rate": cfg.annual_discount_rate,
                "margin_rate": cfg.margin_rate,
                "time_unit_days": unit,
                "bgnbd": {"r": b.r, "alpha": b.alpha, "a": b.a, "b": b.b, "customers": b.customers},
                "gamma_gamma": {"p": g.p, "q": g.q, "v": g.v, "customers": g.customers},
            },
            table=out,
        )

    def _risk(self, risk: pa.Table | None, keys: pa.Array) -> np.ndarray:
        if risk is None:
            return np.full(len(keys), np.nan)
        rk = ids(risk)
        prob = floats(risk, "probability")
        if np.nanmin(prob, initial=0.0) < 0 or np.nanmax(prob, initial=0.0) > 1:
            raise ScoreInputError(
                "risk: `probability` must lie in 0..1",
                table="risk",
                column="probability",
                expected="probability 0..1",
                hint="map the PD column, not the points",
            )
        pos = np.asarray(pc.index_in(keys, value_set=rk).to_numpy(zero_copy_only=False), dtype=np.float64)
        found = ~np.isnan(pos)
        out = np.full(len(keys), np.nan)
        out[found] = prob[pos[found].astype(np.int64)]
        return out

    def _with_customers(self, cols: dict[str, Any], customers: pa.Table | None) -> dict[str, Any]:
        if customers is None:
            return cols
        wanted = ids(customers).unique()
        pos = pc.index_in(wanted, value_set=cols["customer_id"]).to_numpy(zero_copy_only=False)
        pos = np.asarray(pos, dtype=np.float64)
        found = ~np.isnan(pos)
        out: dict[str, Any] = {"customer_id": wanted}
        for k, v in cols.items():
            if k == "customer_id":
                continue
            full = np.full(len(wanted), np.nan)
            full[found] = np.asarray(v)[pos[found].astype(np.int64)]
            if k in ("score", "expected_purchases", "clv", "frequency"):
                full[~found] = 0.0  # no purchase up to the cut-off: nothing to extrapolate
            out[k] = full
        return out

    def _reasons(self, t: dict[str, Any]) -> pa.ListArray:
        e, m = np.asarray(t["expected_purchases"]), np.asarray(t["expected_value"])
        alive, clv, adj = np.asarray(t["p_alive"]), np.asarray(t["clv"]), np.asarray(t["score"])
        med_e = float(np.nanmedian(e)) if e.size else 0.0
        med_m = float(np.nanmedian(m)) if m.size else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            impact = np.column_stack(
                [
                    1.0 - alive,
                    np.maximum(0.0, 1.0 - e / med_e) if med_e > 0 else np.zeros_like(e),
                    np.maximum(0.0, 1.0 - m / med_m) if med_m > 0 else np.zeros_like(m),
                    np.where(clv > 0, 1.0 - adj / clv, 0.0),
                ]
            )
        values = np.column_stack([alive, e, m, np.asarray(t["risk_probability"])])
        h = self.config.horizon_months
        texts = [
            lambda v: f"probability still buying {v:.0%}",
            lambda v: f"{v:.1f} purchases expected in {h} months (median {med_e:.1f})",
            lambda v: f"expected value per purchase {v:,.0f} (median {med_m:,.0f})",
            lambda v: f"probability of default {v:.1%} cuts the value",
        ]
        return top_reasons(
            impact,
            values,
            ["LTV_LAPSING", "LTV_LOW_FREQUENCY", "LTV_LOW_VALUE", "LTV_CREDIT_RISK"],
            ["p_alive", "expected_purchases", "expected_value", "risk_probability"],
            lambda j, rows: [texts[j](v) for v in values[rows, j].tolist()],
            top=self.config.top_reasons,
            min_impact=0.05,
        )


def _by_customer(rfm: RFM) -> RFM:
    """``rfm`` in customer-id order, so a fit is the same whatever order the transactions came in.

    The likelihood is flat near its maximum: summed in another order (a SQL join returns rows
    in no fixed order), the optimiser stopped ~1e-4 (relative) elsewhere at 200,000 customers.
    """
    order = np.asarray(pc.sort_indices(rfm.customer_id).to_numpy(), dtype=np.int64)
    return RFM(
        customer_id=rfm.customer_id.take(pa.array(order)),
        x=rfm.x[order],
        t_x=rfm.t_x[order],
        T=rfm.T[order],
        monetary=rfm.monetary[order],
        total=rfm.total[order],
    )


def _round(v: Any) -> Any:
    a = np.asarray(v, dtype=np.float64)
    return np.round(a, 6)


def _tiers(score: np.ndarray, tiers: list[tuple[str, float]]) -> np.ndarray:
    """Tier of each score by its rank from the top; 0 or NaN → ``none``.

    >>> _tiers(np.array([10.0, 5.0, 0.0, 1.0]), [("top", 0.5), ("rest", 1.0)]).tolist()
    ['top', 'rest', 'none', 'rest']
    """
    s = np.asarray(score, dtype=np.float64)
    out = np.full(s.size, "none", dtype=object)
    valued = np.flatnonzero(s > 0)
    if valued.size == 0:
        return out
    order = valued[np.argsort(-s[valued], kind="stable")]
    share = (np.arange(order.size) + 1) / order.size
    bounds = np.asarray([t[1] for t in tiers])
    idx = np.minimum(np.searchsorted(bounds, share - 1e-12, side="left"), len(tiers) - 1)
    out[order] = np.asarray([t[0] for t in tiers], dtype=object)[idx]
    return out


__all__ = [
    "RFM",
    "LifetimeValue",
    "LifetimeValueConfig",
    "discounted_clv",
    "is_summary",
    "monthly_survival",
    "purchase_summary",
    "rfm_of_summary",
    "rfm_summary",
]
