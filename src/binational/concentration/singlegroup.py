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


class Batch:
    """Group counts and totals of shape ``(..., n)`` with their derived quantities, cached.

    Every kernel takes a Batch so that one evaluation of many indices computes shares and
    sums once.
    """

    def __init__(self, x: np.ndarray, t: np.ndarray):
        self.x = np.asarray(x, dtype=float)
        self.t = np.asarray(t, dtype=float)
        self._cache: dict[str, np.ndarray] = {}

    def _get(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def X(self) -> np.ndarray:
        return self._get("X", lambda: self.x.sum(axis=-1))

    @property
    def T(self) -> np.ndarray:
        return self._get("T", lambda: self.t.sum(axis=-1))

    @property
    def P(self) -> np.ndarray:
        return self._get("P", lambda: self.X / self.T)

    @property
    def p(self) -> np.ndarray:
        """Composition ``x / t``, 0 where the unit is empty."""
        return self._get("p", lambda: _shares(self.x, self.t))

    @property
    def xp(self) -> np.ndarray:
        """``Σ x_i p_i`` (numerator of the isolation index)."""
        return self._get("xp", lambda: (self.x * self.p).sum(axis=-1))


def _shares(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Composition ``x / t``, 0 where the unit is empty."""
    x, t = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(t, dtype=float))
    return np.divide(x, t, out=np.zeros(x.shape), where=t > 0)


def _dissim_b(b: Batch) -> np.ndarray:
    P = b.P
    return (b.t * np.abs(b.p - P[..., None])).sum(axis=-1) / (2 * b.T * P * (1 - P))


def _pairwise_abs(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``Σ_i Σ_j w_i w_j |v_i − v_j|`` along the last axis in O(n log n).

    With ``v`` sorted, ``Σ_{i<j} w_i w_j (v_j − v_i) = Σ_k w_k v_k (2 B_k + w_k − W)`` where
    ``B_k`` is the weight before ``k`` and ``W`` the total weight: one sort, one cumulative sum.
    """
    w, v = np.broadcast_arrays(w, v)
    order = np.argsort(v, axis=-1)
    vs = np.take_along_axis(v, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    cum = np.cumsum(ws, axis=-1)  # B_k + w_k
    total = cum[..., -1:]
    return 2 * (ws * vs * (2 * cum - ws - total)).sum(axis=-1)


def _gini_b(b: Batch) -> np.ndarray:
    P = b.P
    return _pairwise_abs(b.t, b.p) / (2 * b.T * b.T * P * (1 - P))


def _xlogx(p: np.ndarray) -> np.ndarray:
    """``p ln p`` with ``0 ln 0 = 0``."""
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.shape)
    np.log(p, out=out, where=p > 0)
    return out * p


def _entropy_b(b: Batch) -> np.ndarray:
    P, p = b.P, b.p
    E = -(_xlogx(P) + _xlogx(1 - P))
    Ei = -(_xlogx(p) + _xlogx(1 - p))
    return (b.t * (E[..., None] - Ei)).sum(axis=-1) / (E * b.T)


def _isolation_b(b: Batch) -> np.ndarray:
    return b.xp / b.X


def _exposure_b(b: Batch) -> np.ndarray:
    # Σ (x/X)(y/t) = Σ x (1 − p) / X over units with people
    occupied = (b.x * (b.t > 0)).sum(axis=-1)
    return (occupied - b.xp) / b.X


def _correlation_ratio_b(b: Batch) -> np.ndarray:
    return (_isolation_b(b) - b.P) / (1 - b.P)


def _atkinson_b(b: Batch, shape: float = 0.5) -> np.ndarray:
    P, p = b.P, b.p
    inner = ((1 - p) ** (1 - shape) * p**shape * b.t).sum(axis=-1) / (P * b.T)
    return 1 - (P / (1 - P)) * np.abs(inner) ** (1 / (1 - shape))


def _wrap(kernel):
    def func(x, t, **params):
        return kernel(Batch(x, t), **params)

    func.__name__ = kernel.__name__.removesuffix("_b")
    func.__doc__ = f"``{func.__name__}(x, t)`` on arrays of shape ``(..., n)``."
    return func


_dissim = _wrap(_dissim_b)
_gini = _wrap(_gini_b)
_entropy = _wrap(_entropy_b)
_isolation = _wrap(_isolation_b)
_exposure = _wrap(_exposure_b)
_correlation_ratio = _wrap(_correlation_ratio_b)


def _atkinson(x, t, b: float = 0.5):
    return _atkinson_b(Batch(x, t), shape=b)


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

# name -> kernel on a Batch (shared quantities computed once)
BATCH_KERNELS = {
    "dissimilarity": _dissim_b,
    "gini": _gini_b,
    "entropy": _entropy_b,
    "isolation": _isolation_b,
    "exposure": _exposure_b,
    "correlation_ratio": _correlation_ratio_b,
    "atkinson": _atkinson_b,
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

    Returns
    -------
    float
        The index value.

    Raises
    ------
    binational.errors.IndexInputError
        For invalid counts (see :func:`binational.concentration._validate.counts`).
    """
    return _frame_index(_dissim, units, group, total, dropna, "dissimilarity")


def gini(units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False) -> float:
    """Gini segregation index of ``group`` (mean absolute composition difference, normalised).

    Parameters
    ----------
    units
        Unit table, one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    return _frame_index(_gini, units, group, total, dropna, "gini")


def entropy(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Theil's entropy index H of ``group`` against the rest of ``total``.

    Parameters
    ----------
    units
        Unit table, one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    return _frame_index(_entropy, units, group, total, dropna, "entropy")


def isolation(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Isolation xPx: share of the group in the unit of an average group member.

    Parameters
    ----------
    units
        Unit table, one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    return _frame_index(_isolation, units, group, total, dropna, "isolation")


def exposure(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Exposure (interaction) xPy: share of the rest in the unit of an average group member.

    Parameters
    ----------
    units
        Unit table, one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    return _frame_index(_exposure, units, group, total, dropna, "exposure")


def correlation_ratio(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> float:
    """Correlation ratio eta² (isolation adjusted for the group's overall share).

    Parameters
    ----------
    units
        Unit table, one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    return _frame_index(_correlation_ratio, units, group, total, dropna, "correlation_ratio")


def atkinson(
    units: pd.DataFrame,
    *,
    group: str,
    total: str = POP_TOTAL,
    b: float = 0.5,
    dropna: bool = False,
) -> float:
    """Atkinson index with shape parameter ``b`` in (0, 1) (0.5 weighs both tails equally).

    Parameters
    ----------
    units
        Unit table, one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    dropna
        Drop units with a missing count instead of raising (they are logged).
    b
        Shape parameter, in (0, 1).

    Returns
    -------
    float
        The index value.
    """
    b = check_atkinson_b(b)
    return _frame_index(_atkinson, units, group, total, dropna, "atkinson", b=b)
