"""Propagate ACS margins of error into the indices by simulation.

Each replicate draws every unit's total and group count from a normal distribution centred on
the estimate with standard error ``MOE / z`` (``z = 1.96`` for the 95 % MOEs of the unit
table; ``<col>_moe`` columns), independently across units and columns (the ACS publishes no
covariances). Draws are made consistent: totals are clipped at 0 and group counts to
``[0, total]``. Clipping near zero biases the draws of small counts upward a little; the
interval is the percentile interval of the index over the replicates (all indices evaluated on
the same draws, as one batch). Without a MOE column for the total, totals are held fixed;
missing MOE values count as 0 and are reported in the ``note``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import IndexInputError
from ..schema import MOE_SUFFIX, POP_TOTAL
from ._validate import counts, numeric_columns
from .indices import IndexSet
from .inference import _blocks, _check_level, _check_permutations, _percentiles, rng_for

__all__ = ["Z95", "moe_intervals", "simulate_moe"]

#: Normal quantile of a 95 % margin of error.
Z95 = 1.959963984540054


def simulate_moe(
    x: np.ndarray,
    t: np.ndarray,
    x_moe: np.ndarray,
    t_moe: np.ndarray | None,
    *,
    size: int,
    rng: np.random.Generator,
    z: float = Z95,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``size`` consistent (group, total) replicates of shape ``(size, n)``."""
    n = len(x)
    if t_moe is None:
        T = np.broadcast_to(t, (size, n))
    else:
        T = np.clip(t + rng.standard_normal((size, n)) * (t_moe / z), 0, None)
    X = x + rng.standard_normal((size, n)) * (x_moe / z)
    X = np.clip(X, 0, T)
    return X, T


def _moe_column(units, col, suffix, required):
    name = f"{col}{suffix}"
    if name not in units.columns:
        if required:
            raise IndexInputError(
                f"MOE propagation: no margin-of-error column {name!r} for {col!r}"
            )
        return None, name
    return numeric_columns(units, [name], what="MOE propagation")[name], name


def moe_table(
    iset: IndexSet,
    x: np.ndarray,
    t: np.ndarray,
    x_moe: np.ndarray,
    t_moe: np.ndarray | None,
    *,
    replicates: int = 999,
    level: float = 0.95,
    seed=None,
    z: float = Z95,
) -> pd.DataFrame:
    """Percentile intervals of prepared indices under MOE draws (see the module notes)."""
    _check_level(level)
    replicates = _check_permutations(replicates)
    notes = []
    if np.isnan(x_moe).any():
        notes.append(f"{int(np.isnan(x_moe).sum())} missing group MOE(s) taken as 0")
        x_moe = np.nan_to_num(x_moe)
    if t_moe is not None and np.isnan(t_moe).any():
        notes.append(f"{int(np.isnan(t_moe).sum())} missing total MOE(s) taken as 0")
        t_moe = np.nan_to_num(t_moe)
    if t_moe is None:
        notes.append("no total MOE: totals held fixed")
    if (x_moe < 0).any() or (t_moe is not None and (t_moe < 0).any()):
        raise IndexInputError("MOE propagation: negative margin of error")
    rng = rng_for(seed, 6)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in iset.names}
    for size in _blocks(replicates, len(x)):
        X, T = simulate_moe(x, t, x_moe, t_moe, size=size, rng=rng, z=z)
        for name, values in iset(X, T).items():
            parts[name].append(values)
    rows = []
    for name, chunks in parts.items():
        sims = np.concatenate(chunks)
        lo, hi = _percentiles(sims, level)
        rows.append(
            {
                "index": name,
                "moe_mean": float(np.nanmean(sims)),
                "moe_low": lo,
                "moe_high": hi,
                "moe_replicates": replicates,
                "moe_note": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows)


def moe_intervals(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    indices: str | Sequence[str] | None = None,
    replicates: int = 999,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    moe_suffix: str = MOE_SUFFIX,
    z: float = Z95,
    dropna: bool = False,
    **index_options,
) -> pd.DataFrame:
    """Intervals of the indices that reflect the ACS sampling error of the counts.

    Parameters
    ----------
    units
        Unit table with ``<group><moe_suffix>`` (required) and ``<total><moe_suffix>``
        (optional) columns.
    group, total
        Count columns.
    indices
        Index names (default: all of :data:`~binational.concentration.indices.DEFAULT_INDICES`).
    replicates
        Number of simulated tables.
    level
        Interval coverage.
    seed
        Integer seed or numpy Generator.
    moe_suffix
        Suffix of the MOE columns.
    z
        Normal quantile of the MOE level (1.96 for 95 %, 1.645 for 90 %).
    dropna
        Drop units with missing counts instead of raising.
    **index_options
        Passed to :meth:`~binational.concentration.indices.IndexSet.build`.

    Returns
    -------
    DataFrame
        ``index, value, moe_mean, moe_low, moe_high, moe_replicates, moe_note``.
    """
    c = counts(units, group, total, dropna=dropna, what="MOE propagation")
    sub = units if c.keep.all() else units[c.keep]
    x_moe, _ = _moe_column(sub, group, moe_suffix, required=True)
    t_moe, _ = _moe_column(sub, total, moe_suffix, required=False)
    iset = IndexSet.build(sub, indices, **index_options)
    table = moe_table(
        iset, c.x, c.total, x_moe, t_moe, replicates=replicates, level=level, seed=seed, z=z
    )
    observed = iset(c.x, c.total)
    table.insert(1, "value", [float(observed[n]) for n in table["index"]])
    return table
