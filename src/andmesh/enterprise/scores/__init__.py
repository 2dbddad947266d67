"""Enterprise scores: the methods that compute each score, their validation and monitoring.

Three methods, registered by name (:mod:`~andmesh.enterprise.scores.registry`, lazy
imports): ``credit_risk_scorecard`` (optbinning WoE scorecard: PD, points, reason
codes), ``financial_health`` (0–100 from payment behaviour, components visible) and
``lifetime_value_bgnbd`` (BG/NBD + Gamma-Gamma, discounted, risk-adjusted). Each takes
plain Arrow tables by role and returns a :class:`ScoreOutput`.

>>> from andmesh.enterprise.scores import create
>>> create("financial_health").inputs()["features"][1].name
'days_beyond_terms'
"""

from __future__ import annotations

from andmesh.enterprise.scores.base import ScoreMethod
from andmesh.enterprise.scores.inputs import Column, ScoreInputError
from andmesh.enterprise.scores.registry import METHODS, create, get_method, register
from andmesh.enterprise.scores.results import (
    CalibrationBin,
    CustomerScore,
    DriftAlert,
    PsiBin,
    PsiReport,
    RankReport,
    ReasonCode,
    ScoreOutput,
    ValidationReport,
)

__all__ = [
    "METHODS",
    "CalibrationBin",
    "Column",
    "CustomerScore",
    "DriftAlert",
    "PsiBin",
    "PsiReport",
    "RankReport",
    "ReasonCode",
    "ScoreInputError",
    "ScoreMethod",
    "ScoreOutput",
    "ValidationReport",
    "create",
    "get_method",
    "register",
]
