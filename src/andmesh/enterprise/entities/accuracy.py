"""How right a resolution is, against a labelled truth: pairwise, B-cubed and cluster measures.

Every measure is computed from the contingency table ``n[i, j]`` = records placed in
predicted entity ``i`` whose true entity is ``j`` (``a[i]`` = records in ``i``,
``b[j]`` = records of ``j``, ``N`` records), so a million records take a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from andmesh.enterprise.entities.results import ClusterScores, PairwiseScores, RelatedPairs

# Entity labels per record: any hashable values (enterprise ids, true ids), a list or an array.
Labels = Sequence[object] | np.ndarray


def _ratio(num: float, den: float) -> float:
    return round(num / den, 6) if den else 1.0


def _codes(values: Labels) -> tuple[np.ndarray, int]:
    _, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return codes.astype(np.int64), int(codes.max()) + 1 if len(codes) else 0


def _contingency(
    predicted: Labels, true: Labels
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cells (i, j, n_ij) with n_ij > 0, and the marginals a_i, b_j."""
    p, _ = _codes(predicted)
    t, k = _codes(true)
    cell, counts = np.unique(p * max(k, 1) + t, return_counts=True)
    rows, cols = cell // max(k, 1), cell % max(k, 1)
    return rows, cols, counts, np.bincount(p), np.bincount(t)


def _pairs(n: np.ndarray) -> int:
    return int((n * (n - 1) // 2).sum())


def pairwise(predicted: Labels, true: Labels) -> PairwiseScores:
    """Pairwise precision, recall and F1 over every pair of records.

    TP = Σ C(n_ij, 2) (pairs together in both), TP + FP = Σ C(a_i, 2) (pairs the
    resolution put together), TP + FN = Σ C(b_j, 2) (pairs truly together);
    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R).

    >>> s = pairwise(["x", "x", "x", "y"], [1, 1, 2, 2])
    >>> (s.true_positives, s.false_positives, s.false_negatives)
    (1, 2, 1)
    >>> (s.precision, s.recall, s.f1)
    (0.333333, 0.5, 0.4)
    """
    _, _, n, a, b = _contingency(predicted, true)
    tp = _pairs(n)
    fp = _pairs(a) - tp
    fn = _pairs(b) - tp
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 6) if precision + recall else 0.0
    return PairwiseScores(
        true_positives=tp, false_positives=fp, false_negatives=fn, precision=precision, recall=recall, f1=f1
    )


def clusters(predicted: Labels, true: Labels) -> ClusterScores:
    """Cluster-level measures.

    Exact clusters: predicted entities whose records are exactly one true entity's
    (n_ij = a_i = b_j); cluster precision = exact / predicted, recall = exact / true.
    B-cubed (per record, averaged): precision = Σ n_ij² / a_i / N, recall = Σ n_ij² / b_j / N.
    Split entities: true entities over several predicted ones; merged clusters:
    predicted entities holding several true ones.

    >>> c = clusters(["x", "x", "x", "y"], [1, 1, 2, 2])
    >>> (c.exact_clusters, c.split_entities, c.merged_clusters)
    (0, 1, 1)
    >>> (c.bcubed_precision, c.bcubed_recall)
    (0.666667, 0.75)
    """
    rows, cols, n, a, b = _contingency(predicted, true)
    total = int(n.sum())
    exact = int(((n == a[rows]) & (n == b[cols])).sum())
    bp = float((n.astype(np.float64) ** 2 / a[rows]).sum() / total) if total else 1.0
    br = float((n.astype(np.float64) ** 2 / b[cols]).sum() / total) if total else 1.0
    return ClusterScores(
        predicted_entities=len(a),
        true_entities=len(b),
        exact_clusters=exact,
        cluster_precision=_ratio(exact, len(a)),
        cluster_recall=_ratio(exact, len(b)),
        split_entities=int((np.bincount(cols, minlength=len(b)) > 1).sum()),
        merged_clusters=int((np.bincount(rows, minlength=len(a)) > 1).sum()),
        bcubed_precision=round(bp, 6),
        bcubed_recall=round(br, 6),
        bcubed_f1=round(2 * bp * br / (bp + br), 6) if bp + br else 0.0,
    )


def placed_right(predicted: Labels, true: Labels) -> np.ndarray:
    """Per record: is it in the predicted entity holding most of its true entity's records?

    >>> placed_right(["x", "x", "y", "y"], [1, 1, 1, 2]).tolist()
    [True, True, False, True]
    """
    p, _ = _codes(predicted)
    t, k = _codes(true)
    cell, counts = np.unique(t * (p.max() + 1 if len(p) else 1) + p, return_counts=True)
    width = p.max() + 1 if len(p) else 1
    cell_t, cell_p = cell // width, cell % width
    order = np.lexsort((cell_p, -counts, cell_t))
    majority = np.full(k, -1, dtype=np.int64)
    seen = np.zeros(k, dtype=bool)
    for index in order:
        if not seen[cell_t[index]]:
            seen[cell_t[index]] = True
            majority[cell_t[index]] = cell_p[index]
    return np.asarray(majority[t] == p)


def related_merges(
    kind: str, pairs: Iterable[tuple[str, str]], predicted_of: dict[str, set[str]]
) -> RelatedPairs:
    """How many pairs of different true entities (a head office and its branch…) share an enterprise id.

    >>> r = related_merges("shared address", [("a", "b"), ("c", "d")], {"a": {"E1"}, "b": {"E1"}, "c": {"E2"}, "d": {"E3"}})
    >>> (r.pairs, r.merged, r.rate)
    (2, 1, 0.5)
    """
    total = merged = 0
    for a, b in pairs:
        if a not in predicted_of or b not in predicted_of:
            continue
        total += 1
        if predicted_of[a] & predicted_of[b]:
            merged += 1
    return RelatedPairs(kind=kind, pairs=total, merged=merged, rate=_ratio(merged, total) if total else 0.0)
