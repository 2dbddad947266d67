"""A pyiceberg transaction that works out its pending metadata once per staged change.

pyiceberg 0.12's ``Transaction.table_metadata`` re-applies every staged update to the
table's metadata and deep-copies the result on *each* access; a publish (delete every
row, add the new files) reads it ~45 times, and the metadata grows with every version
the table keeps, so a publish cost more the older the table: ~60% of its CPU went to
those copies (10 publishes, profiled). The metadata models are frozen, and the staged
updates are an immutable tuple replaced on every ``_stage``, so the result for one tuple
is computed once and handed out again until the next change is staged.

Imported only by a publish (pyiceberg is not loaded before one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyiceberg.table import Transaction
from pyiceberg.table.update import update_table_metadata

if TYPE_CHECKING:
    from pyiceberg.table import Table
    from pyiceberg.table.metadata import TableMetadata


class MemoTransaction(Transaction):
    """``Table.transaction()`` with the pending metadata remembered per staged change."""

    def __init__(self, table: Table, autocommit: bool = False) -> None:
        super().__init__(table, autocommit)
        self._memo: tuple[object, object, TableMetadata] | None = None

    @property
    def table_metadata(self) -> TableMetadata:
        base, updates = self._table.metadata, self._updates
        memo = self._memo
        # By identity: a new staged change is a new tuple, a commit a new base.
        if memo is None or memo[0] is not base or memo[1] is not updates:
            memo = (base, updates, update_table_metadata(base, updates))
            self._memo = memo
        return memo[2]


def transaction(table: Table) -> MemoTransaction:
    """A transaction on ``table``, used as ``table.transaction()`` is (a context manager)."""
    return MemoTransaction(table)
