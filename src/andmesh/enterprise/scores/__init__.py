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

from typing import TYPE_CHECKING

from andmesh.lazy import lazy_getattr

if TYPE_CHECKING:
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

# Loaded on first use: a no-op `andmesh run` imports ``scores.fingerprint`` through this
# package, and must not pull pyarrow and numpy with it (issue 12).
_LAZY = {
    "ScoreMethod": "andmesh.enterprise.scores.base",
    "Column": "andmesh.enterprise.scores.inputs",
    "ScoreInputError": "andmesh.enterprise.scores.inputs",
    "METHODS": "andmesh.enterprise.scores.registry",
    "create": "andmesh.enterprise.scores.registry",
    "get_method": "andmesh.enterprise.scores.registry",
    "register": "andmesh.enterprise.scores.registry",
    "CalibrationBin": "andmesh.enterprise.scores.results",
    "CustomerScore": "andmesh.enterprise.scores.results",
    "DriftAlert": "andmesh.enterprise.scores.results",
    "PsiBin": "andmesh.enterprise.scores.results",
    "PsiReport": "andmesh.enterprise.scores.results",
    "RankReport": "andmesh.enterprise.scores.results",
    "ReasonCode": "andmesh.enterprise.scores.results",
    "ScoreOutput": "andmesh.enterprise.scores.results",
    "ValidationReport": "andmesh.enterprise.scores.results",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


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
