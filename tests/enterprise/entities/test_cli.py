"""`andmesh entities …` on the Order-to-Cash mesh (300 customers): resolve, show, review and
decide, resolve again, accuracy. The sub-app is invoked as the CLI wires it (`ctx.obj` = facade)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from andmesh.cli.cmd_entities import entities_app
from andmesh.facade import Andmesh
from andmesh.workspace import Workspace
from tests.helpers import as_member

MESH = Path(__file__).resolve().parents[3] / "examples" / "order_to_cash"
# Customer attributes whose source columns the reference contracts classify as personal data.
PERSONAL = ("name", "tax_id", "street", "email", "phone")


@pytest.fixture(scope="module")
def o2c(tmp_path_factory: pytest.TempPathFactory) -> tuple[Andmesh, Path]:
    from andmesh.generate import generate_order_to_cash

    base = tmp_path_factory.mktemp("entities-cli")
    generate_order_to_cash(base / "data", customers=300, seed=11)
    return Andmesh(Workspace.resolve(base / "ws")), base / "data"


def invoke(app: Andmesh, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(entities_app, list(args), obj=app)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.mark.slow
def test_resolve_show_review_decide_and_measure(o2c: tuple[Andmesh, Path]) -> None:
    app, data = o2c
    code, out = invoke(app, "resolve", "customer", "--mesh", str(MESH), "--data", str(data))
    assert code == 0, out
    assert "enterprise.customer_xref" in out and "enterprise ids" in out

    code, out = invoke(app, "resolve", "customer", "--mesh", str(MESH), "--data", str(data), "--json")
    report = json.loads(out)
    statuses = {o["table_id"]: o["status"] for o in report["run"]["outcomes"]}
    assert statuses["enterprise.customer_xref"] == "up_to_date", "nothing changed: nothing rebuilt"
    assert report["summary"]["entities"] >= 290

    # A sales account, shown with its golden record, every record linked and why: one of a
    # customer where the model placed a record (pairs the keys already joined are not scored).
    xref = app.read("enterprise.customer_xref").to_pylist()
    sources: dict[str, set[str]] = {}
    for r in xref:
        sources.setdefault(r["entity_id"], set()).add(r["source"])
    scored_ids = {r["entity_id"] for r in xref if r["match_method"] == "probabilistic"}
    account = next(
        r
        for r in xref
        if r["source"] == "order_management.accounts"
        and r["entity_id"] in scored_ids
        and "credit_management.credit_files" in sources[r["entity_id"]]
    )
    code, out = invoke(app, "show", "customer", account["record_id"])
    assert code == 0 and "golden record" in out and "evidence" in out, out
    code, out = invoke(app, "show", "customer", account["entity_id"], "--json")
    view = json.loads(out)
    assert view["entity_id"] == account["entity_id"]
    assert {"order_management.accounts", "credit_management.credit_files"} <= {
        r["source"] for r in view["records"]
    }
    assert {g["attribute"] for g in view["golden"] if g["value"]} >= {"name", "tax_id", "country"}
    # Not a steward: personal attributes are masked, the others shown; a steward sees all in clear.
    golden = {g["attribute"]: g["value"] for g in view["golden"]}
    assert all(str(golden[a]).startswith("masked:") for a in PERSONAL if golden.get(a) is not None)
    assert golden["country"] and not str(golden["country"]).startswith("masked:")
    assert all(
        str(v).startswith("masked:")
        for r in view["records"]
        for a, v in r["attributes"].items()
        if a in PERSONAL and v is not None
    )
    clear = json.loads(invoke(as_member(app, "sam"), "show", "customer", account["entity_id"], "--json")[1])
    assert not any(str(g["value"]).startswith("masked:") for g in clear["golden"] if g["value"] is not None)
    assert any(link["method"] == "key" and link["accepted"] for link in view["links"])
    scored = [link for link in view["links"] if link["method"] == "probabilistic"]
    assert scored and all(link["evidence"] for link in scored), "a scored link explains itself"

    code, out = invoke(app, "review", "customer", "--json")
    assert code == 0
    queue = json.loads(out)
    assert queue["band"] == [0.5, 0.9]
    assert len(queue["pairs"]) == min(queue["total"], 20)

    # A steward rejects the link between the account and its credit file…
    credit = next(r for r in view["records"] if r["source"] == "credit_management.credit_files")
    left, right = (
        f"order_management.accounts:{account['record_id']}",
        f"credit_management.credit_files:{credit['record_id']}",
    )
    # Only a steward decides: the workspace's admin is not one (and `--by` names nobody any more).
    code, out = invoke(app, "review", "customer", "--left", left, "--right", right, "--decision", "reject")
    assert code == 3 and "a steward of entity customer (held by: priya, sam)" in out, out
    sam = as_member(app, "sam")
    code, out = invoke(sam, "review", "customer", "--left", left, "--right", right, "--decision", "reject",
                       "--note", "test: different legal entities")  # fmt: skip
    assert code == 0 and "recorded: reject" in out, out

    # …the next resolution respects it, and says so.
    code, out = invoke(app, "resolve", "customer", "--json")
    assert code == 0, out
    after = {
        (r["source"], r["record_id"]): r["entity_id"]
        for r in app.read("enterprise.customer_xref").to_pylist()
    }
    assert (
        after[("order_management.accounts", account["record_id"])]
        != after[("credit_management.credit_files", credit["record_id"])]
    )
    code, out = invoke(app, "show", "customer", left, "--json")
    shown = json.loads(out)
    assert [(d["decision"], d["decided_by"]) for d in shown["decisions"]] == [("reject", "sam")]
    assert shown["decisions"][0]["decided_at"]

    code, out = invoke(app, "accuracy", "customer", "--truth", str(data / "truth"), "--json")
    assert code == 0, out
    accuracy = json.loads(out)
    assert accuracy["pairwise"]["f1"] >= 0.98 and accuracy["records"] > 9000
    code, out = invoke(app, "accuracy", "customer", "--truth", str(data / "truth"))
    assert "pairwise" in out and "B-cubed" in out

    _every_path_that_shows_row_values_masks_without_a_grant(o2c)


def test_unknown_entity_is_a_usage_error(o2c: tuple[Andmesh, Path]) -> None:
    app, _ = o2c
    code, out = invoke(app, "show", "customr", "EC-000001", "--mesh", str(MESH))
    assert code == 2 and "did you mean `customer`?" in out


def _every_path_that_shows_row_values_masks_without_a_grant(o2c: tuple[Andmesh, Path]) -> None:
    """A member with no grant and no stewardship (mei, credit management) walks every command that
    prints row values: no protected value of another domain's product reaches her in clear.

    Called at the end of the resolve test, on the same mesh (building it again costs a minute)."""
    from typer.testing import CliRunner

    from andmesh.cli.app import app as cli_app
    from andmesh.governance.access import classified_columns
    from tests.helpers import token_for

    app, data = o2c
    code, out = invoke(app, "resolve", "customer", "--mesh", str(MESH), "--data", str(data))
    assert code == 0, out
    env = {"ANDMESH_TOKEN": token_for(app, "mei")}
    ws = ["--workspace", str(app.workspace.root)]

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli_app, [*ws, *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    mesh = app.mesh(MESH)
    checked = 0
    for port in mesh.ports():
        current = app.warehouse.current(port.table_id)
        if current is None:
            continue
        protected = classified_columns(app.store.published_contract(port.table_id, current.version)["text"])  # type: ignore[index]
        rows = json.loads(run("read", port.table_id, "--json", "--limit", "50"))
        for column in protected or []:
            values = [r[column] for r in rows if r.get(column) is not None]
            if port.domain == "credit_management":  # her own team's data
                continue
            assert all(str(v).startswith("masked:") for v in values), (port.table_id, column)
            checked += len(values)
    assert checked > 500, "the walk saw protected values to mask"

    xref = app.read("enterprise.customer_xref").to_pylist()
    entity_id = xref[0]["entity_id"]
    shown = json.loads(run("entities", "show", "customer", entity_id, "--json"))
    values = [g["value"] for g in shown["golden"] if g["attribute"] in PERSONAL and g["value"] is not None]
    values += [
        v for r in shown["records"] for a, v in r["attributes"].items() if a in PERSONAL and v is not None
    ]
    values += [v for link in shown["links"] for side in ("left", "right") for a, v in link[side]["attributes"].items() if a in PERSONAL and v is not None]  # fmt: skip
    assert values and all(str(v).startswith("masked:") for v in values)
    queue = json.loads(run("entities", "review", "customer", "--json"))
    values = [v for p in queue["pairs"] for side in ("left", "right") for a, v in p[side]["attributes"].items() if a in PERSONAL and v is not None]  # fmt: skip
    assert all(str(v).startswith("masked:") for v in values)
