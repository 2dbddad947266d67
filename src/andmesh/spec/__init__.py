"""Spec models, YAML loading and lint (pure: no engine, CLI or web imports)."""

from andmesh.spec.loader import LintReport, lint_mesh, load_mesh
from andmesh.spec.mesh import Contract, Domain, Mesh, OutputPort, Product

__all__ = ["Contract", "Domain", "LintReport", "Mesh", "OutputPort", "Product", "lint_mesh", "load_mesh"]
