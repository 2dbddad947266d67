"""Resolution on a small hand-made world: keys link, near-duplicates link, a shared address
does not merge, steward decisions stick, enterprise ids stay put. Real DuckDB and Splink."""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

from andmesh.enterprise.entities.resolve import Resolution, resolve
from andmesh.enterprise.entities.results import Decision
from tests.enterprise.entities.conftest import entity_spec


def entity_of(result: Resolution) -> dict[tuple[str, str], str]:
    x = result.xref.to_pylist()
    return {(r["source"], r["record_id"]): r["entity_id"] for r in x}


def method_of(result: Resolution) -> dict[tuple[str, str], str]:
    return {(r["source"], r["record_id"]): r["match_method"] for r in result.xref.to_pylist()}


def test_exact_keys_link(resolved: Resolution) -> None:
    ids, methods = entity_of(resolved), method_of(resolved)
    for i in range(40):
        invoices = {ids[("billing.invoices", f"I{i:03d}{k}")] for k in range(3)}
        assert invoices == {ids[("sales.accounts", f"A{i:03d}")]}, f"company {i}"
    # The three invoices of an account look alike and link to it: one node, linked by the key.
    assert methods[("billing.invoices", "I0050")] == "key"
    assert resolved.summary.records_by_source["billing.invoices"] == 120
    assert resolved.summary.links["key"] == 40


def test_near_duplicates_link(resolved: Resolution) -> None:
    """Accounts keyed with typos, upper case, no legal form, no VAT, "str." for "straße"."""
    ids, methods = entity_of(resolved), method_of(resolved)
    for i in range(36):
        assert ids[("sales.accounts", f"A{i:03d}")] == ids[("credit.files", f"F{i:03d}")], f"company {i}"
    without_vat = [i for i in range(36) if i % 3 == 0]
    assert {methods[("sales.accounts", f"A{i:03d}")] for i in without_vat} <= {"probabilistic", "key"}
    assert any(methods[("credit.files", f"F{i:03d}")] == "probabilistic" for i in without_vat)
    assert resolved.summary.links["identifier"] > 0, "accounts with the VAT link by it"


def test_different_companies_at_one_address_stay_apart(resolved: Resolution) -> None:
    ids = entity_of(resolved)
    head_office = ids[("credit.files", "F000")]
    assert ids[("credit.files", "F036")] != head_office, "a branch registered at its head office"
    for i in range(3):
        assert ids[("credit.files", f"F{i:03d}")] != ids[("credit.files", f"F{37 + i:03d}")], (
            "two in one building"
        )
        assert ids[("sales.accounts", f"A{37 + i:03d}")] == ids[("credit.files", f"F{37 + i:03d}")]
    assert len(set(ids.values())) == 40
    evidence = resolved.evidence.to_pylist()
    assert any(e["reason"] == "conflict: tax_id" for e in evidence), "kept apart by their VATs"


def test_resolution_is_deterministic_and_keeps_enterprise_ids(
    world: dict[str, pa.Table], resolved: Resolution
) -> None:
    again = resolve(entity_spec(), world, previous=resolved.xref)
    assert entity_of(again) == entity_of(resolved)
    assert again.summary.model_version == resolved.summary.model_version
    # Ids come from the previous version, not from the order of the rows.
    shuffled = {name: table.take(list(reversed(range(table.num_rows)))) for name, table in world.items()}
    assert entity_of(resolve(entity_spec(), shuffled, previous=resolved.xref)) == entity_of(resolved)


def decision(kind: str, left: tuple[str, str], right: tuple[str, str]) -> Decision:
    return Decision(
        entity="customer",
        left_source=left[0],
        left_record=left[1],
        right_source=right[0],
        right_record=right[1],
        decision=kind,  # type: ignore[arg-type]
        decided_by="sam",
    )


def test_steward_decisions_stick(world: dict[str, pa.Table], resolved: Resolution) -> None:
    before = entity_of(resolved)
    account, file = ("sales.accounts", "A005"), ("credit.files", "F005")
    head, branch = ("credit.files", "F000"), ("credit.files", "F036")
    assert before[account] == before[file] and before[head] != before[branch]
    after = resolve(
        entity_spec(),
        world,
        decisions=[decision("reject", account, file), decision("confirm", head, branch)],
        previous=resolved.xref,
    )
    ids = entity_of(after)
    assert ids[account] != ids[file], "a rejected pair is kept apart"
    assert ids[head] == ids[branch], "a confirmed pair is linked"
    assert after.summary.links["steward"] == 1 and after.summary.rejected >= 1
    # The invoices follow their account (a key), the file keeps the enterprise id (more records stay).
    assert ids[("billing.invoices", "I0050")] == ids[account]
    # A later decision on the same pair wins.
    undone = resolve(
        entity_spec(),
        world,
        decisions=[decision("reject", account, file), decision("confirm", account, file)],
        previous=resolved.xref,
    )
    assert entity_of(undone)[account] == entity_of(undone)[file]


def test_confirmations_are_labels_when_no_key_links(world: dict[str, pa.Table]) -> None:
    spec = entity_spec(links=[])
    spec.sources = [s for s in spec.sources if s.product != "billing.invoices"]
    no_keys = {k: v for k, v in world.items() if k != "billing.invoices"}
    confirmed = [
        decision("confirm", ("sales.accounts", f"A{i:03d}"), ("credit.files", f"F{i:03d}")) for i in range(3)
    ]
    result = resolve(spec, no_keys, decisions=confirmed)
    assert result.summary.training.endswith("labels") and "em" in result.summary.training
    # The model learns from pairs of different values: a confirmed account and credit file
    # spelt alike are one identity tuple, and say nothing about how matches differ.
    tuple_of = {
        (r["source"], r["first_record"]): r["tuple"] for r in result.nodes.to_pylist() if r["records"] == 1
    }
    differing = {
        tuple(sorted((tuple_of[("sales.accounts", f"A{i:03d}")], tuple_of[("credit.files", f"F{i:03d}")])))
        for i in range(3)
    }
    differing = {pair for pair in differing if pair[0] != pair[1]}
    assert differing and result.summary.label_pairs == len(differing)


def test_every_record_gets_one_row(resolved: Resolution, world: dict[str, pa.Table]) -> None:
    xref = resolved.xref
    assert xref.num_rows == sum(t.num_rows for t in world.values())
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in xref.select(["source", "record_id"]).to_pylist():
        counts[(row["source"], row["record_id"])] += 1
    assert set(counts.values()) == {1}
    assert all(str(e).startswith("C-") for e in xref.column("entity_id").to_pylist())
