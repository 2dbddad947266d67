"""The workspace's spec cache: same mesh, same lint messages, never trusted when it is not ours."""

from __future__ import annotations

from pathlib import Path

import pytest

import andmesh.spec.loader as loader
from andmesh.facade import Andmesh
from andmesh.spec import lint_mesh, load_mesh
from andmesh.spec.cache import SpecCache
from tests.helpers import edit

CONTRACT = "domains/sales/products/customers/contract.yaml"
SQL = "domains/sales/products/customers/customers.sql"
KEY = b"k" * 32


def cache(tmp_path: Path, key: bytes = KEY) -> SpecCache:
    return SpecCache(tmp_path / "ws" / "cache" / "specs.json", key)


def messages(path: Path, spec_cache: SpecCache | None) -> list[str]:
    return [p.format() for p in lint_mesh(path, spec_cache).problems]


def no_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(raw: bytes, file: Path) -> None:
        raise AssertionError(f"{file} was parsed again")

    monkeypatch.setattr(loader, "load_yaml_bytes", refuse)


def test_a_warm_load_skips_the_parser_and_gives_the_same_mesh(
    mesh_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load_mesh(mesh_dir)
    load_mesh(mesh_dir, cache(tmp_path))  # fills the cache
    no_parser(monkeypatch)
    warm = load_mesh(mesh_dir, cache(tmp_path))
    assert sorted(warm.products) == sorted(cold.products)
    for pid, product in cold.products.items():
        again = warm.products[pid]
        assert again.spec == product.spec
        assert [p.contract.model for p in again.outputs] == [p.contract.model for p in product.outputs]


def test_an_edited_file_is_parsed_and_linted_as_without_a_cache(mesh_dir: Path, tmp_path: Path) -> None:
    load_mesh(mesh_dir, cache(tmp_path))
    edit(
        mesh_dir / CONTRACT,
        "        logicalType: string\n        primaryKey",
        "        logicalTyp: string\n        primaryKey",
    )
    edit(mesh_dir / SQL, "from", "fro")
    expected = messages(mesh_dir, None)
    assert any("unknown key `logicalTyp`" in m for m in expected)
    assert messages(mesh_dir, cache(tmp_path)) == expected
    # The broken files are remembered as such: a second lint still reports them in full.
    assert messages(mesh_dir, cache(tmp_path)) == expected


@pytest.mark.parametrize("damage", ["garbage", "other key", "altered body"])
def test_a_corrupt_or_forged_cache_is_ignored(mesh_dir: Path, tmp_path: Path, damage: str) -> None:
    load_mesh(mesh_dir, cache(tmp_path))
    file = tmp_path / "ws" / "cache" / "specs.json"
    if damage == "garbage":
        file.write_bytes(b"\x00not json at all")
        reader = cache(tmp_path)
    elif damage == "other key":
        reader = cache(tmp_path, b"x" * 32)
    else:
        # Claim another owner for the product, without the key to sign the change.
        file.write_bytes(file.read_bytes().replace(b'"owner"', b'"ownr"', 1))
        reader = cache(tmp_path)
    assert reader._docs == {}
    mesh = load_mesh(mesh_dir, reader)
    assert mesh.products == load_mesh(mesh_dir).products
    assert (tmp_path / "ws" / "cache" / "specs.json").read_bytes()[:64] != b"\x00not json at all"[:64]


REFERENCE = Path(__file__).parents[2] / "examples" / "order_to_cash"
SCORES_IMPORTED = """
import json, sys
from pathlib import Path
from andmesh.spec import load_mesh
from andmesh.spec.cache import SpecCache
mesh = load_mesh(Path(sys.argv[1]), SpecCache(Path(sys.argv[2]), b"k" * 32))
print(json.dumps({
    "scores": sorted((k, sorted((r, p.table_id) for r, p in s.ports.items()), s.depends_on)
                     for k, s in mesh.scores.items()),
    "imported": "andmesh.enterprise.scores" in sys.modules,
}))
"""


def test_score_methods_checked_clean_are_not_imported_again(tmp_path: Path) -> None:
    """A Score spec whose method, config and inputs checked clean is remembered: a warm load gets
    the same scores without importing the methods (pyarrow, numpy); an edited config is checked
    in full again, with the same message as without a cache."""
    import json
    import shutil
    import subprocess
    import sys

    mesh_dir = tmp_path / "mesh"
    shutil.copytree(REFERENCE, mesh_dir, ignore=shutil.ignore_patterns("data", "__pycache__"))
    file = tmp_path / "ws" / "cache" / "specs.json"

    def load() -> dict[str, object]:
        run = subprocess.run(
            [sys.executable, "-c", SCORES_IMPORTED, str(mesh_dir), str(file)],
            capture_output=True, text=True, check=True, timeout=180,
        )  # fmt: skip
        loaded: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
        return loaded

    cold, warm = load(), load()
    assert cold["imported"] is True and warm["imported"] is False
    assert warm["scores"] == cold["scores"] and len(cold["scores"]) >= 3  # type: ignore[arg-type]
    edit(
        mesh_dir / "enterprise" / "scores" / "credit_risk_v2.yaml", "config:\n", "config:\n  max_n_bins: 1\n"
    )
    expected = messages(mesh_dir, None)
    assert any("config of credit_risk_scorecard: max_n_bins" in m for m in expected)
    assert messages(mesh_dir, SpecCache(file, b"k" * 32)) == expected


def test_a_fresh_workspace_caches_its_specs_on_the_first_run(
    mesh_dir: Path, andmesh: Andmesh, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run makes the workspace and its key anyway: the second run must not parse again.
    assert not andmesh.workspace.root.exists()
    andmesh.run(mesh_dir)
    assert (andmesh.workspace.root / "cache" / "specs.json").is_file()
    no_parser(monkeypatch)
    again = Andmesh(andmesh.workspace).run(mesh_dir, force=True)
    assert [o.version for o in again.outcomes] == [2]


def test_a_read_command_on_a_fresh_workspace_mints_no_key(mesh_dir: Path, andmesh: Andmesh) -> None:
    andmesh.mesh(mesh_dir)
    assert not (andmesh.workspace.root / "secret.key").exists()


def test_a_warm_load_hands_the_build_the_guarded_sql_without_parsing_it(
    mesh_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import andmesh.spec.sqlguard as sqlguard

    mesh = load_mesh(mesh_dir, cache(tmp_path))  # fills the cache
    product = mesh.products["sales.customers"]
    names = [s.name for s in product.sources] + [i.name for i in product.inputs]
    text = (mesh_dir / SQL).read_text(encoding="utf-8")
    expected = sqlguard.guard_select(text, names).sql
    monkeypatch.setattr(sqlguard, "_PASSED", {})  # a new process

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the query was parsed again")

    load_mesh(mesh_dir, cache(tmp_path))
    monkeypatch.setattr(sqlguard, "guard_select", refuse)
    assert sqlguard.guarded_sql(text, names) == expected
