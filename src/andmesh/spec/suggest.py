"""'Did you mean …' for misspelt names (keys, kinds, products, columns)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to ``word``, or ``None`` if nothing is close.

    >>> did_you_mean("logicalTyp", ["logicalType", "physicalType", "name"])
    'logicalType'
    >>> did_you_mean("zzz", ["name"]) is None
    True
    """
    pool = list(candidates)
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            return lowered[word.lower()]
        return None
    return matches[0]


def hint_for(word: str, candidates: Iterable[str], what: str = "") -> str | None:
    """A ready-to-print fix hint: ``did you mean `x`?`` or the list of valid choices."""
    pool = sorted(set(candidates))
    guess = did_you_mean(word, pool)
    if guess is not None:
        return f"did you mean `{guess}`?"
    if pool and len(pool) <= 12:
        label = f" {what}" if what else ""
        return f"valid{label}: " + ", ".join(f"`{c}`" for c in pool)
    return None
