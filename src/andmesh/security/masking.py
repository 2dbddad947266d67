"""The one masking function: every path that shows row values to a principal goes through
:func:`mask_value` (tables, records, samples), keyed per workspace.

A masked value is ``masked:`` and the first 16 hex digits of HMAC-SHA256(workspace masking key,
value): stable inside one workspace (equal values mask alike, so joins and counts still work),
not reversible by a dictionary without the key, and different in another workspace.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

# Classifications whose values are masked without a grant.
PROTECTED = frozenset({"pii", "personal", "sensitive", "restricted", "confidential"})
MASK_PREFIX = "masked:"
# Sample values shown in incidents and test results are cut to this many characters.
SAMPLE_CHARS = 64


def is_protected(classification: str | None) -> bool:
    """
    >>> is_protected("PII"), is_protected("public"), is_protected(None)
    (True, False, False)
    """
    return (classification or "").strip().lower() in PROTECTED


def mask_value(value: Any, key: bytes) -> str:
    """The masked form of one value.

    >>> mask_value("buyer@acme.example", b"k1") == mask_value("buyer@acme.example", b"k1")
    True
    >>> mask_value("buyer@acme.example", b"k1") == mask_value("buyer@acme.example", b"k2")
    False
    >>> mask_value("x", b"k").startswith("masked:")
    True
    """
    text = value if isinstance(value, str) else str(value)
    return MASK_PREFIX + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:16]


def mask_table(table: pa.Table, columns: Iterable[str], key: bytes) -> pa.Table:
    """``table`` with ``columns`` replaced by their masked values (nulls stay null)."""
    # Imported here: masking sample values (`andmesh test`) needs no Arrow.
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in columns:
        if name not in table.column_names:
            continue
        index = table.column_names.index(name)
        values = pc.cast(table[name], pa.string()).to_pylist() if table.num_rows else []
        masked = pa.array([None if v is None else mask_value(v, key) for v in values], pa.string())
        table = table.set_column(index, pa.field(name, pa.string()), masked)
    return table


def mask_record(record: Mapping[str, Any], columns: Iterable[str], key: bytes) -> dict[str, Any]:
    """One record (a dict) with ``columns`` masked."""
    hidden = set(columns)
    return {k: (mask_value(v, key) if k in hidden and v is not None else v) for k, v in record.items()}


def mask_attributes(model: Any, hidden: set[str], key: bytes) -> Any:
    """A copy of a result model (an entity view, a review queue) with the values of the
    ``hidden`` attributes masked: in ``attributes`` dicts, and in models that carry an
    ``attribute`` name beside its ``value``."""
    from pydantic import BaseModel

    def walk(value: Any, field: str | None) -> Any:
        if isinstance(value, BaseModel):
            fields = {k: walk(getattr(value, k), k) for k in type(value).model_fields}
            if (
                "value" in fields
                and getattr(value, "attribute", None) in hidden
                and fields["value"] is not None
            ):
                fields["value"] = mask_value(fields["value"], key)
            return type(value).model_construct(**fields)
        if isinstance(value, dict):
            if field == "attributes":
                return {
                    k: (mask_value(v, key) if k in hidden and v is not None else v) for k, v in value.items()
                }
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, field) for v in value]
        return value

    return walk(model, None)


def truncate_sample(value: Any, limit: int = SAMPLE_CHARS) -> Any:
    """Sample values are evidence, not a copy of the data: long text is cut.

    >>> truncate_sample("x" * 100)[-12:]
    '…(100 chars)'
    """
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"…({len(value)} chars)"
    return value
