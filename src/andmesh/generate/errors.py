"""Errors the generator raises on purpose (all ``ValueError`` subclasses via UsageError)."""

from __future__ import annotations

from pathlib import Path

from andmesh.errors import UsageError


class GeneratorArgumentError(UsageError):
    """An argument of :func:`generate_order_to_cash` is out of range or of the wrong type."""

    def __init__(self, argument: str, value: object, expected: str) -> None:
        super().__init__(f"{argument} must be {expected}, got {value!r}")
        self.argument = argument
        self.value = value
        self.expected = expected


class OutputExistsError(UsageError):
    """The output folder is not empty and ``overwrite`` was not set."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"output folder {path} is not empty; refusing to overwrite it",
            hint="choose an empty or new folder, or pass overwrite=True (CLI: --overwrite)",
        )
        self.path = path
