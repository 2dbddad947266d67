"""Printing helpers shared by commands: JSON output, errors with their fix, exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from andmesh.errors import AndmeshError, SpecError

if TYPE_CHECKING:
    from rich.progress import Progress

# Piped output (CI logs, `make demo`) would default to 80 columns and fold product ids.
_WIDTH = None if sys.stdout.isatty() else 132
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=_WIDTH)
T = TypeVar("T")


def progress_bar(*, disable: bool = False, transient: bool = False) -> Progress:
    """The progress bar long commands show: what is being done, a bar, n/total, time."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=disable,
        transient=transient,
    )


def model_json(value: Any) -> str:
    """A pydantic model as indented JSON. Text read from a file may hold lone surrogates (a YAML
    escape such as ``"\\ud800"``), which UTF-8 cannot encode: those are written as JSON ``\\u``
    escapes instead of failing, so the output stays valid JSON and loses nothing."""
    from pydantic_core import PydanticSerializationError

    try:
        return str(value.model_dump_json(indent=2))
    except PydanticSerializationError:
        return json.dumps(value.model_dump(mode="json"), indent=2, ensure_ascii=True)


def print_json(value: Any) -> None:
    """Machine-readable output for ``--json``: pydantic models and plain data alike."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        text = model_json(value)
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
        text = json.dumps([v.model_dump(mode="json") for v in value], indent=2)
    else:
        text = json.dumps(value, indent=2, default=str)
    sys.stdout.write(text + "\n")


@contextmanager
def handled() -> Iterator[None]:
    """Turn andmesh errors into a readable message and the matching exit code."""
    try:
        yield
    except SpecError as exc:
        for problem in exc.problems:
            err_console.print(problem.format(), markup=False, highlight=False, soft_wrap=True)
        err_console.print(f"[red]{len(exc.problems)} problem(s) in the specs[/red]")
        raise typer.Exit(exc.exit_code) from exc
    except AndmeshError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}", highlight=False, soft_wrap=True)
        if exc.hint:
            err_console.print(f"  [yellow]fix:[/yellow] {exc.hint}", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from exc


def call(func: Callable[[], T]) -> T:
    with handled():
        return func()
