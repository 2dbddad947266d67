"""Vectorised string helpers over Arrow arrays (no per-row Python).

Names, addresses and identifiers are built column-wise with ``pyarrow.compute``;
typos, which need a different character position per row, use NumPy's string ufuncs
on the (small) subset of rows that gets one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from andmesh.generate.vocab import KEY_NEIGHBOURS

StrLike: TypeAlias = pa.Array | pa.ChunkedArray | str

_NEIGHBOURS = str.maketrans({**KEY_NEIGHBOURS, **{k.upper(): v.upper() for k, v in KEY_NEIGHBOURS.items()}})
_FOLD = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss"))


def vocab(words: Sequence[str]) -> pa.Array:
    """An Arrow string array of ``words``, to ``take`` from."""
    return pa.array(list(words), pa.string())


def take(words: pa.Array, index: np.ndarray) -> pa.Array:
    """``words[index]`` as an Arrow array."""
    return words.take(pa.array(np.asarray(index, dtype=np.int64)))


def join(*parts: StrLike, sep: str = "") -> pa.Array:
    """Concatenate arrays (or scalar strings) element-wise; a null part makes a null."""
    return _array(pc.binary_join_element_wise(*parts, sep))


def where(mask: np.ndarray, yes: StrLike, no: StrLike) -> pa.Array:
    """``yes`` where ``mask`` is true, else ``no``."""
    return _array(pc.if_else(pa.array(np.asarray(mask, dtype=bool)), yes, no))


def null_where(mask: np.ndarray, values: pa.Array) -> pa.Array:
    """``values`` with nulls where ``mask`` is true."""
    return where(mask, pa.scalar(None, values.type), values)


def numbers(values: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as decimal strings, left-padded with zeros to ``width``."""
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return _array(pc.utf8_lpad(text, width, "0")) if width else _array(text)


def ids(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    """Identifiers ``prefix`` + zero-padded number, e.g. ``ids("SO", [7], 9) == ["SO000000007"]``."""
    return join(prefix, numbers(values, width))


def upper(values: pa.Array) -> pa.Array:
    return _array(pc.utf8_upper(values))


def lower(values: pa.Array) -> pa.Array:
    return _array(pc.utf8_lower(values))


def replace_words(values: pa.Array, old: str, new: str) -> pa.Array:
    """Replace ``old`` as a whole word (RE2's ``\\b`` is ASCII-only, so spell boundaries out)."""
    pattern = rf"(^|[\s(]){_re_escape(old)}($|[\s,.)])"
    return _array(pc.replace_substring_regex(values, pattern, rf"\1{new}\2"))


def regex(values: pa.Array, pattern: str, replacement: str) -> pa.Array:
    return _array(pc.replace_substring_regex(values, pattern, replacement))


def ascii_fold(values: pa.Array) -> pa.Array:
    """German umlauts to ``ae/oe/ue/ss``, every other accent dropped (as banks do)."""
    for old, new in _FOLD:
        values = _array(pc.replace_substring(values, old, new))
    return regex(_array(pc.utf8_normalize(values, "NFKD")), r"\pM", "")


def slug(values: pa.Array) -> pa.Array:
    """Lower-case ASCII letters and digits only (for e-mail domains)."""
    return regex(lower(ascii_fold(values)), r"[^a-z0-9]", "")


def truncate(values: pa.Array, lengths: np.ndarray) -> pa.Array:
    """Cut each value to its own length (trailing spaces removed)."""
    arr = _to_numpy(values)
    cut = np.strings.slice(arr, 0, np.asarray(lengths, dtype=np.int64))
    return _array(pc.utf8_rtrim_whitespace(pa.array(cut, pa.string())))


def typos(values: pa.Array, mask: np.ndarray, kind: np.ndarray, position: np.ndarray) -> pa.Array:
    """One keying error per masked value: drop, swap, double or mistype a character.

    ``kind`` (ints 0..3) and ``position`` (uniform 0..1) are drawn for every row by the
    caller, so the draws do not depend on how many rows are masked. Values shorter
    than four characters are left alone.
    """
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return values
    subset = _to_numpy(values.take(pa.array(rows)))
    length = np.strings.str_len(subset).astype(np.int64)
    ok = length >= 4
    p = 1 + np.floor(position[rows] * np.maximum(length - 3, 1)).astype(np.int64)
    p = np.minimum(p, np.maximum(length - 2, 1))
    head = np.strings.slice(subset, 0, p)
    here = np.strings.slice(subset, p, p + 1)
    after = np.strings.slice(subset, p + 1, p + 2)
    tail1 = np.strings.slice(subset, p + 1, None)
    tail2 = np.strings.slice(subset, p + 2, None)
    k = kind[rows]
    dropped = np.strings.add(head, tail1)
    swapped = np.strings.add(np.strings.add(np.strings.add(head, after), here), tail2)
    doubled = np.strings.add(np.strings.add(head, here), np.strings.add(here, tail1))
    mistyped = np.strings.add(np.strings.add(head, np.strings.translate(here, cast(Any, _NEIGHBOURS))), tail1)
    edited = np.where(k == 0, dropped, np.where(k == 1, swapped, np.where(k == 2, doubled, mistyped)))
    edited = np.where(ok, edited, subset)
    out = _to_numpy(values)
    out[rows] = edited
    return pa.array(out, pa.string(), mask=_null_mask(values))


def changed(before: pa.Array, after: pa.Array) -> int:
    """How many values differ (nulls compare as equal to nulls)."""
    diff = pc.fill_null(pc.not_equal(before, after), True)
    both_null = pc.and_(pc.is_null(before), pc.is_null(after))
    return int(pc.sum(pc.and_not(diff, both_null)).as_py() or 0)


def scatter(length: int, parts: Sequence[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """Assemble an array of ``length`` from (positions, values) parts covering every row."""
    positions = np.concatenate([np.asarray(pos, dtype=np.int64) for pos, _ in parts])
    order = np.empty(length, dtype=np.int64)
    order[positions] = np.arange(positions.size)
    values = pa.concat_arrays([_array(v) for _, v in parts])
    return values.take(pa.array(order))


def _to_numpy(values: pa.Array) -> np.ndarray:
    filled = pc.fill_null(values, "")
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.dtypes.StringDType())


def _null_mask(values: pa.Array) -> np.ndarray | None:
    if values.null_count == 0:
        return None
    return np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)


def _array(values: pa.Array | pa.ChunkedArray | pa.Scalar) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Scalar):
        raise TypeError("expected an array, got a scalar")
    return values


def _re_escape(word: str) -> str:
    return "".join("\\" + c if c in r".^$*+?()[]{}|\\" else c for c in word)
