"""YAML loading that remembers where every node came from (file, line, column).

Specs are loaded into plain Python values (dicts, lists, str, numbers) so that the
models and JSON Schema see ordinary data; a side index maps each node's path to its
1-based line and column so any error can point at ``file:line:column``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from andmesh.errors import SpecProblem

PathKey = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """One loaded YAML file: its data and where each node sits in the file."""

    file: Path
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey) -> tuple[int | None, int | None]:
        """Line and column of ``path``, or of its nearest located ancestor."""
        probe = tuple(path)
        while True:
            if probe in self.positions:
                return self.positions[probe]
            if not probe:
                return (None, None)
            probe = probe[:-1]

    def problem(
        self, path: PathKey, message: str, hint: str | None = None, *, code: str = "spec"
    ) -> SpecProblem:
        line, column = self.locate(path)
        return SpecProblem(
            file=self.file,
            line=line,
            column=column,
            path=format_path(path),
            message=message,
            hint=hint,
            code=code,
        )

    def unknown(
        self, path: PathKey, what: str, name: str, known: Iterable[str], plural: str | None = None
    ) -> SpecProblem:
        """``unknown <what> `name```, located at ``path``, with "did you mean" among ``known``."""
        from andmesh.spec.suggest import hint_for

        return self.problem(
            path, f"unknown {what} `{name}`", hint_for(name, known, plural or f"{what}s"), code="reference"
        )


def format_path(path: PathKey) -> str:
    """Render a node path the way people read YAML: ``schema[0].properties[2].name``.

    >>> format_path(("schema", 0, "properties", 2, "name"))
    'schema[0].properties[2].name'
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _plain(node: Any, path: PathKey, positions: dict[PathKey, tuple[int, int]]) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            try:
                line, col = node.lc.key(key)
                positions[child] = (line + 1, col + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            out[str(key)] = _plain(value, child, positions)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            child = (*path, index)
            try:
                line, col = node.lc.item(index)
                positions[child] = (line + 1, col + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            items.append(_plain(value, child, positions))
        return items
    # JSON Schema and the models expect strings for dates written unquoted in YAML.
    if isinstance(node, dt.datetime | dt.date):
        return node.isoformat()
    if isinstance(node, str):
        return str(node)
    return node


def load_yaml(file: Path) -> YamlDocument | SpecProblem:
    """Load ``file``; a YAML syntax error comes back as a located ``SpecProblem``."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return SpecProblem(file, None, None, "", f"cannot read file: {exc}", code="yaml")
    return load_yaml_text(text, file)


def load_yaml_text(text: str, file: Path) -> YamlDocument | SpecProblem:
    """Load YAML ``text`` that came from (or stands for) ``file``."""
    yaml = YAML(typ="rt")
    try:
        raw = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        hint = (
            "remove or rename one of the two keys"
            if "duplicate key" in what
            else "check indentation and quoting on this line (no tabs; quote values that contain ': ')"
        )
        return SpecProblem(file, line, column, "", f"malformed YAML: {what}", hint=hint, code="yaml")
    except Exception as exc:  # ruamel raises a few unmarked errors (duplicate keys, bad tags)
        return SpecProblem(file, None, None, "", f"malformed YAML: {exc}", code="yaml")
    positions: dict[PathKey, tuple[int, int]] = {(): (1, 1)}
    data = _plain(raw, (), positions)
    return YamlDocument(file=file, data=data, positions=positions)
