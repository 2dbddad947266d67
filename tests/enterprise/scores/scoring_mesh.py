"""Helpers of the score service tests: the reference mesh's specs with extra score versions,
scored on the session's Order-to-Cash workspace (read-only) with a store of their own."""

from __future__ import annotations

import shutil
from pathlib import Path

from andmesh.enterprise.scores.service import ScoreService
from andmesh.facade import Andmesh
from andmesh.spec.loader import load_mesh
from andmesh.spec.mesh import Mesh
from andmesh.store.metadata import MetadataStore

REFERENCE = Path(__file__).resolve().parents[3] / "examples" / "order_to_cash"

#: A second credit risk version: fewer bins and stricter grades, so bands (and tiers) move.
CREDIT_V110 = """\
apiVersion: andmesh/v1
kind: Score
name: credit_risk
entity: customer
version: 1.1.0
owner: edo
intendedUse: Same as 1.0.0, with fewer bins and stricter grades.
method: credit_risk_scorecard
config:
  features: [days_paid_late, late_payment_rate, paid_late_rate, credit_utilisation, risk_class, hold_rate]
  categorical: [risk_class]
  max_n_bins: 4
  grades: [[A, 0.01], [B, 0.02], [C, 0.04], [D, 0.08], [E, 0.16], [F, 1.0]]
inputs:
  features:
    product: enterprise.customer_profile
    columns: {customer_id: entity_id, days_paid_late: avg_days_paid_late}
  labels:
    product: enterprise.customer_profile
    columns: {customer_id: entity_id}
    derive:
      label: "CAST((open_amount > 0 AND overdue_over_90_amount > 0.5 * open_amount) OR written_off_amount > 0 AS INTEGER)"
output:
  bands: [A, B, C, D, E, F]
approval:
  status: {status}
  by: {by}
"""


def mesh_copy(target: Path, *, v110: str | None = None, by: str = "[]", pin: str | None = None) -> Path:
    """The reference specs in ``target``; ``v110`` adds credit_risk 1.1.0 with that approval status;
    ``pin`` pins credit management to that credit_risk version in the treatment."""
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__", "data"))
    if v110 is not None:
        text = CREDIT_V110.replace("{status}", v110).replace("{by}", by)
        (target / "enterprise" / "scores" / "credit_risk_v1_1.yaml").write_text(text, encoding="utf-8")
    if pin is not None:
        treatments = target / "enterprise" / "treatments.yaml"
        text = treatments.read_text(encoding="utf-8")
        text = text.replace(
            "  - domain: credit_management\n",
            f"  - domain: credit_management\n    scores: {{credit_risk: {pin}}}\n",
        )
        treatments.write_text(text, encoding="utf-8")
    return target


def service(o2c: Andmesh, root: Path, mesh: Mesh | None = None) -> ScoreService:
    """A score service on ``mesh`` reading the session's published products, with its own store."""
    mesh = mesh or load_mesh(root / "mesh")
    store = MetadataStore(f"sqlite:///{root / 'store.db'}")
    return ScoreService(mesh, store.engine, root / "ws", warehouse=o2c.warehouse)
