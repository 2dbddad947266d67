"""ODCS checks compiled to as few scans as possible; results as data."""

from andmesh.quality.checks import plan_checks, run_checks
from andmesh.quality.results import CheckResult, CheckRun, CheckStatus

__all__ = ["CheckResult", "CheckRun", "CheckStatus", "plan_checks", "run_checks"]
