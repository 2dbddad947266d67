"""Policies as code: each built-in rule passes and fails on fixtures; Python and SQL rules; blocking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from andmesh.facade import Andmesh
from andmesh.governance.policies import BUILTINS, PolicyContext, evaluate_policies
from andmesh.pipeline import PortStatus
from andmesh.spec import Mesh, lint_mesh, load_mesh
from tests.helpers import edit

CONTRACT = "domains/sales/products/customers/contract.yaml"
PRODUCT = "domains/sales/products/customers/product.yaml"


def policy(mesh: Path, name: str, body: str) -> None:
    folder = mesh / "governance" / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(f"apiVersion: andmesh/v1\nkind: Policy\nname: {name}\n{body}")


def result(mesh: Path, name: str) -> tuple[str, list[str]]:
    report = evaluate_policies(load_mesh(mesh))
    found = next(r for r in report.results if r.policy == name and r.product_id == "sales.customers")
    return found.status, found.messages


# (built-in rule, edit that breaks it: (file, old, new), message fragment)
BREAKS = [
    ("product_has_description", (PRODUCT, "purpose:", "usage:"), "`description.purpose` is missing"),
    (
        "pii_classified",
        (CONTRACT, "        classification: pii\n      - name: segment", "      - name: segment"),
        "`sales.customers.email` looks like personal data",
    ),
    (
        "critical_data_elements_have_quality",
        (
            CONTRACT,
            "      - name: credit_limit\n        logicalType: number\n        logicalTypeOptions:\n          minimum: 0\n",
            "      - name: credit_limit\n        logicalType: number\n        criticalDataElement: true\n",
        ),
        "critical data element `sales.customers.credit_limit` has no quality rule",
    ),
    ("sla_declared", None, "declares no SLA for freshness"),
    (
        "naming_conventions",
        (CONTRACT, "      - name: created_on", "      - name: createdOn"),
        "column `sales.customers.createdOn`",
    ),
]


@pytest.mark.parametrize(("rule", "change", "message"), BREAKS)
def test_builtin_rule_passes_then_fails(
    mesh_dir: Path, rule: str, change: tuple[str, str, str] | None, message: str
) -> None:
    if rule == "sla_declared":
        # The scaffolded contract declares no SLA: add one, it passes; the fixture as is fails.
        status, messages = result(mesh_dir, rule)
        assert status == "failed" and message in messages[0]
        contract = mesh_dir / CONTRACT
        contract.write_text(
            contract.read_text()
            + "slaProperties:\n  - {property: freshness, value: 1, unit: d, element: customers.created_on}\n"
        )
        assert result(mesh_dir, rule) == ("passed", [])
        return
    assert result(mesh_dir, rule) == ("passed", [])
    assert change is not None
    edit(mesh_dir / change[0], change[1], change[2])
    status, messages = result(mesh_dir, rule)
    assert status == "failed"
    assert any(message in m for m in messages), messages


def test_owner_rule(mesh_dir: Path) -> None:
    # Lint already refuses a product without an owner; the policy still guards meshes built in code.
    mesh = load_mesh(mesh_dir)
    assert BUILTINS["product_has_owner"].check(_ctx(mesh), mesh.products["sales.customers"], {}) == []
    for member in mesh.products["sales.customers"].spec.team or []:
        member.role = "analyst"
    messages = BUILTINS["product_has_owner"].check(_ctx(mesh), mesh.products["sales.customers"], {})
    assert messages == ["no team member has the role `owner` (add one to the product's `team`)"]


def _ctx(mesh: Mesh) -> PolicyContext:
    return PolicyContext(mesh, dt.datetime(2026, 11, 24, tzinfo=dt.UTC))


def test_deprecated_contract_past_its_date_fails_its_consumers(mesh_dir: Path) -> None:
    from tests.pipeline.conftest import SEGMENTS_CONTRACT, SEGMENTS_PIPELINE, SEGMENTS_PRODUCT

    segments = mesh_dir / "domains/sales/products/segments"
    segments.mkdir(parents=True)
    (segments / "product.yaml").write_text(SEGMENTS_PRODUCT)
    (segments / "segments.py").write_text(SEGMENTS_PIPELINE)
    (segments / "contract.yaml").write_text(SEGMENTS_CONTRACT)
    report = evaluate_policies(load_mesh(mesh_dir))
    assert all(
        r.status == "passed" for r in report.results if r.policy == "no_consumer_on_deprecated_version"
    )
    edit(
        mesh_dir / CONTRACT,
        "status: active",
        "status: deprecated\ncustomProperties:\n  - {property: deprecationDate, value: '2020-01-31'}",
    )
    report = evaluate_policies(load_mesh(mesh_dir))
    failed = [
        r for r in report.results if r.policy == "no_consumer_on_deprecated_version" and r.status == "failed"
    ]
    assert [r.product_id for r in failed] == ["sales.segments"]
    assert "deprecated since 2020-01-31" in failed[0].messages[0]


def test_sql_rule_over_the_catalog(mesh_dir: Path) -> None:
    policy(
        mesh_dir,
        "limits_are_bounded",
        "severity: warn\nsql: |\n  select product_id, 'unbounded ' || name as message from properties\n"
        "  where name like '%limit%' and not required\n",
    )
    assert result(mesh_dir, "limits_are_bounded") == ("failed", ["unbounded credit_limit"])


def test_python_rule_and_its_errors(mesh_dir: Path) -> None:
    rules = mesh_dir / "governance" / "policies" / "rules.py"
    rules.parent.mkdir(parents=True)
    rules.write_text(
        "def short_names(ctx, product):\n"
        "    return [f'{product.name} is long'] if len(product.name) > 5 else []\n"
        "def broken(ctx, product):\n"
        "    raise RuntimeError('no catalog')\n"
    )
    policy(mesh_dir, "short_names", "python: rules.py:short_names\n")
    policy(mesh_dir, "broken_rule", "severity: block\npython: rules.py:broken\n")
    assert result(mesh_dir, "short_names") == ("failed", ["customers is long"])
    # A rule that cannot be evaluated is an error, never a pass — and a blocking error blocks.
    status, messages = result(mesh_dir, "broken_rule")
    assert status == "error" and "RuntimeError: no catalog" in messages[0]
    assert "sales.customers" in evaluate_policies(load_mesh(mesh_dir)).blocked_products()


@pytest.mark.parametrize(
    ("body", "message", "hint"),
    [
        (
            "builtin: pii_clasified\n",
            "unknown built-in rule `pii_clasified`",
            "did you mean `pii_classified`?",
        ),
        ("python: nowhere.py:rule\n", "no file", "relative to this spec file"),
        ("sql: delete from products\n", "a SELECT is expected, found DELETE", "one SELECT"),
        ("builtin: pii_classified\nsql: select 1\n", "exactly one rule", "`builtin: <name>`"),
        ("builtin: sla_declared\nseverity: stop\n", "'stop' is not allowed", None),
    ],
)
def test_broken_policy_spec_is_a_located_lint_error(
    mesh_dir: Path, body: str, message: str, hint: str | None
) -> None:
    policy(mesh_dir, "bad", body)
    problems = [p for p in lint_mesh(mesh_dir).errors if message in p.message]
    assert problems, [p.format() for p in lint_mesh(mesh_dir).problems]
    assert problems[0].file == mesh_dir / "governance" / "policies" / "bad.yaml"
    assert problems[0].line is not None
    if hint:
        assert hint in (problems[0].hint or "")


def test_builtins_warn_unless_the_mesh_makes_them_block(mesh_dir: Path, andmesh: Andmesh) -> None:
    assert all(rule.severity == "warn" for rule in BUILTINS.values())
    edit(mesh_dir / CONTRACT, "        classification: pii\n      - name: segment", "      - name: segment")
    assert andmesh.run(mesh_dir, data=mesh_dir / "data").exit_code == 0  # a warning does not block
    policy(mesh_dir, "owned", "builtin: pii_classified\nseverity: block\n")
    edit(mesh_dir / "data/sales/customers.csv", "C003,", "C005,")  # new data: would publish v2
    result = andmesh.run(mesh_dir, data=mesh_dir / "data")
    outcome = result.outcomes[0]
    assert outcome.status == PortStatus.blocked and result.exit_code == 1
    assert "policy `owned`" in (outcome.message or "")
    assert andmesh.warehouse.current("sales.customers").version == 1  # type: ignore[union-attr]
    policy(mesh_dir, "owned", "builtin: pii_classified\nseverity: block\nenabled: false\n")
    assert andmesh.run(mesh_dir, data=mesh_dir / "data").outcomes[0].status == PortStatus.published
    history = andmesh.compliance_history()
    assert {row["domain"] for row in history} == {"sales"}
    assert len({row["evaluated_at"] for row in history}) == 3  # one evaluation per run


def test_lint_checks_policies_and_exits_1_when_one_blocks(mesh_dir: Path) -> None:
    from typer.testing import CliRunner

    from andmesh.cli.app import app

    runner = CliRunner()
    edit(mesh_dir / CONTRACT, "        classification: pii\n      - name: segment", "      - name: segment")
    result = runner.invoke(app, ["lint", str(mesh_dir)])
    assert result.exit_code == 0, result.output  # a warning
    assert (
        "policy pii_classified · sales.customers: `sales.customers.email` looks like personal data"
        in result.output
    )
    policy(mesh_dir, "pii", "builtin: pii_classified\nseverity: block\n")
    result = runner.invoke(app, ["lint", str(mesh_dir)])
    assert result.exit_code == 1, result.output
    assert "policy (blocks) pii" in result.output and "policies block" in result.output


EXAMPLE_PII = Path(__file__).parents[2] / "examples/order_to_cash/governance/policies/pii.yaml"


@pytest.mark.parametrize(
    ("column", "personal"),
    [
        ("email", True),
        ("first_name", True),
        ("family_name", True),
        ("contact_phone", True),
        ("nation_name", False),
        ("p_name", False),
        ("product_name", False),
        ("region_name", False),
    ],
)
def test_personal_data_patterns_flag_people_not_every_name(column: str, personal: bool) -> None:
    """The built-in default and the reference mesh's pattern: a name is personal when it says whose."""
    import re

    import yaml

    from andmesh.governance.policies.builtin import PII_NAMES

    example = yaml.safe_load(EXAMPLE_PII.read_text())["params"]["pattern"]
    assert bool(re.search(PII_NAMES, column)) is personal
    if not personal:
        assert not re.search(example, column)
    for party in ("debtor_name", "payer_name", "bill_to_name", "customer_name", "email"):
        assert re.search(example, party), party
