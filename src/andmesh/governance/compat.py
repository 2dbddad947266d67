"""Lint against what consumers already read: each contract compared with its last published version.

`andmesh run` refuses a breaking contract change that the version does not announce (the
product is held back, an incident says why). `andmesh lint`, given a workspace that has
published the mesh, says the same before anything runs: a breaking change to a published
contract without a major version bump is an error at the contract's ``version`` line, with
each breaking change and the version to set. A double column turned decimal under the same
version is exactly such a change: a consumer of the earlier version would meet another type.

Only the store is read (nothing is recorded: lint changes no state). The comparison is the
run's (``andmesh.quality.diff``, the rules of ``andmesh diff`` and docs/diff.md).
"""

from __future__ import annotations

from typing import Protocol

from andmesh.errors import SpecProblem
from andmesh.quality.diff import ContractDiff, diff_contracts
from andmesh.spec.contract import validate_contract
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.yamlsource import YamlDocument, load_yaml, load_yaml_text


class PublishedContracts(Protocol):
    """What the check reads from the metadata store (``MetadataStore`` has it)."""

    def last_published_contract(self, table_id: str) -> dict[str, object] | None: ...


def published_diff(store: PublishedContracts, port: OutputPort) -> ContractDiff | None:
    """``port``'s contract against the one of its newest published version (None: none, or the same)."""
    last = store.last_published_contract(port.table_id)
    if last is None:
        return None
    text = str(last.get("text") or "")
    if text == port.contract.file.read_text(encoding="utf-8"):
        return None
    doc = load_yaml_text(text, port.contract.file)
    if isinstance(doc, SpecProblem):
        return None
    previous, _ = validate_contract(doc)
    if previous is None:
        return None  # written for an older standard: nothing reliable to compare with
    return diff_contracts(previous, port.contract.model)


def unannounced_changes(mesh: Mesh, store: PublishedContracts) -> list[SpecProblem]:
    """One error per published contract changed in a breaking way without a major version bump."""
    problems: list[SpecProblem] = []
    for port in mesh.ports():
        diff = published_diff(store, port)
        if diff is None or not diff.blocking:
            continue
        changes = [c for c in diff.changes if c.severity.value == "error"]
        listed = "; ".join(f"{c.path}: {c.old} → {c.new} ({c.message})" for c in changes[:5])
        more = f" (and {len(changes) - 5} more)" if len(changes) > 5 else ""
        doc = load_yaml(port.contract.file)
        where = doc if isinstance(doc, YamlDocument) else YamlDocument(port.contract.file, None, {(): (1, 1)})
        problems.append(
            where.problem(
                ("version",),
                f"{port.table_id}: a breaking change to the published contract {diff.old_version}, "
                f"which consumers read, without a major version ({diff.verdict}): {listed}{more}",
                f"set `version: {_next_major(diff.old_version)}` (a breaking change needs a major version; "
                "docs/diff.md), or restore what the published version promises",
                code="compatibility",
            )
        )
    return problems


def _next_major(version: str) -> str:
    """The major version after ``version``.

    >>> _next_major("1.4.2"), _next_major("0.3.0"), _next_major("v2")
    ('2.0.0', '1.0.0', 'a major version above v2')
    """
    head = version.split(".")[0]
    return f"{int(head) + 1}.0.0" if head.isdigit() else f"a major version above {version}"


__all__ = ["published_diff", "unannounced_changes"]
