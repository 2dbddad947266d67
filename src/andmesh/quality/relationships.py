"""Foreign keys: every non-null key of this table exists in the table it points to.

One anti-join per relationship, pushed down to the engine. ``to: orders.order_id``
names an output port and its column; the caller supplies the tables it may point to
(this product's upstream versions, or the table itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from andmesh.engine.base import EngineSession
from andmesh.quality import sql
from andmesh.quality.plan import SAMPLE_ROWS, Evaluation, PlannedCheck, decided
from andmesh.quality.results import CheckStatus
from andmesh.quality.sql import Relation

if TYPE_CHECKING:
    from open_data_contract_standard.model import Relationship


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def plan_relationship(
    obj: str,
    check_id: str,
    relationship: Relationship,
    table: Relation,
    references: Mapping[str, Relation],
    default_from: str | None = None,
) -> PlannedCheck:
    """The anti-join check for one relationship (property- or object-level)."""
    kind = relationship.type or "foreignKey"
    targets = _as_list(relationship.to)
    sources = _as_list(getattr(relationship, "from_", None)) or (
        [f"{obj}.{default_from}"] if default_from else []
    )
    prop = default_from

    def settle(status: CheckStatus, message: str) -> PlannedCheck:
        return decided(check_id, "relationship", obj, prop, status, message, threshold={"to": targets})

    if kind != "foreignKey":
        return settle(CheckStatus.skipped, f"relationship type `{kind}` is not evaluated (only foreignKey)")
    if not targets or len(targets) != len(sources):
        return settle(CheckStatus.error, f"`from` {sources} and `to` {targets} must name as many columns")
    source_cols = [s.split(".")[-1] for s in sources]
    target_names = {t.rsplit(".", 1)[0] if "." in t else "" for t in targets}
    if len(target_names) != 1 or "" in target_names:
        return settle(
            CheckStatus.error, f"`to` must name columns of one table as `<table>.<column>`: {targets}"
        )
    target_name = target_names.pop()
    target_cols = [t.rsplit(".", 1)[1] for t in targets]
    target = table if target_name == obj else references.get(target_name)
    if target is None:
        known = sorted({*references, obj})
        return settle(
            CheckStatus.error,
            f"relationship target `{target_name}` is not available to this check (known: {', '.join(known)})",
        )
    missing = [c for c in source_cols if c not in table.columns] + [
        f"{target_name}.{c}" for c in target_cols if c not in target.columns
    ]
    if missing:
        return settle(
            CheckStatus.error, f"column(s) {missing} missing, so the relationship cannot be checked"
        )

    def evaluate(session: EngineSession) -> Evaluation:
        dialect = session.dialect
        keyed = table.select(exp.Star(), where=sql.and_(*[sql.not_null(table.ref(c)) for c in source_cols]))
        # No DISTINCT on the target: an anti-join ignores duplicates on its right side,
        # and de-duplicating millions of keys first costs more than the join itself.
        right = target.select(
            *[exp.alias_(target.ref(c), f"__ref_{i}", quoted=True) for i, c in enumerate(target_cols)]
        )
        on = exp.and_(
            *[
                exp.EQ(
                    this=exp.column(s, "k", quoted=True),
                    expression=exp.column(f"__ref_{i}", "r", quoted=True),
                )
                for i, s in enumerate(source_cols)
            ]
        )
        anti = (
            exp.select(*[exp.column(c, "k", quoted=True) for c in source_cols])
            .from_(keyed.subquery(exp.to_identifier("k", quoted=True)))
            .join(right.subquery(exp.to_identifier("r", quoted=True)), on=on, join_type="anti")
        )
        # One anti-join gives the count and the samples (the first orphans by key: the same rows
        # every time). DuckDB keeps the orphans' keys once for both (spilled to disk if need be);
        # a relationship that holds keeps nothing.
        order = [exp.Ordered(this=exp.column(c, quoted=True)) for c in source_cols]
        query = sql.counted_sample(anti, exp.Count(this=exp.Star()), source_cols, order, SAMPLE_ROWS)
        counted = query.sql(dialect)
        found = session.fetch(counted)
        measured = int(found[0][sql.TOTAL] or 0) if found else 0
        samples: list[dict[str, Any]] = [{c: row[c] for c in source_cols} for row in found]
        return Evaluation(measured, counted, samples)

    return PlannedCheck(
        check_id,
        "relationship",
        obj,
        prop or ",".join(source_cols),
        evaluate=evaluate,
        describe=f"rows whose ({', '.join(source_cols)}) is not in {target_name} ({', '.join(target_cols)})",
    )
