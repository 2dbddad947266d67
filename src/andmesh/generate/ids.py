"""Record identifiers that do not leak the truth.

If account ``A0000123``, credit file ``CF-000123`` and debtor ``D000123`` were all the
123rd customer, entity resolution could cheat by matching numbers. So the numbers of
every customer-level record are a keyed pseudo-random permutation of a running
sequence: unique, deterministic for the seed, unrelated across systems.

The permutation is a four-round Feistel network on the smallest even number of bits
that covers the id space, with cycle walking to stay inside ``[0, space)``:

>>> import numpy as np
>>> out = permute(np.arange(1000), 1000, key=42)
>>> sorted(out.tolist()) == list(range(1000))
True
"""

from __future__ import annotations

import numpy as np

_ROUNDS = 4
_MULT = np.uint64(0x9E3779B97F4A7C15)


def permute(values: np.ndarray, space: int, key: int) -> np.ndarray:
    """A bijection of ``[0, space)`` onto itself, keyed by ``key``, applied to ``values``."""
    if space < 2:
        return np.zeros_like(np.asarray(values, dtype=np.int64))
    bits = max(2, (space - 1).bit_length())
    bits += bits % 2
    half = bits // 2
    seeds = np.random.SeedSequence([key, space]).generate_state(_ROUNDS, dtype=np.uint64)
    out = _feistel(np.asarray(values, dtype=np.uint64), half, seeds)
    todo = out >= space
    while todo.any():
        out[todo] = _feistel(out[todo], half, seeds)
        todo = out >= space
    return out.astype(np.int64)


def _feistel(x: np.ndarray, half: int, seeds: np.ndarray) -> np.ndarray:
    mask = np.uint64((1 << half) - 1)
    shift = np.uint64(half)
    left = (x >> shift) & mask
    right = x & mask
    for k in seeds:
        mixed = (right + k) * _MULT
        mixed ^= mixed >> np.uint64(29)
        left, right = right, left ^ (mixed & mask)
    return (left << shift) | right


def key_for(seed: int, name: str) -> int:
    """A stable integer key per (seed, record kind), independent of Python's hash seed."""
    return int(seed) * 1_000_003 + sum((i + 1) * ord(c) for i, c in enumerate(name))


class Sequences:
    """Running numbers of every fact table, carried from block to block.

    Blocks are generated in order, so numbers depend on the blocks before, never on
    how blocks are grouped into chunks.
    """

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def next(self, name: str, count: int) -> np.ndarray:
        """``count`` consecutive numbers for ``name``, starting where the last call ended."""
        start = self.values.get(name, 0)
        self.values[name] = start + int(count)
        return np.arange(start, start + int(count), dtype=np.int64)
