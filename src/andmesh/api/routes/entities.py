"""The customer 360 view by enterprise id: every linked record and why, masked unless you steward it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from andmesh.api.deps import MeshPath, Reader
from andmesh.enterprise.entities.results import EntityView

router = APIRouter(prefix="/api/v1", tags=["entities"])


@router.get("/entities/{name}/{enterprise_id}", response_model=EntityView)
def entity_360(app: Reader, mesh: MeshPath, name: str, enterprise_id: str) -> Any:
    """One enterprise id of an entity: its golden record, every linked record with its match method
    and probability, the evidence of each link (the comparisons and their weights) and the stewards'
    decisions. Personal attributes are masked by the one masking function unless you steward the
    entity. (Registered after `/entities/{name}/review`: that path stays the review queue.)"""
    return app.entity_view(name, enterprise_id, path=mesh)
