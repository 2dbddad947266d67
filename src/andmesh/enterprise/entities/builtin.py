"""The pipeline of the products an Entity spec generates (see ``generated.py``).

Loaded by the build like a product's own ``.py`` pipeline; the product id says which
entity and which product it builds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from andmesh.enterprise.entities.fingerprint import resolution_fingerprint
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
    # Imported here: a no-op run calls only ``fingerprint`` and must not load Ibis or pyarrow.
    from andmesh.enterprise.entities.pipelines import resolve_entity

    return resolve_entity(_entity(context, "xref"), inputs, context)


def master(inputs: Mapping[str, ir.Table], context: BuildContext) -> ir.Table:
    from andmesh.enterprise.entities.pipelines import golden

    return golden(_entity(context, "master"), inputs, context)


def profile(inputs: Mapping[str, ir.Table], context: BuildContext) -> ir.Table:
    import ibis

    from andmesh.enterprise.entities.activity import activity_profile
    from andmesh.enterprise.entities.pipelines import input_name

    name = _entity(context, "profile")
    spec = context.mesh.entities[name].spec
    xref = inputs[input_name(context, spec.products.xref)].select("entity_id", "source", "record_id")
    tables = {
        s.product: inputs[input_name(context, s.product)].select(s.record, s.updatedAt).to_pyarrow()
        for s in spec.sources
        if s.updatedAt
    }
    return ibis.memtable(activity_profile(spec, xref.to_pyarrow(), tables))


def fingerprint(context: BuildContext) -> str:
    # The xref depends on the stewards' decisions too; the Entity spec file is the
    # generated products' product and contract file, already in every fingerprint.
    for name, entity in context.mesh.entities.items():
        if entity.spec.products.xref == context.product.id:
            return resolution_fingerprint(name, context)
    return ""
