"""The KPI registry: what each KPI means, reads and depends on, and how it is computed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import Tables, check_period
from andmesh.errors import UsageError
from andmesh.spec.suggest import hint_for
from tests.enterprise.kpi_reference import credit, cycle, delivery, receivables

Compute = Callable[[Tables, str, bool], ir.Table]

_INV = "customer_invoicing.invoices"
_PAY = "payments_collection.payments"
_SET = "payments_collection.invoice_settlements"
_OI = "accounts_receivable.open_items"
_SHIP = "shipping.shipments"
_ORD = "order_management.orders"
_DEC = "credit_management.credit_decisions"
_FUL = "order_fulfillment.fulfillments"

_AR_READS = ("invoices", "payments", "open_items")
_AR_NEEDS = (
    f"{_INV}.invoice_date",
    f"{_INV}.gross_amount",
    f"{_PAY}.matched_invoice_id",
    f"{_PAY}.received_at",
    f"{_OI}.written_off_at",
)
_CYCLE_READS = ("orders", "credit_decisions", "shipments", "invoices", "invoice_settlements")
_CYCLE_NEEDS = (
    f"{_ORD}.order_ts",
    f"{_DEC}.decided_at",
    f"{_DEC}.released_at",
    f"{_SHIP}.shipped_at",
    f"{_INV}.invoice_date",
    f"{_SET}.settled_date",
)
_DELIVERY_NEEDS = (f"{_SHIP}.delivered_at", f"{_FUL}.fully_shipped")


@dataclass(frozen=True)
class KPI:
    """One enterprise KPI: its definition, inputs and requirements, and its computation."""

    name: str
    title: str
    formula: str
    unit: str
    direction: Literal["lower", "higher"]
    inputs: tuple[str, ...]
    requirements: tuple[str, ...]
    function: Compute

    def compute(self, tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
        """One row per period (and segment), the value in a column named :attr:`name`."""
        check_period(period)
        return self.function(tables, period, by_segment)


def _kpi(
    name: str,
    title: str,
    formula: str,
    unit: str,
    direction: Literal["lower", "higher"],
    inputs: tuple[str, ...],
    requirements: tuple[str, ...],
    function: Compute,
) -> tuple[str, KPI]:
    return name, KPI(name, title, formula, unit, direction, inputs, requirements, function)


KPIS: dict[str, KPI] = dict(
    [
        _kpi(
            "dso",
            "Days sales outstanding (standard method)",
            "receivables at period end / credit sales of the period × days in period",
            "days",
            "lower",
            _AR_READS,
            _AR_NEEDS,
            receivables.dso_table,
        ),
        _kpi(
            "best_possible_dso",
            "Best possible DSO",
            "current (not yet due) receivables at period end / credit sales × days in period",
            "days",
            "lower",
            _AR_READS,
            (*_AR_NEEDS, f"{_INV}.due_date"),
            receivables.best_possible_dso_table,
        ),
        _kpi(
            "average_days_delinquent",
            "Average days delinquent",
            "DSO − best possible DSO",
            "days",
            "lower",
            _AR_READS,
            (*_AR_NEEDS, f"{_INV}.due_date"),
            receivables.average_days_delinquent_table,
        ),
        _kpi(
            "collection_effectiveness_index",
            "Collection effectiveness index",
            "(beginning receivables + credit sales − ending total receivables) / "
            "(beginning receivables + credit sales − ending current receivables) × 100",
            "percent",
            "higher",
            _AR_READS,
            (*_AR_NEEDS, f"{_INV}.due_date"),
            receivables.collection_effectiveness_index_table,
        ),
        _kpi(
            "days_beyond_terms",
            "Days beyond terms (value weighted)",
            "Σ(max(settled date − due date, 0) × gross amount) / Σ gross amount, "
            "over invoices paid in full in the period",
            "days",
            "lower",
            ("invoice_settlements",),
            (f"{_INV}.due_date", f"{_SET}.settled_date", f"{_PAY}.matched_invoice_id"),
            receivables.days_beyond_terms_table,
        ),
        _kpi(
            "o2c_cycle_time",
            "Order-to-cash cycle time",
            "mean(cash day − order day) over orders paid in full in the period",
            "days",
            "lower",
            _CYCLE_READS,
            _CYCLE_NEEDS,
            cycle.o2c_cycle_time_table,
        ),
        _kpi(
            "approval_time",
            "O2C part: order to credit approval",
            "mean(approval day − order day), same population as the cycle",
            "days",
            "lower",
            ("orders", "credit_decisions", "shipments", "invoices", "invoice_settlements"),
            _CYCLE_NEEDS,
            cycle.approval_time_table,
        ),
        _kpi(
            "fulfillment_time",
            "O2C part: credit approval to shipment",
            "mean(first shipment day − approval day), same population as the cycle",
            "days",
            "lower",
            _CYCLE_READS,
            _CYCLE_NEEDS,
            cycle.fulfillment_time_table,
        ),
        _kpi(
            "invoice_lag",
            "O2C part: shipment to invoice",
            "mean(first invoice day − first shipment day), same population as the cycle",
            "days",
            "lower",
            _CYCLE_READS,
            _CYCLE_NEEDS,
            cycle.invoice_lag_table,
        ),
        _kpi(
            "collection_time",
            "O2C part: invoice to cash",
            "mean(cash day − first invoice day), same population as the cycle",
            "days",
            "lower",
            _CYCLE_READS,
            _CYCLE_NEEDS,
            cycle.collection_time_table,
        ),
        _kpi(
            "perfect_order_rate",
            "Perfect order rate (strict, order level)",
            "orders delivered on time (requested date) AND in full AND invoiced correctly "
            "AND not disputed / orders delivered in the period",
            "ratio",
            "higher",
            ("shipments", "fulfillments", "orders", "invoices", "open_items", "order_billing"),
            (
                f"{_ORD}.requested_delivery_date",
                *_DELIVERY_NEEDS,
                f"{_INV}.gross_amount_corrected",
                "customer_invoicing.order_billing.billing_status",
                f"{_OI}.dispute_flag",
            ),
            delivery.perfect_order_rate_table,
        ),
        _kpi(
            "otif",
            "On time in full (against the customer's requested delivery date)",
            "orders delivered by the requested delivery date AND in full / orders delivered",
            "ratio",
            "higher",
            ("shipments", "fulfillments", "orders"),
            (f"{_ORD}.requested_delivery_date", *_DELIVERY_NEEDS),
            delivery.otif_table,
        ),
        _kpi(
            "otif_promised",
            "On time in full (against the delivery date the company promised)",
            "orders delivered by the earliest promised date AND in full / orders delivered",
            "ratio",
            "higher",
            ("shipments", "fulfillments"),
            (f"{_SHIP}.promised_date", *_DELIVERY_NEEDS),
            delivery.otif_promised_table,
        ),
        _kpi(
            "dispute_rate",
            "Dispute rate",
            "invoices with a disputed receivables item / invoices issued in the period",
            "ratio",
            "lower",
            ("invoices", "open_items"),
            (f"{_INV}.invoice_date", f"{_OI}.dispute_flag"),
            receivables.dispute_rate_table,
        ),
        _kpi(
            "bad_debt_ratio",
            "Bad debt ratio",
            "amount written off in the period / credit sales of the period",
            "ratio",
            "lower",
            ("invoices", "open_items", "invoice_settlements"),
            (f"{_INV}.gross_amount", f"{_OI}.written_off_at", f"{_SET}.unpaid_amount"),
            receivables.bad_debt_ratio_table,
        ),
        _kpi(
            "credit_hold_rate",
            "Credit hold rate",
            "credit decisions held / credit decisions taken in the period",
            "ratio",
            "lower",
            ("credit_decisions",),
            (f"{_DEC}.decision", f"{_DEC}.decided_at"),
            credit.credit_hold_rate_table,
        ),
        _kpi(
            "credit_hold_hours",
            "Hours on credit hold",
            "mean(released_at − decided_at) in hours over held decisions released in the period",
            "hours",
            "lower",
            ("credit_decisions",),
            (f"{_DEC}.decision", f"{_DEC}.decided_at", f"{_DEC}.released_at"),
            credit.credit_hold_hours_table,
        ),
        _kpi(
            "unapplied_cash_share",
            "Unapplied cash share",
            "amount received and not applied to an invoice / amount received in the period",
            "ratio",
            "lower",
            ("payments",),
            (f"{_PAY}.received_at", f"{_PAY}.amount", f"{_PAY}.matched_invoice_id"),
            receivables.unapplied_cash_share_table,
        ),
        _kpi(
            "dispute_resolution_days",
            "Dispute resolution days",
            "mean(dispute resolved day − invoice day) over disputed items resolved in the period",
            "days",
            "lower",
            ("open_items",),
            (f"{_OI}.dispute_flag", f"{_OI}.dispute_resolved_at"),
            receivables.dispute_resolution_days_table,
        ),
        _kpi(
            "on_time_delivery_rate",
            "On-time delivery rate, proven by the signed proof of delivery (requested date)",
            "orders whose last POD signature is on or before the requested delivery date / "
            "orders with every shipment's POD signed in the period",
            "ratio",
            "higher",
            ("shipments", "orders"),
            (f"{_ORD}.requested_delivery_date", f"{_SHIP}.pod_signed_at"),
            delivery.on_time_delivery_rate_table,
        ),
    ]
)


def get_kpi(name: str) -> KPI:
    """The KPI called ``name``; an unknown name fails with "did you mean".

    >>> get_kpi("dso").unit
    'days'
    """
    if name not in KPIS:
        raise UsageError(f"unknown KPI `{name}`", hint=hint_for(name, KPIS, "KPIs"))
    return KPIS[name]
