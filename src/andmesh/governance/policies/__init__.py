"""Policies as code: built-in rules, user rules in Python or SQL, evaluated on lint and run."""

from andmesh.governance.policies.builtin import BUILTINS, PolicyContext
from andmesh.governance.policies.evaluate import effective_policies, evaluate_policies
from andmesh.governance.policies.results import DomainCompliance, PolicyReport, PolicyResult

__all__ = [
    "BUILTINS",
    "DomainCompliance",
    "PolicyContext",
    "PolicyReport",
    "PolicyResult",
    "effective_policies",
    "evaluate_policies",
]
