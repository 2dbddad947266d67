"""The guarded SQL a build runs is the guard's, remembered only for queries that passed."""

from __future__ import annotations

import pytest

import andmesh.spec.sqlguard as sqlguard
from andmesh.spec.sqlguard import SqlRefused, guard_select, guarded_sql


def test_a_query_the_lint_passed_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "select id, count(*) as n from orders -- per id\ngroup by id"
    expected = guard_select(text, {"orders", "lines"}).sql

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(sqlguard, "guard_select", refuse)
    assert guarded_sql(text, ["Lines", "ORDERS"]) == expected


def test_a_refused_query_stays_refused() -> None:
    text = "select * from orders, read_text('/etc/passwd')"
    for _ in range(2):
        with pytest.raises(SqlRefused):
            guarded_sql(text, ["orders"])


def test_what_passed_with_some_inputs_is_guarded_again_with_others() -> None:
    text = "select * from orders join lines using (id)"
    assert guarded_sql(text, ["orders", "lines"])
    with pytest.raises(SqlRefused):
        guarded_sql(text, ["orders"])
