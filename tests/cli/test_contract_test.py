"""`andmesh test`: a contract on any files, or a product's published version; json and junit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.workspace import Workspace

runner = CliRunner()
CONTRACT = "domains/sales/products/customers/contract.yaml"


def cli(workspace: Workspace, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(workspace.root), *args], catch_exceptions=False)


def test_contract_file_on_files_passes_and_fails(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path
) -> None:
    contract = str(mesh_dir / CONTRACT)
    good = tmp_path / "good.csv"
    good.write_text(
        "customer_id,customer_name,email,segment,credit_limit,created_on\nC1,A,,enterprise,1,2021-01-01\n"
    )
    ok = cli(workspace, "test", contract, "--data", str(good), "--output", "json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["runs"][0]["rows"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text() + "C1,B,,retail,-5,1999-01-01\n")
    failed = cli(workspace, "test", contract, "--data", str(bad), "--output", "json")
    assert failed.exit_code == 1
    checks = {c["id"]: c for c in json.loads(failed.stdout)["runs"][0]["checks"]}
    assert checks["customers.customer_id.unique"]["measured"] == 2
    assert checks["customers.credit_limit.minimum"]["measured"] == 1
    assert checks["customers.created_on.minimum"]["measured"] == 1
    assert checks["customers.segment.quality[0].invalidValues"]["measured"] == 1


def test_junit_output_file(workspace: Workspace, mesh_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,customer_name,segment\nC1,A,enterprise\nC1,B,enterprise\n")
    report = tmp_path / "results.xml"
    result = cli(
        workspace,
        "test",
        str(mesh_dir / CONTRACT),
        "--data",
        str(bad),
        "--output",
        "junit",
        "--output-file",
        str(report),
    )
    assert result.exit_code == 1
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("failures", "0")) >= 2  # duplicate key twice (unique and primary key)
    assert int(suite.get("errors", "0")) >= 4  # checks on the missing email, credit_limit, created_on
    failures = {case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None}
    assert "customers.customer_id.unique" in failures
    assert "customers.email.present" in failures


def test_unusable_input_exits_2(workspace: Workspace, mesh_dir: Path, tmp_path: Path) -> None:
    no_data = cli(workspace, "test", str(mesh_dir / CONTRACT), "--data", str(tmp_path / "none-*.parquet"))
    assert no_data.exit_code == 2
    assert "no data file matches" in no_data.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\nschema:\n  - name: t\n    propertys: []\n"
    )
    result = cli(workspace, "test", str(broken), "--data", str(tmp_path))
    assert result.exit_code == 2
    assert "broken.yaml:8" in result.stderr and "did you mean `properties`" in result.stderr


def test_a_published_product_and_a_pinned_version(workspace: Workspace, mesh_dir: Path) -> None:
    assert cli(workspace, "run", str(mesh_dir)).exit_code == 0
    result = cli(workspace, "test", "sales.customers", "--output", "json")
    assert result.exit_code == 0
    run = json.loads(result.stdout)["runs"][0]
    assert run["table"] == "sales.customers@1" and run["rows"] == 3
    missing = cli(workspace, "test", "sales.customers", "--version", "9")
    assert missing.exit_code == 2


# A contract in the shape of the ODCS standard's full example: two tables, physical
# column names, a composite object-level relationship between them, a property-level
# one, restricted columns, SLAs with a default element, a deprecated team list.
FULL_EXAMPLE = """\
domain: seller
dataProduct: payments
version: 1.1.0
status: active
id: 2b0f5d3e-payments
kind: DataContract
apiVersion: v3.1.0
description:
  purpose: Payment metrics by receiver.
schema:
  - name: tbl
    physicalName: tbl_1
    physicalType: table
    relationships:
      - type: foreignKey
        from: [tbl.rcvr_id, tbl.rcvr_cntry_code]
        to: [receivers.id, receivers.country_code]
    properties:
      - name: transaction_reference_date
        physicalName: txn_ref_dt
        logicalType: date
        physicalType: date
        partitioned: true
        partitionKeyPosition: 1
        classification: public
      - name: rcvr_id
        primaryKey: true
        primaryKeyPosition: 1
        logicalType: string
        physicalType: varchar(18)
        classification: restricted
        relationships:
          - to: receivers.id
            type: foreignKey
      - name: rcvr_cntry_code
        logicalType: string
        physicalType: varchar(2)
        quality:
          - metric: nullValues
            mustBe: 0
            dimension: completeness
            type: library
            severity: error
    quality:
      - metric: rowCount
        mustBeGreaterThan: 1
        type: library
  - name: receivers
    physicalType: table
    properties:
      - {name: id, primaryKey: true, primaryKeyPosition: 1, logicalType: string, required: true}
      - {name: country_code, primaryKey: true, primaryKeyPosition: 2, logicalType: string, required: true}
team:
  - username: daustin
    role: Owner
slaDefaultElement: tbl.txn_ref_dt
slaProperties:
  - {property: latency, value: 4, unit: d, element: tbl.transaction_reference_date}
  - {property: generalAvailability, value: "2022-05-12T09:30:10-08:00"}
  - {property: retention, value: 3, unit: y}
"""


def test_a_two_table_contract_in_the_standards_example_shape(workspace: Workspace, tmp_path: Path) -> None:
    contract = tmp_path / "full-example.odcs.yaml"
    contract.write_text(FULL_EXAMPLE)
    tbl = tmp_path / "tbl.csv"
    tbl.write_text(
        "txn_ref_dt,rcvr_id,rcvr_cntry_code\n2022-10-03,r1,US\n2022-10-04,r2,FR\n2022-10-05,r3,DE\n"
    )
    receivers = tmp_path / "receivers.csv"
    receivers.write_text("id,country_code\nr1,US\nr2,FR\n")
    result = cli(
        workspace,
        "test",
        str(contract),
        "--data",
        f"tbl={tbl}",
        "--data",
        f"receivers={receivers}",
        "--output",
        "json",
    )
    assert result.exit_code == 1, result.stderr
    runs = {run["checks"][0]["object"]: run for run in json.loads(result.stdout)["runs"]}
    tbl_checks = {c["id"]: c for c in runs["tbl"]["checks"]}
    # r3/DE has no receiver: both the composite and the property-level foreign keys fail.
    assert tbl_checks["tbl.relationship[0]"]["status"] == "failed"
    assert tbl_checks["tbl.relationship[0]"]["measured"] == 1
    assert tbl_checks["tbl.rcvr_id.relationship[0]"]["measured"] == 1
    [sample] = tbl_checks["tbl.rcvr_id.relationship[0]"]["samples"]
    assert str(sample["rcvr_id"]).startswith("masked:")  # restricted: masked
    # The physical column txn_ref_dt is checked as the logical transaction_reference_date.
    assert tbl_checks["tbl.transaction_reference_date.present"]["status"] == "passed"
    assert tbl_checks["tbl.transaction_reference_date.type"]["status"] == "passed"
    assert tbl_checks["tbl.sla[0].latency"]["status"] == "warning"  # 2022 data is years old
    # Retention falls back on slaDefaultElement, written with the physical column name.
    assert tbl_checks["tbl.sla[2].retention"]["status"] == "warning"
    assert tbl_checks["tbl.sla[2].retention"]["property"] == "transaction_reference_date"
    assert tbl_checks["tbl.quality[0].rowCount"]["status"] == "passed"
    receivers = {c["id"]: c["status"] for c in runs["receivers"]["checks"]}
    assert receivers["receivers.primaryKey"] == "passed"
    # The SLAs name elements of `tbl`: for `receivers` they are skipped, with the reason.
    assert {s for cid, s in receivers.items() if ".sla[" in cid} == {"skipped"}
    assert not {s for cid, s in receivers.items() if ".sla[" not in cid} - {"passed"}
