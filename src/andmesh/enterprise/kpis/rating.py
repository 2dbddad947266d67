"""Red, amber, green: a KPI value against its owner's thresholds, the way that is better.

``thresholds: {warning, critical}`` are the values a KPI turns amber, then red, beyond —
above them when lower is better, below them when higher is better. A value equal to a
threshold has not crossed it. With only a ``target``, meeting it is green and missing it is
amber: the owner said what good is, not what is alarming. With neither there is no rating.
"""

from __future__ import annotations

from typing import Literal

Rating = Literal["green", "amber", "red"]


def rate(
    value: float | None,
    direction: str,
    *,
    warning: float | None = None,
    critical: float | None = None,
    target: float | None = None,
) -> Rating | None:
    """The rating of ``value``.

    Lower is better (DSO; warning 50, critical 60):

    >>> [rate(v, "lower", warning=50, critical=60) for v in (45, 50, 55, 60, 61)]
    ['green', 'green', 'amber', 'amber', 'red']

    Higher is better (OTIF; warning 0.9, critical 0.8):

    >>> [rate(v, "higher", warning=0.9, critical=0.8) for v in (0.95, 0.85, 0.79)]
    ['green', 'amber', 'red']

    Only a target; no value; nothing declared:

    >>> rate(0.7, "higher", target=0.8), rate(None, "lower", warning=1), rate(3.0, "lower")
    ('amber', None, None)
    """
    if value is None or value != value:  # NULL or NaN: an empty period has no rating
        return None

    def worse(limit: float) -> bool:
        return value > limit if direction == "lower" else value < limit

    if warning is None and critical is None:
        if target is None:
            return None
        return "amber" if worse(target) else "green"
    if critical is not None and worse(critical):
        return "red"
    if warning is not None and worse(warning):
        return "amber"
    return "green"


COLOURS: dict[str, str] = {"green": "green", "amber": "dark_orange", "red": "red"}
