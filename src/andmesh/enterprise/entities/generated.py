"""The enterprise products an ``Entity`` spec declares, generated when nobody wrote them.

Declaring an Entity is enough: for its ``products.xref``, ``products.master`` and ``products.profile`` this
module writes the ODPS product descriptor and the ODCS contract the user would otherwise
copy by hand (documented column by column in docs/entities.md). Their pipeline is
:mod:`andmesh.enterprise.entities.builtin`. A hand-written product of the same id wins:
nothing is generated for it (an override may add columns, tags, classifications).

An Entity naming a ``products.profile`` nobody wrote gets the generic profile of
:mod:`andmesh.enterprise.entities.activity` (records per source, first and last seen).

The descriptors are plain dictionaries validated by the loader exactly as a product.yaml
and a contract.yaml are, so the generated products lint, run and gate like any other.
This module stays light (no ibis, pyarrow or DuckDB): the loader imports it.

>>> spec = {"name": "vendor", "idPrefix": "EV-", "owner": "pat",
...         "attributes": [{"name": "name"}, {"name": "iban", "golden": False}],
...         "sources": [{"product": "ap.vendors", "record": "vendor_id", "columns": {"name": "n"}}],
...         "products": {"xref": "enterprise.vendor_xref", "master": "enterprise.vendor_master"}}
>>> [p["name"] for p in xref_contract(spec)["schema"][0]["properties"]]
['entity_id', 'source', 'record_id', 'match_probability', 'match_method', 'model_version']
>>> [p["name"] for p in master_contract(spec)["schema"][0]["properties"]]
['entity_id', 'name', 'name_source', 'records', 'sources']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

# The pipeline of every generated product (dispatching on the product id).
BUILTIN_PIPELINE = Path(__file__).with_name("builtin.py")

MATCH_METHODS = ["key", "identifier", "steward", "probabilistic", "identical", "none"]

Spec = Mapping[str, Any]


def _title(spec: Spec) -> str:
    return str(spec.get("title") or spec["name"]).lower()


def _id_pattern(spec: Spec) -> str:
    prefix = str(spec["idPrefix"]).replace("-", "\\-")
    return f"^{prefix}[0-9]{{6,}}$"


def _split(product_id: str) -> tuple[str, str]:
    domain, _, name = product_id.partition(".")
    return domain, name


def _entity_id(spec: Spec, *, key: bool) -> dict[str, Any]:
    column: dict[str, Any] = {
        "name": "entity_id",
        "description": f"Enterprise {_title(spec)} id ({spec['idPrefix']} and a number, kept from one version to the next).",
        "logicalType": "string",
        "physicalType": "varchar",
        "required": True,
        "criticalDataElement": True,
        "logicalTypeOptions": {"pattern": _id_pattern(spec)},
    }
    if key:
        column.update({"primaryKey": True, "primaryKeyPosition": 1, "unique": True})
    return column


def _team(owner: str | None) -> list[dict[str, str]]:
    return [{"username": owner, "role": "owner"}] if owner else []


def _contract(
    spec: Spec, product_id: str, purpose: str, properties: list[dict[str, Any]], owner: str | None
) -> dict[str, Any]:
    domain, name = _split(product_id)
    contract: dict[str, Any] = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": product_id,
        "name": name,
        "version": "1.0.0",
        "status": "active",
        "domain": domain,
        "dataProduct": product_id,
        "description": {
            "purpose": purpose,
            "limitations": f"Generated from the Entity spec `{spec['name']}`; write a product `{product_id}` to override it.",
        },
        "schema": [
            {
                "name": name,
                "physicalType": "table",
                "quality": [{"metric": "rowCount", "mustBeGreaterThan": 0}],
                "properties": properties,
            }
        ],
    }
    if owner:
        contract["team"] = {"name": domain, "members": _team(owner)}
    return contract


def xref_contract(spec: Spec, owner: str | None = None) -> dict[str, Any]:
    """The cross-reference's contract: one row per (source, record_id)."""
    sources = [str(s["product"]) for s in spec.get("sources", [])]
    entity_id = _entity_id(spec, key=False)
    properties: list[dict[str, Any]] = [
        entity_id,
        {
            "name": "source",
            "description": "Product id of the unit's product holding the record.",
            "logicalType": "string",
            "physicalType": "varchar",
            "primaryKey": True,
            "primaryKeyPosition": 1,
            "required": True,
            "criticalDataElement": True,
            "quality": [{"metric": "invalidValues", "arguments": {"validValues": sources}, "mustBe": 0}],
        },
        {
            "name": "record_id",
            "description": "The record's id in its source, as text.",
            "logicalType": "string",
            "physicalType": "varchar",
            "primaryKey": True,
            "primaryKeyPosition": 2,
            "required": True,
            "criticalDataElement": True,
        },
        {
            "name": "match_probability",
            "description": "Probability of the strongest link joining the record to its entity "
            "(1 for keys, identifiers and stewards' confirmations; null when alone).",
            "logicalType": "number",
            "physicalType": "double",
            "logicalTypeOptions": {"minimum": 0, "maximum": 1},
        },
        {
            "name": "match_method",
            "description": "How the record was linked: " + ", ".join(MATCH_METHODS) + ".",
            "logicalType": "string",
            "physicalType": "varchar",
            "required": True,
            "quality": [
                {"metric": "invalidValues", "arguments": {"validValues": MATCH_METHODS}, "mustBe": 0}
            ],
        },
        {
            "name": "model_version",
            "description": "Version (hash) of the linkage model trained in the run.",
            "logicalType": "string",
            "physicalType": "varchar",
            "required": True,
            "logicalTypeOptions": {"pattern": "^[0-9a-f]{12}$"},
        },
    ]
    purpose = f"Every unit's record of a {_title(spec)} mapped to one enterprise id."
    return _contract(spec, spec["products"]["xref"], purpose, properties, owner)


# Strictest first: a golden value is as sensitive as the strictest column it may come from.
_STRICTNESS = ("restricted", "confidential", "pii", "sensitive", "internal", "public")


def _strictest(values: list[str]) -> str | None:
    """
    >>> _strictest(["internal", "pii"]), _strictest([]), _strictest(["secret", "pii"])
    ('pii', None, 'secret')
    """
    if not values:
        return None
    return min(values, key=lambda v: _STRICTNESS.index(v) if v in _STRICTNESS else -1)


def attribute_classifications(
    spec: Spec, ports: Mapping[str, list[tuple[str, str]]], classified: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """Each attribute's strictest classification among the source columns it is read from.

    ``classified``: contract id → column → its ``classification`` in that contract.
    """
    found: dict[str, list[str]] = {}
    for source in spec.get("sources", []):
        port = _input(str(source["product"]), ports, source.get("port"))
        if port is None:
            continue
        columns = classified.get(port[1], {})
        for attribute, column in (source.get("columns") or {}).items():
            name = str(column.get("column") if isinstance(column, Mapping) else column)
            if name in columns:
                found.setdefault(str(attribute), []).append(columns[name])
    return {a: c for a, values in found.items() if (c := _strictest(values))}


def master_contract(
    spec: Spec, owner: str | None = None, classifications: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The golden record's contract: entity_id, each golden attribute and its source, counts.

    An attribute carries the strictest classification of the source columns it comes from
    (so the personal-data policy sees a golden name as personal as the units' names);
    ``<attribute>_source`` names a product: internal.
    """
    xref_name = _split(spec["products"]["xref"])[1]
    entity_id = _entity_id(spec, key=True)
    entity_id["relationships"] = [{"type": "foreignKey", "to": f"{xref_name}.entity_id"}]
    properties: list[dict[str, Any]] = [entity_id]
    for attr in spec.get("attributes", []):
        if not attr.get("golden", True):
            continue
        name = str(attr["name"])
        golden: dict[str, Any] = {
            "name": name,
            "description": str(attr.get("description") or f"The {name.replace('_', ' ')}")
            + f" (survivorship: {attr.get('survivorship', 'most_trusted')}).",
            "logicalType": "string",
            "physicalType": "varchar",
        }
        if classifications and name in classifications:
            golden["classification"] = classifications[name]
        properties.append(golden)
        properties.append(
            {
                "name": f"{name}_source",
                "description": f"Product the {name.replace('_', ' ')} came from.",
                "logicalType": "string",
                "physicalType": "varchar",
                "classification": "internal",
            }
        )
    for name, what in (
        ("records", "Domain records linked to the entity."),
        ("sources", "Units' products holding a record of it."),
    ):
        properties.append(
            {
                "name": name,
                "description": what,
                "logicalType": "integer",
                "physicalType": "bigint",
                "required": True,
                "logicalTypeOptions": {"minimum": 1},
            }
        )
    purpose = f"One golden record per enterprise {_title(spec)}."
    return _contract(spec, spec["products"]["master"], purpose, properties, owner)


def _records_column(product_id: str) -> str:
    return product_id.replace(".", "_") + "_records"  # as activity.records_column (no DuckDB import here)


def profile_contract(spec: Spec, owner: str | None = None) -> dict[str, Any]:
    """The generic profile's contract: where and when each enterprise id is recorded."""
    xref_name = _split(spec["products"]["xref"])[1]
    entity_id = _entity_id(spec, key=True)
    entity_id["relationships"] = [{"type": "foreignKey", "to": f"{xref_name}.entity_id"}]

    def count(name: str, what: str, minimum: int) -> dict[str, Any]:
        return {
            "name": name,
            "description": what,
            "logicalType": "integer",
            "physicalType": "bigint",
            "required": True,
            "logicalTypeOptions": {"minimum": minimum},
        }

    properties: list[dict[str, Any]] = [
        entity_id,
        count("records", "Domain records linked to the entity.", 1),
        count("sources", "Units' products holding a record of it.", 1),
    ]
    for source in spec.get("sources", []):
        product = str(source["product"])
        properties.append(count(_records_column(product), f"Records of it in {product}.", 0))
    for name, what in (("first_seen", "Earliest"), ("last_seen", "Latest")):
        properties.append(
            {
                "name": name,
                "description": f"{what} `updatedAt` of its records (null when no source tells).",
                "logicalType": "timestamp",
                "physicalType": "timestamp",
            }
        )
    purpose = f"Where and when each enterprise {_title(spec)} is recorded, unit by unit."
    return _contract(spec, spec["products"]["profile"], purpose, properties, owner)


def _input(
    product_id: str, ports: Mapping[str, list[tuple[str, str]]], port: str | None
) -> tuple[str, str] | None:
    """(port name, contract id) of the output port of ``product_id`` the entity reads."""
    outputs = ports.get(product_id) or []
    if port is not None:
        return next((o for o in outputs if o[0] == port), None)
    return outputs[0] if outputs else None


def _inputs(
    product_ids: list[tuple[str, str | None]], ports: Mapping[str, list[tuple[str, str]]]
) -> list[dict[str, str]]:
    inputs: list[dict[str, str]] = []
    names: set[str] = set()
    for product_id, port in dict.fromkeys(product_ids):
        found = _input(product_id, ports, port)
        if found is None:
            continue  # the Entity's own check names the missing product or port
        name = found[0] if found[0] not in names else product_id.replace(".", "_")
        names.add(name)
        inputs.append({"name": name, "version": "1.0.0", "contractId": found[1]})
    return inputs


def _product(
    spec: Spec, product_id: str, purpose: str, inputs: list[dict[str, str]], function: str, owner: str | None
) -> dict[str, Any]:
    domain, name = _split(product_id)
    return {
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": product_id,
        "name": name,
        "version": "1.0.0",
        "status": "active",
        "domain": domain,
        "description": {
            "purpose": purpose,
            "limitations": f"Generated from the Entity spec `{spec['name']}` (docs/entities.md); "
            f"write a product `{product_id}` to override it.",
        },
        "tags": ["master-data", str(spec["name"])],
        "team": _team(owner),
        "inputPorts": inputs,
        "outputPorts": [{"name": name, "type": "table", "version": "1.0.0", "contractId": product_id}],
        "customProperties": [{"property": "pipeline", "value": f"{BUILTIN_PIPELINE}:{function}"}],
    }


def generated_documents(
    spec: Spec,
    ports: Mapping[str, list[tuple[str, str]]],
    declared: set[str],
    default_owner: Mapping[str, str],
    members: Mapping[str, set[str]] | None = None,
    classified: Mapping[str, Mapping[str, str]] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """(products key, document) of every product and contract to generate for one Entity spec.

    ``ports``: each declared product's output ports as (name, contract id); ``declared``:
    ids of hand-written products (never generated); ``default_owner``: each domain's owner,
    for an Entity without one or whose owner is not among the domain's ``members``;
    ``classified``: contract id → column → classification (see :func:`master_contract`).
    """
    products = spec.get("products") or {}
    xref, master, profile = products.get("xref"), products.get("master"), products.get("profile")
    docs: list[tuple[str, dict[str, Any]]] = []
    sources = [(str(s["product"]), s.get("port")) for s in spec.get("sources", [])]
    links = [(str(link["product"]), link.get("port")) for link in spec.get("links", [])]
    for key, product_id in (("xref", xref), ("master", master), ("profile", profile)):
        if not product_id or product_id in declared or "." not in product_id:
            continue
        domain = _split(product_id)[0]
        owner = spec.get("owner")
        if not owner or (members is not None and owner not in members.get(domain, set())):
            owner = default_owner.get(domain)
        if key == "xref":
            inputs = _inputs(sources + links, ports)
            purpose = f"Every record each unit keeps of a {_title(spec)}, mapped to one enterprise id."
            docs.append((key, _product(spec, product_id, purpose, inputs, "xref", owner)))
            docs.append((key, xref_contract(spec, owner)))
            continue
        upstream = dict(ports)
        if xref:
            upstream.setdefault(xref, [(_split(xref)[1], xref)])  # a generated xref: contract id = product id
        if key == "master":
            inputs = _inputs(([(xref, None)] if xref else []) + sources, upstream)
            purpose = f"The golden record of every enterprise {_title(spec)}, attribute by attribute."
            docs.append((key, _product(spec, product_id, purpose, inputs, "master", owner)))
            classes = attribute_classifications(spec, ports, classified or {})
            docs.append((key, master_contract(spec, owner, classes)))
        else:
            dated = [
                (str(s["product"]), s.get("port")) for s in spec.get("sources", []) if s.get("updatedAt")
            ]
            inputs = _inputs(([(xref, None)] if xref else []) + dated, upstream)
            purpose = f"Where and when each enterprise {_title(spec)} is recorded, unit by unit."
            docs.append((key, _product(spec, product_id, purpose, inputs, "profile", owner)))
            docs.append((key, profile_contract(spec, owner)))
    return docs
