"""Multigroup indices over several group columns (Reardon & Firebaugh 2002).

Kernels take counts of shape ``(..., n, K)`` (units × groups); ``t_i = Σ_k x_ik``,
``p_ik = x_ik / t_i`` (0 in empty units), ``P_k`` the regional shares, ``I = Σ P_k (1 − P_k)``,
``E = −Σ P_k ln P_k``. Definitions and values as PySAL ``segregation`` 2.5:

=====================  ==========================================================================
index                  definition
=====================  ==========================================================================
multi_dissimilarity    ``Σ_i Σ_k t_i |p_ik − P_k| / (2 T I)``
multi_gini             ``Σ_k Σ_i Σ_j t_i t_j |p_ik − p_jk| / (2 T² I)``
information_theory     Theil's H: ``Σ_i Σ_k t_i p_ik ln(p_ik / P_k) / (T E)``
normalized_exposure    ``Σ_i Σ_k t_i (p_ik − P_k)² / (1 − P_k) / T``
diversity              ``E`` (``/ ln K`` with ``normalized=True``)
simpson_concentration  ``Σ P_k²``
simpson_interaction    ``Σ P_k (1 − P_k)``
=====================  ==========================================================================

The groups must be exhaustive; pass ``total=`` to add the remainder ``total − Σ groups`` as a
group named ``"other"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import IndexInputError
from ._validate import counts
from .singlegroup import _pairwise_abs, _xlogx

__all__ = ["MULTIGROUP", "multigroup_counts", "multigroup_indices"]


def _parts(m: np.ndarray):
    t = m.sum(axis=-1)
    T = t.sum(axis=-1)
    Pk = m.sum(axis=-2) / T[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(t[..., None] > 0, m / np.where(t > 0, t, 1)[..., None], 0.0)
    return t, T, Pk, p


def _multi_dissim(m: np.ndarray) -> np.ndarray:
    t, T, Pk, p = _parts(m)
    interaction = (Pk * (1 - Pk)).sum(axis=-1)
    dev = (np.abs(p - Pk[..., None, :]) * t[..., None]).sum(axis=(-2, -1))
    return dev / (2 * T * interaction)


def _multi_gini(m: np.ndarray) -> np.ndarray:
    t, T, Pk, p = _parts(m)
    interaction = (Pk * (1 - Pk)).sum(axis=-1)
    # groups to a leading axis: (..., K, n)
    pk = np.moveaxis(p, -1, -2)
    tk = np.broadcast_to(t[..., None, :], pk.shape)
    total = _pairwise_abs(tk, pk).sum(axis=-1)
    return total / (2 * T**2 * interaction)


def _information_theory(m: np.ndarray) -> np.ndarray:
    t, T, Pk, p = _parts(m)
    E = -_xlogx(Pk).sum(axis=-1)
    ratio = np.where(p > 0, p / np.where(Pk > 0, Pk, 1)[..., None, :], 1.0)
    terms = t[..., None] * p * np.log(ratio)
    return terms.sum(axis=(-2, -1)) / (T * E)


def _normalized_exposure(m: np.ndarray) -> np.ndarray:
    t, T, Pk, p = _parts(m)
    terms = t[..., None] * (p - Pk[..., None, :]) ** 2 / (1 - Pk)[..., None, :]
    return terms.sum(axis=(-2, -1)) / T


def _diversity(m: np.ndarray, normalized: bool = False) -> np.ndarray:
    _, _, Pk, _ = _parts(m)
    E = -_xlogx(Pk).sum(axis=-1)
    return E / np.log(m.shape[-1]) if normalized else E


def _simpson_concentration(m: np.ndarray) -> np.ndarray:
    _, _, Pk, _ = _parts(m)
    return (Pk * Pk).sum(axis=-1)


def _simpson_interaction(m: np.ndarray) -> np.ndarray:
    _, _, Pk, _ = _parts(m)
    return (Pk * (1 - Pk)).sum(axis=-1)


MULTIGROUP = {
    "multi_dissimilarity": _multi_dissim,
    "multi_gini": _multi_gini,
    "information_theory": _information_theory,
    "normalized_exposure": _normalized_exposure,
    "diversity": _diversity,
    "simpson_concentration": _simpson_concentration,
    "simpson_interaction": _simpson_interaction,
}


def multigroup_counts(
    units: pd.DataFrame,
    groups: Sequence[str],
    *,
    total: str | None = None,
    dropna: bool = False,
    what: str = "multigroup index",
):
    """Validated ``(n, K)`` counts (with ``"other"`` added when ``total`` is given).

    Returns
    -------
    (Counts, ndarray, list of str)
    """
    groups = list(groups)
    if len(groups) < 2 and total is None:
        raise IndexInputError(f"{what}: at least two groups needed (or one group and total=)")
    c = counts(units, groups, total, dropna=dropna, what=what, require_members=False)
    values = c.values
    names = list(c.names)
    if total is not None:
        rest = np.clip(c.total - values.sum(axis=1), 0, None)
        values = np.column_stack([values, rest])
        names.append("other")
    empty = [n for n, s in zip(names, values.sum(axis=0), strict=True) if s <= 0]
    if empty:
        raise IndexInputError(f"{what}: group(s) {', '.join(empty)} have no members")
    return c, values, names


def multigroup_indices(
    units: pd.DataFrame,
    *,
    groups: Sequence[str],
    total: str | None = None,
    indices: Sequence[str] | None = None,
    normalized_diversity: bool = False,
    dropna: bool = False,
) -> pd.Series:
    """Multigroup indices of ``groups`` (see the module notes).

    Parameters
    ----------
    units
        Unit table.
    groups
        Group count columns (exhaustive unless ``total`` is given).
    total
        Total column: the remainder becomes the group ``"other"``.
    indices
        Subset of :data:`MULTIGROUP` (default: all).
    normalized_diversity
        Divide the diversity by ``ln K``.
    dropna
        Drop units with missing counts instead of raising.

    Returns
    -------
    pandas.Series
        Index name → value.
    """
    names = list(MULTIGROUP) if indices is None else list(indices)
    unknown = [n for n in names if n not in MULTIGROUP]
    if unknown:
        raise IndexInputError(f"unknown multigroup index {unknown}; known: {', '.join(MULTIGROUP)}")
    _, values, _ = multigroup_counts(units, groups, total=total, dropna=dropna)
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in names:
            if name == "diversity":
                out[name] = float(_diversity(values, normalized_diversity))
            else:
                out[name] = float(MULTIGROUP[name](values))
    return pd.Series(out, dtype=float)
