"""Fixed parameters of the Procure-to-Pay generator: every rate and constant in one place.

The calendar (two years to 2026-09-30), the block size and the record-variation rates
are the Order-to-Cash generator's (:mod:`andmesh.generate.settings`), so both datasets
describe the same enterprise at the same date and noise means the same in both.
docs/procure_to_pay.md quotes these values.
"""

from __future__ import annotations

from dataclasses import dataclass

GENERATOR_VERSION = "1.0.0"

# Vendor numbers, supplier ids and tax ids have room for one million vendors.
MAX_VENDORS = 1_000_000
# Vendors are drawn by the Order-to-Cash population model with their numbers shifted
# by this offset, so a vendor never gets the tax id of the customer with the same
# number and seed (the two datasets can be combined into one enterprise).
VENDOR_INDEX_OFFSET = 50_000_000

# Vendor tiers play the part of the customer segments (same shares, spend and rates).
TIERS = ("strategic", "preferred", "tail")
CATEGORIES = ("direct_materials", "indirect_materials", "services", "logistics")
CATEGORY_WEIGHTS = ((0.6, 0.15, 0.15, 0.1), (0.35, 0.3, 0.2, 0.15), (0.15, 0.45, 0.3, 0.1))
PAYMENT_TERMS = (30, 45, 60)
TERMS_WEIGHTS = ((0.2, 0.3, 0.5), (0.4, 0.35, 0.25), (0.7, 0.2, 0.1))
# Early-payment discount terms (e.g. 2/10 net 30) offered by a share of vendors per tier.
DISCOUNT_OFFERED = (0.45, 0.4, 0.3)
DISCOUNT_TERMS = ((2.0, 10), (1.5, 14), (3.0, 10))
DISCOUNT_TERMS_WEIGHTS = (0.6, 0.25, 0.15)
# Treasury takes an offered discount on a matched invoice with this probability.
DISCOUNT_TAKE_RATE = 0.8
# Vendors sending e-invoices (which always carry the PO number) per tier.
E_INVOICING = (0.55, 0.35, 0.15)

# Purchasing: POs per year and PO value follow the customer model's purchase rate and
# spend; lines per PO = 1 + Binomial(5, 0.4); lead time = 5 + Poisson(7) days.
ITEM_COUNT = 8_000
LEAD_DAYS = 5
LEAD_POISSON = 7.0
PO_CANCEL_RATE = 0.02
# Receiving sites: the last two key receipts on paper delivery notes.
SITES = ("RC-HAM", "RC-MUC", "RC-RTM", "RC-LYO", "RC-MAN", "RC-MIL")
SITE_WEIGHTS = (0.25, 0.2, 0.15, 0.12, 0.16, 0.12)
MANUAL_SITES = ("RC-MAN", "RC-MIL")
# Share of receipts at a manual site whose delivery date is captured (the planted gap).
MANUAL_DATE_CAPTURED = 0.3
SHORT_DELIVERY_BASE = 0.01
# Accounts payable.
INVOICE_DELAY_POISSON = 4.0
PO_REFERENCE_MISSING_PAPER = 0.3
PRICE_VARIANCE_RATE = 0.03
QUANTITY_VARIANCE_SHARE = 0.5  # of short-received lines, billed at the ordered quantity
LATE_PAYMENT_RATE = 0.12
BLOCKED_LATE_PAYMENT_RATE = 0.55
SECOND_BANK_ACCOUNT_RATE = 0.06
# Supplier management: who has an onboarding file, per tier.
SUPPLIER_FILE_RATE = (1.0, 0.95, 0.6)
CERTIFICATES = ("ISO 9001", "ISO 14001", "ISO 45001", "ISO 27001", "IATF 16949", "EcoVadis")
RISK_RATINGS = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class DefectRates:
    """Planted quality defects (only when ``defects=True``): share of rows affected."""

    quantity_not_positive: float = 0.002
    gross_mismatch: float = 0.002
    duplicate_payment: float = 0.002


DEFECTS = DefectRates()
