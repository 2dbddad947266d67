"""A proposed new version of a product's contract, checked before anyone commits it to the mesh.

The mesh's specs are code reviewed in git: the service never rewrites a contract file. A new
contract text is checked as `andmesh lint` would check it in place (the whole mesh linted with
the file replaced, so a pipeline naming a dropped column is caught too), then compared with the
contract in force (`andmesh diff`). A breaking change goes to the council under its
``breaking_change`` rule, as the same proposal a run would open, so once it is approved and the
contract is committed, the run publishes it without asking again; a compatible change needs no
council decision.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from andmesh.errors import SpecError, SpecProblem, UsageError
from andmesh.quality.diff import ContractDiff, diff_contracts, parse_semver
from andmesh.spec.loader import SKIPPED_DIRS, lint_mesh
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.store.governance import GovernanceStore, Proposal

MAX_CONTRACT_BYTES = 1_000_000
KIND = "breaking_change"


class ContractChange(BaseModel):
    product_id: str
    table_id: str
    contract_id: str
    diff: ContractDiff = Field(description="What changes against the contract in force (`andmesh diff`).")
    council: Literal["proposed", "already_proposed", "not_needed"] = Field(
        description="`proposed`: a breaking change now waits for the council; `already_proposed`: an open "
        "or decided proposal already asks for this version; `not_needed`: compatible, no decision."
    )
    proposal: Proposal | None = None
    warnings: list[dict[str, object]] = Field(
        default_factory=list, description="Lint warnings (not refusals)."
    )
    next_step: str


def lint_candidate(mesh: Mesh, port: OutputPort, text: str) -> tuple[ContractDiff, list[SpecProblem]]:
    """The mesh linted with ``port``'s contract replaced by ``text``; its diff against the one in force.

    Raises :class:`SpecError` with every problem (file:line in the mesh; the contract's own lines
    are those of ``text``), or :class:`UsageError` for a version that does not announce the change.
    """
    relative = port.contract.file.resolve().relative_to(mesh.root.resolve())
    with tempfile.TemporaryDirectory(prefix="andmesh-contract-") as scratch:
        copy = Path(scratch) / "mesh"
        shutil.copytree(
            mesh.root,
            copy,
            ignore=lambda _dir, names: [n for n in names if n in SKIPPED_DIRS or n.startswith(".")],
        )
        (copy / relative).write_text(text, encoding="utf-8")
        report = lint_mesh(copy)
        problems = [_relocated(p, copy) for p in report.problems]
        if not report.ok or report.mesh is None:
            raise SpecError([p for p in problems if p.severity == "error"])
        candidate = report.mesh.products[port.product_id].output(port.name).contract
    where = f"{relative}:{_version_line(text)}: version"
    parse_semver(candidate.model.version, where)
    diff = diff_contracts(port.contract.model, candidate.model)
    if not diff.bump_ok:
        raise UsageError(
            f"{where}: {diff.verdict}",
            hint=f"set `version` to a {diff.required_bump.value} bump of {diff.old_version} "
            "(breaking changes need a major version)",
        )
    return diff, [p for p in problems if p.severity != "error"]


def propose(mesh: Mesh, store: GovernanceStore, port: OutputPort, text: str, *, by: str) -> ContractChange:
    """Check ``text`` as ``port``'s next contract; a breaking change becomes a council proposal."""
    if len(text.encode("utf-8")) > MAX_CONTRACT_BYTES:
        raise UsageError(
            f"the contract is larger than {MAX_CONTRACT_BYTES:,} bytes", hint="send the ODCS YAML only"
        )
    diff, warnings = lint_candidate(mesh, port, text)
    product = mesh.products[port.product_id]
    common = {
        "product_id": port.product_id,
        "table_id": port.table_id,
        "contract_id": port.contract.id,
        "diff": diff,
        "warnings": [w.as_dict() for w in warnings],
    }
    if not diff.breaking:
        store.audit(
            by, "contract_checked", port.table_id, {"new_version": diff.new_version, "verdict": diff.verdict}
        )
        step = "nothing changes" if not diff.changes else "commit it to the mesh; the next run publishes it"
        return ContractChange(**common, council="not_needed", next_step=f"{diff.verdict}: {step}")
    if mesh.council is None:
        raise UsageError(
            f"{diff.verdict}, and mesh {mesh.name} has no council to decide it",
            hint="declare governance/council.yaml with a `breaking_change` rule",
        )
    existing = [
        p
        for p in store.proposals(kind=KIND, subject=port.table_id)
        if p.details.get("new_version") == diff.new_version and p.status not in ("rejected", "withdrawn")
    ]
    if existing:
        return ContractChange(
            **common,
            council="already_proposed",
            proposal=existing[-1],
            next_step=f"proposal #{existing[-1].id} already asks for {diff.new_version} ({existing[-1].status})",
        )
    # The same proposal a run opens on meeting the change (governance.gate): the run finds it by version.
    pid = store.create_proposal(
        kind=KIND,
        subject=port.table_id,
        title=f"{port.contract.id} {diff.old_version} → {diff.new_version}: {diff.verdict}",
        created_by=by,
        domain=product.domain,
        product_id=product.id,
        details={
            "contract_id": port.contract.id,
            "old_version": diff.old_version,
            "new_version": diff.new_version,
            "changes": [c.model_dump(mode="json") for c in diff.changes if c.severity.value == "error"],
            "contract": text,
        },
    )
    proposal = store.proposal(pid)
    assert proposal is not None
    return ContractChange(
        **common,
        council="proposed",
        proposal=proposal,
        next_step=f"the council decides proposal #{pid} (rule `{KIND}`); once approved, commit the "
        "contract and run: the run publishes it",
    )


def _relocated(problem: SpecProblem, copy: Path) -> SpecProblem:
    """A problem of the scratch copy, named by its path inside the mesh (the server's folders stay private)."""
    try:
        file = problem.file.resolve().relative_to(copy.resolve())
    except ValueError:
        file = Path(problem.file.name)
    return SpecProblem(
        file,
        problem.line,
        problem.column,
        problem.path,
        problem.message,
        problem.hint,
        problem.severity,
        problem.code,
    )


def _version_line(text: str) -> int:
    """The line of the top-level ``version:`` key (1 if there is none).

    >>> _version_line("apiVersion: v3.1.0\\nkind: DataContract\\nversion: 2.0.0\\n")
    3
    """
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("version:"):
            return number
    return 1
