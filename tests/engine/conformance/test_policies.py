"""SQL policies run on the engine in use, with the same results on every engine.

The catalog (products, ports, properties) is copied into a sealed session of the engine; a
policy's SQL is guarded, then runs there. The mesh's ``engine:`` decides when the caller passes
no engine (``andmesh policies check``, ``lint``); a run passes its own (``--engine``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from andmesh.engine.base import Engine
from andmesh.governance.policies import evaluate_policies
from andmesh.governance.policies.catalog import catalog_session
from andmesh.spec import load_mesh
from tests.security.hostile import make_canary, queries


def _policy(mesh: Path, name: str, sql: str) -> None:
    folder = mesh / "governance" / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    body = {"apiVersion": "andmesh/v1", "kind": "Policy", "name": name, "severity": "warn", "sql": sql}
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(body, sort_keys=False, width=1000), encoding="utf-8")


def _on(mesh: Path, engine_name: str) -> None:
    """Set ``engine:`` in ``mesh.yaml``."""
    file = mesh / "mesh.yaml"
    spec = yaml.safe_load(file.read_text(encoding="utf-8"))
    spec["engine"] = engine_name
    file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def test_sql_policies_give_the_same_results_on_every_engine(mesh_dir: Path, engine: Engine) -> None:
    _policy(
        mesh_dir,
        "limits_are_bounded",
        "select product_id, 'unbounded ' || name || ' (it''s ' || logical_type || ')' as message "
        "from properties where name like '%limit%' and not required",
    )
    _policy(
        mesh_dir,
        "few_rules",
        "select p.product_id, 'rules: ' || cast(sum(quality_rules) as varchar) || ', keys: ' "
        "|| cast(count(*) filter (where primary_key) as varchar) as message "
        "from properties p join products d on d.product_id = p.product_id group by p.product_id",
    )
    _policy(mesh_dir, "nothing", "select product_id, 'never' as message from ports where false")
    report = evaluate_policies(load_mesh(mesh_dir), engine=engine)
    found = {(r.policy, r.product_id): (r.status, r.messages) for r in report.results}
    assert found[("limits_are_bounded", "sales.customers")] == (
        "failed",
        ["unbounded credit_limit (it's number)"],
    )
    status, messages = found[("few_rules", "sales.customers")]
    assert status == "failed" and messages[0].startswith("rules: ") and ", keys: 1" in messages[0]
    assert found[("nothing", "sales.customers")] == ("passed", [])


def test_the_mesh_engine_is_the_default(mesh_dir: Path, engine: Engine) -> None:
    _on(mesh_dir, engine.name)
    session = catalog_session(load_mesh(mesh_dir))
    try:
        assert type(session).__module__ == f"andmesh.engine.{engine.name}"
        assert session.fetch_user("SELECT count(*) AS n FROM products") == [{"n": 1}]
    finally:
        session.close()


def test_a_hostile_policy_is_an_error_and_reads_nothing(
    mesh_dir: Path, engine: Engine, tmp_path: Path
) -> None:
    canary = make_canary(tmp_path)
    _policy(mesh_dir, "swapped", "select product_id, 'x' as message from products where false")
    mesh = load_mesh(mesh_dir)
    policy = mesh.policies["swapped"]
    for query_id, sql in queries(canary, "products"):
        policy.spec = policy.spec.model_copy(update={"sql": sql})
        report = evaluate_policies(mesh, engine=engine)
        [found] = [r for r in report.results if r.policy == "swapped"]
        assert found.status == "error", (query_id, found)
        canary.assert_absent(report.model_dump_json())


@pytest.mark.parametrize("value", ["it's", "naïve — ünïcode", "back\\slash", "tab\there"])
def test_catalog_values_arrive_unchanged(mesh_dir: Path, engine: Engine, value: str) -> None:
    contract = mesh_dir / "domains/sales/products/customers/product.yaml"
    spec = yaml.safe_load(contract.read_text(encoding="utf-8"))
    spec.setdefault("description", {})["purpose"] = value
    contract.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _policy(mesh_dir, "echo", "select product_id, purpose as message from products")
    report = evaluate_policies(load_mesh(mesh_dir), engine=engine)
    [found] = [r for r in report.results if r.policy == "echo"]
    assert found.messages == [value]
