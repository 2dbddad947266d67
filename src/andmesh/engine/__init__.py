"""Engines behind one small interface (Ibis: DuckDB by default, PySpark for scale)."""

from __future__ import annotations

from andmesh.engine.base import Engine, EngineSession
from andmesh.errors import UsageError
from andmesh.spec.suggest import hint_for

ENGINES = ("duckdb", "spark")


def get_engine(name: str) -> Engine:
    """The engine called ``name``; heavy engines are imported only when asked for."""
    if name == "duckdb":
        from andmesh.engine.duckdb import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        from andmesh.engine.spark import SparkEngine

        return SparkEngine()
    raise UsageError(f"unknown engine `{name}`", hint=hint_for(name, ENGINES, "engines"))


__all__ = ["ENGINES", "Engine", "EngineSession", "get_engine"]
