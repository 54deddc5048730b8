"""Aspatial single-group indices: how unevenly one group is spread over the units.

Each index is a vectorised kernel ``f(x, t) -> value`` over arrays of group counts ``x`` and
unit totals ``t`` of shape ``(..., n)`` (so one call evaluates a whole batch of simulated
populations), and a frame-level function taking the unit table and column names.

Definitions follow PySAL ``segregation`` 2.5 (Massey & Denton 1988; Reardon & Firebaugh 2002)
and give the same values; a unit with zero population has composition 0 and no weight.

================  ==============================================================================
index             definition (``p_i = x_i / t_i``, ``P = X / T``)
================  ==============================================================================
dissimilarity     ``Σ t_i |p_i − P| / (2 T P (1 − P))``
gini              ``Σ_i Σ_j t_i t_j |p_i − p_j| / (2 T² P (1 − P))``
entropy           Theil's H: ``Σ t_i (E − E_i) / (E T)``, ``E = −P ln P − (1−P) ln(1−P)``
isolation         xPx: ``Σ (x_i / X)(x_i / t_i)``
exposure          xPy: ``Σ (x_i / X)(y_i / t_i)``, ``y = t − x``
correlation_ratio eta²: ``(xPx − P) / (1 − P)``
atkinson          ``1 − P/(1−P) · |Σ (1−p_i)^(1−b) p_i^b t_i / (P T)|^(1/(1−b))``
================  ==============================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import IndexInputError
from ..schema import POP_TOTAL
from ._validate import counts

__all__ = [
    "ASPATIAL",
    "atkinson",
    "correlation_ratio",
    "dissimilarity",
    "entropy",
    "exposure",
    "gini",
    "isolation",
]


def _totals(x: np.ndarray, t: np.ndarray):
    X = x.sum(axis=-1)
    T = t.sum(axis=-1)
    return X, T, X / T


def _shares(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Composition ``x / t``, 0 where the unit is empty."""
    safe = np.where(t > 0, t, 1.0)
    return np.where(t > 0, x / safe, 0.0)


def _dissim(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    _, T, P = _totals(x, t)
    p = _shares(x, t)
    return (t * np.abs(p - P[..., None])).sum(axis=-1) / (2 * T * P * (1 - P))


def _pairwise_abs(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``Σ_i Σ_j w_i w_j |v_i − v_j|`` along the last axis in O(n log n)."""
    order = np.argsort(v, axis=-1, kind="stable")
    vs = np.take_along_axis(v, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    cw = np.cumsum(ws, axis=-1) - ws  # weight strictly before k
    cwv = np.cumsum(ws * vs, axis=-1) - ws * vs
    return 2 * (ws * (vs * cw - cwv)).sum(axis=-1)


def _gini(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    _, T, P = _totals(x, t)
    p = _shares(x, t)
    return _pairwise_abs(t, p) / (2 * T * T * P * (1 - P))


def _xlogx(p: np.ndarray) -> np.ndarray:
    """``p ln p`` with ``0 ln 0 = 0``."""
    safe = np.where(p > 0, p, 1.0)
    return np.where(p > 0, p * np.log(safe), 0.0)


def _entropy(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    _, T, P = _totals(x, t)
    p = _shares(x, t)
    E = -(_xlogx(P) + _xlogx(1 - P))
    Ei = -(_xlogx(p) + _xlogx(1 - p))
    return (t * (E[..., None] - Ei)).sum(axis=-1) / (E * T)


def _isolation(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    X = x.sum(axis=-1)
    return (x * _shares(x, t)).sum(axis=-1) / X


def _exposure(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    X = x.sum(axis=-1)
    return (x * _shares(t - x, t)).sum(axis=-1) / X


def _correlation_ratio(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    _, _, P = _totals(x, t)
    return (_isolation(x, t) - P) / (1 - P)


def _atkinson(x: np.ndarray, t: np.ndarray, b: float = 0.5) -> np.ndarray:
    _, T, P = _totals(x, t)
    p = _shares(x, t)
    inner = ((1 - p) ** (1 - b) * p**b * t).sum(axis=-1) / (P * T)
    return 1 - (P / (1 - P)) * np.abs(inner) ** (1 / (1 - b))


def check_atkinson_b(b: float) -> float:
    """Validate Atkinson's shape parameter (0 < b < 1)."""
    try:
        b = float(b)
    except (TypeError, ValueError):
        raise IndexInputError(f"atkinson: b must be a number in (0, 1), got {b!r}") from None
    if not 0 < b < 1:
        raise IndexInputError(f"atkinson: b must lie strictly between 0 and 1, got {b}")
    return b


# name -> vectorised kernel f(x, t, **params)
ASPATIAL = {
    "dissimilarity": _dissim,
    "gini": _gini,
    "entropy": _entropy,
    "isolation": _isolation,
    "exposure": _exposure,
    "correlation_ratio": _correlation_ratio,
    "atkinson": _atkinson,
}


def _frame_index(
    func, units: pd.DataFrame, group: str, total: str, dropna: bool, what: str, **params
) -> float:
    c = counts(units, group, total, dropna=dropna, what=what)
    return float(func(c.x, c.total, **params))


def dissimilarity(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Dissimilarity index D of ``group`` against ``total`` (0 even, 1 complete separation).

    Parameters
    ----------
    units
        Unit table, one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Raises
    ------
    binational.errors.IndexInputError
        For invalid counts (see :func:`binational.concentration._validate.counts`).
    """
    return _frame_index(_dissim, units, group, total, dropna, "dissimilarity")


def gini(units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False) -> float:
    """Gini segregation index of ``group`` (mean absolute composition difference, normalised)."""
    return _frame_index(_gini, units, group, total, dropna, "gini")


def entropy(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Theil's entropy index H of ``group`` against the rest of ``total``."""
    return _frame_index(_entropy, units, group, total, dropna, "entropy")


def isolation(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Isolation xPx: share of the group in the unit of an average group member."""
    return _frame_index(_isolation, units, group, total, dropna, "isolation")


def exposure(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Exposure (interaction) xPy: share of the rest in the unit of an average group member."""
    return _frame_index(_exposure, units, group, total, dropna, "exposure")


def correlation_ratio(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Correlation ratio eta² (isolation adjusted for the group's overall share)."""
    return _frame_index(_correlation_ratio, units, group, total, dropna, "correlation_ratio")


def atkinson(
    units: pd.DataFrame,
    *,
    group: str,
    total: str = POP_TOTAL,
    b: float = 0.5,
    dropna: bool = False,
) -> float:
    """Atkinson index with shape parameter ``b`` in (0, 1) (0.5 weighs both tails equally)."""
    b = check_atkinson_b(b)
    return _frame_index(_atkinson, units, group, total, dropna, "atkinson", b=b)
