"""The whole Order-to-Cash mesh at 1,000 customers: generated, linted, run, published."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pytest
import yaml

from andmesh.facade import Andmesh
from andmesh.generate import generate_order_to_cash
from andmesh.pipeline import PortStatus
from andmesh.spec import lint_mesh
from andmesh.workspace import Workspace

MESH = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"


@pytest.fixture(scope="module")
def o2c_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("o2c") / "data"
    generate_order_to_cash(out, customers=1_000, seed=7)
    return out


@pytest.mark.slow
def test_full_mesh_runs_and_publishes_every_product(o2c_data: Path, tmp_path: Path) -> None:
    report = lint_mesh(MESH)
    assert report.ok, [p.format() for p in report.errors]
    assert report.mesh is not None
    assert len(report.mesh.domains) == 8  # seven units and the enterprise
    facade = Andmesh(Workspace.resolve(tmp_path / "ws"))
    result = facade.run(MESH, data=o2c_data)
    problems = {o.table_id: o.message for o in result.outcomes if o.status != PortStatus.published}
    assert not problems, problems
    assert result.exit_code == 0
    assert len(result.outcomes) == len(report.mesh.ports())
    by_table = {o.table_id: o for o in result.outcomes}
    assert by_table["order_management.orders"].rows > 1_000
    # Money is exact end to end: published as decimals (read here with pyiceberg alone), and
    # the sums agree to the cent with the source and across products (a float sum would not).
    catalog = facade.warehouse.catalog
    invoices = catalog.load_table("customer_invoicing.invoices").scan().to_arrow()
    assert invoices.schema.field("net_amount").type == pa.decimal128(15, 2)
    source = pads.dataset(o2c_data / "customer_invoicing/invoices").to_table()
    assert pc.sum(invoices["net_amount"]).as_py() == pc.sum(source["net_amount"]).as_py()
    items = catalog.load_table("accounts_receivable.open_items").scan().to_arrow()
    exposure = catalog.load_table("accounts_receivable.account_exposure").scan().to_arrow()
    assert exposure.schema.field("open_amount").type == pa.decimal128(18, 2)
    still_open = pc.filter(items["open_amount"], pc.not_equal(items["ageing_bucket"], "closed"))
    assert pc.sum(exposure["open_amount"]).as_py() == pc.sum(still_open).as_py()
    # Every product's checks ran and none failed; the gate evaluated real rules.
    for outcome in result.outcomes:
        assert outcome.checks is not None
        counts = outcome.checks.counts()
        assert counts["failed"] == 0 and counts["error"] == 0, (outcome.table_id, outcome.checks.blocking)
        assert counts["passed"] >= 5
    again = facade.run(MESH, data=o2c_data)
    assert {o.status for o in again.outcomes} == {PortStatus.up_to_date}


EMAIL_REPAIR = """    case
        when regexp_full_match(email, '[a-z0-9._\\-]+@[a-z0-9\\-]+(\\.[a-z0-9\\-]+)*\\.[a-z]{2,}') then email
    end as email,"""
PAYMENT_DEDUP = """    qualify row_number() over (
        partition by payment_id
        order by received_at, matched_invoice_id nulls last
    ) = 1"""

# (pipeline file, its repair, the repair removed, selection, check id, (truth table, column), measured per defect)
DEFECTS = [
    (
        "order_management/products/accounts/accounts.sql",
        EMAIL_REPAIR,
        "    email,",
        "order_management.accounts",
        "accounts.email.pattern",
        ("customers", "email"),
        1,
    ),
    (
        "order_management/products/order_lines/order_lines.sql",
        "where l.quantity >= 1",
        "where true",
        "+order_management.order_lines",
        "order_lines.quantity.minimum",
        ("order_lines", "quantity"),
        1,
    ),
    (
        "customer_invoicing/products/invoices/invoices.sql",
        "round(i.net_amount + i.tax_amount, 2) as gross_amount,",
        "i.gross_amount,",
        "+customer_invoicing.invoices",
        "invoices.quality[1]",
        ("invoices", "gross_amount"),
        1,
    ),
    # A duplicated payment shares its id with the original: both rows count.
    (
        "payments_collection/products/payments/payments.sql",
        PAYMENT_DEDUP,
        "",
        "+payments_collection.payments",
        "payments.primaryKey",
        ("payments", "payment_id"),
        2,
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pipeline", "repair", "without", "select", "check_id", "planted", "per_defect"),
    DEFECTS,
    ids=[d[4] for d in DEFECTS],
)
def test_gate_catches_each_planted_defect_when_its_repair_is_removed(
    o2c_data: Path,
    tmp_path: Path,
    pipeline: str,
    repair: str,
    without: str,
    select: str,
    check_id: str,
    planted: tuple[str, str],
    per_defect: int,
) -> None:
    mesh = tmp_path / "mesh"
    shutil.copytree(MESH, mesh)
    sql = mesh / "domains" / pipeline
    text = sql.read_text()
    assert repair in text, f"the repair is no longer in {pipeline}: update this test"
    sql.write_text(text.replace(repair, without))
    truth = yaml.safe_load((o2c_data / "truth/defects.yaml").read_text())
    defect = next(d for d in truth["defects"] if (d["table"], d["column"]) == planted)
    assert defect["count"] > 0

    facade = Andmesh(Workspace.resolve(tmp_path / "ws"))
    result = facade.run(mesh, data=o2c_data, select=[select])
    target = next(o for o in result.outcomes if o.table_id.endswith("." + check_id.split(".")[0]))
    assert target.status == PortStatus.blocked, target.message
    assert target.checks is not None
    failing = {c.id: c for c in target.checks.blocking}
    assert check_id in failing, sorted(failing)
    assert failing[check_id].measured == defect["count"] * per_defect
    assert result.exit_code == 1
