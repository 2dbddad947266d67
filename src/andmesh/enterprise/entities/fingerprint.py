"""The ``fingerprint()`` of a cross-reference product, without the resolution libraries.

A no-op ``andmesh run`` calls every product's ``fingerprint(context)`` to learn that nothing
changed (issue 12); importing :mod:`andmesh.enterprise.entities.pipelines` for it would load
Ibis, pyarrow and SQLAlchemy's table layer, so this module needs only hashlib and the store.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from andmesh.errors import EngineError
from andmesh.spec.suggest import hint_for

if TYPE_CHECKING:
    from andmesh.pipeline.build import BuildContext
    from andmesh.spec.entity import Entity

# Bumped when the resolution's logic changes, so published cross-references rebuild.
# 2: identity tuples, the filtered prefix block; 3: pairs in one group of trusted links not scored
RESOLVER_VERSION = "3"


def entity_of(context: BuildContext, name: str) -> Entity:
    """The mesh's entity ``name``, or an error naming the product that asked for it."""
    entity = context.mesh.entities.get(name)
    if entity is None:
        raise EngineError(
            f"{context.product.id}: the mesh declares no entity `{name}`",
            product=context.product.id,
            hint=hint_for(name, context.mesh.entities, "entities") or "add enterprise/entities/<name>.yaml",
        )
    return entity


def resolution_fingerprint(name: str, context: BuildContext) -> str:
    """What the cross-reference depends on beyond its inputs: the Entity spec and the decisions."""
    entity = entity_of(context, name)
    digest = hashlib.sha256(entity.file.read_bytes())
    digest.update(RESOLVER_VERSION.encode())
    if context.store is not None:
        from andmesh.store.entity_reviews import EntityReviews

        digest.update(EntityReviews(context.store.engine).fingerprint(name).encode())
    return digest.hexdigest()[:16]


__all__ = ["RESOLVER_VERSION", "entity_of", "resolution_fingerprint"]
