"""The value chain's figure wraps into rows: seven stages (Order-to-Cash) never make it wider
than the portal's card, and every stage, product and hand-off is still drawn."""

from __future__ import annotations

import re

from andmesh.web import svg

STAGES = [
    ("order", "Take the order", "order_management", ["accounts", "order_lines", "orders"]),
    ("credit", "Check credit", "credit_management", ["credit_decisions", "credit_files"]),
    ("fulfillment", "Pick and pack", "order_fulfillment", ["fulfillment_lines", "fulfillments"]),
    ("shipping", "Ship and deliver", "shipping", ["ship_to_sites", "shipments"]),
    ("invoicing", "Invoice", "customer_invoicing", ["invoices", "order_billing"]),
    ("receivables", "Manage receivables", "accounts_receivable", ["account_exposure", "open_items"]),
    ("collection", "Collect and reconcile cash", "payments_collection", ["dunning", "payments"]),
]
# Order-to-Cash's hand-offs: one past two stages, one across the wrap, one backwards.
HANDOFFS = [("order", "shipping"), ("shipping", "invoicing"), ("invoicing", "receivables"),
            ("receivables", "collection"), ("collection", "receivables")]  # fmt: skip


def chain() -> str:
    stages = [svg.StageBox(n, t, d, [(f"{d}.{p}", "healthy") for p in ps]) for n, t, d, ps in STAGES]
    arrows = [svg.Arrow(a, b, gaps=i % 2, needs=3) for i, (a, b) in enumerate(HANDOFFS)]
    return str(svg.value_chain("Value chain: Order-to-Cash", stages, arrows))


def test_seven_stages_wrap_within_the_card() -> None:
    drawn = chain()
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', drawn).group(1))  # type: ignore[union-attr]
    assert width <= svg.CHAIN_WIDTH
    boxes = [(float(x), float(y)) for x, y in re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width', drawn)]
    assert len(boxes) == 7
    assert len({y for _, y in boxes}) == 2  # two rows (4 + 3), read left to right
    assert [y for _, y in boxes] == sorted(y for _, y in boxes)
    for _, title, domain, products in STAGES:
        assert f">{title}<" in drawn and f"domain: {domain}" in drawn
        for product in products:  # named short in the box, linked and titled in full
            assert f'href="/products/{domain}.{product}"' in drawn and f">{product}<" in drawn


def test_every_hand_off_is_drawn_with_its_gaps() -> None:
    drawn = chain()
    assert drawn.count("<polygon") == len(HANDOFFS)  # one arrowhead each
    assert drawn.count("1 gap of 3") == 2 and drawn.count("0 gaps of 3") == 3


def test_rows_are_balanced() -> None:
    assert svg.chain_rows(7, 4) == [4, 3]
    assert svg.chain_rows(5, 2) == [2, 2, 1]
    assert svg.chain_rows(3, 10) == [3]
