"""Fixed parameters of the Order-to-Cash generator: calendar, block size, rates.

Everything that changes the output is here, so the documentation (docs/generator.md)
can quote it and a reviewer can see every knob in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

GENERATOR_VERSION = "1.0.0"

# The extraction date of every system. Fixed (not today) so output is deterministic.
AS_OF = dt.date(2026, 9, 30)
HISTORY_DAYS = 730
HISTORY_START = AS_OF - dt.timedelta(days=HISTORY_DAYS - 1)

# Customers are generated in blocks of this size, each with its own random generator
# ``np.random.default_rng([seed, block_index, stream])``. A chunk (one part file per
# table) is a whole number of blocks, so ``chunk_customers`` changes how rows are split
# into part files but never the rows themselves.
BLOCK_CUSTOMERS = 1_000

# The contract's id formats (``C-`` + 6 digits, ``CF-`` + 6 digits, ``D`` + 6 digits)
# hold at most one million customers.
MAX_CUSTOMERS = 1_000_000
MAX_NOISE = 5.0

# Random streams: per block, ``[seed, block]`` (main), ``[seed, block, 1]`` (variations)
# and ``[seed, block, 2]`` (defects). The variation and defect streams are separate so
# that one seed gives the same population and transactions at every noise level, with
# or without defects. The SKU catalogue is shared by all blocks.
STREAM_VARIATION = 1
STREAM_DEFECTS = 2
CATALOGUE_ENTROPY = (2**32 - 1, 3)

SEGMENTS = ("enterprise", "mid_market", "small_business")
SEGMENT_WEIGHTS = (0.10, 0.30, 0.60)
# Median orders per year and median order value (in the order currency) per segment.
SEGMENT_PURCHASE_RATE = (22.0, 9.0, 3.5)
SEGMENT_SPEND = (18_000.0, 4_500.0, 900.0)
SEGMENT_HEALTH_SHIFT = (0.35, 0.0, -0.25)

CHANNELS = ("web", "edi", "sales_rep", "phone")
# Channel mix per segment (rows) and the share of orders per channel that capture a
# requested delivery date (the planted enterprise gap).
CHANNEL_WEIGHTS = ((0.15, 0.50, 0.25, 0.10), (0.35, 0.25, 0.25, 0.15), (0.50, 0.10, 0.15, 0.25))
REQUESTED_DATE_CAPTURED = (0.45, 0.85, 0.20, 0.10)

PAYMENT_TERMS = (14, 30, 45, 60, 90)
WAREHOUSES = ("DC-N", "DC-S", "DC-E", "DC-W")
REGIONS = ("north", "south", "east", "west")
SKU_COUNT = 20_000

# Dunning: days after the due date, and the channel of each level.
DUNNING_OFFSETS = (7, 21, 35, 60)
DUNNING_CHANNELS = ("email", "letter", "call", "agency")

# Business rates that are not noise: fixed behaviour of the simulated enterprise.
CANCEL_RATE = 0.015
SHORT_SHIPMENT_RATE = 0.025
DELIVERY_EXCEPTION_RATE = 0.01
PARTIAL_PAYMENT_BASE = 0.03
REMITTANCE_MISSING_RATE = 0.12
DISPUTE_REASON_CAPTURED = 0.2


@dataclass(frozen=True)
class VariationRates:
    """Record-level variation rates at ``noise = 1``; each is multiplied by ``noise``.

    These are the differences entity resolution has to see through. Systematic
    conventions of each system (credit's legal-form suffix, the bank's upper-case and
    truncation, shipping's site labels) are not noise and stay at every noise level.
    """

    duplicate_account: float = 0.05
    name_typo: float = 0.06
    name_abbreviation: float = 0.20
    name_upper: float = 0.05
    legal_form_variant: float = 0.25
    tax_id_missing_sales: float = 0.12
    tax_id_missing_billing: float = 0.15
    registration_no_typo: float = 0.01
    street_variant: float = 0.20
    city_variant: float = 0.15
    postcode_variant: float = 0.10
    email_missing: float = 0.08
    phone_missing: float = 0.10

    def scaled(self, noise: float) -> VariationRates:
        """Every rate times ``noise``, capped at 0.9."""
        values = {name: min(0.9, getattr(self, name) * noise) for name in self.__dataclass_fields__}
        return VariationRates(**values)


@dataclass(frozen=True)
class DefectRates:
    """Planted quality defects (only when ``defects=True``): share of rows affected."""

    quantity_not_positive: float = 0.002
    malformed_email: float = 0.005
    invalid_tax_id: float = 0.003
    gross_mismatch: float = 0.002
    duplicate_payment: float = 0.002
    delivered_before_shipped: float = 0.001


VARIATIONS = VariationRates()
DEFECTS = DefectRates()
