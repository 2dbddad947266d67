"""The rules of `andmesh diff`: every kind of change, how bad it is, the bump it needs.

A contract promises consumers a shape (objects, properties, types, keys) and a set of
valid data (required, unique, accepted values, ranges, lengths, quality thresholds).
The rules follow one principle, spelled out per kind in ``RULES`` and docs/diff.md:

- ``error``: breaks a consumer. Something it reads disappears or changes shape, or the
  contract tightens so that data valid under the old version fails the new one (the
  quality gate would hold back what the old contract published; replays and backfills
  fail). Needs a major version bump.
- ``warning``: the direction cannot be proven from the two contracts (a pattern
  changed, a threshold moved both ways, a classification changed), or a guarantee that
  generic consumer code relies on was dropped (nulls, duplicates). Needs a minor bump.
- ``info``: additions and loosening (minor bump), documentation (patch bump).

This module also holds the comparisons of the walk's leaves, on plain dicts: the
bounds of logicalTypeOptions, accepted-value sets, quality rules and their thresholds,
relationships; and ``report_rest``, which reports whatever no rule covers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from andmesh.quality.operators import OPERATORS


class Severity(StrEnum):
    """How bad a change is for the consumers of a contract."""

    error = "error"
    warning = "warning"
    info = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Bump(StrEnum):
    """A semantic-version bump; ``downgrade`` only ever describes an actual bump."""

    downgrade = "downgrade"
    none = "none"
    patch = "patch"
    minor = "minor"
    major = "major"

    @property
    def rank(self) -> int:
        return {"downgrade": -1, "none": 0, "patch": 1, "minor": 2, "major": 3}[self.value]


@dataclass(frozen=True)
class Rule:
    """One kind of change: its stable code, severity, the bump it needs, and why."""

    kind: str
    severity: Severity
    bump: Bump
    why: str


def _group(severity: Severity, bump: Bump, whys: dict[str, str]) -> dict[str, Rule]:
    return {kind: Rule(kind, severity, bump, why) for kind, why in whys.items()}


# The single place where the severity and bump of every kind are decided; docs/diff.md
# carries the same table (a test keeps the two in step).
RULES: dict[str, Rule] = {
    # What consumers read disappears or changes shape.
    **_group(Severity.error, Bump.major, {
        "contract_id_changed": "consumers and input ports address the contract by its id",
        "object_removed": "queries on the object fail",
        "property_removed": "queries naming it fail (a rename is a removal plus an addition)",
        "type_changed": "readers typed on the old logicalType fail or misread values",
        "physical_type_changed": "the stored type changes under readers (casts, precision, length)",
        "physical_name_changed": "readers address the column or table by its physical name",
        "primary_key_changed": "joins and upserts on the key change meaning",
    }),
    # The set of valid data shrinks: data the old version accepted now fails.
    **_group(Severity.error, Bump.major, {
        "required_added": "data with nulls, valid before, now fails (the issue: required tightened)",
        "unique_added": "data with duplicates, valid before, now fails",
        "valid_values_narrowed": "rows with a value no longer accepted now fail",
        "range_narrowed": "values outside the new bounds now fail",
        "length_narrowed": "values outside the new length or item-count bounds now fail",
        "quality_threshold_narrowed": "the rule accepts strictly fewer measurements: passing data may fail",
    }),
    # The direction cannot be proven, or a guarantee generic code relies on is dropped.
    **_group(Severity.warning, Bump.minor, {
        "type_widened": "integer → number keeps every value, but integer readers may get fractions",
        "required_removed": "valid data only grows, but consumers may now get nulls",
        "unique_removed": "valid data only grows, but consumers may now get duplicates",
        "pattern_added": "whether data valid before matches it cannot be proven",
        "pattern_changed": "two patterns cannot be compared",
        "range_changed": "old and new bounds are not comparable (a number and a date)",
        "type_option_added": "a new format, multipleOf… constraint of unprovable effect",
        "type_option_changed": "a logicalTypeOptions value changed in no provable direction",
        "quality_rule_added": "a new rule may hold back data that passed; its effect is unprovable",
        "quality_rule_changed": "query, unit, severity or arguments changed: direction unknown",
        "quality_threshold_changed": "the accepted measurements moved both ways",
        "classification_changed": "access, masking and retention duties change for consumers",
        "relationship_added": "a new foreign key may hold back data whose references dangle",
        "relationship_removed": "consumers lose a referential guarantee they may join on",
        "relationship_changed": "a foreign key's definition changed",
        "sla_changed": "which way is better depends on the SLA (latency vs retention)",
        "status_changed": "the contract's lifecycle (active, deprecated, retired) changed",
    }),
    # Additions and loosening: every dataset valid before still is.
    **_group(Severity.info, Bump.minor, {
        "object_added": "nothing a consumer reads changes",
        "property_added": "nothing a consumer reads changes, required or not",
        "valid_values_widened": "every value valid before still is (consumers that enumerate should look)",
        "range_widened": "every value valid before still is",
        "length_widened": "every value valid before still is",
        "pattern_removed": "every value valid before still is",
        "type_option_removed": "a constraint was dropped: every value valid before still is",
        "quality_rule_removed": "data that passed still passes",
        "quality_threshold_widened": "the rule accepts strictly more measurements",
        "property_deprecated": "consumers are told to move off it; nothing breaks yet",
    }),
    # Documentation.
    **_group(Severity.info, Bump.patch, {
        "description_changed": "documentation only",
        "metadata_changed": "anything no other rule covers (tags, team, servers…), so no edit goes unseen",
    }),
}  # fmt: skip


class Change(BaseModel):
    """One difference between two versions of a contract, judged for its consumers."""

    severity: Severity = Field(description="`error` breaks consumers, `warning` may, `info` does not.")
    kind: str = Field(description="Stable code of the rule that matched.", examples=["property_removed"])
    path: str = Field(
        description="Where: `<object>.<property>…`; list items by label in brackets.",
        examples=[
            "orders.quantity.logicalTypeOptions.minimum",
            "orders.channel.quality[invalidValues].mustBe",
        ],
    )
    old: Any = Field(None, description="The old value (null when added).")
    new: Any = Field(None, description="The new value (null when removed).")
    message: str = ""


class Changes:
    """Collects changes; the severity always comes from ``RULES``, never from the caller."""

    def __init__(self) -> None:
        self.items: list[Change] = []

    def add(self, kind: str, path: str, old: Any, new: Any, message: str = "") -> None:
        """Record a change; the message defaults to ``<kind in words>: <why it matters>``."""
        rule = RULES[kind]  # an unknown kind is a programming error: fail loudly
        text = message or f"{kind.replace('_', ' ')}: {rule.why}"
        self.items.append(
            Change(severity=rule.severity, kind=kind, path=path, old=old, new=new, message=text)
        )


def show(value: Any) -> str:
    """A value as people read it in YAML and JSON: ``none``, ``web``, ``["web", "edi"]``, ``true``.

    >>> show(None), show("web"), show(["web", 1]), show(True)
    ('none', 'web', '["web", 1]', 'true')
    """
    if value is None:
        return "none"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


# ---------------------------------------------------------------------------- bounds


def comparable(value: Any) -> float | dt.datetime | dt.time | None:
    """A bound as something orderable: numbers, ISO dates and timestamps (UTC), times.

    >>> comparable(3), comparable("2024-01-31"), comparable("12:30")
    (3.0, datetime.datetime(2024, 1, 31, 0, 0, tzinfo=datetime.timezone.utc), datetime.time(12, 30))
    >>> comparable("soon") is None, comparable(True) is None
    (True, True)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Bound:
    """One side of a range: a value, and whether the value itself is excluded."""

    key: str
    value: Any
    exclusive: bool

    def show(self, lower: bool) -> str:
        sign = (">" if self.exclusive else ">=") if lower else ("<" if self.exclusive else "<=")
        return f"{sign} {self.value}"


def tighter(a: Bound, b: Bound, lower: bool) -> int | None:
    """+1 if bound ``a`` admits strictly less than ``b``, -1 if more, 0 if equal, None if incomparable.

    >>> tighter(Bound("minimum", 5, False), Bound("minimum", 1, False), lower=True)
    1
    >>> tighter(Bound("exclusiveMaximum", 10, True), Bound("maximum", 10, False), lower=False)
    1
    >>> tighter(Bound("minimum", 0, False), Bound("minimum", "2024-01-01", False), lower=True) is None
    True
    """
    x, y = comparable(a.value), comparable(b.value)
    if x is None or y is None or type(x) is not type(y):
        return None
    if x == y:
        return (a.exclusive > b.exclusive) - (a.exclusive < b.exclusive)
    above = x > y  # type: ignore[operator]  # same type, checked above
    return 1 if above == lower else -1


def effective_bound(options: dict[str, Any], inclusive: str, exclusive: str, lower: bool) -> Bound | None:
    """The bound that binds when both the inclusive and the exclusive key are set.

    >>> effective_bound({"minimum": 0, "exclusiveMinimum": 0}, "minimum", "exclusiveMinimum", True)
    Bound(key='exclusiveMinimum', value=0, exclusive=True)
    """
    keys = (inclusive, exclusive) if exclusive else (inclusive,)
    candidates = [Bound(k, options[k], k == exclusive) for k in keys if options.get(k) is not None]
    if not candidates:
        return None
    best = candidates[0]
    for other in candidates[1:]:
        if tighter(other, best, lower) == 1:
            best = other
    return best


# ---------------------------------------------------------------------- valid values


def value_set_change(old: list[Any] | None, new: list[Any] | None) -> tuple[list[Any], list[Any]]:
    """Values removed and added; a missing list means "any value".

    >>> value_set_change(["web", "edi", "phone"], ["web", "edi", "chat"])
    (['phone'], ['chat'])
    """
    old_keys = {_key(v) for v in old or []}
    new_keys = {_key(v) for v in new or []}
    removed = [v for v in old or [] if _key(v) not in new_keys]
    added = [v for v in new or [] if _key(v) not in old_keys]
    return removed, added


def _key(value: Any) -> str:
    # 1 and "1" are different values to a consumer; 1 and 1.0 are not.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{type(value).__name__ if not isinstance(value, int | float) else 'num'}:{value}"


# ---------------------------------------------------------------- quality thresholds


@dataclass(frozen=True)
class Interval:
    """The measurements a quality threshold accepts: ``lo``..``hi``, each end open or closed."""

    lo: float = -math.inf
    lo_closed: bool = False
    hi: float = math.inf
    hi_closed: bool = False

    def contains(self, other: Interval) -> bool:
        lo_ok = other.lo > self.lo or (other.lo == self.lo and (self.lo_closed or not other.lo_closed))
        hi_ok = other.hi < self.hi or (other.hi == self.hi and (self.hi_closed or not other.hi_closed))
        return lo_ok and hi_ok


def accepted(threshold: dict[str, Any]) -> Interval | None:
    """The interval of measurements a threshold accepts; None when it is not one interval.

    >>> accepted({"mustBe": 0})
    Interval(lo=0.0, lo_closed=True, hi=0.0, hi_closed=True)
    >>> accepted({"mustBeGreaterThan": 10, "mustBeLessOrEqualTo": 20})
    Interval(lo=10.0, lo_closed=False, hi=20.0, hi_closed=True)
    >>> accepted({"mustNotBe": 0}) is None
    True
    """
    if not threshold:
        return None
    result = Interval()
    for op, bound in threshold.items():
        try:
            if op == "mustBe":
                part = Interval(float(bound), True, float(bound), True)
            elif op == "mustBeGreaterThan":
                part = Interval(lo=float(bound))
            elif op == "mustBeGreaterOrEqualTo":
                part = Interval(lo=float(bound), lo_closed=True)
            elif op == "mustBeLessThan":
                part = Interval(hi=float(bound))
            elif op == "mustBeLessOrEqualTo":
                part = Interval(hi=float(bound), hi_closed=True)
            elif op == "mustBeBetween":
                part = Interval(float(bound[0]), True, float(bound[1]), True)
            else:  # mustNotBe, mustNotBeBetween: a complement, not an interval
                return None
        except (TypeError, ValueError, IndexError):
            return None
        result = _intersect(result, part)
    return result


def _intersect(a: Interval, b: Interval) -> Interval:
    lo, lo_closed = max((a.lo, not a.lo_closed), (b.lo, not b.lo_closed))
    hi, hi_closed = min((a.hi, a.hi_closed), (b.hi, b.hi_closed))
    return Interval(lo, not lo_closed, hi, hi_closed)


def threshold_direction(old: dict[str, Any], new: dict[str, Any]) -> str:
    """``narrowed``, ``widened``, ``same`` or ``changed`` (no provable direction).

    >>> threshold_direction({"mustBeLessThan": 10}, {"mustBe": 0})
    'narrowed'
    >>> threshold_direction({"mustBeGreaterThan": 1000}, {"mustBeGreaterThan": 100})
    'widened'
    >>> threshold_direction({"mustBeBetween": [0, 10]}, {"mustBeBetween": [5, 20]})
    'changed'
    """
    was, now = accepted(old), accepted(new)
    if was is None or now is None:
        return "same" if old == new else "changed"
    if was == now:
        return "same"
    if was.contains(now):
        return "narrowed"
    if now.contains(was):
        return "widened"
    return "changed"


# ------------------------------------------------------------ the leaves of the walk


def dumps(models: Sequence[BaseModel] | None) -> list[dict[str, Any]]:
    return [dump(m) for m in models or []]


def dump(model: BaseModel | None) -> dict[str, Any]:
    """A model as plain data, as written (the models turn some integers into floats: undone)."""
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True) if model is not None else {}
    return {key: _ints(value) for key, value in data.items()}


def _ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def report_rest(old: dict[str, Any], new: dict[str, Any], path: str, handled: set[str], out: Changes) -> None:
    """Whatever no specific rule covers still shows up, as ``metadata_changed`` (mappings: per key)."""
    for key in sorted((set(old) | set(new)) - handled):
        was, now, where = old.get(key), new.get(key), f"{path}.{key}" if path else key
        if isinstance(was, dict) and isinstance(now, dict):
            report_rest(was, now, where, set(), out)
        elif was != now:
            out.add(
                "metadata_changed", where, was, now, f"{key} changed (documentation, ownership or metadata)"
            )


def by_label(
    items: list[dict[str, Any]], label: Callable[[dict[str, Any]], str]
) -> dict[str, dict[str, Any]]:
    """List items keyed by a label; a repeated label gets `#2`, `#3`… in document order."""
    keyed: dict[str, dict[str, Any]] = {}
    for item in items:
        name, n = label(item), 1
        while name in keyed:
            n += 1
            name = f"{label(item)}#{n}"
        keyed[name] = item
    return keyed


def union(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Keys of both, in the old document's order, then the new one's additions."""
    return [*a, *(k for k in b if k not in a)]


def pick(kind: str, a: Any, b: Any) -> str:
    """``<kind>_added`` / ``_removed`` / ``_changed`` by which side is missing."""
    return f"{kind}_{'added' if a is None else 'removed' if b is None else 'changed'}"


# logicalTypeOptions bounds: inclusive key, exclusive key (if any), lower bound?, rule family
_BOUNDS = (
    ("minimum", "exclusiveMinimum", True, "range"),
    ("maximum", "exclusiveMaximum", False, "range"),
    ("minLength", "", True, "length"),
    ("maxLength", "", False, "length"),
    ("minItems", "", True, "length"),
    ("maxItems", "", False, "length"),
    ("minProperties", "", True, "length"),
    ("maxProperties", "", False, "length"),
)


def compare_type_options(old: dict[str, Any], new: dict[str, Any], path: str, out: Changes) -> None:
    """logicalTypeOptions: bounds judged by direction, the pattern, and any other option."""
    for spec in _BOUNDS:
        _compare_bound(old, new, spec, path, out)
    _compare_pattern(old.get("pattern"), new.get("pattern"), f"{path}.pattern", out)
    seen = {"pattern", *(key for spec in _BOUNDS for key in spec[:2] if key)}
    for key in sorted((set(old) | set(new)) - seen):
        was, now = old.get(key), new.get(key)
        if was != now:
            out.add(pick("type_option", was, now), f"{path}.{key}", was, now)


def _compare_bound(
    old: dict[str, Any], new: dict[str, Any], spec: tuple[str, str, bool, str], path: str, out: Changes
) -> None:
    inclusive, exclusive, lower, family = spec
    a = effective_bound(old, inclusive, exclusive, lower)
    b = effective_bound(new, inclusive, exclusive, lower)
    ref = b or a
    if ref is None:
        return
    where = f"{path}.{ref.key}"
    direction = tighter(b, a, lower) if a and b else (1 if b else -1)
    if direction == 0:  # the same bound, written differently (both minimum and exclusiveMinimum set)
        if old.get(inclusive) != new.get(inclusive) or old.get(exclusive) != new.get(exclusive):
            out.add("metadata_changed", where, old.get(ref.key), new.get(ref.key))
        return
    text = f"{ref.key}: {a.show(lower) if a else 'none'} → {b.show(lower) if b else 'none'}"
    was: Any = a.value if a else None
    now: Any = b.value if b else None
    if a and b and a.key != b.key:  # minimum 0 → exclusiveMinimum 0: show ">= 0" → "> 0"
        was, now = a.show(lower), b.show(lower)
    if direction is None:
        out.add("range_changed", where, was, now, f"{text}: not comparable")
    elif direction > 0:
        out.add(f"{family}_narrowed", where, was, now, f"{text}: values valid before may now fail")
    else:
        out.add(f"{family}_widened", where, was, now, text)


def _listed(values: list[Any]) -> str:
    return ", ".join(show(v) for v in values)


def _compare_pattern(old: Any, new: Any, path: str, out: Changes) -> None:
    if old != new:
        out.add(pick("pattern", old, new), path, old, new)


def compare_values(old: list[Any] | None, new: list[Any] | None, path: str, out: Changes) -> bool:
    """Accepted values (``None``: any value); whether the accepted set changed."""
    removed, added = value_set_change(old, new)
    if new is not None and (old is None or removed):
        text = (
            "values restricted to a list: others now fail"
            if old is None
            else f"no longer accepted: {_listed(removed)}"
        )
        text += f"; newly accepted: {_listed(added)}" if added and old is not None else ""
        out.add("valid_values_narrowed", path, old, new, text)
    elif old is not None and (new is None or added):
        text = f"newly accepted: {_listed(added)}" if new is not None else "any value accepted"
        out.add("valid_values_widened", path, old, new, text)
    else:
        return False
    return True


# what a rule measures and how it judges; the rest of a rule is documentation
_RULE_SEMANTICS = ("metric", "type", "unit", "severity", "query", "engine", "implementation", "method")
# the standard's defaults, so that `severity: error` written out is not a change
_RULE_DEFAULTS = {"type": "library", "unit": "rows", "severity": "error"}


def _rule_label(rule: dict[str, Any]) -> str:
    return str(next((rule[k] for k in ("id", "name", "metric", "type") if rule.get(k)), "rule"))


def _normal_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule with the standard's defaults filled in and the deprecated `rule` key as `metric`."""
    rule = dict(rule)
    if "rule" in rule:
        rule.setdefault("metric", rule.pop("rule"))
    defaults = _RULE_DEFAULTS if rule.get("type", "library") == "library" else {"severity": "error"}
    return {**defaults, **rule}


def compare_quality(
    olds: list[dict[str, Any]], news: list[dict[str, Any]], prefix: str, out: Changes
) -> None:
    was = by_label([_normal_rule(r) for r in olds], _rule_label)
    now = by_label([_normal_rule(r) for r in news], _rule_label)
    for label in union(was, now):
        a, b, path = was.get(label), now.get(label), f"{prefix}[{label}]"
        if a is not None and b is not None:
            _compare_rule(a, b, path, out)
            continue
        values = ((a or b or {}).get("arguments") or {}).get("validValues")
        if values is not None:  # an accepted-values rule added or dropped narrows or widens the values
            compare_values(values if a else None, values if b else None, f"{path}.arguments.validValues", out)
        else:
            out.add(pick("quality_rule", a, b), path, _summary(a), _summary(b))


def _summary(rule: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a rule checks, without the defaults `_normal_rule` filled in."""
    if rule is None:
        return None
    keep = {*_RULE_SEMANTICS, *OPERATORS, "arguments"}
    return {k: v for k, v in rule.items() if k in keep and _RULE_DEFAULTS.get(k) != v}


def _compare_rule(old: dict[str, Any], new: dict[str, Any], path: str, out: Changes) -> None:
    old_args, new_args = old.get("arguments") or {}, new.get("arguments") or {}
    compare_values(
        old_args.get("validValues"), new_args.get("validValues"), f"{path}.arguments.validValues", out
    )
    _compare_pattern(old_args.get("pattern"), new_args.get("pattern"), f"{path}.arguments.pattern", out)
    for key in union(old_args, new_args):
        if key not in ("validValues", "pattern") and old_args.get(key) != new_args.get(key):
            out.add("quality_rule_changed", f"{path}.arguments.{key}", old_args.get(key), new_args.get(key))
    moved = [k for k in _RULE_SEMANTICS if old.get(k) != new.get(k)]
    for key in moved:
        out.add("quality_rule_changed", f"{path}.{key}", old.get(key), new.get(key))
    was = {op: old[op] for op in OPERATORS if old.get(op) is not None}
    now = {op: new[op] for op in OPERATORS if new.get(op) is not None}
    if was != now:
        # with another metric, unit or query the same numbers mean something else
        direction = "changed" if moved else threshold_direction(was, now)
        ops = {*was, *now}
        where = f"{path}.{ops.pop()}" if len(ops) == 1 else path
        kind = "metadata_changed" if direction == "same" else f"quality_threshold_{direction}"
        out.add(kind, where, was, now)
    if old.get("description") != new.get("description"):
        out.add("description_changed", f"{path}.description", old.get("description"), new.get("description"))
    report_rest(old, new, path, {*_RULE_SEMANTICS, *OPERATORS, "arguments", "description"}, out)


def _relationship_label(rel: dict[str, Any]) -> str:
    ends = [",".join(e) if isinstance(e, list) else str(e) for e in (rel.get("from"), rel.get("to")) if e]
    return str(rel.get("id") or " -> ".join(ends))


def compare_relationships(
    olds: list[dict[str, Any]], news: list[dict[str, Any]], prefix: str, out: Changes
) -> None:
    was, now = by_label(olds, _relationship_label), by_label(news, _relationship_label)
    for label in union(was, now):
        a, b = was.get(label), now.get(label)
        if a != b:
            out.add(pick("relationship", a, b), f"{prefix}[{label}]", a, b)
