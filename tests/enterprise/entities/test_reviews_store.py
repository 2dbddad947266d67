"""Stewards' decisions in the metadata store: migration 0005, append-only history, latest wins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from andmesh.store import MetadataStore
from andmesh.store.entity_reviews import EntityReviews
from andmesh.store.metadata import _alembic_config


def test_upgrading_from_0004_keeps_data_and_adds_the_decisions_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into runs (id, mesh, mesh_root, engine, status, started_at) "
                "values ('old-run', 'm', '/m', 'duckdb', 'succeeded', '2026-01-01 00:00:00')"
            )
        )
    assert "entity_decisions" not in sa.inspect(engine).get_table_names()
    store = MetadataStore(url)
    assert store.revision() == MetadataStore.head_revision()
    assert store.last_run()["id"] == "old-run"  # type: ignore[index]
    reviews = EntityReviews(store.engine)
    reviews.record(
        entity="customer",
        pair_id="p1",
        left=("a.b", "1"),
        right=("c.d", "2"),
        decision="reject",
        decided_by="sam",
    )
    assert [d["decided_by"] for d in reviews.decisions("customer")] == ["sam"]


def test_decisions_are_kept_in_order_and_the_latest_counts(tmp_path: Path) -> None:
    reviews = EntityReviews(MetadataStore(f"sqlite:///{tmp_path / 'a.db'}").engine)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for minutes, decision, who in ((0, "confirm", "priya"), (5, "reject", "sam")):
        reviews.record(
            entity="customer",
            pair_id="p1",
            left=("a.b", "1"),
            right=("c.d", "2"),
            decision=decision,
            decided_by=who,
            note="same VAT, other building" if decision == "reject" else None,
            probability=0.71,
            model_version="abcdef012345",
            run_id="r1",
            decided_at=start + dt.timedelta(minutes=minutes),
        )
    history = reviews.decisions("customer")
    assert [(d["decision"], d["decided_by"]) for d in history] == [("confirm", "priya"), ("reject", "sam")]
    assert history[1]["decided_at"] == start + dt.timedelta(minutes=5)
    assert reviews.latest("customer")["p1"]["decision"] == "reject"
    assert reviews.decisions("location") == []
