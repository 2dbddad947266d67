"""People: person names (nicknames, transpositions, initials) and dates of birth, level by level and resolved."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest

from andmesh.enterprise.entities.comparisons import build_comparison
from andmesh.enterprise.entities.resolve import resolve
from andmesh.enterprise.entities.standardise import output_columns, standardise
from andmesh.spec.entity import EntitySpec


def _level(method: str, standardiser: str, left: str | None, right: str | None) -> str:
    """The label of the first level of ``method`` the pair falls in, evaluated on DuckDB."""
    columns = output_columns("x", standardiser)
    row: dict[str, Any] = {}
    for side, value in (("l", left), ("r", right)):
        for column in columns:
            suffix = column[len("x_") :] if column != "x" else ""
            row[f"{column}_{side}"] = standardise(standardiser, [value], output=suffix)[0]
    levels = build_comparison(method, ["x"])["comparison_levels"]
    cases = " ".join(
        f"WHEN {lv['sql_condition']} THEN {i}" for i, lv in enumerate(levels) if lv["sql_condition"] != "ELSE"
    )
    con = duckdb.connect()
    con.register("pair", pa.Table.from_pylist([row]))
    index = con.execute(f"SELECT CASE {cases} ELSE {len(levels) - 1} END FROM pair").fetchone()
    assert index is not None
    return str(levels[index[0]]["label_for_charts"])


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        ("Robert Smith", "Bob Smith", "x equal (nicknames as given names)"),
        ("William Jones", "Jones, Bill", "x equal (nicknames as given names)"),
        ("Dr. Margaret Ó Brien", "Peggy O'Brien", "x jaro-winkler ≥ 0.9"),  # a word apart: close only
        ("Anna Schmidt", "Schmidt Anna", "x first and last swapped"),
        ("Sepp Huber", "Huber Josef", "x first and last swapped"),
        ("Katharina Müller", "Katharina Mueller", "x equal (nicknames as given names)"),
        ("Jonathan Smithson", "Jonathan Smihtson", "x one typo, same words"),
        ("J. Smith", "James Smith", "x same surname and initial"),
        ("Stefanie Wagner", "Stephanie Wagner", "x one typo, same words"),
        ("Hans Peter Wagner", "Hans Wagner", "x same surname, first name close"),
        ("Peter Wagner", "Ursula Wagner", "x same surname only"),
        ("Peter Wagner", "Lucia Fernández", "x different"),
        (None, "Lucia Fernández", "x missing"),
    ],
)
def test_person_name_levels(left: str | None, right: str, label: str) -> None:
    assert _level("person_name", "person_name", left, right) == label


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        ("1980-05-12", "12.05.1980", "x equal"),
        ("1980-05-12", "1980-12-05", "x day and month transposed"),
        ("1980-05-12", "1980-05-13", "x one digit off"),
        ("1980-05-12", "1908-05-12", "x one digit off"),  # two adjacent digits swapped
        ("1980-05-12", "1980", "x same year only"),
        ("1980-05-12", "1980-09-30", "x same year only"),
        ("1980-05-12", "1975-01-02", "x different"),
        ("1980-05-12", "not a date", "x missing"),
    ],
)
def test_date_of_birth_levels(left: str, right: str, label: str) -> None:
    assert _level("date_of_birth", "date", left, right) == label


PEOPLE = [
    ("Robert", "Smith", "1980-05-12"), ("Margaret", "Jones", "1975-11-03"), ("William", "Brown", "1990-02-28"),
    ("Elizabeth", "Taylor", "1968-07-19"), ("Josef", "Huber", "1955-01-30"), ("Katharina", "Müller", "1983-09-09"),
    ("Francisco", "García", "1979-04-21"), ("Giuseppe", "Rossi", "1962-12-01"), ("Anna", "Schmidt", "1991-06-15"),
    ("Thomas", "Becker", "1987-03-05"), ("Richard", "Wilson", "1972-10-10"), ("Susan", "Clarke", "1985-08-22"),
    ("Michael", "Wagner", "1993-01-17"), ("Patricia", "Lopez", "1970-05-30"), ("Edward", "Hughes", "1964-02-11"),
    ("Peter", "Wagner", "1958-09-27"), ("Laura", "Martin", "1996-04-04"), ("Daniel", "Fischer", "1981-11-29"),
    ("Sophie", "Dubois", "1977-07-07"), ("Hendrik", "de Vries", "1966-03-14"),
]  # fmt: skip
NICK = {"Robert": "Bob", "Margaret": "Peggy", "William": "Bill", "Elizabeth": "Liz", "Josef": "Sepp",
        "Francisco": "Paco", "Giuseppe": "Beppe", "Thomas": "Tom", "Richard": "Rick", "Susan": "Sue",
        "Michael": "Mike", "Patricia": "Pat", "Edward": "Ted", "Daniel": "Dan", "Hendrik": "Henk"}  # fmt: skip


def _variant(i: int, first: str, last: str, born: str) -> dict[str, Any]:
    """HR's record of the person as payroll would never write it: a nickname, the names
    swapped, the day and month transposed, a digit off or only the year."""
    name = f"{NICK.get(first, first)} {last}"
    if i % 3 == 1:
        name = f"{last}, {first}"
    elif i % 3 == 2:
        name = f"{last} {NICK.get(first, first)}"
    y, m, d = born.split("-")
    dob = [
        f"{d}.{m}.{y}",
        f"{y}-{d}-{m}" if int(d) <= 12 else born,
        y,
        f"{y}-{m}-{int(d) % 9 + 1:02d}" if d[1] != str(int(d) % 9 + 1) else born,
    ][i % 4]
    return {"employee_no": f"E{i:02d}", "name": name, "born": dob}


def test_people_recorded_differently_resolve_to_one_person_each() -> None:
    payroll = pa.Table.from_pylist(
        [
            {"person_id": f"P{i:02d}", "full_name": f"{first} {last}", "dob": b}
            for i, (first, last, b) in enumerate(PEOPLE)
        ]
    )
    hr = pa.Table.from_pylist([_variant(i, *p) for i, p in enumerate(PEOPLE)])
    spec = EntitySpec.model_validate(
        {
            "apiVersion": "andmesh/v1", "kind": "Entity", "name": "employee", "idPrefix": "EE-",
            "attributes": [{"name": "name", "standardise": "person_name"},
                           {"name": "born", "standardise": "date"}],
            "sources": [
                {"product": "payroll.people", "record": "person_id", "trust": 2,
                 "columns": {"name": "full_name", "born": "dob"}},
                {"product": "hr.employees", "record": "employee_no", "trust": 1,
                 "columns": {"name": "name", "born": "born"}},
            ],
            "matching": {
                "threshold": 0.9, "reviewFrom": 0.5,
                "blocking": [["name_sorted"], ["name_last"], ["born_year"]],
                "comparisons": [{"method": "person_name", "attribute": "name"},
                                {"method": "date_of_birth", "attribute": "born"}],
                "training": {"em": [["born_year"], ["name_last"]], "uPairs": 10000},
            },
            "products": {"xref": "enterprise.employee_xref"},
        }
    )  # fmt: skip
    xref = resolve(spec, {"payroll.people": payroll, "hr.employees": hr}).xref.to_pylist()
    entity = {(r["source"], r["record_id"]): r["entity_id"] for r in xref}
    found = sum(
        entity[("payroll.people", f"P{i:02d}")] == entity[("hr.employees", f"E{i:02d}")] for i in range(20)
    )
    assert found >= 18, f"only {found} of 20 people linked"
    # Peter and Michael Wagner share a surname; no two payroll people merge.
    assert len({entity[("payroll.people", f"P{i:02d}")] for i in range(20)}) == 20


def test_a_spec_adds_its_own_nicknames_to_the_vendored_table() -> None:
    from andmesh.enterprise.entities.vocabulary import Vocabulary

    plain = standardise("person_name", ["Mina Jansen", "Wilhelmina Jansen", "Bob Jansen"])
    assert plain == ["mina jansen", "wilhelmina jansen", "robert jansen"]
    vocab = Vocabulary().extended(nicknames={"Wilhelmina": ["Mina", "Wilma"]})
    mine = standardise("person_name", ["Mina Jansen", "Wilhelmina Jansen", "Bob Jansen"], vocabulary=vocab)
    assert mine == ["wilhelmina jansen", "wilhelmina jansen", "robert jansen"]
