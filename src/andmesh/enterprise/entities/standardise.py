"""Standardisers: how a raw attribute value becomes comparable across units.

Each standardiser is a DuckDB SQL expression (so millions of records are standardised
inside the engine, in parallel) built from the :class:`Vocabulary`. It yields the
standardised value in the attribute's own column, plus derived columns some blocking
rules and comparisons use: ``<attribute>_key`` (the first two name tokens),
``<attribute>_tokens`` (how many), ``<attribute>_number`` (a house number).

>>> standardise("company_name", ["Müller Log. GmbH & Co. KG", "MUELLER LOGISTIK"])
['mueller logistics', 'mueller logistics']
>>> standardise("tax_id", ["DE 123 456 789", "123456789", "de123456789"], countries=["DE", "DE", None])
['DE123456789', 'DE123456789', 'DE123456789']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from andmesh.enterprise.entities.vocabulary import Vocabulary

# Characters of a name's `_prefix` column: bank statements cut names at 18 characters or
# more, so a block on the first 12 still pairs a cut name with the whole one.
PREFIX = 12

# Umlauts become ae/oe/ue (as German writes them without umlauts, and as banks do);
# every other accent is dropped.
_FOLD = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("æ", "ae"), ("ø", "oe"), ("œ", "oe"))


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _alternation(words: Sequence[str]) -> str:
    """A regex matching any of ``words`` as whole words (longest first)."""
    escaped = sorted({w for w in words if w}, key=len, reverse=True)
    return r"\b(?:" + "|".join(_escape(w) for w in escaped) + r")\b"


def _escape(word: str) -> str:
    return "".join("\\" + c if not c.isalnum() and c != " " else c for c in word)


def _lookup(mapping: dict[str, str], key: str) -> str:
    """``mapping[key]`` or NULL, as SQL. (A CASE: DuckDB builds a MAP literal again for
    every list element inside a lambda, a hundred times slower.)"""
    if not mapping:
        return "NULL::VARCHAR"
    cases = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in sorted(mapping.items()))
    return f"(CASE {key} {cases} ELSE NULL END)"


def _list(words: Sequence[str]) -> str:
    return "[" + ", ".join(_lit(w) for w in sorted(set(words))) + "]::VARCHAR[]"


def fold_sql(x: str) -> str:
    """Lower case, umlauts spelt out, accents dropped."""
    expr = f"lower({x})"
    for old, new in _FOLD:
        expr = f"replace({expr}, '{old}', '{new}')"
    return f"strip_accents({expr})"


def words_sql(x: str) -> str:
    """Folded, dots and apostrophes dropped ("G.m.b.H." → "gmbh"), other punctuation a space."""
    dropped = f"regexp_replace({fold_sql(x)}, '[.''’`´]', '', 'g')"
    return f"trim(regexp_replace({dropped}, '[^a-z0-9]+', ' ', 'g'))"


def fold_text(value: str) -> str:
    """The folded form of one Python string (for vocabulary entries).

    >>> fold_text("Gesellschaft mit beschränkter Haftung")
    'gesellschaft mit beschraenkter haftung'
    >>> fold_text("S.p.A.")
    'spa'
    """
    import re
    import unicodedata

    text = value.lower()
    for old, new in _FOLD:
        text = text.replace(old, new)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[.'’`´]", "", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# --- the standardisers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Standardiser:
    """One way to standardise an attribute.

    ``stage1`` turns the raw SQL expression into an intermediate (a token list for
    names, the final value otherwise); ``outputs`` names the columns built from it.
    """

    name: str
    description: str
    canonical: bool
    derived: tuple[str, ...]
    stage1: Callable[[str, str, Vocabulary], str]
    outputs: Callable[[str], dict[str, str]]


def _plain_output(column: str) -> dict[str, str]:
    return {"": f"nullif({column}, '')"}


def _name_tokens(x: str, country: str, vocab: Vocabulary, *, site: bool) -> str:
    text = words_sql(x)
    text = f"regexp_replace({text}, {_lit(_alternation([*vocab.ignore, *vocab.legal_phrases]))}, ' ', 'g')"
    if site:
        cut = f"trim(regexp_replace({text}, {_lit(_alternation(vocab.site_labels) + '.*$')}, ''))"
        text = f"(CASE WHEN {cut} = '' THEN {text} ELSE {cut} END)"
    dropped = _list([*vocab.legal_forms, *vocab.stopwords])
    tokens = f"string_split(trim(regexp_replace({text}, ' +', ' ', 'g')), ' ')"
    tokens = f"list_transform({tokens}, t -> coalesce({_lookup(vocab.abbreviations, 't')}, t))"
    tokens = f"list_transform({tokens}, t -> coalesce({_lookup(vocab.synonyms, 't')}, t))"
    tokens = f"list_filter({tokens}, t -> t <> '' AND NOT list_contains({dropped}, t))"
    # A name cut inside its legal form leaves a fragment of it ("…Holdings Cor", "…Interiors
    # In"): a last token of two or three letters that only starts a legal form is dropped.
    fragments = _list(legal_fragments(vocab))
    return (
        f"(CASE WHEN len({tokens}) >= 3 AND list_contains({fragments}, {tokens}[-1]) "
        f"THEN list_slice({tokens}, 1, len({tokens}) - 1) ELSE {tokens} END)"
    )


def legal_fragments(vocab: Vocabulary) -> list[str]:
    """Two- and three-letter starts of legal forms that are not words of a name themselves.

    >>> [f for f in legal_fragments(Vocabulary()) if f in ("cor", "in", "lt", "gmb", "co", "di")]
    ['cor', 'gmb', 'in', 'lt']
    """
    whole = set(vocab.legal_forms) | set(vocab.stopwords)
    starts = {form[:n] for form in vocab.legal_forms for n in (2, 3) if len(form) > n}
    return sorted(starts - whole)


def _name_outputs(column: str) -> dict[str, str]:
    return {
        "": f"nullif(array_to_string({column}, ' '), '')",
        "key": f"nullif(array_to_string({column}[1:2], ' '), '')",
        "prefix": f"nullif(left(array_to_string({column}, ' '), {PREFIX}), '')",
        "tokens": f"len({column})",
    }


def _street(x: str, country: str, vocab: Vocabulary) -> str:
    text = words_sql(x)
    glued = "|".join(sorted(vocab.glued_street_types, key=len, reverse=True))
    # "bahnhofstrasse 5" / "bahnhofstr 5" → "bahnhof str 5" (the type as its own token)
    text = f"regexp_replace({text}, '([a-z]{{3,}})({glued})\\b', '\\1 \\2', 'g')"
    tokens = (
        f"list_transform(string_split({text}, ' '), t -> coalesce({_lookup(vocab.street_types, 't')}, t))"
    )
    return f"array_to_string(list_filter({tokens}, t -> t <> ''), ' ')"


def _street_outputs(column: str) -> dict[str, str]:
    return {
        "": f"nullif({column}, '')",
        "number": f"nullif(regexp_extract({column}, '\\b([0-9]+)\\b', 1), '')",
    }


def _city(x: str, country: str, vocab: Vocabulary) -> str:
    text = words_sql(x)
    return f"coalesce({_lookup(vocab.city_aliases, text)}, {text})"


def _postcode(x: str, country: str, vocab: Vocabulary) -> str:
    compact = f"regexp_replace(upper(trim({x})), '[^A-Z0-9-]', '', 'g')"
    return (
        f"(CASE WHEN regexp_full_match({compact}, '[A-Z]{{1,2}}-?[0-9]{{3,}}') "
        f"THEN regexp_extract({compact}, '[0-9]+$') "
        f"WHEN regexp_full_match({compact}, '[0-9]{{5}}-[0-9]{{4}}') THEN substr({compact}, 1, 5) "
        f"ELSE replace({compact}, '-', '') END)"
    )


def _tax_id(x: str, country: str, vocab: Vocabulary) -> str:
    clean = f"regexp_replace(upper({x}), '[^A-Z0-9]', '', 'g')"
    prefix = _lookup(vocab.vat_prefix, f"upper(trim({country}))")
    return (
        f"(CASE WHEN {prefix} IS NOT NULL AND NOT starts_with({clean}, {prefix}) "
        f"THEN {prefix} || {clean} ELSE {clean} END)"
    )


def _email(x: str, country: str, vocab: Vocabulary) -> str:
    return f"lower(trim({x}))"


def _email_outputs(column: str) -> dict[str, str]:
    return {"": f"nullif({column}, '')", "domain": f"nullif(split_part({column}, '@', 2), '')"}


def _phone(x: str, country: str, vocab: Vocabulary) -> str:
    return f"regexp_replace({x}, '[^0-9]', '', 'g')"


def _country(x: str, country: str, vocab: Vocabulary) -> str:
    return f"upper(trim({x}))"


def _identifier(x: str, country: str, vocab: Vocabulary) -> str:
    return f"upper(regexp_replace(trim({x}), '\\s+', '', 'g'))"


def _text(x: str, country: str, vocab: Vocabulary) -> str:
    return f"trim(regexp_replace({words_sql(x)}, ' +', ' ', 'g'))"


def _person_tokens(x: str, country: str, vocab: Vocabulary) -> str:
    """A person's name as given names then surname: "Last, First" turned round, titles
    dropped, each nickname replaced by its given name (Bob → robert)."""
    turned = f"(CASE WHEN contains({x}, ',') THEN split_part({x}, ',', 2) || ' ' || split_part({x}, ',', 1) ELSE {x} END)"
    tokens = f"string_split(trim(regexp_replace({words_sql(turned)}, ' +', ' ', 'g')), ' ')"
    tokens = f"list_filter({tokens}, t -> t <> '' AND NOT list_contains({_list(vocab.titles)}, t))"
    return f"list_transform({tokens}, t -> coalesce({_lookup(vocab.nicknames, 't')}, t))"


def _person_outputs(column: str) -> dict[str, str]:
    return {
        "": f"nullif(array_to_string({column}, ' '), '')",
        "first": f"nullif({column}[1], '')",
        "last": f"(CASE WHEN len({column}) > 1 THEN {column}[-1] END)",
        "sorted": f"nullif(array_to_string(list_sort({column}), ' '), '')",
        "tokens": f"len({column})",
    }


def _date(x: str, country: str, vocab: Vocabulary) -> str:
    """ISO ``YYYY-MM-DD`` from ISO, ``DD.MM.YYYY``, ``DD/MM/YYYY`` or ``YYYYMMDD`` (a
    timestamp keeps its date); a bare year stays ``YYYY``; anything else is NULL."""
    text = f"trim({x})"
    parsed = (
        f"coalesce(try_strptime(left({text}, 10), '%Y-%m-%d'), try_strptime({text}, '%d.%m.%Y'), "
        f"try_strptime({text}, '%d/%m/%Y'), try_strptime({text}, '%Y%m%d'))"
    )
    return (
        f"(CASE WHEN regexp_full_match({text}, '[12][0-9]{{3}}') THEN {text} "
        f"ELSE strftime({parsed}, '%Y-%m-%d') END)"
    )


def _date_outputs(column: str) -> dict[str, str]:
    return {"": f"nullif({column}, '')", "year": f"nullif(left({column}, 4), '')"}


def _as_is(x: str, country: str, vocab: Vocabulary) -> str:
    return f"trim(CAST({x} AS VARCHAR))"


STANDARDISERS: dict[str, Standardiser] = {
    s.name: s
    for s in (
        Standardiser(
            "company_name",
            "folded; departments and legal forms removed; abbreviations expanded",
            False,
            ("key", "prefix", "tokens"),
            lambda x, c, v: _name_tokens(x, c, v, site=False),
            _name_outputs,
        ),
        Standardiser(
            "site_name",
            "a company name, cut at the first word labelling a site (Warehouse, Lager, Entrepôt…)",
            False,
            ("key", "prefix", "tokens"),
            lambda x, c, v: _name_tokens(x, c, v, site=True),
            _name_outputs,
        ),
        Standardiser(
            "street",
            "folded; street types in one short form; the house number as `_number`",
            False,
            ("number",),
            _street,
            _street_outputs,
        ),
        Standardiser("city", "folded; other names of a city mapped to one", False, (), _city, _plain_output),
        Standardiser(
            "postcode",
            "upper case, no spaces; country letter and ZIP+4 dropped",
            False,
            (),
            _postcode,
            _plain_output,
        ),
        Standardiser(
            "tax_id",
            "upper case letters and digits; the country's VAT prefix added when missing",
            True,
            (),
            _tax_id,
            _plain_output,
        ),
        Standardiser(
            "email", "lower case; its domain as `_domain`", True, ("domain",), _email, _email_outputs
        ),
        Standardiser("phone", "digits only", True, (), _phone, _plain_output),
        Standardiser("country", "ISO code in upper case", True, (), _country, _plain_output),
        Standardiser("identifier", "upper case, no spaces", True, (), _identifier, _plain_output),
        Standardiser(
            "person_name",
            'given names then surname ("Last, First" turned round); titles dropped; nicknames '
            "replaced by the given name; `_first`, `_last`, `_sorted` (words in order), `_tokens`",
            False,
            ("first", "last", "sorted", "tokens"),
            _person_tokens,
            _person_outputs,
        ),
        Standardiser(
            "date",
            "ISO date (from ISO, DD.MM.YYYY, DD/MM/YYYY, YYYYMMDD), a bare year kept; `_year`",
            True,
            ("year",),
            _date,
            _date_outputs,
        ),
        Standardiser("text", "folded, punctuation removed", False, (), _text, _plain_output),
        Standardiser(
            "as_is", "the value as text, trimmed (descriptive attributes)", True, (), _as_is, _plain_output
        ),
    )
}


def get_standardiser(name: str) -> Standardiser:
    return STANDARDISERS[name]


def output_columns(attribute: str, standardiser: str) -> list[str]:
    """The columns an attribute standardised this way gives.

    >>> output_columns("name", "company_name")
    ['name', 'name_key', 'name_prefix', 'name_tokens']
    """
    std = STANDARDISERS[standardiser]
    return [attribute, *(f"{attribute}_{suffix}" for suffix in std.derived)]


def standardise(
    standardiser: str,
    values: Sequence[str | None],
    *,
    countries: Sequence[str | None] | None = None,
    vocabulary: Vocabulary | None = None,
    output: str = "",
) -> list[object]:
    """Standardise plain values (for tests, docs and small lookups; runs on DuckDB).

    >>> standardise("site_name", ["Müller Logistik Lager Köln", "Müller Logistik - Warehouse"])
    ['mueller logistics', 'mueller logistics']
    >>> standardise("street", ["Mühlenstraße 137", "Muehlenstr. 137"])
    ['muehlen str 137', 'muehlen str 137']
    >>> standardise("postcode", ["D-80331", "28270-1234", "6848 pn"])
    ['80331', '28270', '6848PN']
    >>> standardise("city", ["Munich", "MÜNCHEN"])
    ['muenchen', 'muenchen']
    >>> standardise("person_name", ["Dr. Bob Smith", "SMITH, Robert", "José Pérez"])
    ['robert smith', 'robert smith', 'jose perez']
    >>> standardise("person_name", ["Smith Robert", "Robert Smith"], output="sorted")
    ['robert smith', 'robert smith']
    >>> standardise("date", ["1980-05-12", "12.05.1980", "1980-05-12 00:00:00", "1980", "n/a"])
    ['1980-05-12', '1980-05-12', '1980-05-12', '1980', None]
    """
    import duckdb  # the spec layer imports this module for the names: no engine at import time

    vocab = vocabulary or Vocabulary()
    std = STANDARDISERS[standardiser]
    country_values = list(countries) if countries is not None else [None] * len(values)
    con = duckdb.connect()
    try:
        con.execute("create table v (i integer, x varchar, country varchar)")
        con.executemany(
            "insert into v values (?, ?, ?)",
            [(i, x, c) for i, (x, c) in enumerate(zip(values, country_values, strict=True))],
        )
        stage = std.stage1("x", "country", vocab)
        outputs = std.outputs("s")
        rows = con.execute(
            f"select {outputs[output]} from (select i, {stage} as s from v) order by i"
        ).fetchall()
        return [r[0] for r in rows]
    finally:
        con.close()
