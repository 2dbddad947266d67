"""Probabilistic linkage of nodes with Splink (Fellegi-Sunter), on DuckDB by default.

The model is built from the Entity spec: its blocking rules pick candidate pairs, its
comparisons say how similar two nodes are, and training estimates how much each level
of similarity says about a match:

* u probabilities (how often non-matches look this similar) from random pairs;
* m probabilities (how often matches do) from labelled pairs when there are enough —
  nodes a trusted key or a steward links are known matches — else by
  expectation-maximisation on the spec's training blocking rules (both when both);
* the prior (probability that two random nodes match) from the spec, else from the
  deterministic links (pairs they join ÷ all pairs, scaled by an assumed recall), else
  from Splink's estimate on the identifying attributes.

Splink trains; the candidate pairs are found and scored in the engine session with the
trained model's own SQL (its comparison levels and weights, summed with the prior as
Splink's predict does), leaving out pairs the trusted links already put in one group.
``am_prob_edges`` receives every scored pair at or above the review band, with each
comparison's level (``gamma_*``) and match weight (``mw_*``) for the evidence.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import duckdb

from andmesh.enterprise.entities.comparisons import METHODS, build_comparison, typo
from andmesh.enterprise.entities.records import Columns
from andmesh.spec.entity import EntitySpec

# Share of true matches the deterministic links are assumed to find when the prior is
# derived from them (they are the certain part; the model exists for the rest).
KEY_RECALL = 0.85
MIN_LABELS = 50
U_SAMPLE_PAIRS = 200_000


@dataclass
class LinkageResult:
    model: dict[str, Any]
    prior: float
    pairs_compared: int
    candidate_pairs: int
    training: str
    label_pairs: int
    notes: list[str] = field(default_factory=list)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rule_sql(columns: list[str], left: str = "l", right: str = "r", narrow: Collection[str] = ()) -> str:
    """A blocking rule on equal values of ``columns``.

    >>> rule_sql(["name_key", "country"])
    'l."name_key" = r."name_key" AND l."country" = r."country"'

    A name's prefix exists to meet a name cut short (a bank statement's payer): a block on
    it alone also pairs every name that only starts with the same long word ("distribution
    …", "construction …": thousands at 200,000 customers, growing with the square). It
    pairs only names where one starts the other, or that are one typo apart (the name
    comparison's "one typo, same words" level: Jaro-Winkler ≥ 0.94 and as many words); the
    engine filters the block's pairs before the model scores them. A shared start of 12
    characters alone gives a Jaro-Winkler of about 0.9, so a looser condition pairs most
    names of a long block ("automazione corpoint" / "automazione riva"): at 200,000
    customers ≥ 0.9 made 24.7 M of 31.4 M candidate pairs, and at 20,000 customers none of
    the pairs it alone added below the typo level reached the match threshold.

    >>> rule_sql(["name_prefix"])  # doctest: +NORMALIZE_WHITESPACE
    'l."name_prefix" = r."name_prefix" AND (starts_with(l."name", r."name") OR starts_with(r."name", l."name")
     OR jaro_winkler_similarity(l."name", r."name") >= 0.94 AND l."name_tokens" = r."name_tokens")'

    A name's key (its first two words) in ``narrow`` is filtered the same way: a block on
    the first two words alone pairs every "van den …" and "de vries …" (1,515 tuples in
    one block at 200,000 customers, 6.0 M of the 7.8 M candidate pairs, growing with the
    square), and only its pairs where one name starts the other or one typo apart reached
    the review band there — but for those an address rule also pairs (see :func:`_pairs`).

    >>> rule_sql(["name_key"], narrow={"name_key"})  # doctest: +NORMALIZE_WHITESPACE
    'l."name_key" = r."name_key" AND (starts_with(l."name", r."name") OR starts_with(r."name", l."name")
     OR jaro_winkler_similarity(l."name", r."name") >= 0.94 AND l."name_tokens" = r."name_tokens")'
    """
    a, b = left, right
    parts = [f"{a}.{_q(c)} = {b}.{_q(c)}" for c in columns]
    if len(columns) == 1 and (columns[0].endswith("_prefix") or columns[0] in narrow):
        base = _base(columns[0])
        n, t = _q(base), _q(base + "_tokens")
        parts.append(
            f"(starts_with({a}.{n}, {b}.{n}) OR starts_with({b}.{n}, {a}.{n}) "
            f"OR {typo((f'{a}.{n}', f'{b}.{n}'), (f'{a}.{t}', f'{b}.{t}'))})"
        )
    return " AND ".join(parts)


def _base(column: str) -> str:
    """The name a name's derived column (``name_prefix``, ``name_key``) is derived from."""
    return column.rsplit("_", 1)[0]


def narrowed_keys(columns: Collection[str]) -> set[str]:
    """The name keys (``<name>_key`` with ``<name>`` and ``<name>_tokens`` beside it) whose
    blocking rule pairs only close names (:func:`rule_sql`).

    >>> sorted(narrowed_keys(["name", "name_key", "name_tokens", "account_key"]))
    ['name_key']
    """
    present = set(columns)
    return {c for c in present if c.endswith("_key") and {_base(c), _base(c) + "_tokens"} <= present}


def settings(spec: EntitySpec, prior: float) -> dict[str, Any]:
    matching = spec.matching
    comparisons = [
        build_comparison(c.method, c.columns, c.thresholds, name="_".join(c.columns))
        for c in matching.comparisons
        if c.method in METHODS
    ]
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "blocking_rules_to_generate_predictions": [rule_sql(rule) for rule in matching.blocking],
        "comparisons": comparisons,
        "probability_two_random_records_match": prior,
        # Splink 5 gives each comparison's level (gamma_*) only with the matching columns,
        # and its match weight (mw_*) with the intermediate ones; the evidence keeps both.
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": [],
        "em_convergence": 0.0001,
        "max_iterations": 25,
    }


def _input(con: duckdb.DuckDBPyConnection, columns: Columns) -> None:
    """The model compares identity tuples: the same values in several nodes are compared once."""
    cols = ", ".join(_q(c) for c in columns.all)
    # In tuple order: Splink's seeded sampling depends on the order of its input rows.
    con.execute(
        f"CREATE OR REPLACE TABLE am_splink_input AS SELECT tuple AS unique_id, {cols} FROM am_tuples ORDER BY tuple"
    )


def _prior(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> tuple[float, str]:
    """The probability that two random tuples (the model's input rows) match."""
    if spec.matching.prior is not None:
        return spec.matching.prior, "from the spec"
    tuples = _count(con, "am_splink_input")
    total = tuples * (tuples - 1) / 2
    if total <= 0:
        return 0.5, "a single tuple"
    row = con.execute("SELECT count(*) FROM am_hard_edges WHERE method IN ('key', 'steward')").fetchone()
    keyed = int(row[0]) if row else 0
    if keyed:
        matched = _component_pairs(con)
        return min(0.5, max(matched / KEY_RECALL / total, 1 / total)), "from the key links"
    identifying = [a.name for a in spec.attributes if a.identifying and a.matching]
    estimates = []
    for name in identifying:
        row = con.execute(
            f"SELECT coalesce(sum(n * (n - 1) / 2), 0), coalesce(sum(n), 0) FROM "
            f"(SELECT count(*) AS n FROM am_splink_input WHERE {_q(name)} IS NOT NULL GROUP BY {_q(name)})"
        ).fetchone()
        pairs, carrying = (float(row[0]), float(row[1])) if row else (0.0, 0.0)
        if pairs:
            # Equal values find the matching pairs whose two tuples both carry the value:
            # about (carrying / tuples)² of all matching pairs.
            estimates.append(pairs / (carrying / tuples) ** 2 / total)
    if estimates:
        return min(0.5, max(estimates)), "from equal identifying values"
    return min(0.5, 1 / max(tuples, 2)), "one match per tuple (no deterministic evidence)"


def _tuple_edges(con: duckdb.DuckDBPyConnection, where: str) -> str:
    """SQL: the distinct tuple pairs (tuple_l < tuple_r) of the hard edges matching ``where``."""
    return f"""SELECT DISTINCT least(a.tuple, b.tuple) AS tuple_l, greatest(a.tuple, b.tuple) AS tuple_r
        FROM am_hard_edges h JOIN am_nodes a ON a.node = h.node_l JOIN am_nodes b ON b.node = h.node_r
        WHERE ({where}) AND a.tuple <> b.tuple"""


def _component_pairs(con: duckdb.DuckDBPyConnection) -> int:
    """Tuple pairs inside the components of the key and steward links."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = con.execute(_tuple_edges(con, "h.method IN ('key', 'steward')")).fetchnumpy()
    lefts = np.asarray(edges["tuple_l"], dtype=np.int64)
    rights = np.asarray(edges["tuple_r"], dtype=np.int64)
    if len(lefts) == 0:
        return 0
    n = int(max(lefts.max(), rights.max())) + 1
    _, labels = connected_components(
        coo_matrix((np.ones(len(lefts), dtype=np.int8), (lefts, rights)), shape=(n, n)), directed=False
    )
    touched = np.unique(np.concatenate([lefts, rights]))
    sizes = np.bincount(labels[touched]).astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def link(con: duckdb.DuckDBPyConnection, spec: EntitySpec, columns: Columns) -> LinkageResult:
    """Train the model on identity tuples, score candidate tuple pairs, and give every pair of
    nodes holding them its score in ``am_prob_edges``."""
    from andmesh.enterprise.entities import spark_linkage

    if (spark := spark_linkage.spark_session()) is not None:  # a build on Spark: Splink's SparkAPI
        return spark_linkage.link(con, spec, columns, spark)
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.ERROR)
    _input(con, columns)
    prior, prior_note = _prior(con, spec)
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register("am_splink_input")
    linker = Linker(frame, settings(spec, prior), log_level=None)
    notes = [f"prior {prior:.3g} {prior_note}"]
    training = spec.matching.training

    keyed, confirmed = _labels(con, training.labelPairs, training.seed)
    label_pairs = keyed + confirmed
    if keyed >= MIN_LABELS:
        # m comes from the labels alone, which never read u: the comparisons whose u the known
        # non-matches give are not sampled at random first (their sample was overwritten).
        counted = _u_from_non_matches(
            con, spec, linker, settings(spec, prior), training.uPairs, training.seed, notes
        )
        _u_by_random_sampling(linker, training.uPairs, training.seed, skip=counted)
        methods = train_m(linker, spec, keyed, confirmed, notes)
    else:
        # EM reads every u: a first, small estimate of each; then the costly part on known non-matches.
        _u_by_random_sampling(linker, training.uPairs, training.seed)
        methods = train_m(linker, spec, keyed, confirmed, notes)
        _u_from_non_matches(con, spec, linker, settings(spec, prior), training.uPairs, training.seed, notes)
    # Training must not move the prior: it is set above, on purpose.
    linker._settings_obj._probability_two_random_records_match = prior

    pairs_compared = _candidates(con, spec)
    kept = _score(con, spec, linker, prior)
    pairs_compared += _same_tuple_pairs(con, spec, linker, prior, kept)
    _fan_out(con, kept)
    row = con.execute(
        "SELECT (SELECT count(*) FROM am_tuple_edges) + (SELECT count(*) FROM am_same_tuple)"
    ).fetchone()
    model = json.loads(json.dumps(linker.misc.save_model_to_json(out_path=None)))
    model.pop("linker_uid", None)  # random per linker: the version must depend on the model only
    return LinkageResult(
        model=model,
        prior=prior,
        pairs_compared=pairs_compared,
        candidate_pairs=int(row[0]) if row else 0,
        training="+".join(dict.fromkeys(methods)) or "none (u only)",
        label_pairs=label_pairs,
        notes=notes,
    )


def _u_by_random_sampling(linker: Any, pairs: int, seed: int, skip: Collection[str] = ()) -> None:
    """Splink's u estimate from random pairs (at most ``U_SAMPLE_PAIRS``), for every comparison
    but those named in ``skip``.

    Splink estimates each comparison on its own (its own chunks, its own early stop) from one
    sample that depends on the seed and the input rows only, so leaving comparisons out does
    not move the others' estimates. At 20,000 customers the sampling was ~0.9 s of the
    resolution's CPU, of which all but the exclusive attribute's was then overwritten.
    """
    comparisons = linker._settings_obj.comparisons
    wanted = [c for c in comparisons if c.output_column_name not in skip]
    if not wanted:
        return
    linker._settings_obj.comparisons = wanted
    try:
        linker.training.estimate_u_using_random_sampling(max_pairs=min(pairs, U_SAMPLE_PAIRS), seed=seed)
    finally:
        linker._settings_obj.comparisons = comparisons


def train_m(
    linker: Any,
    spec: EntitySpec,
    keyed: int,
    confirmed: int,
    notes: list[str],
    em: Callable[[Any, list[str], list[str]], list[str]] | None = None,
) -> list[str]:
    """Estimate every m from the labelled pairs in ``am_labels`` or by EM (``em``, default
    :func:`_em`, runs one EM session); the methods used."""
    em = em or _em
    methods = []
    if keyed >= MIN_LABELS:
        # Known matches measure m directly; EM would only blur them (Splink takes the
        # median over training sessions).
        linker.training.estimate_m_from_pairwise_labels("am_labels")
        methods.append("labels")
    else:
        for rule in spec.matching.training.em:
            methods += em(linker, rule, notes)
        if confirmed:
            linker.training.estimate_m_from_pairwise_labels("am_labels")
            methods.append("labels")
    return methods


def _candidates(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> int:
    """``am_candidates`` (tuple_l < tuple_r): the tuple pairs a blocking rule pairs, except those
    the trusted links already put together. Returns how many.

    A tuple pair is skipped when every node holding either tuple is in one group of the
    trusted links (``am_node_groups``): whatever its score, it would join nothing — at
    scale most pairs the name rules find are one customer's records spelt alike.

    A rule on a name's key pairs only close names (:func:`rule_sql`, :func:`narrowed_keys`):
    whole, its blocks grow with the square of the customers (7.8 M → 47 M candidate pairs
    from 200,000 to 500,000 customers, 6.0 M of the 7.8 M from that rule). At 200,000
    customers one pair it alone found at or above the review band is no longer compared.
    """
    con.execute(
        """CREATE OR REPLACE TABLE am_tuple_groups AS
        SELECT n.tuple, CASE WHEN min(g.grp) = max(g.grp) THEN min(g.grp) END AS grp
        FROM am_nodes n JOIN am_node_groups g USING (node) GROUP BY 1"""
    )
    rules = [list(rule) for rule in spec.matching.blocking]
    narrow = narrowed_keys(_columns(con, "am_splink_input"))
    used = sorted(
        {c for rule in rules for c in rule}
        | {c for p in _name_rules(rules, narrow) for c in _prefix_needs(p)}
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE am_blocking AS
        SELECT s.unique_id, g.grp, {", ".join(f"s.{_q(c)}" for c in used)}
        FROM am_splink_input s JOIN am_tuple_groups g ON g.tuple = s.unique_id"""
    )
    _pairs(con, "am_blocking", rules, "NOT coalesce(l.grp = r.grp, FALSE)", "am_candidates", narrow)
    con.execute("DROP TABLE am_blocking")
    return _count(con, "am_candidates")


def _pairs(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rules: list[list[str]],
    apart: str,
    out: str,
    narrow: Collection[str] = (),
) -> None:
    """Create ``out`` (tuple_l, tuple_r): the pairs (tuple_l < tuple_r) of ``table``'s rows that a
    rule pairs and that satisfy ``apart`` (on ``l`` and ``r``), each once.

    As Splink does, each rule leaves out the pairs an earlier one found (no distinct over
    all pairs); the prefix rules come last. A prefix rule — and a name key rule in
    ``narrow`` (see :func:`rule_sql`) — pairs *names* first, then the rows carrying them:
    its condition is on the names only, and a block of names starting with the same long
    word holds many rows per name (a join on the prefix would compare every pair of rows
    in the block). Earlier rules on the name alone (its key) are left out at the level of
    names already.
    """
    prefixes = _prefix_rules(rules)
    named = _name_rules(rules, narrow)
    ordered = [r for r in rules if r[0] not in prefixes or len(r) > 1] + [[p] for p in prefixes]
    parts = []
    for index, rule in enumerate(ordered):
        earlier = ordered[:index]
        fresh = " AND ".join(f"NOT coalesce({rule_sql(e, narrow=narrow)}, FALSE)" for e in earlier) or "TRUE"
        if rule[0] not in named or len(rule) > 1:
            parts.append(
                f"""SELECT l.unique_id AS tuple_l, r.unique_id AS tuple_r FROM {table} l JOIN {table} r
                ON {rule_sql(rule)} AND l.unique_id < r.unique_id WHERE {apart} AND {fresh}"""
            )
            continue
        base = _base(rule[0])
        prefix, name = _q(rule[0]), _q(base)
        of_name = [e for e in earlier if all(c == base or c.startswith(base + "_") for c in e)]
        carried = ", ".join(
            _q(c) for c in sorted({c for e in of_name for c in e} | {rule[0], *_prefix_needs(rule[0])})
        )
        by_name = "".join(f" AND NOT coalesce({rule_sql(e, 'a', 'b', narrow)}, FALSE)" for e in of_name)
        # Materialised: the engine would otherwise join the rows before filtering the names.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE am_names AS SELECT DISTINCT {carried} FROM {table} WHERE {prefix} IS NOT NULL"
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE am_name_pairs_{index} AS
            SELECT a.{name} AS name_a, b.{name} AS name_b FROM am_names a JOIN am_names b
            ON {rule_sql(rule, "a", "b", narrow)} AND a.{name} < b.{name}{by_name}"""
        )
        con.execute("DROP TABLE am_names")
        parts.append(
            f"""SELECT least(l.unique_id, r.unique_id) AS tuple_l, greatest(l.unique_id, r.unique_id) AS tuple_r
            FROM am_name_pairs_{index} p
            JOIN {table} l ON l.{name} = p.name_a JOIN {table} r ON r.{name} = p.name_b
            WHERE l.{prefix} = r.{prefix} AND {apart} AND {fresh}"""
        )
        if [base] not in earlier:  # else that rule paired equal names
            parts.append(
                f"""SELECT l.unique_id AS tuple_l, r.unique_id AS tuple_r FROM {table} l JOIN {table} r
                ON l.{name} = r.{name} AND l.{prefix} = r.{prefix} AND l.unique_id < r.unique_id
                WHERE {apart} AND {fresh}"""
            )
    union = " UNION ALL ".join(f"({p})" for p in parts)
    con.execute(
        f"CREATE OR REPLACE TABLE {out} AS "
        + (union or "SELECT NULL::BIGINT AS tuple_l, NULL::BIGINT AS tuple_r WHERE FALSE")
    )
    for index in range(len(ordered)):
        con.execute(f"DROP TABLE IF EXISTS am_name_pairs_{index}")


def _prefix_rules(rules: list[list[str]]) -> list[str]:
    return [rule[0] for rule in rules if len(rule) == 1 and rule[0].endswith("_prefix")]


def _name_rules(rules: list[list[str]], narrow: Collection[str]) -> list[str]:
    """The rules on one column that pair names first: prefixes, and the name keys in ``narrow``."""
    return [
        rule[0] for rule in rules if len(rule) == 1 and (rule[0].endswith("_prefix") or rule[0] in narrow)
    ]


def _prefix_needs(prefix: str) -> list[str]:
    """The columns a prefix (or name key) rule's condition reads: the name and its word count."""
    base = _base(prefix)
    return [base, base + "_tokens"]


def _score(con: duckdb.DuckDBPyConnection, spec: EntitySpec, linker: Any, prior: float) -> list[str]:
    """``am_tuple_edges``: every candidate pair scored at or above the review band, by the
    model's own SQL (each comparison's level and match weight, summed with the prior as
    Splink's predict does). Returns the score columns kept."""
    from splink.internals.dialects import SplinkDialect
    from splink.internals.misc import prob_to_match_weight
    from splink.internals.predict import _combine_prior_and_mws

    comparisons = linker._settings_obj.comparisons
    cols = [c for c in _columns(con, "am_splink_input") if c != "unique_id"]
    sides = ", ".join(f"l.{_q(c)} AS {_q(c + '_l')}, r.{_q(c)} AS {_q(c + '_r')}" for c in cols)
    gammas = ", ".join(cc._case_statement for cc in comparisons)
    weights = ", ".join(
        "CASE "
        + " ".join(cl._match_weight_sql(cc._gamma_column_name) for cl in cc.comparison_levels)
        + f" END AS {cc._mw_column_name}"
        for cc in comparisons
    )
    mw, probability = _combine_prior_and_mws(
        prior, [cc._mw_column_name for cc in comparisons], SplinkDialect.from_string("duckdb")
    )
    kept = ["match_weight", "match_probability"]
    for cc in comparisons:
        kept += [cc._gamma_column_name, cc._mw_column_name]
    floor = spec.matching.reviewFrom
    where = f"WHERE match_weight >= {prob_to_match_weight(floor)}" if floor > 0 else ""
    con.execute(
        f"""CREATE OR REPLACE TABLE am_tuple_edges AS
        WITH pairs AS (SELECT p.tuple_l, p.tuple_r, {sides} FROM am_candidates p
                       JOIN am_splink_input l ON l.unique_id = p.tuple_l
                       JOIN am_splink_input r ON r.unique_id = p.tuple_r),
        levels AS (SELECT tuple_l, tuple_r, {gammas} FROM pairs),
        parts AS (SELECT *, {weights} FROM levels),
        scored AS (SELECT *, {mw} AS match_weight, {probability} AS match_probability FROM parts)
        SELECT tuple_l, tuple_r, {", ".join(_q(c) for c in kept)} FROM scored {where}"""
    )
    con.execute("DROP TABLE am_candidates")
    return kept


def _u_from_non_matches(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    linker: Any,
    model: dict[str, Any],
    pairs: int,
    seed: int,
    notes: list[str],
) -> set[str]:
    """Re-estimate u on pairs known to be different entities, stratified by blocking; the
    names of the comparisons whose u it set.

    Splink's random sampling takes every random pair for a non-match. With several
    records per entity, the true matches among random pairs are not rare enough: the
    handful of companies sharing a name are drowned by the pairs of one company's own
    records, and equal names stop counting as evidence. Pairs whose ``exclusive``
    attribute (tax id) is present on both sides and different are different entities;
    their comparison levels are counted instead — every pair the blocking rules would
    pair (where the rare, similar levels are: counted exactly), and a random sample of the
    others (scaled to their number). Here a name key's block is counted whole, not narrowed
    as for the candidates (:func:`_candidates`): its names share their first two words, so
    its pairs are where "close" and "similar" names are, which a random sample rarely meets.
    For a level:

        u = (count among blocked non-matches + N_rest · share among sampled others)
            ÷ (non-missing blocked non-matches + N_rest · non-missing share among others)

    where N_rest is the number of known non-match pairs the rules do not pair. The
    exclusive attribute's own comparison keeps Splink's estimate.
    """
    exclusive = [a.name for a in spec.attributes if a.exclusive and a.matching]
    if not exclusive:
        return set()
    key = _q(exclusive[0])
    con.execute(
        f"CREATE OR REPLACE TABLE am_u_nodes AS SELECT * FROM am_splink_input WHERE {key} IS NOT NULL"
    )
    row = con.execute(
        f"""SELECT (SELECT count(*) FROM am_u_nodes),
                   (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM
                        (SELECT count(*) AS n FROM am_u_nodes GROUP BY {key}))"""
    ).fetchone()
    carrying, same = (int(row[0]), int(row[1])) if row else (0, 0)
    known = carrying * (carrying - 1) // 2 - same
    if known < 1000:
        notes.append(f"u kept from random sampling: only {known} pairs with different {exclusive[0]}")
        return set()
    columns = [c for c in _columns(con, "am_splink_input") if c != "unique_id"]
    select = ", ".join(
        [f"l.{_q(c)} AS {_q(c + '_l')}" for c in columns] + [f"r.{_q(c)} AS {_q(c + '_r')}" for c in columns]
    )
    rules = spec.matching.blocking
    _pairs(con, "am_u_nodes", [list(rule) for rule in rules], f"l.{key} <> r.{key}", "am_u_pairs")
    side = max(int(math.sqrt(pairs)), 2)
    for name, parity in (("am_u_left", 0), ("am_u_right", 1)):
        con.execute(
            f"""CREATE OR REPLACE TABLE {name} AS SELECT * FROM am_u_nodes
            WHERE hash(unique_id, {int(seed)}) % 2 = {parity}
            ORDER BY hash(unique_id, {int(seed) + 1}) LIMIT {side}"""
        )
    paired = " OR ".join(f"coalesce({rule_sql(rule)}, FALSE)" for rule in rules) or "FALSE"
    # Only the ids of the sampled pairs: their values are read once, when the levels are counted.
    con.execute(
        f"""CREATE OR REPLACE TABLE am_u_rest AS SELECT l.unique_id AS tuple_l, r.unique_id AS tuple_r
        FROM am_u_left l CROSS JOIN am_u_right r WHERE l.{key} <> r.{key} AND NOT ({paired})"""
    )
    n_blocked = _count(con, "am_u_pairs")
    n_sampled = _count(con, "am_u_rest")
    rest = max(known - n_blocked, 0)
    if n_sampled == 0:
        notes.append("u kept from random sampling: no sampled pair outside the blocks")
        return set()
    by_name = {c["output_column_name"]: c for c in model["comparisons"]}
    counted = []
    for comparison in linker._settings_obj.comparisons:
        spec_levels = by_name[comparison.output_column_name]["comparison_levels"]
        if any(f"{exclusive[0]}_l" in lv["sql_condition"] for lv in spec_levels):
            continue
        levels = comparison._comparison_levels_excluding_null
        cases = " ".join(
            f"WHEN {lv._sql_condition} THEN {lv.comparison_vector_value}"
            for lv in levels
            if lv._sql_condition != "ELSE"
        )
        null = next((lv["sql_condition"] for lv in spec_levels if lv.get("is_null_level")), "FALSE")
        counted.append((comparison, levels, f"CASE WHEN {null} THEN -1 {cases} ELSE 0 END"))
    if not counted:
        return set()
    # Every comparison's level in one pass over each set of pairs: the joint counts of the
    # levels, summed per comparison below (one scan, not one per comparison).
    gammas = ", ".join(f"{gamma} AS g{index}" for index, (_, _, gamma) in enumerate(counted))
    joint: dict[str, list[Any]] = {}
    for pairs_table in ("am_u_pairs", "am_u_rest"):
        joint[pairs_table] = con.execute(
            f"""SELECT {gammas}, count(*) AS n FROM (
                SELECT {select} FROM {pairs_table} p
                JOIN am_u_nodes l ON l.unique_id = p.tuple_l JOIN am_u_nodes r ON r.unique_id = p.tuple_r
            ) GROUP BY ALL"""
        ).fetchall()
    scale = rest / n_sampled
    done: set[str] = set()
    for index, (comparison, levels, _) in enumerate(counted):
        in_blocks: dict[int, int] = {}
        sampled: dict[int, int] = {}
        for rows, into in ((joint["am_u_pairs"], in_blocks), (joint["am_u_rest"], sampled)):
            for row in rows:
                into[row[index]] = into.get(row[index], 0) + int(row[-1])
        expected = {
            level.comparison_vector_value: in_blocks.get(level.comparison_vector_value, 0)
            + scale * sampled.get(level.comparison_vector_value, 0)
            for level in levels
        }
        total = sum(expected.values())
        if total <= 0:
            continue
        floor = 0.5 / total  # a level no known non-match shows: as if seen half a time
        for level in levels:
            level.u_probability = max(expected[level.comparison_vector_value] / total, floor)
        done.add(comparison.output_column_name)
    notes.append(
        f"u estimated on {known:,} pairs with different {exclusive[0]}: "
        f"{n_blocked:,} the blocking rules pair, counted; the others from {n_sampled:,} sampled"
    )
    for table in ("am_u_nodes", "am_u_pairs", "am_u_left", "am_u_right", "am_u_rest"):
        con.execute(f"DROP TABLE {table}")
    return done


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _em(linker: Any, rule: list[str], notes: list[str]) -> list[str]:
    """One EM session; on failure the model is left as it was (Splink edits it in place)."""
    import copy

    saved = copy.deepcopy(linker._settings_obj.core_model_settings)
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule_sql(rule), estimate_without_term_frequencies=True
        )
        return ["em"]
    except Exception as exc:  # too few or too uniform pairs: the other sessions still train
        linker._settings_obj.core_model_settings = saved
        notes.append(f"EM on {rule} skipped: {type(exc).__name__}: {str(exc)[:160]}")
        return []


def _labels(con: duckdb.DuckDBPyConnection, limit: int, seed: int) -> tuple[int, int]:
    """``am_labels``: tuple pairs known to match — key links sampled to ``limit``, and every
    steward confirmation. Returns (key pairs, confirmed pairs)."""
    con.execute(
        f"""CREATE OR REPLACE TABLE am_labels AS
        SELECT 'am_splink_input' AS source_dataset_l, tuple_l AS unique_id_l,
               'am_splink_input' AS source_dataset_r, tuple_r AS unique_id_r, method
        FROM (
            (SELECT tuple_l, tuple_r, 'key' AS method FROM ({_tuple_edges(con, "h.method = 'key'")})
             ORDER BY hash(tuple_l, tuple_r, {int(seed)}) LIMIT {max(int(limit), 0)})
            UNION ALL
            SELECT DISTINCT least(a.tuple, b.tuple), greatest(a.tuple, b.tuple), 'steward'
            FROM am_decisions d JOIN am_nodes a ON a.node = d.node_l JOIN am_nodes b ON b.node = d.node_r
            WHERE d.decision = 'confirm' AND a.tuple <> b.tuple
        )"""
    )
    rows = dict(con.execute("SELECT method, count(*) FROM am_labels GROUP BY 1").fetchall())
    return int(rows.get("key", 0)), int(rows.get("steward", 0))


def _same_tuple_pairs(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, linker: Any, prior: float, kept: list[str]
) -> int:
    """``am_same_tuple``: the score of a tuple against itself, for tuples held by several nodes.

    The model never pairs a row with itself, but two nodes (an account and a credit file
    spelt alike, two accounts of one company) may hold the same tuple. Their pair gets
    what the model gives two records with these values: each comparison's level and
    weight, by Splink's own SQL, summed with the prior as Splink does. Only tuples a
    blocking rule would pair (every column of a rule present) count, and only at or above
    the review band, as for scored pairs, and only tuples whose nodes the trusted links have not
    already put in one group. Returns how many tuples were so compared with themselves.
    """
    from splink.internals.dialects import SplinkDialect
    from splink.internals.predict import _combine_prior_and_mws

    comparisons = linker._settings_obj.comparisons
    cols = [c for c in _columns(con, "am_splink_input") if c != "unique_id"]
    both = ", ".join(f"t.{_q(c)} AS {_q(c + '_l')}, t.{_q(c)} AS {_q(c + '_r')}" for c in cols)
    blocked = " OR ".join(
        "(" + " AND ".join(f"t.{_q(c)} IS NOT NULL" for c in rule) + ")" for rule in spec.matching.blocking
    )
    gammas = ", ".join(cc._case_statement for cc in comparisons)
    weights = ", ".join(
        "CASE "
        + " ".join(cl._match_weight_sql(cc._gamma_column_name) for cl in cc.comparison_levels)
        + f" END AS {cc._mw_column_name}"
        for cc in comparisons
    )
    mw, probability = _combine_prior_and_mws(
        prior, [cc._mw_column_name for cc in comparisons], SplinkDialect.from_string("duckdb")
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE am_same_tuple AS
        WITH shared AS (SELECT tuple, count(*) AS n FROM am_nodes GROUP BY tuple HAVING count(*) > 1),
        sides AS (SELECT s.tuple, s.n, {both} FROM shared s JOIN am_splink_input t ON t.unique_id = s.tuple
                  JOIN am_tuple_groups g ON g.tuple = s.tuple
                  WHERE g.grp IS NULL AND ({blocked or "FALSE"})),
        levels AS (SELECT tuple, n, {gammas} FROM sides),
        parts AS (SELECT *, {weights} FROM levels),
        scored AS (SELECT *, {mw} AS match_weight, {probability} AS match_probability FROM parts)
        SELECT tuple AS tuple_l, tuple AS tuple_r, n, match_probability >= {float(spec.matching.reviewFrom)} AS kept,
               {", ".join(_q(c) for c in kept)}
        FROM scored"""
    )
    row = con.execute("SELECT count(*) FROM am_same_tuple").fetchone()
    con.execute("DELETE FROM am_same_tuple WHERE NOT kept")
    return int(row[0]) if row else 0


def _fan_out(con: duckdb.DuckDBPyConnection, kept: list[str]) -> None:
    """``am_prob_edges``: every scored tuple pair as the pairs of nodes holding the two tuples."""
    select = ", ".join(f"e.{_q(c)}" for c in kept)
    con.execute(
        f"""CREATE OR REPLACE TABLE am_prob_edges AS
        SELECT least(a.node, b.node) AS unique_id_l, greatest(a.node, b.node) AS unique_id_r, {select}
        FROM am_tuple_edges e JOIN am_nodes a ON a.tuple = e.tuple_l JOIN am_nodes b ON b.tuple = e.tuple_r
        UNION ALL
        SELECT a.node, b.node, {select}
        FROM am_same_tuple e JOIN am_nodes a ON a.tuple = e.tuple_l JOIN am_nodes b
          ON b.tuple = e.tuple_r AND a.node < b.node"""
    )


def level_labels(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    """For each comparison of a saved model: gamma value → the level's label.

    Splink numbers levels from the most similar (highest) down to 0 (else); the null
    level is -1.
    """
    labels: dict[str, dict[int, str]] = {}
    for comparison in model.get("comparisons", []):
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        mapping = {
            -1: next(
                (lv.get("label_for_charts", "missing") for lv in levels if lv.get("is_null_level")), "missing"
            )
        }
        for index, level in enumerate(non_null):
            mapping[len(non_null) - 1 - index] = level.get("label_for_charts") or level["sql_condition"]
        labels[comparison["output_column_name"]] = mapping
    return labels


def weight(value: float | None) -> float | None:
    """A comparison's match weight (log2 of its Bayes factor), rounded; None when unknown.

    >>> weight(3.14159), weight(float("nan")), weight(None)
    (3.14, None, None)
    """
    if value is None or math.isnan(value):
        return None
    return round(value, 2)
