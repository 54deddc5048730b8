"""Local composition of each unit: location quotients, entropy, diversity, Simpson's indices.

Measures of one unit's own counts (no neighbours, no inference), as PySAL ``segregation``'s
local classes. Single-group measures take a group and its total; the multigroup ones take
several group columns (with ``total``, the population in none of them is added as group
``"other"``; without it the groups must be exhaustive). Every multigroup measure is one
function of the unit's composition ``p_k = x_k / t`` (:data:`COMPOSITION_MEASURES`) evaluated
by :func:`multi_local`; the named functions are that call with the measure fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..errors import IndexInputError
from ..schema import POP_TOTAL
from ._validate import counts
from .multigroup import multigroup_counts
from .singlegroup import _xlogx

__all__ = [
    "COMPOSITION_MEASURES",
    "local_entropy",
    "location_quotient",
    "multi_local",
    "multi_local_diversity",
    "multi_local_entropy",
    "multi_local_simpson_concentration",
    "multi_local_simpson_interaction",
    "multi_location_quotient",
]


def location_quotient(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> pd.Series:
    """Location quotient ``(x_i / t_i) / (X / T)`` of each unit (NaN where ``t_i = 0``).

    Parameters
    ----------
    units
        Unit table.
    group, total
        Count columns.
    dropna
        Leave units with a missing count out (NaN) instead of raising.

    Returns
    -------
    pandas.Series
        ``lq_<group>``, indexed like ``units``.
    """
    c = counts(units, group, total, dropna=dropna, what="location quotient")
    out = np.full(len(units), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = np.where(c.total > 0, c.x / c.total, np.nan) / (c.x.sum() / c.total.sum())
    out[c.keep] = lq
    return pd.Series(out, index=units.index, name=f"lq_{group}")


def local_entropy(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> pd.Series:
    """Entropy of the two-way split (group / rest) of each unit, normalised to [0, 1].

    Equal to PySAL's ``MultiLocalEntropy`` over the groups ``[group, total − group]``.

    Parameters
    ----------
    units
        Unit table.
    group, total
        Count columns.
    dropna
        Leave units with a missing count out (NaN) instead of raising.

    Returns
    -------
    pandas.Series
        ``entropy_<group>``, indexed like ``units``.
    """
    c = counts(units, group, total, dropna=dropna, what="local entropy")
    values = np.column_stack([c.x, c.total - c.x])
    out = np.full(len(units), np.nan)
    out[c.keep] = two_way_entropy(values)
    return pd.Series(out, index=units.index, name=f"entropy_{group}")


def composition(values: np.ndarray) -> np.ndarray:
    """Shares ``p_k = x_k / t`` of each row of an ``(n, K)`` count array (NaN where ``t = 0``)."""
    ti = values.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ti > 0, values / ti, np.nan)


def _entropy(p: np.ndarray) -> np.ndarray:
    return -_xlogx(np.nan_to_num(p)).sum(axis=1) / np.log(p.shape[1])


def _diversity(p: np.ndarray) -> np.ndarray:
    return -_xlogx(np.nan_to_num(p)).sum(axis=1)


def _simpson_concentration(p: np.ndarray) -> np.ndarray:
    return (p * p).sum(axis=1)


def _simpson_interaction(p: np.ndarray) -> np.ndarray:
    return (p * (1 - p)).sum(axis=1)


#: Measure name → function of the ``(n, K)`` composition giving one value per unit.
COMPOSITION_MEASURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "entropy": _entropy,
    "diversity": _diversity,
    "simpson_concentration": _simpson_concentration,
    "simpson_interaction": _simpson_interaction,
}


def two_way_entropy(values: np.ndarray) -> np.ndarray:
    """Normalised entropy of each row of an ``(n, K)`` count array (NaN where ``t = 0``)."""
    p = composition(values)
    return np.where(np.isnan(p).all(axis=1), np.nan, _entropy(p))


def multi_local(
    units: pd.DataFrame,
    *,
    groups: Sequence[str],
    measure: str,
    total: str | None = None,
    dropna: bool = False,
) -> pd.Series:
    """One composition measure of every unit over several groups.

    Parameters
    ----------
    units
        Unit table.
    groups
        Group count columns.
    measure
        A key of :data:`COMPOSITION_MEASURES` (``entropy``: normalised by ``ln K``;
        ``diversity``: ``−Σ p_k ln p_k``; ``simpson_concentration``: ``Σ p_k²``;
        ``simpson_interaction``: ``Σ p_k (1 − p_k)``).
    total
        Total column; the remainder is added as group ``"other"``. None: the groups are
        exhaustive.
    dropna
        Leave units with a missing count out (NaN) instead of raising.

    Returns
    -------
    pandas.Series
        ``local_<measure>``, indexed like ``units`` (NaN for units without population).
    """
    if measure not in COMPOSITION_MEASURES:
        raise IndexInputError(
            f"local composition: measure must be one of {', '.join(COMPOSITION_MEASURES)}; "
            f"got {measure!r}"
        )
    what = f"multigroup local {measure.replace('_', ' ')}"
    c, values, _ = multigroup_counts(units, groups, total=total, dropna=dropna, what=what)
    p = composition(values)
    value = np.where(np.isnan(p).all(axis=1), np.nan, COMPOSITION_MEASURES[measure](p))
    out = np.full(len(units), np.nan)
    out[c.keep] = value
    return pd.Series(out, index=units.index, name=f"local_{measure}")


def multi_location_quotient(
    units: pd.DataFrame,
    *,
    groups: Sequence[str],
    total: str | None = None,
    dropna: bool = False,
) -> pd.DataFrame:
    """Location quotient of every group in every unit (PySAL ``MultiLocationQuotient``).

    Parameters
    ----------
    units
        Unit table.
    groups, total, dropna
        As :func:`multi_local`.

    Returns
    -------
    pandas.DataFrame
        One column ``lq_<group>`` per group (and ``lq_other``), indexed like ``units``.
    """
    what = "multigroup location quotient"
    c, values, names = multigroup_counts(units, groups, total=total, dropna=dropna, what=what)
    lq = composition(values) / (values.sum(axis=0) / values.sum())
    out = np.full((len(units), lq.shape[1]), np.nan)
    out[c.keep] = lq
    return pd.DataFrame(out, index=units.index, columns=[f"lq_{n}" for n in names])


def multi_local_entropy(
    units: pd.DataFrame, *, groups: Sequence[str], total: str | None = None, dropna: bool = False
) -> pd.Series:
    """Entropy of each unit's composition, normalised by ``ln K`` (:func:`multi_local`)."""
    return multi_local(units, groups=groups, total=total, dropna=dropna, measure="entropy")


def multi_local_diversity(
    units: pd.DataFrame, *, groups: Sequence[str], total: str | None = None, dropna: bool = False
) -> pd.Series:
    """Shannon diversity (PySAL ``MultiLocalDiversity``; :func:`multi_local`)."""
    return multi_local(units, groups=groups, total=total, dropna=dropna, measure="diversity")


def multi_local_simpson_concentration(
    units: pd.DataFrame, *, groups: Sequence[str], total: str | None = None, dropna: bool = False
) -> pd.Series:
    """Simpson's concentration ``Σ p_k²`` of each unit (:func:`multi_local`)."""
    return multi_local(
        units, groups=groups, total=total, dropna=dropna, measure="simpson_concentration"
    )


def multi_local_simpson_interaction(
    units: pd.DataFrame, *, groups: Sequence[str], total: str | None = None, dropna: bool = False
) -> pd.Series:
    """Simpson's interaction ``Σ p_k (1 − p_k)`` of each unit (:func:`multi_local`)."""
    return multi_local(
        units, groups=groups, total=total, dropna=dropna, measure="simpson_interaction"
    )
