"""The Order-to-Cash reference mesh: its specs follow the standards and andmesh's rules.

Everything here reads the YAML and SQL files directly (not through andmesh's loader),
so the reference mesh is checked against the standards themselves: every contract
against the official ODCS JSON Schema, every product against the ODPS v1.0.0 shape,
the product graph, the SQL pipelines, and — on empty tables typed like the
operational sources of docs/order_to_cash_sources.md — that every pipeline runs and
produces exactly the columns and types its contract promises. The slow test builds
the mesh on generated data and evaluates every contract's checks, relationships and
``sql`` rules included, independently of andmesh's quality gate.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pytest
import sqlglot
from ruamel.yaml import YAML
from sqlglot import exp

MESH = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"
DIALECT = "duckdb"

STAGES = {
    "order_management": "order",
    "credit_management": "credit",
    "order_fulfillment": "fulfillment",
    "shipping": "shipping",
    "customer_invoicing": "invoicing",
    "accounts_receivable": "receivables",
    "payments_collection": "collection",
}

# ODPS v1.0.0 keys used by this mesh, per level (the standard allows no others).
PRODUCT_KEYS = {
    "apiVersion", "kind", "id", "name", "version", "status", "domain", "tenant", "description",
    "tags", "inputPorts", "outputPorts", "team", "support", "customProperties",
}  # fmt: skip
DESCRIPTION_KEYS = {"purpose", "limitations", "usage"}
INPUT_PORT_KEYS = {"name", "version", "contractId"}
OUTPUT_PORT_KEYS = {"name", "description", "type", "version", "contractId"}
TEAM_KEYS = {"username", "name", "role"}
SUPPORT_KEYS = {"channel", "url", "description", "tool", "scope"}
CUSTOM_PROPERTY_KEYS = {"property", "value"}
SOURCE_KEYS = {"name", "path", "format", "description"}

LOGICAL_TYPES = {"string", "date", "timestamp", "number", "integer", "boolean"}
PII_NAMES = re.compile(r"(^|_)(name|email|phone|tax_id|registration_no|street|iban_hash)$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")

# The operational sources as docs/order_to_cash_sources.md describes them.
SOURCE_COLUMNS: dict[str, dict[str, str]] = {
    "order_management/customers": {
        "account_no": "VARCHAR", "account_name": "VARCHAR", "street": "VARCHAR", "city": "VARCHAR",
        "postcode": "VARCHAR", "country": "VARCHAR", "tax_id": "VARCHAR", "email": "VARCHAR",
        "phone": "VARCHAR", "segment": "VARCHAR", "sales_region": "VARCHAR", "created_at": "TIMESTAMPTZ",
    },
    "order_management/sales_orders": {
        "order_id": "VARCHAR", "account_no": "VARCHAR", "order_ts": "TIMESTAMPTZ",
        "requested_delivery_date": "DATE", "channel": "VARCHAR", "currency": "VARCHAR",
        "ship_to_site_id": "VARCHAR", "status": "VARCHAR",
    },
    "order_management/order_lines": {
        "order_id": "VARCHAR", "line_no": "BIGINT", "sku": "VARCHAR", "quantity": "BIGINT",
        "unit_price": "DOUBLE", "discount_pct": "DOUBLE",
    },
    "credit_management/credit_files": {
        "credit_file_id": "VARCHAR", "legal_name": "VARCHAR", "registration_no": "VARCHAR",
        "street": "VARCHAR", "city": "VARCHAR", "postcode": "VARCHAR", "country": "VARCHAR",
        "credit_limit": "DOUBLE", "payment_terms_days": "BIGINT", "risk_class": "VARCHAR",
        "last_review_date": "DATE",
    },
    "credit_management/credit_decisions": {
        "decision_id": "VARCHAR", "order_id": "VARCHAR", "credit_file_id": "VARCHAR",
        "decided_at": "TIMESTAMPTZ", "decision": "VARCHAR", "hold_reason": "VARCHAR",
        "released_at": "TIMESTAMPTZ",
    },
    "order_fulfillment/fulfillment_lines": {
        "fulfillment_id": "VARCHAR", "order_id": "VARCHAR", "line_no": "BIGINT", "warehouse": "VARCHAR",
        "released_at": "TIMESTAMPTZ", "picked_at": "TIMESTAMPTZ", "packed_at": "TIMESTAMPTZ",
        "quantity_shipped": "BIGINT",
    },
    "shipping/ship_to_sites": {
        "ship_to_site_id": "VARCHAR", "site_name": "VARCHAR", "street": "VARCHAR", "city": "VARCHAR",
        "postcode": "VARCHAR", "country": "VARCHAR",
    },
    "shipping/shipments": {
        "shipment_id": "VARCHAR", "order_id": "VARCHAR", "ship_to_site_id": "VARCHAR",
        "carrier": "VARCHAR", "promised_date": "DATE", "shipped_at": "TIMESTAMPTZ",
        "delivered_at": "TIMESTAMPTZ", "pod_signed_at": "TIMESTAMPTZ", "delivery_status": "VARCHAR",
    },
    "customer_invoicing/invoices": {
        "invoice_id": "VARCHAR", "order_id": "VARCHAR", "bill_to_name": "VARCHAR",
        "bill_to_street": "VARCHAR", "bill_to_city": "VARCHAR", "bill_to_postcode": "VARCHAR",
        "bill_to_country": "VARCHAR", "bill_to_tax_id": "VARCHAR", "invoice_date": "DATE",
        "due_date": "DATE", "payment_terms_days": "BIGINT", "currency": "VARCHAR",
        "net_amount": "DOUBLE", "tax_amount": "DOUBLE", "gross_amount": "DOUBLE",
    },
    "accounts_receivable/open_items": {
        "item_id": "VARCHAR", "invoice_id": "VARCHAR", "debtor_ref": "VARCHAR", "debtor_name": "VARCHAR",
        "original_amount": "DOUBLE", "open_amount": "DOUBLE", "due_date": "DATE", "status": "VARCHAR",
        "dispute_flag": "BOOLEAN", "dispute_reason": "VARCHAR", "written_off_at": "DATE",
    },
    "payments_collection/payments": {
        "payment_id": "VARCHAR", "payer_name": "VARCHAR", "payer_iban_hash": "VARCHAR",
        "amount": "DOUBLE", "currency": "VARCHAR", "received_at": "DATE",
        "remittance_invoice_id": "VARCHAR", "matched_invoice_id": "VARCHAR",
    },
    "payments_collection/dunning_actions": {
        "action_id": "VARCHAR", "invoice_id": "VARCHAR", "action_date": "DATE", "level": "BIGINT",
        "channel": "VARCHAR",
    },
}  # fmt: skip


# --- loading -------------------------------------------------------------------------


def _yaml(file: Path) -> Any:
    return YAML(typ="safe", pure=True).load(file.read_text(encoding="utf-8"))


@cache
def products() -> dict[str, tuple[Path, dict[str, Any]]]:
    """Product id → (product folder, product.yaml)."""
    found = {}
    for file in sorted(MESH.glob("domains/*/products/*/product.yaml")):
        spec = _yaml(file)
        found[spec["id"]] = (file.parent, spec)
    return found


@cache
def contracts() -> dict[str, tuple[Path, dict[str, Any]]]:
    """Contract id → (file, contract) for every DataContract in the mesh."""
    found = {}
    for file in sorted(MESH.glob("domains/*/products/*/*.yaml")):
        spec = _yaml(file)
        if spec.get("kind") == "DataContract":
            found[spec["id"]] = (file, spec)
    return found


# The enterprise domain's products (customer 360) are Python pipelines over the seven
# units' products, checked by tests/enterprise/entities; the SQL checks below are for the units'.
ENTERPRISE = "enterprise"


def sql_products() -> dict[str, tuple[Path, dict[str, Any]]]:
    return {pid: v for pid, v in products().items() if v[1]["domain"] != ENTERPRISE}


def custom(product: dict[str, Any], name: str) -> Any:
    return next((cp["value"] for cp in product.get("customProperties", []) if cp["property"] == name), None)


def port_owner() -> dict[str, str]:
    """Output port name → id of the product publishing it."""
    return {port["name"]: pid for pid, (_, spec) in products().items() for port in spec["outputPorts"]}


def upstream_edges() -> dict[str, set[str]]:
    by_contract = {
        port["contractId"]: pid for pid, (_, spec) in products().items() for port in spec["outputPorts"]
    }
    return {
        pid: {
            by_contract[p["contractId"]] for p in spec.get("inputPorts", []) if p["contractId"] in by_contract
        }
        for pid, (_, spec) in products().items()
    }


def topological() -> list[str]:
    edges = upstream_edges()
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        assert state.get(node) != 1, "dependency cycle: " + " → ".join([*path, node])
        state[node] = 1
        for up in sorted(edges[node]):
            visit(up, [*path, node])
        state[node] = 2
        order.append(node)

    for node in sorted(edges):
        visit(node, [])
    return order


def transitive_upstream(pid: str) -> set[str]:
    edges = upstream_edges()
    seen: set[str] = set()
    todo = list(edges[pid])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges[node])
    return seen


@cache
def odcs_validator() -> jsonschema.Draft201909Validator:
    text = (importlib.resources.files("open_data_contract_standard") / "schema.json").read_text()
    return jsonschema.Draft201909Validator(json.loads(text))


def contract_properties(contract: dict[str, Any]) -> list[dict[str, Any]]:
    return list(contract["schema"][0]["properties"])


# --- mesh and domains ----------------------------------------------------------------


def test_mesh_spec() -> None:
    mesh = _yaml(MESH / "mesh.yaml")
    assert (mesh["apiVersion"], mesh["kind"]) == ("andmesh/v1", "Mesh")
    assert mesh["sqlDialect"] == DIALECT
    assert mesh["owner"] in {m["username"] for m in mesh["team"]}


def test_seven_domains_one_per_stage() -> None:
    domains = {}
    for file in sorted(MESH.glob("domains/*/domain.yaml")):
        spec = _yaml(file)
        assert (spec["apiVersion"], spec["kind"]) == ("andmesh/v1", "Domain")
        assert spec["name"] == file.parent.name
        domains[spec["name"]] = spec
    assert {name: spec["valueChainStage"] for name, spec in domains.items() if name != ENTERPRISE} == STAGES
    assert "valueChainStage" not in domains[ENTERPRISE], "the enterprise runs no stage of its own"
    for name, spec in domains.items():
        team = spec["team"]
        assert 2 <= len(team) <= 3, name
        assert all(m.get("username") for m in team), name
        owners = [m["username"] for m in team if m.get("role") == "owner"]
        assert owners == [spec["owner"]], f"{name}: exactly one owner, the domain's `owner`"


# --- contracts -----------------------------------------------------------------------


@pytest.mark.parametrize("contract_id", sorted(contracts()))
def test_contract_validates_against_official_odcs_schema(contract_id: str) -> None:
    file, contract = contracts()[contract_id]
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in odcs_validator().iter_errors(contract)
    ]
    assert not errors, f"{file}:\n" + "\n".join(errors)


@pytest.mark.parametrize("contract_id", sorted(contracts()))
def test_contract_follows_mesh_rules(contract_id: str) -> None:
    file, contract = contracts()[contract_id]
    assert (contract["apiVersion"], contract["kind"], contract["status"]) == (
        "v3.1.0",
        "DataContract",
        "active",
    )
    assert contract["dataProduct"] in products(), file
    assert contract["domain"] == contract["dataProduct"].split(".")[0]
    assert [m["role"] for m in contract["team"]["members"]].count("owner") == 1
    assert contract["description"]["purpose"]

    assert len(contract["schema"]) == 1, "one schema object per contract"
    obj = contract["schema"][0]
    assert obj["name"] == contract["name"]
    assert obj["physicalType"] == "table"
    assert {"metric": "rowCount", "mustBeGreaterThan": 0}.items() <= obj["quality"][0].items()

    names = [p["name"] for p in obj["properties"]]
    assert len(names) == len(set(names)), "duplicate property"
    keys = sorted((p["primaryKeyPosition"], p["name"]) for p in obj["properties"] if p.get("primaryKey"))
    assert [pos for pos, _ in keys] == list(range(1, len(keys) + 1)), "primaryKeyPosition from 1"
    for prop in obj["properties"]:
        assert SNAKE.match(prop["name"]), prop["name"]
        assert prop["logicalType"] in LOGICAL_TYPES, prop["name"]
        if prop.get("primaryKey"):
            assert prop.get("required") and prop.get("criticalDataElement"), f"key {prop['name']}"
        if PII_NAMES.search(prop["name"]):
            assert prop.get("classification") == "pii", f"{prop['name']} must be classified pii"
    for sla in contract.get("slaProperties", []):
        if sla["property"] == "freshness":
            table, column = sla["element"].split(".")
            assert table == obj["name"] and column in names, sla["element"]
            prop = next(p for p in obj["properties"] if p["name"] == column)
            assert prop["logicalType"] in ("date", "timestamp")


def test_contracts_use_the_expressive_features() -> None:
    """The reference mesh shows every contract feature at least once."""
    all_props = [p for _, c in contracts().values() for p in contract_properties(c)]
    assert any(
        len([p for p in contract_properties(c) if p.get("primaryKey")]) > 1 for _, c in contracts().values()
    )
    assert any(p.get("relationships") for p in all_props)
    assert any(c["schema"][0].get("relationships") for _, c in contracts().values())
    assert any("pattern" in p.get("logicalTypeOptions", {}) for p in all_props)
    assert any(p["logicalType"] == "date" and "minimum" in p.get("logicalTypeOptions", {}) for p in all_props)
    assert any(q.get("metric") == "invalidValues" for p in all_props for q in p.get("quality", []))
    units = [c for _, c in contracts().values() if c["domain"] != ENTERPRISE]
    freshness = [c for c in units if any(s["property"] == "freshness" for s in c.get("slaProperties", []))]
    assert len(freshness) >= len(units) - 1


def test_relationships_point_at_upstream_ports() -> None:
    owner = port_owner()
    for _cid, (file, contract) in contracts().items():
        product_id = contract["dataProduct"]
        upstream = transitive_upstream(product_id)
        obj = contract["schema"][0]
        targets = [r["to"] for p in obj["properties"] for r in p.get("relationships", [])]
        for rel in obj.get("relationships", []):
            targets.extend(rel["to"] if isinstance(rel["to"], list) else [rel["to"]])
            sources = rel["from"] if isinstance(rel["from"], list) else [rel["from"]]
            assert all(s.split(".")[0] == obj["name"] for s in sources), file
        for target in targets:
            port, column = target.split(".")
            assert port in owner, f"{file}: no output port `{port}`"
            assert owner[port] in upstream, f"{file}: {owner[port]} is not upstream of {product_id}"
            port_contract = next(
                c for _, c in contracts().values() if c["dataProduct"] == owner[port] and c["name"] == port
            )
            assert column in {p["name"] for p in contract_properties(port_contract)}, target


# --- products ------------------------------------------------------------------------


def _only(keys: set[str], mapping: dict[str, Any], where: str) -> None:
    extra = set(mapping) - keys
    assert not extra, f"{where}: keys not allowed by ODPS v1.0.0 here: {sorted(extra)}"


@pytest.mark.parametrize("product_id", sorted(products()))
def test_product_follows_odps_shape(product_id: str) -> None:
    folder, spec = products()[product_id]
    where = str(folder / "product.yaml")
    _only(PRODUCT_KEYS, spec, where)
    _only(DESCRIPTION_KEYS, spec["description"], where)
    assert (spec["apiVersion"], spec["kind"], spec["status"]) == ("v1.0.0", "DataProduct", "active")
    assert spec["id"] == f"{spec['domain']}.{spec['name']}"
    assert folder == MESH / "domains" / spec["domain"] / "products" / spec["name"]
    assert spec["description"]["purpose"]

    domain = _yaml(MESH / "domains" / spec["domain"] / "domain.yaml")
    for member in spec["team"]:
        _only(TEAM_KEYS, member, where)
    owners = [m["username"] for m in spec["team"] if m["role"] == "owner"]
    assert len(owners) == 1 and owners[0] in {m["username"] for m in domain["team"]}
    for item in spec.get("support", []):
        _only(SUPPORT_KEYS, item, where)
        assert item["channel"] and item["url"]
    for cp in spec["customProperties"]:
        _only(CUSTOM_PROPERTY_KEYS, cp, where)
        assert cp["property"] in ("pipeline", "sources")

    for port in spec.get("inputPorts", []):
        _only(INPUT_PORT_KEYS, port, where)
    assert spec["outputPorts"], "a product publishes at least one port"
    for port in spec["outputPorts"]:
        _only(OUTPUT_PORT_KEYS, port, where)
        assert port["type"] == "table"
        assert port["contractId"] in contracts(), f"{where}: no contract {port['contractId']}"
        file, contract = contracts()[port["contractId"]]
        assert file.parent == folder, "the contract sits beside product.yaml"
        assert contract["schema"][0]["name"] == port["name"]
        assert contract["dataProduct"] == spec["id"]
        assert contract["version"] == port["version"]

    pipeline = custom(spec, "pipeline")
    if spec["domain"] == ENTERPRISE:
        assert isinstance(pipeline, str) and pipeline.endswith(".py:build"), "enterprise products run Python"
        assert (folder / pipeline.split(":")[0]).is_file()
        assert not custom(spec, "sources"), "the enterprise reads the units' products, not their systems"
        return
    assert isinstance(pipeline, str) and pipeline.endswith(".sql") and (folder / pipeline).is_file()
    for source in custom(spec, "sources") or []:
        _only(SOURCE_KEYS, source, where)
        assert SNAKE.match(source["name"])
        table = source["path"].rsplit("/", 1)[0]
        assert table in SOURCE_COLUMNS, f"{source['path']} is not an operational source table"
        assert table.split("/")[0] == spec["domain"], "a domain ingests only its own operational sources"
        expected = "csv" if spec["domain"] == "credit_management" else "parquet"
        assert source["format"] == expected and source["path"].endswith(f"/*.{expected}")


def test_product_count_and_roles() -> None:
    assert 14 <= len(sql_products()) <= 18
    enterprise = {pid for pid, (_, spec) in products().items() if spec["domain"] == ENTERPRISE}
    assert {
        "enterprise.customer_xref",
        "enterprise.customer_master",
        "enterprise.customer_profile",
    } <= enterprise
    consumed_across = {
        up for pid, ups in upstream_edges().items() for up in ups if up.split(".")[0] != pid.split(".")[0]
    }
    for domain in STAGES:
        mine = {pid: spec for pid, (_, spec) in products().items() if spec["domain"] == domain}
        assert any(custom(spec, "sources") for spec in mine.values()), f"{domain}: no source-aligned product"
        assert any(
            pid in consumed_across or "consumer-facing" in spec.get("tags", []) for pid, spec in mine.items()
        ), f"{domain}: no consumer-facing product"


def test_input_ports_resolve_to_output_ports() -> None:
    versions = {
        port["contractId"]: port["version"] for _, spec in products().values() for port in spec["outputPorts"]
    }
    for pid, (_, spec) in products().items():
        names = [p["name"] for p in spec.get("inputPorts", [])] + [
            s["name"] for s in custom(spec, "sources") or []
        ]
        assert len(names) == len(set(names)), f"{pid}: input and source names must be distinct"
        for port in spec.get("inputPorts", []):
            assert port["contractId"] in versions, f"{pid}: no output port promises {port['contractId']}"
            assert port["version"] == versions[port["contractId"]]
            assert not port["contractId"].startswith(pid + ".") and port["contractId"] != pid


def test_output_port_names_are_unique_in_the_mesh() -> None:
    names = [port["name"] for _, spec in products().values() for port in spec["outputPorts"]]
    assert len(names) == len(set(names))


def test_product_graph_has_no_cycle() -> None:
    order = topological()
    assert len(order) == len(products())
    assert order.index("order_management.orders") < order.index("customer_invoicing.invoices")


# --- pipelines -----------------------------------------------------------------------


def declared_names(spec: dict[str, Any]) -> set[str]:
    return {p["name"] for p in spec.get("inputPorts", [])} | {
        s["name"] for s in custom(spec, "sources") or []
    }


@pytest.mark.parametrize("product_id", sorted(sql_products()))
def test_sql_parses_and_reads_only_declared_inputs(product_id: str) -> None:
    folder, spec = products()[product_id]
    text = (folder / custom(spec, "pipeline")).read_text(encoding="utf-8")
    statements = [s for s in sqlglot.parse(text, read=DIALECT) if s is not None]
    assert len(statements) == 1 and isinstance(statements[0], exp.Query), "one SELECT"
    query = statements[0]
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    read = {t.name for t in query.find_all(exp.Table) if t.name not in ctes}
    assert all(not t.db for t in query.find_all(exp.Table))
    assert read <= declared_names(spec), f"undeclared: {sorted(read - declared_names(spec))}"
    assert read == declared_names(spec), f"declared but never read: {sorted(declared_names(spec) - read)}"


def duckdb_type_matches(logical: str, duck_type: str) -> bool:
    duck_type = duck_type.upper()
    integer = duck_type in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    return {
        "string": duck_type == "VARCHAR",
        "integer": integer,
        "number": duck_type in {"DOUBLE", "FLOAT"} or duck_type.startswith("DECIMAL") or integer,
        "boolean": duck_type == "BOOLEAN",
        "date": duck_type == "DATE",
        "timestamp": duck_type.startswith("TIMESTAMP"),
    }[logical]


def build_mesh(con: duckdb.DuckDBPyConnection, source_sql: dict[str, str]) -> dict[str, dict[str, str]]:
    """Run every pipeline in dependency order; each output becomes a table named by its port.

    ``source_sql`` gives, per source table (``order_management/customers``…), the SQL
    that reads it. Returns each port's columns and DuckDB types.
    """
    by_contract = {
        port["contractId"]: port["name"] for _, spec in products().values() for port in spec["outputPorts"]
    }
    built: dict[str, dict[str, str]] = {}
    for pid in topological():
        if pid not in sql_products():
            continue
        folder, spec = products()[pid]
        schema = pid.replace(".", "__")
        con.execute(f"create schema {schema}")
        for source in custom(spec, "sources") or []:
            table = source["path"].rsplit("/", 1)[0]
            con.execute(f"create view {schema}.{source['name']} as {source_sql[table]}")
        for port in spec.get("inputPorts", []):
            con.execute(
                f"create view {schema}.{port['name']} as select * from main.{by_contract[port['contractId']]}"
            )
        sql = (folder / custom(spec, "pipeline")).read_text(encoding="utf-8")
        con.execute(f"set search_path = '{schema},main'")
        port = spec["outputPorts"][0]["name"]
        con.execute(f"create table main.{port} as {sql}")
        con.execute("set search_path = 'main'")
        rows = con.execute(f"select column_name, column_type from (describe main.{port})").fetchall()
        built[port] = dict(rows)
    return built


def test_pipelines_run_and_match_their_contracts() -> None:
    """On empty sources typed as documented (CSV as all-VARCHAR, the worst case a reader can give)."""
    con = duckdb.connect()
    source_sql = {}
    for table, columns in SOURCE_COLUMNS.items():
        csv = table.startswith("credit_management/")
        cols = ", ".join(f"null::{'VARCHAR' if csv else t} as {c}" for c, t in columns.items())
        source_sql[table] = f"select {cols} where false"
    built = build_mesh(con, source_sql)
    for _, contract in contracts().values():
        if contract["domain"] == ENTERPRISE:
            continue
        port = contract["schema"][0]["name"]
        columns = built[port]
        props = {p["name"]: p["logicalType"] for p in contract_properties(contract)}
        assert set(columns) == set(props), (
            f"{port}: extra {set(columns) - set(props)}, missing {set(props) - set(columns)}"
        )
        wrong = {c: (props[c], t) for c, t in columns.items() if not duckdb_type_matches(props[c], t)}
        assert not wrong, f"{port}: (logicalType, DuckDB type) mismatches {wrong}"


def test_andmesh_lint_is_clean() -> None:
    loader = pytest.importorskip("andmesh.spec.loader")
    report = loader.lint_mesh(MESH)
    assert not report.problems, "\n".join(map(str, report.problems))
    assert report.mesh is not None and len(report.mesh.products) == len(products())


# --- on generated data ---------------------------------------------------------------


def _literal(value: Any, logical: str) -> str:
    if logical == "date":
        return f"DATE '{value}'"
    if logical == "timestamp":
        return f"TIMESTAMP '{value}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def contract_violations(con: duckdb.DuckDBPyConnection, contract: dict[str, Any]) -> dict[str, int]:
    """Every check of ``contract`` on the table named by its port: check → failing rows."""
    table = contract["schema"][0]["name"]
    measures: dict[str, str] = {"rowCount": "count(*) = 0"}
    keys = [
        p["name"]
        for p in sorted(contract_properties(contract), key=lambda p: p.get("primaryKeyPosition", 0))
        if p.get("primaryKey")
    ]
    duplicate_checks = {f"primaryKey({','.join(keys)})": keys} if keys else {}
    comparisons = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
    for prop in contract_properties(contract):
        col, logical = prop["name"], prop["logicalType"]
        if prop.get("required"):
            measures[f"{col}.required"] = f"count(*) filter (where {col} is null)"
        if prop.get("unique"):
            duplicate_checks[f"{col}.unique"] = [col]
        for option, value in prop.get("logicalTypeOptions", {}).items():
            if option in comparisons:
                measures[f"{col}.{option}"] = (
                    f"count(*) filter (where {col} {comparisons[option]} {_literal(value, logical)})"
                )
            elif option == "pattern":
                measures[f"{col}.pattern"] = (
                    f"count(*) filter (where not regexp_matches({col}, {_literal(value, 'string')}))"
                )
        for index, rule in enumerate(prop.get("quality", [])):
            if rule.get("metric") == "invalidValues":
                valid = ", ".join(
                    _literal(v, "string" if isinstance(v, str) else "number")
                    for v in rule["arguments"]["validValues"]
                )
                measures[f"{col}.quality[{index}]"] = f"count(*) filter (where {col} not in ({valid}))"
        for index, rel in enumerate(prop.get("relationships", [])):
            port, column = rel["to"].split(".")
            measures[f"{col}.relationship[{index}]"] = (
                f"count(*) filter (where {col} is not null and {col} not in (select {column} from main.{port}))"
            )
    for rel in contract["schema"][0].get("relationships", []):
        src = [s.split(".")[1] for s in rel["from"]]
        port = rel["to"][0].split(".")[0]
        dst = [t.split(".")[1] for t in rel["to"]]
        measures[f"relationship({','.join(src)})"] = (
            f"count(*) filter (where ({', '.join(src)}) not in (select ({', '.join(dst)}) from main.{port}))"
        )
    for index, rule in enumerate(contract["schema"][0].get("quality", [])):
        if rule.get("type") == "sql":
            measures[f"quality[{index}].{rule['name']}"] = f"({rule['query']}) <> {rule['mustBe']}"
    names = list(measures)
    row = con.execute(
        "select " + ", ".join(f"{measures[n]}" for n in names) + f" from main.{table}"
    ).fetchone()
    assert row is not None
    found = {name: int(value) for name, value in zip(names, row, strict=True) if value}
    for name, cols in duplicate_checks.items():
        cols_sql = ", ".join(cols)
        dupes = con.execute(
            f"select coalesce(sum(n), 0) from (select count(*) n from main.{table} group by {cols_sql} having count(*) > 1)"
        ).fetchone()
        nulls = con.execute(
            f"select count(*) from main.{table} where " + " or ".join(f"{c} is null" for c in cols)
        ).fetchone()
        failing = int(dupes[0] if dupes else 0) + (
            int(nulls[0] if nulls else 0) if name.startswith("primaryKey") else 0
        )
        if failing:
            found[name] = failing
    return found


def read_sources(data: Path) -> dict[str, str]:
    """SQL reading each operational source table of a generated data folder."""
    sources = {}
    for table in SOURCE_COLUMNS:
        csv = table.startswith("credit_management/")
        files = sorted((data / table).glob("*.csv" if csv else "*.parquet"))
        assert files, f"no files for {table}"
        listing = "[" + ", ".join(f"'{f}'" for f in files) + "]"
        sources[table] = f"select * from {'read_csv' if csv else 'read_parquet'}({listing})"
    return sources


@pytest.mark.slow
def test_products_pass_their_contracts_on_generated_data(tmp_path: Path) -> None:
    generate = pytest.importorskip("andmesh.generate")
    if not hasattr(generate, "generate_order_to_cash"):
        pytest.skip("the Order-to-Cash generator is not installed")
    generate.generate_order_to_cash(tmp_path, customers=300, seed=11)
    con = duckdb.connect()
    build_mesh(con, read_sources(tmp_path))
    failures = {}
    for cid, (_, contract) in contracts().items():
        if contract["domain"] == ENTERPRISE:
            continue
        found = contract_violations(con, contract)
        if found:
            failures[cid] = found
    assert not failures, failures
