"""Racing votes: votes cast at the same moment, each on its own connection, take turns.

No IntegrityError reaches anyone: a second vote by the same voter, or a vote that lands after
the decision, is a clear UsageError (exit 2 on the command line); votes by different voters all
count; the proposal is decided exactly once; a refused vote leaves nothing behind.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.errors import UsageError
from andmesh.governance.council import vote
from andmesh.spec import load_mesh
from andmesh.spec.mesh import Mesh
from andmesh.store import MetadataStore
from andmesh.store.governance import GovernanceStore
from andmesh.workspace import Workspace
from tests.governance.test_council import COUNCIL

ROUNDS = 3


@pytest.fixture
def mesh(mesh_dir: Path) -> Mesh:
    (mesh_dir / "governance").mkdir()
    (mesh_dir / "governance" / "council.yaml").write_text(COUNCIL)
    return load_mesh(mesh_dir)


def _race(url: str, root: Path, mesh: Mesh, proposal_id: int, voters: list[str]) -> list[tuple[str, str]]:
    """Every voter votes at once, each through its own engine (its own connections)."""
    stores = [GovernanceStore(MetadataStore(url).engine, root) for _ in voters]
    start = threading.Barrier(len(voters))
    outcomes: list[tuple[str, str]] = []

    def cast(store: GovernanceStore, voter: str) -> None:
        start.wait()
        try:
            updated, _ = vote(mesh, store, proposal_id, "approve", voter)
            outcomes.append((voter, f"voted: {updated.status}"))
        except UsageError as exc:
            outcomes.append((voter, f"refused: {exc.message}"))
        except Exception as exc:  # what must never happen: recorded, then asserted on
            outcomes.append((voter, f"crashed: {exc!r}"))

    threads = [threading.Thread(target=cast, args=pair) for pair in zip(stores, voters, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.engine.dispose()
    return outcomes


def _propose(store: GovernanceStore) -> int:
    return store.create_proposal(
        kind="breaking_change",
        subject="sales.customers",
        title="drop credit_limit",
        created_by="owner",
        domain="sales",
        product_id="sales.customers",
    )


def _recorded(store: GovernanceStore, proposal_id: int) -> Counter[str]:
    return Counter(e.action for e in store.audit_entries(f"proposal:{proposal_id}"))


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> GovernanceStore:
    return GovernanceStore(MetadataStore(store_url).engine, tmp_path / "ws")


def test_the_same_voter_twice_at_once(
    store: GovernanceStore, store_url: str, mesh: Mesh, tmp_path: Path
) -> None:
    for _ in range(ROUNDS):
        pid = _propose(store)
        outcomes = _race(store_url, tmp_path / "ws", mesh, pid, ["owner", "owner"])
        assert sorted(o for _, o in outcomes) == [
            f"refused: owner has already voted on proposal #{pid}",
            "voted: open",
        ], outcomes
        proposal = store.proposal(pid)
        assert proposal is not None and [v.voter for v in proposal.votes] == ["owner"]
        assert _recorded(store, pid) == {"proposal.created": 1, "vote": 1}
    assert store.verify_audit().intact


def test_the_deciding_voters_at_once(
    store: GovernanceStore, store_url: str, mesh: Mesh, tmp_path: Path
) -> None:
    for _ in range(ROUNDS):
        pid = _propose(store)
        outcomes = dict(_race(store_url, tmp_path / "ws", mesh, pid, ["owner", "eve"]))
        # Both votes count; whichever came second saw the first and decided.
        assert sorted(outcomes.values()) == ["voted: approved", "voted: open"], outcomes
        proposal = store.proposal(pid)
        assert proposal is not None and proposal.status == "approved"
        assert sorted(v.voter for v in proposal.votes) == ["eve", "owner"]
        assert _recorded(store, pid) == {"proposal.created": 1, "vote": 2, "proposal.approved": 1}
    assert store.verify_audit().intact


def test_a_vote_racing_the_decision(
    store: GovernanceStore, store_url: str, mesh: Mesh, tmp_path: Path
) -> None:
    for _ in range(ROUNDS):
        pid = _propose(store)
        outcomes = _race(store_url, tmp_path / "ws", mesh, pid, ["owner", "eve", "rep"])
        refused = [o for _, o in outcomes if o.startswith("refused")]
        assert all(o.startswith(("voted", "refused")) for _, o in outcomes), outcomes
        # rep's vote counts only if it landed before the decision; after it, votes are closed.
        assert refused in ([], [f"refused: proposal #{pid} is approved: votes are closed"]), outcomes
        proposal = store.proposal(pid)
        assert proposal is not None and proposal.status == "approved"
        assert len(proposal.votes) == len(outcomes) - len(refused)
        assert _recorded(store, pid) == {
            "proposal.created": 1,
            "vote": len(proposal.votes),
            "proposal.approved": 1,
        }
    assert store.verify_audit().intact


def test_the_cli_refuses_a_second_vote_with_exit_2(mesh: Mesh, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    store = GovernanceStore(MetadataStore(f"sqlite:///{ws / 'andmesh.db'}").engine, ws)
    pid = _propose(store)
    Workspace.resolve(ws).remember(mesh_root=mesh.root)  # as a run would have
    runner = CliRunner()
    from andmesh.store.tokens import TokenStore

    token = TokenStore(store.engine).issue("owner", created_by="test-setup", days=1, scopes=["decide"]).token
    args = ["--workspace", str(ws), "council", "vote", str(pid), "approve"]
    assert runner.invoke(app, args, env={"ANDMESH_TOKEN": token}).exit_code == 0
    again = runner.invoke(app, args, env={"ANDMESH_TOKEN": token})
    assert again.exit_code == 2 and "owner has already voted" in again.output
    assert "Traceback" not in again.output and "IntegrityError" not in again.output


def test_a_decided_access_request_is_settled_once(mesh: Mesh, store: GovernanceStore) -> None:
    """Two readers settling the same council decision record it once, not twice."""
    rid = store.create_access_request(
        table_id="sales.customers",
        consumer="rita",
        consumer_kind="person",
        purpose="disputes",
        pii=True,
        requested_by="rita",
    )
    store.update_access_request(rid, "owner", "owner_approved", status="awaiting_council")
    first = store.update_access_request(
        rid, "andmesh", "granted", only_from="awaiting_council", status="granted"
    )
    second = store.update_access_request(
        rid, "andmesh", "granted", only_from="awaiting_council", status="granted"
    )
    assert (first, second) == (True, False)
    actions = [e.action for e in store.audit_entries(f"access:{rid}")]
    assert actions.count("access.granted") == 1
