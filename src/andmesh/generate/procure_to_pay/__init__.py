"""Synthetic operational data for the Procure-to-Pay reference mesh, with ground truth.

Usage::

    from andmesh.generate.procure_to_pay import generate_procure_to_pay
    report = generate_procure_to_pay(Path("data-p2p"), vendors=5_000, seed=7)

See docs/procure_to_pay.md (tables, model, planted gaps and defects).
"""

from __future__ import annotations

from andmesh.generate.procure_to_pay.generate import ProcureToPayReport, generate_procure_to_pay

__all__ = ["ProcureToPayReport", "generate_procure_to_pay"]
