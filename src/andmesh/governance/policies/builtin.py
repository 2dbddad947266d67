"""The built-in policy rules: each a function of (context, product, params) → violation messages.

A mesh gets every built-in rule as a warning; a ``Policy`` spec with ``builtin: <name>``
raises it to ``block``, changes its params, or turns it off (``enabled: false``). Built-ins
never block a mesh that has not said so: adopting governance must not stop running meshes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from open_data_contract_standard.model import SchemaProperty

from andmesh.spec.mesh import Contract, Mesh, Product

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
# Property names that usually hold personal data (persons' names, contacts, identifiers).
# A person's name is personal data; a nation's, a part's or a product's is not, so names count
# only where the word before says whose: never a bare `_name` suffix.
PII_NAMES = (
    r"(email|e_mail|phone|mobile|fax|tax_id|vat_id|iban|bic|street|address|contact|birth|passport|ssn"
    r"|(first|last|given|family|middle|maiden|full|person|employee)_?name)"
)


@dataclass(frozen=True)
class PolicyContext:
    """What a rule may look at besides the product: the whole mesh and the date of evaluation."""

    mesh: Mesh
    as_of: dt.datetime


Rule = Callable[[PolicyContext, Product, dict[str, Any]], list[str]]


@dataclass(frozen=True)
class BuiltinRule:
    name: str
    description: str
    severity: str
    check: Rule


def _properties(product: Product) -> Iterator[tuple[Contract, SchemaProperty]]:
    for port in product.outputs:
        for prop in port.contract.properties:
            yield port.contract, prop


def has_owner(ctx: PolicyContext, product: Product, params: dict[str, Any]) -> list[str]:
    if product.owner:
        return []
    return ["no team member has the role `owner` (add one to the product's `team`)"]


def has_description(ctx: PolicyContext, product: Product, params: dict[str, Any]) -> list[str]:
    description = product.spec.description
    purpose = getattr(description, "purpose", None) if description is not None else None
    minimum = int(params.get("minLength", 20))
    if not purpose or len(purpose.strip()) < minimum:
        return [f"`description.purpose` is missing or shorter than {minimum} characters"]
    missing = [
        p.contract.id for p in product.outputs if not (p.contract.model.description or p.contract.properties)
    ]
    return [f"contract `{c}` has no description" for c in missing]


def pii_classified(ctx: PolicyContext, product: Product, params: dict[str, Any]) -> list[str]:
    pattern = re.compile(str(params.get("pattern", PII_NAMES)))
    return [
        f"`{contract.id}.{prop.name}` looks like personal data but has no `classification`"
        for contract, prop in _properties(product)
        if prop.name and pattern.search(prop.name) and not prop.classification
    ]


def critical_data_elements_have_quality(
    ctx: PolicyContext, product: Product, params: dict[str, Any]
) -> list[str]:
    """A critical data element carries at least one check: required, unique, a format or a quality rule."""
    out = []
    for contract, prop in _properties(product):
        if not prop.criticalDataElement:
            continue
        options = prop.logicalTypeOptions or {}
        if prop.required or prop.unique or prop.primaryKey or prop.quality or options:
            continue
        out.append(f"critical data element `{contract.id}.{prop.name}` has no quality rule")
    return out


def sla_declared(ctx: PolicyContext, product: Product, params: dict[str, Any]) -> list[str]:
    wanted = {str(p).lower() for p in params.get("properties", ["freshness"])}
    out = []
    for port in product.outputs:
        declared = {(sla.property or "").lower() for sla in port.contract.model.slaProperties or []}
        missing = sorted(wanted - declared - ({"freshness"} if "latency" in declared else set()))
        if missing:
            out.append(f"contract `{port.contract.id}` declares no SLA for {', '.join(missing)}")
    return out


def naming_conventions(ctx: PolicyContext, product: Product, params: dict[str, Any]) -> list[str]:
    pattern = re.compile(str(params.get("pattern", SNAKE.pattern)))
    names = [("product", product.name)] + [("port", p.name) for p in product.outputs]
    names += [("column", f"{c.id}.{p.name}") for c, p in _properties(product)]
    return [
        f"{kind} `{name}` does not match `{pattern.pattern}`"
        for kind, name in names
        if not pattern.match(name.rsplit(".", 1)[-1])
    ]


def _custom(contract: Contract, key: str) -> Any:
    for prop in contract.model.customProperties or []:
        if prop.property == key:
            return prop.value
    return None


def no_consumer_on_deprecated_version(
    ctx: PolicyContext, product: Product, params: dict[str, Any]
) -> list[str]:
    """No input port reads a contract that is deprecated past its ``deprecationDate`` (a custom property)."""
    out = []
    for ref in product.inputs:
        upstream = ctx.mesh.products.get(ref.product_id)
        if upstream is None:
            continue
        contract = upstream.output(ref.port).contract
        if (contract.model.status or "").lower() not in ("deprecated", "retired"):
            continue
        until = _custom(contract, "deprecationDate")
        day = dt.date.fromisoformat(str(until)[:10]) if until else None
        if day is None or ctx.as_of.date() > day:
            when = f"since {day}" if day else "with no deprecation date"
            out.append(f"reads `{contract.id}` v{contract.version}, deprecated {when}: move to its successor")
    return out


BUILTINS: dict[str, BuiltinRule] = {
    rule.name: rule
    for rule in (
        BuiltinRule("product_has_owner", "every product has an owner", "warn", has_owner),
        BuiltinRule(
            "product_has_description",
            "every product says what it is for (ODPS description.purpose)",
            "warn",
            has_description,
        ),
        BuiltinRule(
            "pii_classified",
            "properties that look like personal data are classified",
            "warn",
            pii_classified,
        ),
        BuiltinRule(
            "critical_data_elements_have_quality",
            "critical data elements carry quality rules",
            "warn",
            critical_data_elements_have_quality,
        ),
        BuiltinRule("sla_declared", "every contract declares its freshness SLA", "warn", sla_declared),
        BuiltinRule(
            "naming_conventions", "products, ports and columns are snake_case", "warn", naming_conventions
        ),
        BuiltinRule(
            "no_consumer_on_deprecated_version",
            "no product reads a deprecated contract past its date",
            "warn",
            no_consumer_on_deprecated_version,
        ),
    )
}
