"""Bad arguments fail clearly; a crash leaves nothing behind; existing data is protected."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.errors import UsageError
from andmesh.generate import GeneratorArgumentError, OutputExistsError, generate_order_to_cash


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ({"customers": 0}, "customers"),
        ({"customers": -5}, "customers"),
        ({"customers": 2.5}, "customers"),
        ({"customers": True}, "customers"),
        ({"customers": 1_000_001}, "customers"),
        ({"seed": -1}, "seed"),
        ({"seed": "7"}, "seed"),
        ({"noise": -0.1}, "noise"),
        ({"noise": 50.0}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"chunk_customers": 0}, "chunk_customers"),
        ({"defects": "yes"}, "defects"),
    ],
)
def test_bad_arguments_raise_value_errors(
    tmp_path: Path, arguments: dict[str, object], argument: str
) -> None:
    call: dict[str, object] = {"customers": 10, **arguments}
    with pytest.raises(GeneratorArgumentError) as caught:
        generate_order_to_cash(tmp_path / "out", **call)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, UsageError)
    assert caught.value.argument == argument
    assert argument in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_a_crash_midway_leaves_no_output(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []

    def explode(stage: str, done: int, total: int) -> None:
        calls.append((stage, done, total))
        raise Boom("disk full")

    with pytest.raises(Boom):
        generate_order_to_cash(tmp_path / "out", 2_500, seed=3, chunk_customers=1_000, on_progress=explode)
    assert calls == [("generating customers", 1_000, 2_500)]
    assert list(tmp_path.iterdir()) == []


def test_a_crash_keeps_the_previous_dataset(tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate_order_to_cash(out, 50, seed=1)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def explode(stage: str, done: int, total: int) -> None:
        raise Boom("killed")

    with pytest.raises(Boom):
        generate_order_to_cash(out, 80, seed=2, on_progress=explode, overwrite=True)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_to_overwrite_a_non_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(OutputExistsError) as caught:
        generate_order_to_cash(out, 20)
    assert isinstance(caught.value, ValueError)
    assert "overwrite" in str(caught.value)
    assert caught.value.path == out
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_refuses_a_file_as_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder")
    with pytest.raises(OutputExistsError):
        generate_order_to_cash(out, 20, overwrite=True)


def test_an_empty_folder_is_fine_and_overwrite_replaces(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    generate_order_to_cash(out, 30, seed=1)
    (out / "stale.txt").write_text("old")
    report = generate_order_to_cash(out, 40, seed=1, overwrite=True)
    assert not (out / "stale.txt").exists()
    assert report.rows["truth/customers"] == 40
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_progress_is_reported_per_chunk(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate_order_to_cash(
        tmp_path / "out", 2_500, chunk_customers=1_000, on_progress=lambda *a: calls.append(a)
    )
    assert calls == [
        ("generating customers", 1_000, 2_500),
        ("generating customers", 2_000, 2_500),
        ("generating customers", 2_500, 2_500),
        ("publishing dataset", 0, 1),
        ("publishing dataset", 1, 1),
    ]


def test_a_single_customer_works(tmp_path: Path) -> None:
    report = generate_order_to_cash(tmp_path / "one", 1, seed=5)
    assert report.rows["truth/customers"] == 1
    assert report.rows["credit_management/credit_files"] == 1
