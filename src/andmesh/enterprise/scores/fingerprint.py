"""The ``fingerprint()`` of the scores product, without the scoring libraries.

A no-op ``andmesh run`` calls every product's ``fingerprint(context)`` to learn that nothing
changed (issue 12); importing :mod:`andmesh.enterprise.scores.publish` for it would load
pyarrow and numpy (the score service), so this module needs only hashlib and the store.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from andmesh.pipeline.build import BuildContext


def fingerprint(context: BuildContext) -> str:
    """What the product depends on beyond its inputs: the score specs and their approvals.

    A version's approval is decided by its spec, the council and the council's votes on its
    ``score_version`` proposals (``ScoreService.approval``); all three are hashed, so a change
    to any of them rebuilds — at worst a vote that leaves the status as it was rebuilds too.
    """
    digest = hashlib.sha256()
    scores = sorted(context.mesh.scores.values(), key=lambda s: s.key)
    for score in scores:
        digest.update(score.key.encode())
        digest.update(score.file.read_bytes())
    council = context.mesh.council
    if council is not None:
        digest.update(council.spec.model_dump_json().encode())
    if context.store is not None and scores:
        from andmesh.store.governance import GovernanceStore

        governance = GovernanceStore(context.store.engine, context.workspace)
        for score in scores:
            for proposal in governance.proposals(kind="score_version", subject=f"score:{score.key}"):
                votes = sorted((v.voter, v.decision) for v in proposal.votes)
                digest.update(f"{score.key}#{proposal.id}:{proposal.status}:{votes}".encode())
    return digest.hexdigest()[:16]


__all__ = ["fingerprint"]
