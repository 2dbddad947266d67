"""`andmesh diff`: what changed between two versions of a contract, what breaks its
consumers, and whether the version bump says so.

``diff_contracts(old, new)`` walks both ODCS models (contract, objects, properties with
their nested properties, items and map values) and judges every difference with the
rules of ``andmesh.quality.diff_rules``; ``diff_files`` does the same for two YAML
files and reports every spec problem of both at once. The result is a ``ContractDiff``:
printed as a table, returned as JSON, turned into an exit code for CI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from open_data_contract_standard.model import OpenDataContractStandard, SchemaObject, SchemaProperty
from pydantic import BaseModel, Field, computed_field

from andmesh.errors import SpecError, SpecProblem, UsageError
from andmesh.quality.diff_rules import (
    RULES,
    Bump,
    Change,
    Changes,
    Rule,
    Severity,
    by_label,
    compare_quality,
    compare_relationships,
    compare_type_options,
    compare_values,
    dump,
    dumps,
    report_rest,
    union,
)
from andmesh.spec.contract import validate_contract
from andmesh.spec.yamlsource import YamlDocument, load_yaml

__all__ = [
    "RULES",
    "Bump",
    "Change",
    "ContractDiff",
    "Rule",
    "SemVer",
    "Severity",
    "diff_contracts",
    "diff_files",
    "load_contract",
    "parse_semver",
    "version_bump",
]


# ---------------------------------------------------------------------------- result


class ContractDiff(BaseModel):
    """Every change between two versions of a contract, and the verdict on the version bump."""

    contract_id: str | None = Field(None, description="The new version's contract id.")
    old_version: str
    new_version: str
    changes: list[Change] = Field(default_factory=list, description="Errors first, then warnings, then info.")
    required_bump: Bump = Field(description="The smallest bump the changes call for.")
    actual_bump: Bump = Field(
        description="The bump from old_version to new_version (`downgrade` if it went down)."
    )
    bump_ok: bool = Field(description="The actual bump is at least the required one (and not a downgrade).")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def breaking(self) -> bool:
        """Whether any change breaks consumers (severity ``error``)."""
        return any(c.severity == Severity.error for c in self.changes)

    @property
    def blocking(self) -> bool:
        """A breaking change the version does not announce: ``andmesh diff`` exits 1."""
        return self.breaking and not self.bump_ok

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> str:
        """One line for people: what the changes need and whether the version says so."""
        step = f"{self.old_version} → {self.new_version} is {_bump_words(self.actual_bump)}"
        if self.breaking:
            if self.bump_ok:
                return f"breaking, announced: {step}"
            return f"breaking: needs a major version bump: {step}"
        if not self.changes:
            return f"no changes: {step}" if self.bump_ok else f"no changes, but the version goes down: {step}"
        if self.bump_ok:
            return f"not breaking: {step} (needs {self.required_bump.value})"
        return f"not breaking, but the changes call for a {self.required_bump.value} version bump: {step}"

    def counts(self) -> dict[str, int]:
        return {s.value: sum(1 for c in self.changes if c.severity == s) for s in Severity}


def _bump_words(bump: Bump) -> str:
    return {Bump.downgrade: "a downgrade", Bump.none: "the same version"}.get(bump, bump.value)


# ---------------------------------------------------------------------------- semver

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@dataclass(frozen=True)
class SemVer:
    """A semantic version (semver.org 2.0.0); build metadata is kept but never compared."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = ""

    def precedence(self) -> tuple[Any, ...]:
        """Sort key: a release outranks its prereleases; numeric identifiers sort numerically."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, (0, *pre) if pre else (1,))


def parse_semver(text: Any, where: str = "version") -> SemVer:
    """Parse ``MAJOR.MINOR.PATCH[-prerelease][+build]``; anything else is a usage error.

    >>> parse_semver("1.4.0-rc.2+build.7")
    SemVer(major=1, minor=4, patch=0, prerelease=('rc', '2'), build='build.7')
    >>> parse_semver("1.4")
    Traceback (most recent call last):
    ...
    andmesh.errors.UsageError: version '1.4' is not a semantic version (MAJOR.MINOR.PATCH)
      fix: write `version` as MAJOR.MINOR.PATCH, e.g. 1.2.0 (semver.org)
    """
    match = _SEMVER.match(str(text)) if text is not None else None
    if match is None:
        raise UsageError(
            f"{where} {text!r} is not a semantic version (MAJOR.MINOR.PATCH)",
            hint="write `version` as MAJOR.MINOR.PATCH, e.g. 1.2.0 (semver.org)",
        )
    major, minor, patch, pre, build = match.groups()
    return SemVer(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else (), build or "")


def version_bump(old: str, new: str) -> Bump:
    """The bump from ``old`` to ``new``: the highest of major, minor, patch that went up.

    Equal precedence is ``none`` (build metadata is ignored), lower is ``downgrade``;
    the same MAJOR.MINOR.PATCH with a later prerelease (``2.0.0-rc.1`` → ``2.0.0``)
    counts as ``patch``.

    >>> [version_bump("1.2.3", v).value for v in ("2.0.0", "1.3.0", "1.2.4", "1.2.3+b2", "1.2.2")]
    ['major', 'minor', 'patch', 'none', 'downgrade']
    >>> version_bump("2.0.0-rc.1", "2.0.0").value, version_bump("0.9.9", "1.0.0-rc.1").value
    ('patch', 'major')
    """
    a, b = parse_semver(old, "old version"), parse_semver(new, "new version")
    if b.precedence() < a.precedence():
        return Bump.downgrade
    if b.precedence() == a.precedence():
        return Bump.none
    if b.major != a.major:
        return Bump.major
    if b.minor != a.minor:
        return Bump.minor
    return Bump.patch


def required_bump(changes: list[Change]) -> Bump:
    """The largest bump any change calls for (``none`` without changes)."""
    return max((RULES[c.kind].bump for c in changes), key=lambda b: b.rank, default=Bump.none)


# -------------------------------------------------------------------------- the walk


def diff_contracts(old: OpenDataContractStandard, new: OpenDataContractStandard) -> ContractDiff:
    """Every change from ``old`` to ``new``, judged, and the verdict on the version bump.

    Raises ``UsageError`` if either version is not a semantic version.
    """
    parse_semver(old.version, "the old contract's version")
    parse_semver(new.version, "the new contract's version")
    old_version, new_version = str(old.version), str(new.version)
    out = Changes()
    _compare_contract(old, new, out)
    changes = sorted(out.items, key=lambda c: c.severity.rank)  # stable: document order within a severity
    needed = required_bump(changes)
    actual = version_bump(old_version, new_version)
    return ContractDiff(
        contract_id=new.id,
        old_version=old_version,
        new_version=new_version,
        changes=changes,
        required_bump=needed,
        actual_bump=actual,
        bump_ok=actual is not Bump.downgrade and actual.rank >= needed.rank,
    )


def _compare_contract(old: OpenDataContractStandard, new: OpenDataContractStandard, out: Changes) -> None:
    if old.id != new.id:
        out.add("contract_id_changed", "id", old.id, new.id)
    if old.status != new.status:
        out.add("status_changed", "status", old.status, new.status)
    was, now = dump(old.description), dump(new.description)
    for key in union(was, now):
        if was.get(key) != now.get(key):
            kind = "description_changed" if key in ("purpose", "usage", "limitations") else "metadata_changed"
            out.add(kind, f"description.{key}", was.get(key), now.get(key), f"description {key} reworded")
    slas = [by_label([dump(s) for s in c.slaProperties or []], _sla_label) for c in (old, new)]
    for label in union(*slas):
        a, b = slas[0].get(label), slas[1].get(label)
        if a != b:
            out.add("sla_changed", f"slaProperties[{label}]", _sla_value(a), _sla_value(b))
    objects = [{o.name or f"#{i}": o for i, o in enumerate(c.schema_ or [])} for c in (old, new)]
    for name in union(*objects):
        a_obj, b_obj = objects[0].get(name), objects[1].get(name)
        if b_obj is None:
            out.add("object_removed", name, name, None)
        elif a_obj is None:
            out.add("object_added", name, None, name)
        else:
            _compare_object(a_obj, b_obj, name, out)
    report_rest(dump(old), dump(new), "", _CONTRACT_FIELDS, out)


def _sla_label(sla: dict[str, Any]) -> str:
    return str(sla.get("id") or ".".join(str(sla[k]) for k in ("property", "element") if sla.get(k)))


def _sla_value(sla: dict[str, Any] | None) -> str | None:
    return None if sla is None else f"{sla.get('value')} {sla.get('unit', '')}".strip()


def _primary_key(obj: SchemaObject) -> list[str]:
    """Key columns in key order; positions are 1-based, a key without one comes last."""
    props = enumerate(obj.properties or [])
    keyed = [(p.primaryKeyPosition or 0, i, p.name or f"#{i}") for i, p in props if p.primaryKey]
    return [name for _, _, name in sorted(keyed, key=lambda k: (k[0] < 1, k[0], k[1]))]


_CONTRACT_FIELDS = {"version", "id", "status", "description", "slaProperties", "schema"}
_OBJECT_FIELDS = {
    "name",
    "description",
    "physicalName",
    "physicalType",
    "properties",
    "quality",
    "relationships",
}


def _compare_object(old: SchemaObject, new: SchemaObject, path: str, out: Changes) -> None:
    _compare_common(old, new, path, out)
    old_key, new_key = _primary_key(old), _primary_key(new)
    if old_key != new_key:
        out.add("primary_key_changed", f"{path}.primaryKey", old_key or None, new_key or None)
    _compare_properties(_named(old.properties), _named(new.properties), path, out)
    compare_quality(dumps(old.quality), dumps(new.quality), f"{path}.quality", out)
    compare_relationships(dumps(old.relationships), dumps(new.relationships), f"{path}.relationships", out)
    report_rest(dump(old), dump(new), path, _OBJECT_FIELDS, out)


def _compare_common(
    old: SchemaObject | SchemaProperty, new: SchemaObject | SchemaProperty, path: str, out: Changes
) -> None:
    """What objects and properties share: physicalType, physicalName, description."""
    if _norm_type(old.physicalType) != _norm_type(new.physicalType):
        out.add("physical_type_changed", f"{path}.physicalType", old.physicalType, new.physicalType)
    if old.physicalName != new.physicalName:
        out.add("physical_name_changed", f"{path}.physicalName", old.physicalName, new.physicalName)
    if old.description != new.description:
        out.add("description_changed", f"{path}.description", old.description, new.description, "reworded")


def _norm_type(text: str | None) -> str | None:
    # `VARCHAR(10)` and `varchar( 10 )` are the same physical type
    return re.sub(r"\s+", "", text).casefold() if text else None


def _named(props: list[SchemaProperty] | None) -> dict[str, SchemaProperty]:
    return {p.name or f"#{i}": p for i, p in enumerate(props or [])}


def _children(prop: SchemaProperty) -> dict[str, SchemaProperty]:
    """Nested properties of an object, an array's items, a map's key and value."""
    children = _named(prop.properties)
    if prop.items is not None:
        children["items"] = prop.items
    for side in ("key", "value"):
        child = getattr(prop.map, side, None)
        if child is not None:
            children[f"map.{side}"] = child
    return children


def _compare_properties(
    olds: dict[str, SchemaProperty], news: dict[str, SchemaProperty], prefix: str, out: Changes
) -> None:
    removed = [n for n in olds if n not in news]
    added = [n for n in news if n not in olds]
    rename = ""
    if len(removed) == 1 and len(added) == 1 and olds[removed[0]].logicalType == news[added[0]].logicalType:
        rename = f" (renamed to {added[0]}? to consumers a rename is a removal plus an addition)"
    for name in union(olds, news):
        a, b, path = olds.get(name), news.get(name), f"{prefix}.{name}"
        if b is None:
            out.add("property_removed", path, name, None, f"property removed: queries naming it fail{rename}")
        elif a is None:
            out.add(
                "property_added",
                path,
                None,
                name,
                f"{'required' if b.required else 'optional'} property added",
            )
        else:
            _compare_property(a, b, path, out)


_PROPERTY_FIELDS = {
    *("name", "logicalType", "physicalType", "physicalName", "required", "unique", "primaryKey"),
    *("primaryKeyPosition", "classification", "deprecated", "description", "logicalTypeOptions", "enum"),
    *("quality", "relationships", "properties", "items", "map"),
}


def _compare_property(old: SchemaProperty, new: SchemaProperty, path: str, out: Changes) -> None:
    if old.logicalType != new.logicalType:
        widened = (old.logicalType, new.logicalType) == ("integer", "number")
        out.add(
            "type_widened" if widened else "type_changed",
            f"{path}.logicalType",
            old.logicalType,
            new.logicalType,
        )
    _compare_common(old, new, path, out)
    for flag, what in (("required", "nulls"), ("unique", "duplicates")):
        was, now = bool(getattr(old, flag)), bool(getattr(new, flag))
        if was != now:
            detail = f"data with {what}, valid before, now fails" if now else f"consumers may now get {what}"
            out.add(
                f"{flag}_{'added' if now else 'removed'}", f"{path}.{flag}", was, now, f"{flag}: {detail}"
            )
    if (old.classification or "").casefold() != (new.classification or "").casefold():
        out.add("classification_changed", f"{path}.classification", old.classification, new.classification)
    if bool(old.deprecated) != bool(new.deprecated):
        kind = "property_deprecated" if new.deprecated else "metadata_changed"
        out.add(kind, f"{path}.deprecated", old.deprecated, new.deprecated)
    compare_type_options(
        old.logicalTypeOptions or {}, new.logicalTypeOptions or {}, f"{path}.logicalTypeOptions", out
    )
    was_enum = [e.value for e in old.enum] if old.enum else None
    now_enum = [e.value for e in new.enum] if new.enum else None
    if not compare_values(was_enum, now_enum, f"{path}.enum", out) and dumps(old.enum) != dumps(new.enum):
        out.add("metadata_changed", f"{path}.enum", dumps(old.enum), dumps(new.enum), "enum labels changed")
    compare_quality(dumps(old.quality), dumps(new.quality), f"{path}.quality", out)
    compare_relationships(dumps(old.relationships), dumps(new.relationships), f"{path}.relationships", out)
    _compare_properties(_children(old), _children(new), path, out)
    report_rest(dump(old), dump(new), path, _PROPERTY_FIELDS, out)


# ---------------------------------------------------------------------------- files


def _load(path: Path) -> tuple[YamlDocument | None, OpenDataContractStandard | None, list[SpecProblem]]:
    doc = load_yaml(path)
    if isinstance(doc, SpecProblem):
        return None, None, [doc]
    model, problems = validate_contract(doc)
    return doc, model, problems


def load_contract(path: Path) -> OpenDataContractStandard:
    """Load and validate one ODCS contract; ``SpecError`` with every located problem."""
    _, model, problems = _load(path)
    if model is None:
        raise SpecError(problems)
    return model


def diff_files(old_path: Path, new_path: Path) -> ContractDiff:
    """``diff_contracts`` on two contract files.

    Every problem of both files is reported at once (``SpecError``); a version that is
    not semver is a ``UsageError`` that names the file and line.
    """
    loaded = [_load(old_path), _load(new_path)]
    problems = [p for _, _, found in loaded for p in found]
    if problems:
        raise SpecError(problems)
    for doc, model in ((d, m) for d, m, _ in loaded):
        assert doc is not None and model is not None  # no problems: both loaded
        line, _ = doc.locate(("version",))
        parse_semver(model.version, f"{doc.file}:{line}: version")
    old, new = (m for _, m, _ in loaded)
    assert old is not None and new is not None
    return diff_contracts(old, new)
