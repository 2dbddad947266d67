"""Same seed, same bytes; the chunk size, noise and defects change only what they should."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from andmesh.generate import GenerationReport, generate_order_to_cash
from andmesh.generate.schema import TABLES

from .conftest import CUSTOMERS, SEED, read


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def other_noise(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("noise") / "data"
    generate_order_to_cash(out, CUSTOMERS, seed=SEED, noise=2.5, chunk_customers=1_000)
    return out


def test_same_seed_gives_byte_identical_files(
    generated: tuple[Path, GenerationReport], tmp_path: Path
) -> None:
    data, report = generated
    again = generate_order_to_cash(tmp_path / "again", CUSTOMERS, seed=SEED, chunk_customers=1_000)
    assert digests(tmp_path / "again") == digests(data)
    assert again.rows == report.rows


def test_another_seed_gives_other_data(data: Path, tmp_path: Path) -> None:
    generate_order_to_cash(tmp_path / "other", CUSTOMERS, seed=SEED + 1, chunk_customers=1_000)
    mine, theirs = digests(data), digests(tmp_path / "other")
    assert mine.keys() - {"truth/manifest.yaml"} == theirs.keys() - {"truth/manifest.yaml"}
    assert all(mine[k] != theirs[k] for k in mine if k.endswith(".parquet"))


def test_chunk_size_changes_part_files_not_rows(data: Path, tmp_path: Path) -> None:
    report = generate_order_to_cash(tmp_path / "one", CUSTOMERS, seed=SEED, chunk_customers=25_000)
    assert report.parts == 1
    for key in TABLES:
        assert read(tmp_path / "one", key).equals(read(data, key)), key


def test_noise_changes_spellings_not_the_population(data: Path, other_noise: Path) -> None:
    for key in (
        "order_management/sales_orders",
        "order_management/order_lines",
        "credit_management/credit_decisions",
    ):
        a, b = read(data, key), read(other_noise, key)
        assert a.drop_columns(["account_no"] if "account_no" in a.column_names else []).equals(
            b.drop_columns(["account_no"] if "account_no" in b.column_names else [])
        ), key
    assert read(data, "truth/customers").equals(read(other_noise, "truth/customers"))
    names = read(data, "credit_management/credit_files").column("legal_name")
    noisier = read(other_noise, "credit_management/credit_files").column("legal_name")
    assert not names.equals(noisier)


def test_more_noise_means_more_variation(data: Path, other_noise: Path) -> None:
    def differing(root: Path) -> int:
        accounts = read(root, "order_management/customers")
        truth = read(root, "truth/customers")
        owners = read(root, "truth/record_map").filter(
            pc.equal(read(root, "truth/record_map").column("table"), "customers")
        )
        names = dict(
            zip(truth.column("customer_id").to_pylist(), truth.column("name_stem").to_pylist(), strict=True)
        )
        owner = dict(
            zip(owners.column("record_id").to_pylist(), owners.column("customer_id").to_pylist(), strict=True)
        )
        keyed = zip(
            accounts.column("account_no").to_pylist(),
            accounts.column("account_name").to_pylist(),
            strict=True,
        )
        return sum(not name.startswith(names[owner[no]]) for no, name in keyed)

    assert differing(other_noise) > 1.5 * differing(data)


def test_defects_off_changes_only_defect_rows(data: Path, tmp_path: Path) -> None:
    report = generate_order_to_cash(
        tmp_path / "clean", CUSTOMERS, seed=SEED, chunk_customers=1_000, defects=False
    )
    clean = tmp_path / "clean"
    assert report.defects is False
    orders = read(clean, "order_management/sales_orders")
    assert orders.column("order_id").equals(read(data, "order_management/sales_orders").column("order_id"))
    assert read(clean, "truth/customers").equals(read(data, "truth/customers"))
    lines = read(clean, "order_management/order_lines")
    assert pc.min(lines.column("quantity")).as_py() >= 1
    payments = read(clean, "payments_collection/payments")
    assert pc.count_distinct(payments.column("payment_id")).as_py() == payments.num_rows


def test_the_table_of_contents_is_stable(data: Path) -> None:
    # Every table folder, its parts, and the four truth YAML files (and nothing else).
    files = {str(p.relative_to(data)) for p in data.rglob("*") if p.is_file()}
    expected = {f"{key}/part-{i:05d}.{TABLES[key].format}" for key in TABLES for i in range(2)}
    expected |= {f"truth/{name}.yaml" for name in ("gaps", "defects", "variations", "manifest")}
    assert files == expected
    assert isinstance(read(data, "truth/customers"), pa.Table)
