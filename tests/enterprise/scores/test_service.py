"""The score service on the reference mesh (1,000 customers): served vs shadow, approval by the
council, point-in-time values, what a run records, publication as customer_scores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.errors import UsageError
from andmesh.facade import Andmesh
from andmesh.governance.council import vote
from andmesh.spec.loader import load_mesh
from tests.enterprise.scores.scoring_mesh import mesh_copy, service

JUNE = dt.date(2026, 6, 30)
SEPTEMBER = dt.date(2026, 9, 30)


@pytest.fixture
def proposed(o2c: Andmesh, tmp_path: Path):  # type: ignore[no-untyped-def]
    """credit_risk 1.0.0 approved in review, 1.1.0 proposed (waiting for the council)."""
    mesh_copy(tmp_path / "mesh", v110="proposed")
    return service(o2c, tmp_path)


def test_unapproved_version_runs_in_shadow_and_is_not_served(proposed) -> None:  # type: ignore[no-untyped-def]
    report = proposed.run(["credit_risk"], as_of=JUNE)
    roles = {r.version: r.role for r in report.runs}
    assert roles == {"1.0.0": "served", "1.1.0": "shadow", "2.0.0": "shadow"}
    assert proposed.served("credit_risk").version == "1.0.0"
    listed = {v.version: (v.approval, v.role) for v in proposed.versions("credit_risk")}
    assert listed == {
        "1.0.0": ("approved", "served"),
        "1.1.0": ("proposed", "shadow"),
        "2.0.0": ("proposed", "shadow"),
    }
    run, table = proposed.output("credit_risk")
    assert run.version == "1.0.0" and table.num_rows == run.customers
    customer = table.column("customer_id")[0].as_py()
    assert proposed.show("credit_risk", customer).version == "1.0.0"
    comparison = proposed.compare("credit_risk", "1.1.0")
    assert comparison.customers > 900 and comparison.psi is not None and comparison.same_band is not None


def test_council_approval_serves_the_new_version_and_history_stays(proposed) -> None:  # type: ignore[no-untyped-def]
    first = proposed.run(["credit_risk"], as_of=JUNE)
    served_june = next(r for r in first.runs if r.role == "served")
    pid = proposed.propose("credit_risk", "1.1.0", "rkhan", "stricter grades")
    proposal = proposed.governance.proposal(pid)
    assert proposal.kind == "score_version" and proposal.subject == "score:credit_risk@1.1.0"
    assert proposal.details["shadow"]["customers"] > 900
    _, tally = vote(proposed.mesh, proposed.governance, pid, "approve", "edo")
    assert tally.status == "open"  # the rule needs the chair and the data office, quorum 2
    assert proposed.served("credit_risk").version == "1.0.0"
    _, tally = vote(proposed.mesh, proposed.governance, pid, "approve", "rkhan")
    assert tally.status == "approved"
    assert proposed.served("credit_risk").version == "1.1.0"
    second = proposed.run(["credit_risk"], as_of=SEPTEMBER)
    assert {r.version: r.role for r in second.runs} == {
        "1.0.0": "shadow",
        "1.1.0": "served",
        "2.0.0": "shadow",
    }

    customer = pq.read_table(served_june.output_path).column("customer_id")[0].as_py()
    june = proposed.show("credit_risk", customer, as_of=dt.date(2026, 7, 15))
    assert (june.version, june.run_id, june.as_of) == ("1.0.0", served_june.id, JUNE)
    now = proposed.show("credit_risk", customer, as_of=SEPTEMBER)
    assert now.version == "1.1.0" and now.as_of == SEPTEMBER
    assert proposed.show("credit_risk", customer).version == "1.1.0"
    with pytest.raises(UsageError, match="no served run on or before 2026-05-01"):
        proposed.show("credit_risk", customer, as_of=dt.date(2026, 5, 1))


def test_run_records_what_it_came_from_and_a_served_fit_is_kept(proposed) -> None:  # type: ignore[no-untyped-def]
    first = {r.score: r for r in proposed.run(as_of=JUNE).runs if r.role == "served"}
    assert set(first) == {"credit_risk", "financial_health", "lifetime_value"}
    credit = first["credit_risk"]
    assert credit.inputs["enterprise.customer_profile"]["version"] >= 1
    assert credit.entity_model_version and credit.code_version.startswith("andmesh")
    assert credit.parameters["pdo"] == 20.0 and credit.spec_hash
    assert credit.baseline["bands"] and 300 < credit.baseline["p50"] < 900
    ltv = first["lifetime_value"]
    assert (
        "customer_invoicing.invoices" in ltv.inputs and "score:credit_risk" not in ltv.inputs
    )  # read this run's PD
    again = {r.version: r for r in proposed.run(["credit_risk"], as_of=SEPTEMBER, refit=True).runs}
    assert again["1.0.0"].role == "served"
    assert again["1.0.0"].fit_sha256 == credit.fit_sha256  # served: scored with its approved fit
    assert again["1.0.0"].baseline["psi_vs_first_run"] == pytest.approx(0.0, abs=1e-9)
    assert (again["1.0.0"].baseline["drift"], again["1.0.0"].baseline["drift_reasons"]) == ("ok", [])


def test_forward_version_learns_a_year_earlier_and_scores_today(proposed) -> None:  # type: ignore[no-untyped-def]
    [run] = [r for r in proposed.run(["credit_risk"], as_of=SEPTEMBER).runs if r.version == "2.0.0"]
    assert run.role == "shadow" and run.scored > 900
    assert "payments_collection.invoice_settlements" in run.inputs
    assert run.parameters["training_auc"] > 0.7  # out-of-time label: serious delinquency in the next year
    assert set(run.baseline["bands"]) >= {"A", "B", "C"}


def test_unknown_score_and_version_say_what_exists(proposed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError) as err:
        proposed.run(["credit_rsk"])
    assert "credit_risk" in (err.value.hint or "")
    with pytest.raises(UsageError, match=r"no version 9\.9\.9"):
        proposed.score("credit_risk", "9.9.9")


def test_without_a_council_the_owner_approves_in_the_spec(o2c: Andmesh, tmp_path: Path) -> None:
    mesh_copy(tmp_path / "mesh", v110="approved")
    (tmp_path / "mesh" / "governance" / "council.yaml").unlink()
    svc = service(o2c, tmp_path, load_mesh(tmp_path / "mesh"))
    assert svc.mesh.council is None
    assert svc.served("credit_risk").version == "1.1.0"
    with pytest.raises(UsageError, match="no council"):
        svc.propose("credit_risk", "1.1.0", "edo")


def test_approval_in_review_must_satisfy_the_council_rule(o2c: Andmesh, tmp_path: Path) -> None:
    mesh_copy(tmp_path / "mesh", v110="approved", by="[rkhan]")  # the chair is missing
    svc = service(o2c, tmp_path)
    assert svc.approval(svc.score("credit_risk", "1.1.0"))[0] == "proposed"
    assert svc.served("credit_risk").version == "1.0.0"


def test_reference_run_publishes_customer_scores(o2c: Andmesh) -> None:
    current = o2c.warehouse.current("enterprise.customer_scores")
    assert current is not None
    rows = pa.concat_tables([pq.read_table(f) for f in current.files])
    assert set(rows.column("score").to_pylist()) == {"credit_risk", "financial_health", "lifetime_value"}
    assert set(rows.column("version").to_pylist()) == {"1.0.0"}
    profile = o2c.warehouse.current("enterprise.customer_profile")
    assert current.rows == 3 * profile.rows


def test_a_failed_run_is_recorded_with_its_error(o2c: Andmesh, tmp_path: Path) -> None:
    root = mesh_copy(tmp_path / "mesh")
    spec = root / "enterprise" / "scores" / "financial_health.yaml"
    text = spec.read_text(encoding="utf-8").replace(
        '"COALESCE(credit_limit, 0)"', "\"CAST('none' AS DOUBLE)\""
    )
    spec.write_text(text, encoding="utf-8")
    svc = service(o2c, tmp_path)
    with pytest.raises(Exception, match="none"):
        svc.run(["financial_health"])
    [failed] = [r for r in svc.runs.runs("financial_health", succeeded=False) if r.status == "failed"]
    assert failed.role == "served" and "none" in (failed.error or "") and failed.spec_hash
    assert svc.runs.runs("financial_health") == []  # nothing served from it


def test_approving_a_version_changes_customer_scores_fingerprint(o2c: Andmesh, tmp_path: Path) -> None:
    from andmesh.enterprise.scores import publish
    from andmesh.pipeline.build import BuildContext
    from andmesh.store.metadata import MetadataStore

    mesh = load_mesh(mesh_copy(tmp_path / "mesh", v110="proposed"))
    store = MetadataStore(f"sqlite:///{tmp_path / 'store.db'}")
    product = mesh.products["enterprise.customer_scores"]
    context = BuildContext(
        mesh=mesh,
        product=product,
        port=product.outputs[0],
        run_id="r1",
        workspace=tmp_path / "ws",
        store=store,
        warehouse=o2c.warehouse,
    )
    before = publish.fingerprint(context)
    assert publish.fingerprint(context) == before
    svc = service(o2c, tmp_path, mesh)
    pid = svc.propose("credit_risk", "1.1.0", "rkhan")
    for voter in ("edo", "rkhan"):
        vote(mesh, svc.governance, pid, "approve", voter)
    assert publish.fingerprint(context) != before  # the next mesh run publishes the new version


def test_items_built_in_the_engine_equal_the_items_built_in_python(proposed) -> None:  # type: ignore[no-untyped-def]
    """credit_risk 2.0.0's features (score and fit cut-offs) and labels: the engine form's rows are
    the NumPy builder's rows over the same query's items, and the run scores with them."""
    from andmesh.enterprise.scores.service import _InEngine

    score = proposed.score("credit_risk", "2.0.0")
    read: dict = {}
    assert isinstance(proposed._source(score, "features", read, {}), _InEngine)
    assert "enterprise.customer_xref" in read  # the reads are recorded without running the query
    for role, fit in (("features", False), ("features", True), ("labels", True)):
        items = proposed._table(score, role, {}, {})
        in_python = proposed._built(score, role, items, fit=fit).sort_by("customer_id")
        in_engine = proposed._built(score, role, _InEngine(role), fit=fit)
        assert in_engine.num_rows == in_python.num_rows > 500
        assert in_engine.column("customer_id").equals(in_python.column("customer_id"))
        for name in in_engine.column_names[1:]:
            got = in_engine.column(name).to_numpy(zero_copy_only=False).astype(float)
            want = in_python.column(name).to_numpy(zero_copy_only=False).astype(float)
            assert got == pytest.approx(want, rel=1e-9, abs=2e-6, nan_ok=True), (role, fit, name)
    # A fit builds the three tables from one join of the items (a temporary table in the engine).
    proposed._build_together(score, {"features": _InEngine("features"), "labels": _InEngine("labels")})
    together = dict(proposed._prebuilt)
    proposed._prebuilt.clear()
    assert set(together) == {
        (score.key, r, f) for r, f in (("features", True), ("features", False), ("labels", True))
    }
    for (_, role, fit), table in together.items():
        alone = proposed._built(score, role, _InEngine(role), fit=fit)
        assert table.column_names == alone.column_names and table.num_rows == alone.num_rows
        assert table.column("customer_id").equals(alone.column("customer_id"))
        for name in table.column_names[1:]:
            got = table.column(name).to_numpy(zero_copy_only=False).astype(float)
            want = alone.column(name).to_numpy(zero_copy_only=False).astype(float)
            assert got == pytest.approx(want, rel=1e-12, nan_ok=True), (role, fit, name)
