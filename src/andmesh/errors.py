"""One error hierarchy for andmesh; details live in attributes, not only in messages.

The CLI maps these to exit codes (``exit_code``) and the API to HTTP statuses in one
place each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AndmeshError(Exception):
    """Root of every error andmesh raises on purpose."""

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  fix: {self.hint}"


@dataclass(frozen=True)
class SpecProblem:
    """One problem found in a spec file, located precisely enough to jump to it."""

    file: Path
    line: int | None
    column: int | None
    path: str
    message: str
    hint: str | None = None
    severity: str = "error"
    code: str = "spec"

    def location(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format(self) -> str:
        text = f"{self.location()}: {self.severity}: {self.message}"
        if self.path:
            text += f" (at {self.path})"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
            "code": self.code,
        }


class SpecError(AndmeshError, ValueError):
    """One or more spec files are invalid; ``problems`` lists every one of them."""

    exit_code = 2

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        first = problems[0].format() if problems else "invalid spec"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)


class UsageError(AndmeshError, ValueError):
    """The command or call was used wrongly (unknown product, bad option…)."""

    exit_code = 2


class NotFound(UsageError):
    """What was named does not exist (a product, a proposal, a request…); the API answers 404."""


class EngineError(AndmeshError):
    """The table engine failed while building or checking a product."""

    exit_code = 2

    def __init__(self, message: str, *, product: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.product = product


class DataFileError(AndmeshError):
    """A data file cannot be read as what it claims to be (empty, corrupt, wrong format)."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.file = file


class StorageError(AndmeshError):
    """An output port could not be read or published."""

    exit_code = 2


class ContractViolation(AndmeshError):
    """Data broke its contract's blocking checks; nothing was published."""

    exit_code = 1

    def __init__(self, product: str, failures: list[str]) -> None:
        self.product = product
        self.failures = failures
        super().__init__(f"{product}: {len(failures)} blocking check(s) failed: " + "; ".join(failures[:5]))


class NotPermitted(AndmeshError):
    """The principal may not take this action; nothing changed but an audit entry of the refusal."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        principal: str | None = None,
        action: str | None = None,
        needed: str | None = None,
        holders: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.principal = principal
        self.action = action
        self.needed = needed
        self.holders = holders or []


class WorkspaceFault(StorageError):
    """The workspace itself is in a state andmesh will not work on (see ``andmesh doctor``)."""

    exit_code = 2


class DiskFull(WorkspaceFault):
    """A write failed for lack of space (ENOSPC, EFBIG, EDQUOT); nothing was half-published."""


class ReadOnlyWorkspace(WorkspaceFault):
    """A command that writes was asked of a workspace this process may not write."""


class StoreTooNew(WorkspaceFault):
    """The metadata store was migrated by a newer andmesh than this one."""


class CatalogDamaged(WorkspaceFault):
    """The Iceberg catalog is missing, empty or damaged while the warehouse holds tables."""
