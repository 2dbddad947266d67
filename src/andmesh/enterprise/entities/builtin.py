"""The pipeline of the products an Entity spec generates (see ``generated.py``).

Loaded by the build like a product's own ``.py`` pipeline; the product id says which
entity and which product it builds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from andmesh.enterprise.entities.pipelines import golden, resolution_fingerprint, resolve_entity
from andmesh.errors import EngineError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from andmesh.pipeline.build import BuildContext


def _entity(context: BuildContext, key: str) -> str:
    for name, entity in context.mesh.entities.items():
        if getattr(entity.spec.products, key) == context.product.id:
            return name
    raise EngineError(
        f"{context.product.id}: no entity declares it as its {key}",
        product=context.product.id,
        hint="name it under `products:` of an Entity spec, or write its pipeline",
    )


def xref(inputs: Mapping[str, ir.Table], context: BuildContext) -> ir.Table:
    return resolve_entity(_entity(context, "xref"), inputs, context)


def master(inputs: Mapping[str, ir.Table], context: BuildContext) -> ir.Table:
    return golden(_entity(context, "master"), inputs, context)


def fingerprint(context: BuildContext) -> str:
    # The xref depends on the stewards' decisions too; the Entity spec file is the
    # generated products' product and contract file, already in every fingerprint.
    for name, entity in context.mesh.entities.items():
        if entity.spec.products.xref == context.product.id:
            return resolution_fingerprint(name, context)
    return ""
