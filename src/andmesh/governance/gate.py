"""What the council enforces on a run: blocking policies, and breaking changes held until approved.

The pipeline calls :class:`CouncilGate` for every port before building it (``hold``)
and after publishing it (``published``); the pipeline knows nothing of councils.
"""

from __future__ import annotations

from andmesh.governance.policies import PolicyReport
from andmesh.quality.diff import ContractDiff
from andmesh.spec.mesh import Mesh, OutputPort, Product
from andmesh.store.governance import GovernanceStore, Proposal

SYSTEM = "andmesh"


class CouncilGate:
    def __init__(self, mesh: Mesh, store: GovernanceStore, policies: PolicyReport) -> None:
        self.mesh = mesh
        self.store = store
        self.blocked = policies.blocked_products()

    def _proposal_for(self, port: OutputPort) -> Proposal | None:
        """The newest breaking-change proposal for this port's contract version."""
        found = [
            p
            for p in self.store.proposals(kind="breaking_change", subject=port.table_id)
            if p.details.get("new_version") == port.contract.version
        ]
        return found[-1] if found else None

    def hold(
        self, run_id: str, product: Product, port: OutputPort, change: ContractDiff | None
    ) -> str | None:
        """Why the port may not be published in this run (None: it may)."""
        if product.id in self.blocked:
            return "held by blocking policies: " + "; ".join(self.blocked[product.id])
        if change is None or not change.breaking or self.mesh.council is None:
            return None
        proposal = self._proposal_for(port)
        if proposal is None:
            pid = self.store.create_proposal(
                kind="breaking_change",
                subject=port.table_id,
                title=f"{port.contract.id} {change.old_version} → {change.new_version}: {change.verdict}",
                created_by=SYSTEM,
                domain=product.domain,
                product_id=product.id,
                details={
                    "run_id": run_id,
                    "contract_id": port.contract.id,
                    "old_version": change.old_version,
                    "new_version": change.new_version,
                    "changes": [
                        c.model_dump(mode="json") for c in change.changes if c.severity.value == "error"
                    ],
                },
            )
            return f"breaking change held for the council: proposal #{pid} (its approvers: andmesh council vote {pid} approve)"
        if proposal.status in ("approved", "applied"):
            return None
        if proposal.status == "rejected":
            return f"breaking change rejected by the council (proposal #{proposal.id}); restore the contract"
        missing = ", ".join(self._missing(proposal))
        return f"breaking change awaits the council: proposal #{proposal.id} is {proposal.status} (needs {missing})"

    def _missing(self, proposal: Proposal) -> list[str]:
        from andmesh.governance.council import tally

        assert self.mesh.council is not None
        rule = self.mesh.council.rule(proposal.kind)
        return tally(rule, [(v.voter, v.decision, v.roles) for v in proposal.votes]).missing_roles or [
            "a quorum"
        ]

    def published(self, run_id: str, product: Product, port: OutputPort, change: ContractDiff | None) -> None:
        if change is None or not change.breaking or self.mesh.council is None:
            return
        proposal = self._proposal_for(port)
        if proposal is not None and proposal.status == "approved":
            self.store.set_proposal_status(proposal.id, "applied", SYSTEM, f"published by run {run_id}")
