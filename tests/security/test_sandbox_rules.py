"""Hostile `type: sql` quality rules: each refused, none measures a byte of a host file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from andmesh.engine.duckdb import DuckDBSession
from andmesh.facade import Andmesh
from andmesh.pipeline.results import PortStatus
from andmesh.quality.checks import run_checks
from andmesh.quality.results import CheckStatus
from andmesh.spec.contract import validate_contract
from andmesh.spec.mesh import Contract
from andmesh.spec.yamlsource import YamlDocument, load_yaml
from tests.security.hostile import IDS, Canary, make_canary, queries

CONTRACT = "domains/sales/products/customers/contract.yaml"


def _problems(file: Path, rules: list[dict[str, object]]) -> list[str]:
    """What loading a contract with ``rules`` refuses (empty when it loads)."""
    _write(file, rules)
    doc = load_yaml(file)
    assert isinstance(doc, YamlDocument)
    return [p.format() for p in validate_contract(doc)[1]]


def _write(file: Path, rules: list[dict[str, object]]) -> None:
    body = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "t",
        "version": "1.0.0",
        "status": "active",
        "schema": [{"name": "t", "properties": [{"name": "x", "logicalType": "integer", "quality": rules}]}],
    }
    file.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")


def _contract(file: Path, rules: list[dict[str, object]]) -> Contract:
    _write(file, rules)
    doc = load_yaml(file)
    assert isinstance(doc, YamlDocument)
    model, problems = validate_contract(doc)
    assert model is not None, [p.format() for p in problems]
    return Contract(id="t", file=file, model=model)


def _leaking_rules(canary: Canary) -> list[dict[str, object]]:
    return [
        {"type": "sql", "name": query_id, "query": sql, "mustBe": 0}
        for query_id, sql in queries(canary, "{object}")
    ]


def test_every_hostile_rule_is_an_error_and_measures_nothing(tmp_path: Path) -> None:
    canary = make_canary(tmp_path)
    # A rule whose SQL cannot even be read is refused when the contract is loaded (file:line);
    # every other one loads and must be refused when the gate runs it.
    loading, refused_at_load = [], []
    for rule in _leaking_rules(canary):
        problems = _problems(tmp_path / "one.yaml", [rule])
        (refused_at_load if problems else loading).append(rule)
        canary.assert_absent(" ".join(problems))
    contract = _contract(tmp_path / "contract.yaml", loading)
    data = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3]}), data)
    session = DuckDBSession()
    try:
        run = run_checks(session, session.register("t", [str(data)], "parquet"), contract, "t")
    finally:
        session.close()
    rules = [c for c in run.checks if c.kind == "sql"]
    assert len(rules) + len(refused_at_load) == len(IDS)
    assert len(rules) >= 50, "most hostile rules load and are refused by the gate itself"
    for check in rules:
        assert check.status == CheckStatus.error, (check.id, check.status, check.message)
        assert check.measured is None, (check.id, check.measured)
        assert "refused" in check.message
    assert not run.passed
    canary.assert_absent(run.model_dump_json())


def test_a_rule_leaking_a_file_byte_by_byte_holds_the_product_back(
    andmesh: Andmesh, mesh_dir: Path, tmp_path: Path
) -> None:
    """The reported attack: a rule whose measured value is a byte of a host file."""
    canary = make_canary(tmp_path)
    txt = canary.dir / "canary.txt"
    contract = mesh_dir / CONTRACT
    text = contract.read_text()
    leak = (
        "        quality:\n"
        f'          - {{type: sql, name: byte1, mustBe: 0, query: "select ascii(substr(content, 1, 1))'
        f" from {{object}}, lateral read_text('{txt}')\"}}\n"
        f'          - {{type: sql, name: byte2, mustBe: 0, query: "select (select ascii(substr(content, 2, 1))'
        f" from read_text('{txt}'))\"}}\n"
    )
    contract.write_text(
        text.replace(
            "        classification: pii\n      - name: email",
            "        classification: pii\n" + leak + "      - name: email",
            1,
        )
    )
    result = andmesh.run(mesh_dir)
    [outcome] = result.outcomes
    assert outcome.status == PortStatus.blocked and outcome.checks is not None
    refused = [c for c in outcome.checks.checks if c.kind == "sql"]
    assert len(refused) == 2 and all(c.status == CheckStatus.error and c.measured is None for c in refused)
    canary.assert_absent(result.model_dump_json(), folders=(andmesh.workspace.root,))
