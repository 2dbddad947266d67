"""The council's own policy rules in Python: each gets the PolicyContext and a product."""

from __future__ import annotations

from typing import Any


def consumer_facing_has_usage(ctx: Any, product: Any) -> list[str]:
    """Products tagged `consumer-facing` document their usage (ODPS description.usage)."""
    if "consumer-facing" not in (product.spec.tags or []):
        return []
    usage = getattr(product.spec.description, "usage", None)
    return [] if usage and usage.strip() else ["tagged consumer-facing but `description.usage` is empty"]
