"""Supplier management's certificates and quarterly delivery scorecards.

Certificates: ``Binomial(3, 0.5)`` per strategic supplier file, ``Binomial(3, 0.3)``
otherwise, each a standard issued in the last four years and valid three years (so
some have expired). Delivery performance: per supplier file and calendar quarter, the
deliveries (PO lines received), on time (by the expected date), late and short, as the
suppliers' portal reports them — from the true delivery dates, whether or not
receiving captured them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.clock import AS_OF_DAY
from andmesh.generate.ids import Sequences
from andmesh.generate.procure_to_pay.masters import SupplierFiles
from andmesh.generate.procure_to_pay.purchasing import Lines, Orders
from andmesh.generate.procure_to_pay.receiving import Receipts
from andmesh.generate.procure_to_pay.schema import table
from andmesh.generate.procure_to_pay.settings import CERTIFICATES
from andmesh.generate.procure_to_pay.vendors import Vendors
from andmesh.generate.schema import dates, ints

CERTS = "supplier_management/certifications"
PERFORMANCE = "supplier_management/delivery_performance"


def certificates(v: Vendors, files: SupplierFiles, rng: np.random.Generator, seq: Sequences) -> pa.Table:
    tier = v.tier[files.vendor]
    count = rng.binomial(3, np.where(tier == 0, 0.5, 0.3))
    owner = np.repeat(np.arange(files.vendor.size), count)
    u = rng.random((owner.size, 2))
    issued = AS_OF_DAY - (u[:, 0] * 1460).astype(np.int64)
    return table(
        CERTS,
        {
            "certificate_id": s.ids("CERT", seq.next("certificate", owner.size), 8),
            "supplier_id": files.supplier_id.take(pa.array(owner)),
            "standard": s.take(s.vocab(CERTIFICATES), (u[:, 1] * len(CERTIFICATES)).astype(np.int64)),
            "issued_date": dates(issued),
            "valid_until": dates(issued + 1095),
        },
    )


def quarter_start(days: np.ndarray) -> np.ndarray:
    """The first day of each day's calendar quarter (epoch days).

    >>> int(quarter_start(np.array([20_000]))[0])  # 2024-10-04 → 2024-10-01
    19997
    """
    month = np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return (month - month % 3).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def performance(v: Vendors, files: SupplierFiles, o: Orders, lines: Lines, got: Receipts) -> pa.Table:
    file_of = np.full(v.n, -1, dtype=np.int64)
    file_of[files.vendor] = np.arange(files.vendor.size)
    owner = file_of[o.vendor[lines.po[got.line]]]
    keep = owner >= 0
    quarter = quarter_start(got.day[keep])
    q0 = int(quarter.min()) if quarter.size else 0
    qi = (quarter - q0).astype(np.int64)
    width = int(qi.max()) + 1 if qi.size else 1
    key = owner[keep] * width + qi
    cells, inverse = np.unique(key, return_inverse=True)
    deliveries = np.bincount(inverse, minlength=cells.size)
    on_time = np.bincount(inverse, weights=got.on_time[keep], minlength=cells.size).astype(np.int64)
    short = np.bincount(inverse, weights=got.short[keep], minlength=cells.size).astype(np.int64)
    return table(
        PERFORMANCE,
        {
            "supplier_id": files.supplier_id.take(pa.array(cells // width)),
            "quarter_start": dates(q0 + cells % width),
            "deliveries": ints(deliveries),
            "on_time": ints(on_time),
            "late": ints(deliveries - on_time),
            "short": ints(short),
        },
    )
