"""The C-parser fast path of spec loading reads exactly what ruamel reads, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest

import andmesh.spec.yamlsource as yamlsource
from andmesh.spec.yamlsource import YamlDocument, load_yaml_text

ROOT = Path(__file__).resolve().parents[2]
FILE = Path("spec.yaml")


def by_ruamel(text: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "_fast_load", lambda _text: None)
        return load_yaml_text(text, FILE)


def assert_same(text: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the fast path took ``text``; when it did, its reading is ruamel's, node for node."""
    fast = yamlsource._fast_load(text)
    slow = by_ruamel(text, monkeypatch)
    if fast is None:
        return False
    assert isinstance(slow, YamlDocument), f"ruamel refused what the fast path read: {text!r}"
    assert fast[0] == slow.data and repr(fast[0]) == repr(slow.data)
    assert fast[1] == slow.positions
    return True


def test_every_spec_of_the_repository_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [f for folder in ("examples", "tests", "src") for f in sorted((ROOT / folder).rglob("*.yaml"))]
    taken = [f for f in files if assert_same(f.read_text(encoding="utf-8"), monkeypatch)]
    assert len(files) > 300 and len(taken) > 0.95 * len(files)
    # The domains' specs of the reference meshes (products, contracts), which every run loads,
    # all take it; a mesh.yaml with an instant (`asOf`) or a spec with anchors does not.
    domains = [f for f in files if f.is_relative_to(ROOT / "examples") and "domains" in f.parts]
    assert len(domains) > 50 and set(domains) <= set(taken)


ORDINARY = [
    "a: 1\nb: -2.50\nc: true\nd: FALSE\ne: null\nf: ~\ng:\nh: text, with colon\nurl: http://x/y\n",
    "version: 1.0.0\nday: 2026-02-05\nyes_no: [yes, no, on, off, y, n]\nnumbers: [0, -0, 12, 3.14159]\n",
    "items:\n  - name: x\n    tags: [a, 'b', \"c\"]\n  - {name: y, value: 2}\n  -\n  - - nested\n",
    "text: >\n  folded\n  lines\n\n  kept\nkeep: |+\n  literal\n\nstrip: |-\n  end\nplain: one\n  two\n",
    "q: 'it''s'\ndq: \"tab\\there \\u00e9 \\x41\"\nunicode: café ✓\nempty_list: []\nempty_map: {}\n",
    "# only a comment\n",
    "",
    "a: 1\r\nb:\r\n  - c\r\n",
    "\ufeffa: bom\n",
    "d: 2026-2-5\n",  # not a date in YAML 1.2 without a time: text
    "deep: {a: {b: [1, {c: d}]}}\n",
    "key with spaces: v\n'quoted key': 1\n\"dq key\": 2\n",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_documents_take_the_fast_path_and_read_the_same(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert assert_same(text, monkeypatch)


UNSURE = [
    "a: &x 1\nb: *x\n",  # anchors and aliases (expanded, counted against the bomb budget)
    "a: !!str 1\n",  # tags
    "a: !custom x\n",
    "a: 1\na: 2\n",  # a duplicate key: ruamel's error message
    "1: a\n",  # a key that is not a string
    "true: a\n",
    "n: 1_000\n",  # YAML 1.2 forms this resolver does not read itself
    "n: 0o17\n",
    "n: 012\n",
    "n: 0x1F\n",
    "n: 1e3\n",
    "n: .5\n",
    "n: .inf\n",
    "n: +1\n",
    "d: 2026-02-30\n",
    "t: 2026-09-30T23:59:59Z\n",
    "<<: {a: 1}\n",
    "---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: line\u2028break\n",
    "a: [1, 2\n",  # malformed: ruamel reports it
    "a:\n\t- tab\n",
    "a: b\tc\n",  # a tab inside a plain scalar: libyaml reads it, ruamel refuses it
    's: "\\ud800"\n',  # a lone surrogate: ruamel's path refuses it with its message
]


@pytest.mark.parametrize("text", UNSURE)
def test_what_the_fast_path_is_not_sure_of_goes_to_ruamel(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert yamlsource._fast_load(text) is None
    assert repr(load_yaml_text(text, FILE)) == repr(by_ruamel(text, monkeypatch))
