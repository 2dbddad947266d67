"""The metadata catalog SQL policies query: products, ports and properties as DuckDB tables.

Tables (one DuckDB connection, in memory, built from the loaded mesh):

- ``products(product_id, domain, name, owner, status, purpose, tags)``
- ``ports(table_id, product_id, domain, contract_id, contract_version, contract_status, sla)``
- ``properties(table_id, product_id, domain, name, logical_type, physical_type, required, unique_,
  primary_key, classification, critical, quality_rules, description)``
"""

from __future__ import annotations

import pyarrow as pa

from andmesh.engine import Engine, EngineSession, get_engine
from andmesh.spec.mesh import Mesh


def catalog_tables(mesh: Mesh) -> dict[str, pa.Table]:
    products, ports, properties = [], [], []
    for product in mesh.products.values():
        description = product.spec.description
        products.append(
            {
                "product_id": product.id,
                "domain": product.domain,
                "name": product.name,
                "owner": product.owner,
                "status": product.spec.status,
                "purpose": getattr(description, "purpose", None) if description is not None else None,
                "tags": ",".join(product.spec.tags or []),
            }
        )
        for port in product.outputs:
            model = port.contract.model
            ports.append(
                {
                    "table_id": port.table_id,
                    "product_id": product.id,
                    "domain": product.domain,
                    "contract_id": port.contract.id,
                    "contract_version": port.contract.version,
                    "contract_status": model.status,
                    "sla": ",".join(sorted({(s.property or "").lower() for s in model.slaProperties or []})),
                }
            )
            for prop in port.contract.properties:
                properties.append(
                    {
                        "table_id": port.table_id,
                        "product_id": product.id,
                        "domain": product.domain,
                        "name": prop.name,
                        "logical_type": prop.logicalType,
                        "physical_type": prop.physicalType,
                        "required": bool(prop.required),
                        "unique_": bool(prop.unique),
                        "primary_key": bool(prop.primaryKey),
                        "classification": prop.classification,
                        "critical": bool(prop.criticalDataElement),
                        "quality_rules": len(prop.quality or []),
                        "description": prop.description,
                    }
                )
    schemas = {
        "products": {
            "product_id": pa.string(),
            "domain": pa.string(),
            "name": pa.string(),
            "owner": pa.string(),
            "status": pa.string(),
            "purpose": pa.string(),
            "tags": pa.string(),
        },
        "ports": {
            "table_id": pa.string(),
            "product_id": pa.string(),
            "domain": pa.string(),
            "contract_id": pa.string(),
            "contract_version": pa.string(),
            "contract_status": pa.string(),
            "sla": pa.string(),
        },
        "properties": {
            "table_id": pa.string(),
            "product_id": pa.string(),
            "domain": pa.string(),
            "name": pa.string(),
            "logical_type": pa.string(),
            "physical_type": pa.string(),
            "required": pa.bool_(),
            "unique_": pa.bool_(),
            "primary_key": pa.bool_(),
            "classification": pa.string(),
            "critical": pa.bool_(),
            "quality_rules": pa.int64(),
            "description": pa.string(),
        },
    }
    rows = {"products": products, "ports": ports, "properties": properties}
    return {
        name: pa.Table.from_pylist(rows[name], schema=pa.schema(schema)) for name, schema in schemas.items()
    }


def catalog_session(mesh: Mesh, engine: Engine | None = None) -> EngineSession:
    """A sealed engine session with the catalog tables bound: SQL policies run on it.

    The tables are copied into the session before it is sealed, so a policy reads them and
    nothing else (no file, no extension, no setting).
    """
    session = (engine or get_engine("duckdb")).session()
    try:
        for name, table in catalog_tables(mesh).items():
            session.register_arrow(name, table)
        session.seal()
    except BaseException:
        session.close()
        raise
    return session
