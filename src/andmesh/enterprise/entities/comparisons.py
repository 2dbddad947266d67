"""Comparison methods: how two records' standardised attributes are compared.

Each method builds one Splink comparison (as a settings dictionary, so nothing here
imports Splink): ordered levels from the most to the least similar, each a SQL
condition on the left (``_l``) and right (``_r``) columns. Splink learns how much each
level says about a match (its m and u probabilities); the conditions only say what is
similar. SQL is DuckDB's; ``base_dialect`` lets Splink translate it for Spark.

>>> [level["label_for_charts"] for level in build_comparison("identifier", ["tax_id"])["comparison_levels"]]
['tax_id missing', 'tax_id equal', 'tax_id one character off', 'tax_id different']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Level = dict[str, Any]


def _null(columns: Sequence[str], label: str) -> Level:
    condition = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)
    return {"sql_condition": condition, "label_for_charts": label, "is_null_level": True}


def _level(condition: str, label: str) -> Level:
    return {"sql_condition": condition, "label_for_charts": label}


def _else(label: str) -> Level:
    return {"sql_condition": "ELSE", "label_for_charts": label}


def _jw(column: str, threshold: float) -> str:
    return f"jaro_winkler_similarity({column}_l, {column}_r) >= {threshold}"


# A typo keeps names this close and leaves the word count as it was.
TYPO_SIMILAR = 0.94


def typo(names: tuple[str, str], tokens: tuple[str, str]) -> str:
    """Two names one typo apart: close, with as many words (``tokens``: their word counts).

    >>> typo(("name_l", "name_r"), ("name_tokens_l", "name_tokens_r"))
    'jaro_winkler_similarity(name_l, name_r) >= 0.94 AND name_tokens_l = name_tokens_r'
    """
    return f"jaro_winkler_similarity({names[0]}, {names[1]}) >= {TYPO_SIMILAR} AND {tokens[0]} = {tokens[1]}"


def _cut(n: str) -> str:
    """One name starts the other (at least 8 characters): a field cut short, or extra words."""
    return f"(starts_with({n}_l, {n}_r) OR starts_with({n}_r, {n}_l)) AND least(length({n}_l), length({n}_r)) >= 8"


def _truncated(n: str) -> str:
    """One name starts the other and the cut is inside a word, or leaves one letter of the
    next word ("Holding B" of "Holding B.V.")."""
    longer = f"CASE WHEN length({n}_l) > length({n}_r) THEN {n}_l ELSE {n}_r END"
    shorter = f"least(length({n}_l), length({n}_r))"
    one_letter = f"(length({n}_l) - length({n}_r) IN (-2, 2) AND substr({longer}, {shorter} + 1, 1) = ' ')"
    return f"{_cut(n)} AND ({_after(n)} <> ' ' OR {one_letter})"


def _after(n: str) -> str:
    """The character of the longer name right after the shorter one ends."""
    return (
        f"substr(CASE WHEN length({n}_l) > length({n}_r) THEN {n}_l ELSE {n}_r END, "
        f"least(length({n}_l), length({n}_r)) + 1, 1)"
    )


def company_name(columns: Sequence[str], thresholds: Sequence[float]) -> list[Level]:
    """Names: equal; one cut off inside a word (bank statements truncate to a field
    length); one typo away with as many words; one starts the other (extra words: a
    branch, or a cut at a word); close; similar; different.

    The word count tells a typo ("Müller Logisitk") from a different company that only
    adds a word ("Müller Logistik Köln", a branch).
    """
    n = columns[0]
    close, similar = [*thresholds, 0.9, 0.8][:2]
    return [
        _null([n], f"{n} missing"),
        _level(f"{n}_l = {n}_r", f"{n} equal"),
        # Before the typo level: a name cut inside its last word also looks like a typo.
        # Only records of truncating systems (bank statements) are cut so, and
        # expectation-maximisation rarely sees them paired with another system's record:
        # the share of matches cut so is a prior, not estimated.
        {
            **_level(_truncated(n), f"{n} cut off inside a word"),
            "m_probability": 0.03,
            "fix_m_probability": True,
        },
        _level(typo((f"{n}_l", f"{n}_r"), (f"{n}_tokens_l", f"{n}_tokens_r")), f"{n} one typo, same words"),
        _level(_cut(n), f"{n} one starts the other"),
        _level(_jw(n, close), f"{n} jaro-winkler ≥ {close}"),
        _level(_jw(n, similar), f"{n} jaro-winkler ≥ {similar}"),
        _else(f"{n} different"),
    ]


def jaro_winkler(columns: Sequence[str], thresholds: Sequence[float]) -> list[Level]:
    """Equal; then at or above each Jaro-Winkler threshold; else different."""
    n = columns[0]
    levels = [_null([n], f"{n} missing"), _level(f"{n}_l = {n}_r", f"{n} equal")]
    for threshold in thresholds or (0.95, 0.88):
        levels.append(_level(_jw(n, threshold), f"{n} jaro-winkler ≥ {threshold}"))
    return [*levels, _else(f"{n} different")]


def exact(columns: Sequence[str], thresholds: Sequence[float]) -> list[Level]:
    """Equal or not."""
    n = columns[0]
    return [_null([n], f"{n} missing"), _level(f"{n}_l = {n}_r", f"{n} equal"), _else(f"{n} different")]


def identifier(columns: Sequence[str], thresholds: Sequence[float]) -> list[Level]:
    """Equal; one keying error away (a character dropped, added, changed or two swapped); else."""
    n = columns[0]
    return [
        _null([n], f"{n} missing"),
        _level(f"{n}_l = {n}_r", f"{n} equal"),
        _level(f"damerau_levenshtein({n}_l, {n}_r) <= 1", f"{n} one character off"),
        _else(f"{n} different"),
    ]


def email(columns: Sequence[str], thresholds: Sequence[float]) -> list[Level]:
    """Equal; same domain; else."""
    n = columns[0]
    return [
        _null([n], f"{n} missing"),
        _level(f"{n}_l = {n}_r", f"{n} equal"),
        _level(f"{n}_domain_l = {n}_domain_r", f"{n} same domain"),
        _else(f"{n} different"),
    ]


def address(columns: Sequence[str], thresholds: Sequence[float]) -> list[Level]:
    """Street, postcode and city as one comparison, so one address counts once.

    Equal street and postcode; same postcode and house number with a close street;
    same postcode and house number; same city and a close street; same postcode;
    same city; else. (Counting street, postcode and city as three independent pieces
    of evidence would make two companies in one building look like one.)
    """
    street, postcode, city = columns
    number = f"{street}_number"
    same_pc = f"{postcode}_l = {postcode}_r"
    same_no = f"{number}_l = {number}_r"
    return [
        {
            "sql_condition": f"({street}_l IS NULL OR {street}_r IS NULL) AND ({postcode}_l IS NULL OR "
            f"{postcode}_r IS NULL) AND ({city}_l IS NULL OR {city}_r IS NULL)",
            "label_for_charts": "address missing",
            "is_null_level": True,
        },
        _level(f"{street}_l = {street}_r AND {same_pc}", "address equal"),
        _level(f"{same_pc} AND {same_no} AND {_jw(street, 0.88)}", "same postcode and number, street close"),
        _level(f"{same_pc} AND {same_no}", "same postcode and house number"),
        _level(f"{city}_l = {city}_r AND {_jw(street, 0.9)}", "same city, street close"),
        _level(same_pc, "same postcode"),
        _level(f"{city}_l = {city}_r", "same city"),
        _else("address different"),
    ]


def person_name(columns: Sequence[str], thresholds: Sequence[float]) -> list[Level]:
    """People's names (standardised by ``person_name``: nicknames already given names):
    equal; the same words in another order (first and last name swapped); one typo with
    as many words; same surname and first initial ("J. Smith"); same surname, first
    names close; close; same surname only (a relative); else.

    >>> [l["label_for_charts"] for l in person_name(["name"], [])][1:4]
    ['name equal (nicknames as given names)', 'name first and last swapped', 'name one typo, same words']
    """
    n = columns[0]
    close = [*thresholds, 0.9][0]
    first, last = f"{n}_first", f"{n}_last"
    same_last = f"{last}_l = {last}_r"
    return [
        _null([n], f"{n} missing"),
        _level(f"{n}_l = {n}_r", f"{n} equal (nicknames as given names)"),
        _level(f"{n}_sorted_l = {n}_sorted_r", f"{n} first and last swapped"),
        _level(typo((f"{n}_l", f"{n}_r"), (f"{n}_tokens_l", f"{n}_tokens_r")), f"{n} one typo, same words"),
        _level(
            f"{same_last} AND left({first}_l, 1) = left({first}_r, 1) "
            f"AND least(length({first}_l), length({first}_r)) = 1",
            f"{n} same surname and initial",
        ),
        _level(f"{same_last} AND {_jw(first, 0.85)}", f"{n} same surname, first name close"),
        _level(_jw(n, close), f"{n} jaro-winkler ≥ {close}"),
        _level(same_last, f"{n} same surname only"),
        _else(f"{n} different"),
    ]


def date_of_birth(columns: Sequence[str], thresholds: Sequence[float]) -> list[Level]:
    """Dates (standardised by ``date``: ``YYYY-MM-DD``, or a bare ``YYYY``): equal; day
    and month transposed (a US and a European form); one digit keyed wrong (or two
    adjacent swapped); the same year only (one record knows only the year); else.

    >>> [l["label_for_charts"] for l in date_of_birth(["born"], [])]
    ['born missing', 'born equal', 'born day and month transposed', 'born one digit off', 'born same year only', 'born different']
    """
    n = columns[0]
    full = f"length({n}_l) = 10 AND length({n}_r) = 10"
    transposed = (
        f"{full} AND left({n}_l, 4) = left({n}_r, 4) AND substr({n}_l, 6, 2) = substr({n}_r, 9, 2) "
        f"AND substr({n}_l, 9, 2) = substr({n}_r, 6, 2)"
    )
    return [
        _null([n], f"{n} missing"),
        _level(f"{n}_l = {n}_r", f"{n} equal"),
        _level(transposed, f"{n} day and month transposed"),
        _level(f"{full} AND damerau_levenshtein({n}_l, {n}_r) <= 1", f"{n} one digit off"),
        _level(f"left({n}_l, 4) = left({n}_r, 4)", f"{n} same year only"),
        _else(f"{n} different"),
    ]


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    attributes: int  # how many attributes it compares
    derived: tuple[str, ...]  # derived columns of the first attribute it reads
    levels: Callable[[Sequence[str], Sequence[float]], list[Level]]


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "company_name",
            "names, typos, truncation and extra words told apart",
            1,
            ("tokens",),
            company_name,
        ),
        Method(
            "person_name",
            "people's names: nicknames, first and last swapped, typos, initials, same surname",
            1,
            ("first", "last", "sorted", "tokens"),
            person_name,
        ),
        Method(
            "date_of_birth",
            "dates: equal, day and month transposed, one digit off, same year only",
            1,
            (),
            date_of_birth,
        ),
        Method("jaro_winkler", "equal, then Jaro-Winkler thresholds", 1, (), jaro_winkler),
        Method("exact", "equal or not", 1, (), exact),
        Method("identifier", "equal, one keying error, different", 1, (), identifier),
        Method("email", "equal, same domain, different", 1, ("domain",), email),
        Method("address", "street + postcode + city as one piece of evidence", 3, ("number",), address),
    )
}


def build_comparison(
    method: str, attributes: Sequence[str], thresholds: Sequence[float] = (), name: str | None = None
) -> dict[str, Any]:
    """A Splink comparison dictionary for ``method`` over ``attributes``."""
    spec = METHODS[method]
    levels = spec.levels(list(attributes), list(thresholds))
    for level in levels:
        if level["sql_condition"] != "ELSE":
            level["base_dialect_str"] = "duckdb"
    return {
        "output_column_name": name or "_".join(attributes),
        "comparison_description": f"{method}: {spec.description}",
        "comparison_levels": levels,
    }
