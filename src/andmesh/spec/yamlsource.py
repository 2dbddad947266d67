"""YAML loading that remembers where every node came from (file, line, column).

Specs are loaded into plain Python values (dicts, lists, str, numbers) so that the
models and JSON Schema see ordinary data; a side index maps each node's path to its
1-based line and column so any error can point at ``file:line:column``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from andmesh.errors import SpecProblem

PathKey = tuple[str | int, ...]

# Bounds on what one spec file may expand to. The largest spec of the reference meshes
# is ~13 KB and ~1,500 nodes; these leave room for contracts of thousands of columns
# while stopping an alias bomb ("billion laughs": 10 aliases of 10 aliases of … grow to
# 10^9 nodes from a few hundred bytes) or a giant file before memory is exhausted.
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 100


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


class _TooLarge(Exception):
    """The document expands past a bound; ``path`` is where the bound was crossed."""

    def __init__(self, path: PathKey, message: str, hint: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.hint = hint


class _BadText(_TooLarge):
    """A string the YAML escapes made that is not text (a lone UTF-16 surrogate)."""


# Half of a UTF-16 pair: YAML's `\uD800` escape yields one, which no UTF-8 writer accepts.
_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _text(value: str, path: PathKey) -> str:
    r"""``value`` as text: a surrogate pair becomes its character, a lone surrogate is refused.

    JSON writes a character beyond U+FFFF as a pair of ``\u`` escapes, and YAML reads JSON,
    so a pair means that character (as in JSON). Half a pair means nothing: refused here,
    at load, where the file and line are known — not later, when JSON or a table is written.

    >>> _text("\ud83d\ude00 ok", ("a",)) == "\U0001F600 ok"
    True
    >>> _text("x\ud800", ("tags", 0))
    Traceback (most recent call last):
    ...
    andmesh.spec.yamlsource._BadText: a lone UTF-16 surrogate (\ud800) at character 2 is not text
    """
    if not _SURROGATE.search(value):
        return value
    joined = _PAIR.sub(lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), value)
    lone = _SURROGATE.search(joined)
    if lone is None:
        return joined
    raise _BadText(
        path,
        f"a lone UTF-16 surrogate (\\u{ord(lone.group()):04x}) at character {lone.start() + 1} is not text",
        "a `\\uD800`–`\\uDFFF` escape is half of a character: write the character itself (the file is "
        "UTF-8), escape it whole as `\\UXXXXXXXX` (8 hex digits), or give both halves of the pair",
    )


@dataclass
class _Budget:
    """Nodes left to build: aliases are expanded, so a bomb spends it quickly."""

    nodes: int = MAX_NODES

    def spend(self, path: PathKey) -> None:
        self.nodes -= 1
        if self.nodes < 0:
            raise _TooLarge(
                path,
                f"the document expands to more than {MAX_NODES:,} values (aliases are expanded)",
                "write the values out, or reuse fewer `*alias` references to large anchors",
            )
        if len(path) > MAX_DEPTH:
            raise _TooLarge(
                path, f"the document nests deeper than {MAX_DEPTH} levels", "flatten the structure"
            )


def _plain(
    node: Any, path: PathKey, positions: dict[PathKey, tuple[int, int]], budget: _Budget | None = None
) -> Any:
    budget = budget or _Budget()
    budget.spend(path)
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            try:
                line, col = node.lc.key(key)
                positions[child] = (line + 1, col + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            name = _text(str(key), child)
            out[name] = _plain(value, child, positions, budget)
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
            items.append(_plain(value, child, positions, budget))
        return items
    # JSON Schema and the models expect strings for dates written unquoted in YAML.
    if isinstance(node, dt.datetime | dt.date):
        return node.isoformat()
    if isinstance(node, str):
        return _text(str(node), path)
    return node


_QUOTED_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|#[^\n]*")
_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> int:
    """How deep ``[`` and ``{`` nest outside quotes and comments.

    The YAML scanner slows down quadratically with flow nesting (seconds at a depth of
    a thousand), so depth is measured before parsing, on the text.

    >>> _flow_depth("a: [1, {b: [2]}]  # ]]]"), _flow_depth("p: '[[['")
    (3, 0)
    """
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(_QUOTED_OR_COMMENT.sub("", text)):
        depth = depth + 1 if bracket.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def read_spec(file: Path) -> bytes | SpecProblem:
    """The bytes of a spec file (at most one past the size bound), or why it cannot be read."""
    try:
        with file.open("rb") as handle:
            # Read one byte past the bound: a FIFO or /dev/zero has no trustworthy size.
            return handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        return _unreadable(file, exc)


def _unreadable(file: Path, exc: Exception) -> SpecProblem:
    return SpecProblem(
        file, None, None, "", f"cannot read file: {exc}", hint="save it as UTF-8 text", code="yaml"
    )


def load_yaml(file: Path) -> YamlDocument | SpecProblem:
    """Load ``file``; a YAML syntax error comes back as a located ``SpecProblem``."""
    raw = read_spec(file)
    return raw if isinstance(raw, SpecProblem) else load_yaml_bytes(raw, file)


def load_yaml_bytes(raw: bytes, file: Path) -> YamlDocument | SpecProblem:
    """Load the bytes read from ``file`` (see :func:`read_spec`)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _unreadable(file, exc)
    return load_yaml_text(text, file)


def load_yaml_text(text: str, file: Path) -> YamlDocument | SpecProblem:
    """Load YAML ``text`` that came from (or stands for) ``file``."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        return SpecProblem(
            file,
            None,
            None,
            "",
            f"the file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB, too large for a spec",
            hint="split it into several spec files",
            code="yaml",
        )
    depth = _flow_depth(text)
    if depth > MAX_DEPTH:
        return SpecProblem(
            file,
            None,
            None,
            "",
            f"the document nests deeper than {MAX_DEPTH} levels ({depth} brackets deep)",
            hint="flatten the structure",
            code="yaml",
        )
    fast = _fast_load(text)
    if fast is not None:
        return YamlDocument(file=file, data=fast[0], positions=fast[1])
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
    except RecursionError:
        return SpecProblem(
            file, None, None, "", "malformed YAML: nested too deeply to read", hint="flatten the structure",
            code="yaml",
        )  # fmt: skip
    except Exception as exc:  # ruamel raises a few unmarked errors (duplicate keys, bad tags)
        return SpecProblem(
            file, None, None, "", f"malformed YAML: {exc}", hint="check the YAML syntax of this file",
            code="yaml",
        )  # fmt: skip
    positions: dict[PathKey, tuple[int, int]] = {(): (1, 1)}
    try:
        data = _plain(raw, (), positions)
    except _TooLarge as exc:  # or _BadText
        located = YamlDocument(file=file, data=None, positions=positions)
        problem = located.problem(exc.path, exc.message, exc.hint, code="yaml")
        # The path may hold a key with the surrogate: escaped, so the problem prints as text.
        return dataclasses.replace(problem, path=problem.path.encode("utf-8", "backslashreplace").decode())
    return YamlDocument(file=file, data=data, positions=positions)


# --- the fast path -----------------------------------------------------------------------
#
# ruamel's round-trip parser is pure Python: ~10 ms per spec file, most of a cold mesh load.
# libyaml (PyYAML's C parser) reads the same text ~20× faster. Its events are turned into the
# same plain data and positions as :func:`_plain`, for the documents where that is certain:
# one document of mappings, sequences and scalars, no anchors, aliases or tags, no duplicate
# or non-string keys, and plain scalars that YAML 1.2 (ruamel) and this resolver read alike.
# Anything else — and any error — goes to ruamel, which says what it says today.

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_OTHER_BREAKS = re.compile("[\t\x85\u2028\u2029]")


def _ruamel_resolvers() -> dict[str, list[tuple[str, Any]]]:
    """ruamel's YAML 1.2 implicit resolvers (kind, pattern) by first character, in its order."""
    from ruamel.yaml.resolver import implicit_resolvers

    table: dict[str, list[tuple[str, Any]]] = {}
    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) in versions:
            for char in first or [""]:
                table.setdefault(char, []).append((tag.rpartition(":")[2], regexp))
    return table


_RESOLVERS = _ruamel_resolvers()


class _Unsure(Exception):
    """The fast path cannot promise ruamel's reading of this document."""


def _resolve_plain(value: str) -> Any:
    """A plain scalar as ruamel reads it (YAML 1.2), for the forms certain here; `_Unsure` otherwise.

    >>> [_resolve_plain(v) for v in ("", "null", "True", "12", "-0.5", "1.0.0", "2026-02-05", "a: b")]
    [None, None, True, 12, -0.5, '1.0.0', '2026-02-05', 'a: b']
    """
    kind = next((tag for tag, regexp in _RESOLVERS.get(value[:1], ()) if regexp.match(value)), "str")
    if kind == "str":
        return value
    if kind == "null" and value in _NULLS:
        return None
    if kind == "bool" and value in _BOOLS:
        return _BOOLS[value]
    if kind == "int" and _INT.fullmatch(value):
        return int(value)
    if kind == "float" and _FLOAT.fullmatch(value):
        return float(value)
    # ruamel makes a date of it, which the loader writes back in ISO form: the same text.
    if kind == "timestamp" and _DATE.fullmatch(value) and dt.date.fromisoformat(value).isoformat() == value:
        return value
    raise _Unsure(value)


def _fast_load(text: str) -> tuple[Any, dict[PathKey, tuple[int, int]]] | None:
    """The plain data and positions ruamel's path would give, or None when not certain."""
    try:
        import yaml
        from yaml import CSafeLoader
    except ImportError:  # PyYAML without libyaml: ruamel it is
        return None
    if _OTHER_BREAKS.search(text):
        # Line breaks in YAML 1.1 (libyaml), ordinary characters in YAML 1.2; and tabs, which
        # libyaml accepts inside plain scalars where ruamel refuses them.
        return None
    positions: dict[PathKey, tuple[int, int]] = {(): (1, 1)}
    try:
        events = yaml.parse(text, Loader=CSafeLoader)
        if not isinstance(next(events), yaml.StreamStartEvent):
            return None
        start = next(events)
        if isinstance(start, yaml.StreamEndEvent):
            return None, positions  # an empty file
        if not isinstance(start, yaml.DocumentStartEvent) or start.explicit or start.version or start.tags:
            return None
        data = _fast_node(events, next(events), (), positions, _Budget())
        if not isinstance(next(events), yaml.DocumentEndEvent) or not isinstance(
            next(events), yaml.StreamEndEvent
        ):
            return None
    except (_Unsure, _TooLarge, yaml.YAMLError, StopIteration, RecursionError, ValueError):
        return None
    return data, positions


def _fast_node(
    events: Iterator[Any],
    event: Any,
    path: PathKey,
    positions: dict[PathKey, tuple[int, int]],
    budget: _Budget,
) -> Any:
    import yaml

    budget.spend(path)
    if getattr(event, "anchor", None) is not None or isinstance(event, yaml.AliasEvent):
        raise _Unsure("anchor")
    if isinstance(event, yaml.ScalarEvent):
        if event.tag is not None:
            raise _Unsure("tag")
        return _text(event.value, path) if event.style else _resolve_plain(event.value)
    if event.tag is not None:
        raise _Unsure("tag")
    if isinstance(event, yaml.MappingStartEvent):
        out: dict[str, Any] = {}
        while not isinstance(key := next(events), yaml.MappingEndEvent):
            if not isinstance(key, yaml.ScalarEvent) or key.anchor is not None or key.tag is not None:
                raise _Unsure("key")
            name = key.value if key.style else _resolve_plain(key.value)
            if not isinstance(name, str) or name in out or name == "<<":
                raise _Unsure("key")
            child = (*path, name)
            positions[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
            out[_text(name, child)] = _fast_node(events, next(events), child, positions, budget)
        return out
    if isinstance(event, yaml.SequenceStartEvent):
        items: list[Any] = []
        while not isinstance(item := next(events), yaml.SequenceEndEvent):
            child = (*path, len(items))
            positions[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_fast_node(events, item, child, positions, budget))
        return items
    raise _Unsure(type(event).__name__)
