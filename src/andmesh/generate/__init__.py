"""Synthetic operational data for the Order-to-Cash reference mesh, with ground truth.

Usage::

    from andmesh.generate import generate_order_to_cash
    report = generate_order_to_cash(Path("data"), customers=20_000, seed=7)

See docs/order_to_cash_sources.md (the contract) and docs/generator.md (the model);
Procure-to-Pay: docs/procure_to_pay.md.
"""

from __future__ import annotations

from andmesh.generate.errors import GeneratorArgumentError, OutputExistsError
from andmesh.generate.order_to_cash import GenerationReport, generate_order_to_cash
from andmesh.generate.procure_to_pay import ProcureToPayReport, generate_procure_to_pay

__all__ = [
    "GenerationReport",
    "GeneratorArgumentError",
    "OutputExistsError",
    "ProcureToPayReport",
    "generate_order_to_cash",
    "generate_procure_to_pay",
]
