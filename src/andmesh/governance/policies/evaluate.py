"""Evaluate every policy on every product it applies to: built-in, Python and SQL rules.

A rule that raises, or a SQL rule that does not return ``product_id`` and ``message``,
is an ``error`` — never a pass; an error of a blocking policy blocks like a failure.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from andmesh.engine import Engine, EngineSession
from andmesh.governance.policies.builtin import BUILTINS, PolicyContext
from andmesh.governance.policies.catalog import catalog_session
from andmesh.governance.policies.results import PolicyReport, PolicyResult, compliance_by_domain
from andmesh.spec.governance import CATALOG_TABLES, Policy, PolicySpec
from andmesh.spec.mesh import Mesh, Product
from andmesh.spec.sqlguard import guard_select


@dataclass(frozen=True)
class EffectivePolicy:
    """A policy as it runs: built-in defaults overlaid with the mesh's ``Policy`` spec."""

    name: str
    severity: str
    description: str
    spec: PolicySpec | None
    policy: Policy | None

    def applies_to(self, product: Product) -> bool:
        scope = self.spec.appliesTo if self.spec else None
        if scope is None:
            return True
        if scope.domains and product.domain not in scope.domains:
            return False
        return not (scope.products and product.id not in scope.products)


def effective_policies(mesh: Mesh) -> list[EffectivePolicy]:
    """Every built-in rule (tuned or turned off by a spec naming it) plus the user's rules."""
    tuned = {p.spec.builtin: p for p in mesh.policies.values() if p.spec.builtin}
    out = []
    for name, rule in BUILTINS.items():
        policy = tuned.get(name)
        if policy is not None and not policy.spec.enabled:
            continue
        out.append(
            EffectivePolicy(
                policy.name if policy else name,
                policy.spec.severity if policy else rule.severity,
                (policy.spec.description if policy and policy.spec.description else rule.description),
                policy.spec if policy else None,
                policy,
            )
        )
    for policy in mesh.policies.values():
        if policy.spec.builtin is None and policy.spec.enabled:
            out.append(
                EffectivePolicy(
                    policy.name, policy.spec.severity, policy.spec.description or "", policy.spec, policy
                )
            )
    return out


def _load_python(policy: Policy) -> Callable[..., Iterable[str]]:
    assert policy.python_file is not None and policy.python_function is not None
    module_spec = importlib.util.spec_from_file_location(f"andmesh_policy_{policy.name}", policy.python_file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot import {policy.python_file}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    function = getattr(module, policy.python_function, None)
    if not callable(function):
        raise AttributeError(f"{policy.python_file} has no function `{policy.python_function}`")
    return function


def _sql_violations(session: EngineSession, sql: str) -> dict[str, list[str]]:
    """A SQL policy's violations by product: checked by the guard, run on the sealed catalog session."""
    query = guard_select(sql, CATALOG_TABLES).sql
    rows = session.fetch_user(query)  # sealed first; then the query's own columns, even with no rows
    names = (
        {c.lower(): c for c in rows[0]}
        if rows
        else {c.lower(): c for c, _, _ in session.columns(f"({query})")}
    )
    if "product_id" not in names or "message" not in names:
        raise ValueError(f"the query must return `product_id` and `message`; it returns {', '.join(names)}")
    out: dict[str, list[str]] = {}
    products = [row[names["product_id"]] for row in rows]
    messages = [row[names["message"]] for row in rows]
    for product, message in zip(products, messages, strict=True):
        out.setdefault(str(product), []).append(str(message))
    return out


def evaluate_policies(
    mesh: Mesh,
    products: Iterable[str] | None = None,
    *,
    as_of: dt.datetime | None = None,
    engine: Engine | None = None,
) -> PolicyReport:
    """Every effective policy on every selected product (all when ``products`` is None).

    SQL policies run on ``engine`` (a run passes its own), else on the mesh's ``engine:``;
    a mesh without SQL policies opens no engine session at all.
    """
    now = dt.datetime.now(dt.UTC)
    ctx = PolicyContext(mesh, as_of or mesh.spec.asOf or now)
    selected = [mesh.products[p] for p in (products if products is not None else sorted(mesh.products))]
    policies = effective_policies(mesh)
    results: list[PolicyResult] = []
    session: EngineSession | None = None
    try:
        for policy in policies:
            targets = [p for p in selected if policy.applies_to(p)]
            if not targets:
                continue
            check: Callable[[Product], list[str]]
            failure: str | None = None
            try:
                check = _checker(policy, ctx)
                if policy.spec is not None and policy.spec.sql:
                    session = session or catalog_session(mesh, engine)
                    check = _lookup(_sql_violations(session, policy.spec.sql))
            except Exception as exc:
                failure = f"cannot evaluate: {type(exc).__name__}: {exc}"
            for product in targets:
                results.append(_result(policy, product, check if failure is None else None, failure))
    finally:
        if session is not None:
            session.close()
    return PolicyReport(
        mesh=mesh.name,
        evaluated_at=now,
        policies=[p.name for p in policies],
        results=results,
        by_domain=compliance_by_domain(results),
    )


def _lookup(found: dict[str, list[str]]) -> Callable[[Product], list[str]]:
    """A SQL rule's violations, looked up per product."""
    return lambda product: found.get(product.id, [])


def _checker(policy: EffectivePolicy, ctx: PolicyContext) -> Callable[[Product], list[str]]:
    spec = policy.spec
    if spec is None or spec.builtin:
        rule = BUILTINS[spec.builtin if spec and spec.builtin else policy.name]
        params: dict[str, Any] = spec.params if spec else {}
        return lambda product: rule.check(ctx, product, params)
    if spec.python:
        assert policy.policy is not None
        function = _load_python(policy.policy)
        return lambda product: [str(m) for m in function(ctx, product) or []]
    return lambda product: []  # replaced by the SQL result


def _result(
    policy: EffectivePolicy,
    product: Product,
    check: Callable[[Product], list[str]] | None,
    failure: str | None,
) -> PolicyResult:
    base: dict[str, Any] = {
        "policy": policy.name,
        "severity": policy.severity,
        "product_id": product.id,
        "domain": product.domain,
    }
    if check is None:
        return PolicyResult(**base, status="error", messages=[failure or "cannot evaluate"])
    try:
        messages = check(product)
    except Exception as exc:
        return PolicyResult(
            **base, status="error", messages=[f"cannot evaluate: {type(exc).__name__}: {exc}"]
        )
    return PolicyResult(**base, status="failed" if messages else "passed", messages=messages)
