"""What every score method offers: declared inputs, a config, ``fit`` and ``score``.

A method takes plain Arrow tables by *role* (``features``, ``labels``,
``transactions``, ``risk``) and, per role, an optional mapping from its input names to
the table's column names, so a Score spec can point it at any product of the same
shape. Methods that learn nothing (financial health) accept ``fit`` as a no-op.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import BaseModel

from andmesh.enterprise.scores.inputs import Column, ScoreInputError, bind
from andmesh.enterprise.scores.results import ScoreOutput
from andmesh.spec.suggest import hint_for

Columns = Mapping[str, Mapping[str, str]]

#: Runs one query (DuckDB's dialect) on the session that holds a role's query tables.
Run = Callable[[str], pa.Table]


@dataclass(frozen=True)
class EngineSummary:
    """How a method reads one role already aggregated by the engine (see :meth:`ScoreMethod.engine_summary`).

    ``build(run, items_sql, schema, mapping)`` runs its own queries over the role's (guarded)
    SQL and returns the table the method reads in place of the rows (None: this query has no
    summary, read its rows); two summaries with the same ``key`` are the same table.
    """

    key: str
    build: Callable[[Run, str, pa.Schema, Mapping[str, str] | None], pa.Table | None]


class ScoreMethod(ABC):
    """Base of the score methods; subclasses set the class attributes and the three hooks."""

    name: ClassVar[str]
    title: ClassVar[str]
    version: ClassVar[str]
    higher_is_better: ClassVar[bool]
    config_model: ClassVar[type[BaseModel]]
    #: Roles ``fit`` needs (empty: nothing to learn).
    fit_roles: ClassVar[tuple[str, ...]] = ()
    #: Roles ``score`` needs; optional roles are listed in :meth:`inputs` but not here.
    score_roles: ClassVar[tuple[str, ...]] = ("features",)
    #: Roles the method can read as an engine summary (:meth:`engine_summary`) instead of rows.
    summary_roles: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: BaseModel | Mapping[str, Any] | None = None) -> None:
        if config is None:
            config = self.config_model()
        elif not isinstance(config, BaseModel):
            config = self.config_model.model_validate(dict(config))
        self.config = config
        self.fitted = not self.fit_roles

    @abstractmethod
    def inputs(self) -> dict[str, tuple[Column, ...]]:
        """Input columns by table role."""

    def bind(self, role: str, table: pa.Table | None, columns: Columns | None = None) -> pa.Table:
        """``table`` as this method's ``role`` input, mapped and type-checked."""
        spec = self.inputs()
        if role not in spec:
            raise ScoreInputError(
                f"{self.name} has no input table `{role}`",
                table=role,
                column="",
                hint=hint_for(role, spec, "input tables"),
            )
        if table is None:
            raise ScoreInputError(
                f"{self.name} needs the `{role}` table",
                table=role,
                column="",
                hint=f"pass {role}=<pyarrow table>",
            )
        return bind(table, spec[role], role, (columns or {}).get(role))

    def fit(self, columns: Columns | None = None, **tables: pa.Table) -> ScoreMethod:
        """Learn the method's parameters from the tables of :attr:`fit_roles`."""
        self._check_roles(tables, self.fit_roles, columns)
        if self.fit_roles:
            self._fit({role: self.bind(role, t, columns) for role, t in tables.items()})
            self.fitted = True
        return self

    def score(self, columns: Columns | None = None, **tables: pa.Table) -> ScoreOutput:
        """Score every customer of the ``features`` (or ``transactions``) table."""
        if not self.fitted:
            raise ScoreInputError(
                f"{self.name} is not fitted",
                table="",
                column="",
                hint=f"call fit({', '.join(self.fit_roles)}) first",
            )
        self._check_roles(tables, self.score_roles, columns)
        started = time.perf_counter()
        bound = {role: self.bind(role, t, columns) for role, t in tables.items()}
        out = self._score(bound)
        out.seconds = round(time.perf_counter() - started, 3)
        return out

    def _check_roles(
        self, tables: Mapping[str, pa.Table], needed: tuple[str, ...], columns: Columns | None
    ) -> None:
        known = self.inputs()
        for role in [*tables, *(columns or {})]:
            if role not in known:
                raise ScoreInputError(
                    f"{self.name} has no input table `{role}`",
                    table=role,
                    column="",
                    hint=hint_for(role, known, "input tables"),
                )
        for role in needed:
            if role not in tables:
                raise ScoreInputError(
                    f"{self.name} needs the `{role}` table",
                    table=role,
                    column="",
                    hint=f"pass {role}=<pyarrow table> with columns "
                    + ", ".join(c.name for c in known[role] if c.required),
                )

    def engine_summary(self, role: str, *, fit: bool) -> EngineSummary | None:
        """The engine form of ``role`` for a fit (or a scoring), when the method has one.

        A role of :attr:`summary_roles` whose rows come from SQL is then aggregated by the
        engine, under its memory limit, and only the summary reaches Python.
        """
        return None

    def _fit(self, tables: dict[str, pa.Table]) -> None:  # pragma: no cover - overridden when needed
        return None

    @abstractmethod
    def _score(self, tables: dict[str, pa.Table]) -> ScoreOutput:
        """Score the bound tables."""


__all__ = ["Columns", "EngineSummary", "Run", "ScoreMethod"]
