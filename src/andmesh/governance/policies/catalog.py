"""The metadata catalog SQL policies query: products, ports and properties as engine tables.

Tables (one sealed session of the engine in use, built from the loaded mesh):

- ``products(product_id, domain, name, owner, status, purpose, tags)``
- ``ports(table_id, product_id, domain, contract_id, contract_version, contract_status, sla)``
- ``properties(table_id, product_id, domain, name, logical_type, physical_type, required, unique_,
  primary_key, classification, critical, quality_rules, description)``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp

from andmesh.engine import Engine, EngineSession, get_engine
from andmesh.spec.mesh import Mesh

if TYPE_CHECKING:
    import pyarrow as pa


def catalog_tables(mesh: Mesh) -> dict[str, tuple[dict[str, str], list[dict[str, Any]]]]:
    """Each catalog table's columns (name → DuckDB type) and rows."""
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
        "products": dict.fromkeys(
            ("product_id", "domain", "name", "owner", "status", "purpose", "tags"), "VARCHAR"
        ),
        "ports": dict.fromkeys(
            ("table_id", "product_id", "domain", "contract_id", "contract_version", "contract_status", "sla"),
            "VARCHAR",
        ),
        "properties": {
            "table_id": "VARCHAR",
            "product_id": "VARCHAR",
            "domain": "VARCHAR",
            "name": "VARCHAR",
            "logical_type": "VARCHAR",
            "physical_type": "VARCHAR",
            "required": "BOOLEAN",
            "unique_": "BOOLEAN",
            "primary_key": "BOOLEAN",
            "classification": "VARCHAR",
            "critical": "BOOLEAN",
            "quality_rules": "BIGINT",
            "description": "VARCHAR",
        },
    }
    rows = {"products": products, "ports": ports, "properties": properties}
    return {name: (schema, rows[name]) for name, schema in schemas.items()}


def _load(session: EngineSession, name: str, schema: dict[str, str], rows: list[dict[str, Any]]) -> None:
    """Create ``name`` and copy ``rows`` into it.

    On DuckDB with literals rendered by sqlglot (quoted, escaped): no pyarrow, pandas or Ibis
    for a few hundred rows of metadata. Other engines' SQL spells literals and temporary tables
    differently (Spark has no ``CREATE TEMP TABLE``): the rows go in as one Arrow table.
    """
    if session.dialect != "duckdb":
        session.bind_arrow(name, _arrow(schema, rows))
        return
    table = exp.to_identifier(name, quoted=True).sql("duckdb")
    columns = ", ".join(f"{exp.to_identifier(c, quoted=True).sql('duckdb')} {t}" for c, t in schema.items())
    session.fetch(f"CREATE TEMP TABLE {table} ({columns})")
    if rows:
        values = ", ".join("(" + ", ".join(_literal(row[c]) for c in schema) + ")" for row in rows)
        session.fetch(f"INSERT INTO {table} VALUES {values}")


_ARROW_TYPES = {"VARCHAR": "string", "BOOLEAN": "bool", "BIGINT": "int64"}


def _arrow(schema: dict[str, str], rows: list[dict[str, Any]]) -> pa.Table:
    """The rows as an Arrow table with the catalog's column types (kept when there are no rows)."""
    import pyarrow as pa

    fields = pa.schema([(c, pa.type_for_alias(_ARROW_TYPES[t])) for c, t in schema.items()])
    return pa.Table.from_pylist(rows, schema=fields)


def _literal(value: object) -> str:
    """A SQL literal (sqlglot renders one in ~0.1 ms: too slow for thousands of metadata values).

    >>> [_literal(v) for v in (None, True, 3, "it's")]
    ['NULL', 'TRUE', '3', "'it''s'"]
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return exp.convert(text).sql("duckdb")  # control characters: let sqlglot spell them


def catalog_session(mesh: Mesh, engine: Engine | None = None) -> EngineSession:
    """A sealed session of ``engine`` (by default the mesh's, ``engine:`` in ``mesh.yaml``) with
    the catalog tables bound: SQL policies run on it.

    The tables are copied into the session before it is sealed, so a policy reads them and
    nothing else (no file, no extension, no setting).
    """
    session = (engine or get_engine(mesh.spec.engine)).session()
    try:
        for name, (schema, rows) in catalog_tables(mesh).items():
            _load(session, name, schema, rows)
        session.seal()
    except BaseException:
        session.close()
        raise
    return session
