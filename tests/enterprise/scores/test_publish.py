"""The served rows of ``customer_scores``: built by the engine from the runs' files, as from Arrow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from andmesh.enterprise.scores.publish import served_rows, served_table
from andmesh.store.scores import ScoreRun

REASON = pa.struct([("code", pa.string()), ("text", pa.string()), ("impact", pa.float64())])


def _run(tmp: Path, name: str, role: str, table: pa.Table) -> ScoreRun:
    path = tmp / f"{name}-{role}.parquet"
    pq.write_table(table, path)
    return ScoreRun(
        id=f"{name}-1.0.0-{role}",
        score=name,
        version="1.0.0",
        method=f"{name}_method",
        method_version="1.0",
        role=role,
        status="succeeded",
        as_of=dt.date(2026, 9, 30),
        started_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        code_version="test",
        spec_hash="0",
        output_path=str(path),
    )


def test_the_engine_builds_the_served_rows_arrow_builds(tmp_path: Path) -> None:
    reasons = pa.array(
        [[{"code": "A", "text": "a", "impact": 1.0}, {"code": "B", "text": "b", "impact": 0.5}], [], None],
        pa.list_(REASON),
    )
    ids = ["EC-1", "EC-2", "EC-3"]
    runs = [
        _run(
            tmp_path,
            "credit_risk",
            "served",
            pa.table({"customer_id": ids, "score": [600.5, 700.0, None], "band": ["A", "B", None],
                      "probability": [0.01, 0.2, None], "reasons": reasons}),
        ),
        _run(
            tmp_path,
            "lifetime_value",
            "served",
            pa.table({"customer_id": ids, "score": [10.0, 0.0, 3.25], "band": ["gold", "none", "bronze"],
                      "risk_probability": [0.5, None, 0.1], "reasons": reasons}),
        ),
        _run(
            tmp_path,
            "financial_health",
            "served",
            pa.table({"customer_id": ids, "score": [55.0, 60.0, 65.0], "band": ["watch", "sound", "sound"],
                      "reasons": reasons}),
        ),
        _run(
            tmp_path,
            "credit_risk_shadow",
            "shadow",
            pa.table({"customer_id": ids, "score": [1.0, 2.0, 3.0], "band": ["A", "A", "A"], "reasons": reasons}),
        ),
    ]  # fmt: skip
    con = ibis.duckdb.connect()
    table = served_table(con, runs)
    assert table is not None
    got = table.to_pyarrow()
    expected = served_rows(None, runs)  # type: ignore[arg-type]
    assert got.schema.names == expected.schema.names
    keys = [("score", "ascending"), ("entity_id", "ascending")]
    assert got.cast(expected.schema).sort_by(keys).equals(expected.sort_by(keys))
    assert got.num_rows == 9  # the shadow run is not published
    assert served_table(con, runs[3:]) is None
