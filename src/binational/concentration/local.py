"""Local measures per unit: location quotients, local entropy, Getis–Ord Gi*, local Moran's I.

Conditional permutation inference
---------------------------------
For unit ``i`` the values of all *other* units are shuffled and ``i``'s neighbours' places are
filled from the shuffle, ``permutations`` times, keeping ``y_i`` fixed (Anselin 1995). As in
``esda``'s ``crand``, one matrix of random draws (``permutations × max neighbours``, sampled
without replacement from the ``n − 1`` other units) is shared by all units, and draw ``k`` of a
row fills the unit's ``k``-th neighbour weight (CSR order). All units are evaluated from that
matrix by gathers and one weighted sum (in blocks), without a loop over units or permutations;
passing ``esda.crand.vec_permutations(...)``'s matrix as ``permuted_ids`` reproduces esda's
simulated values exactly.

p-values (``alternative``) follow ``esda.significance``: ``"directed"`` (the default, esda's
``p_sim``: the tail on the side of the observed value), ``"greater"``, ``"lesser"``, ``"folded"``
and ``"two-sided"``. False-discovery-rate control uses the Benjamini–Hochberg step-up rule:
:func:`fdr_threshold` is ``esda.fdr`` (a unit is significant when ``p < threshold``) and
:func:`fdr_qvalues` gives adjusted p-values.

Local Moran's I is computed on standardised values with row-standardised weights (esda
``Moran_Local`` defaults) and labelled by quadrant: ``HH`` (high value, high neighbours), ``LH``,
``LL``, ``HL``; ``ns`` when not significant. Gi* uses binary weights with a self-weight of 1,
row-standardised (esda ``G_Local(star=True)``) and is labelled ``hot``/``cold`` by the sign of
its z-score. Islands (units without neighbours) get the label ``island`` and no p-value; units
without population (``t = 0`` or missing) are ``no_data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from .._log import get_logger
from ..errors import IndexInputError
from ..schema import COUNTRY, POP_TOTAL, UNIT_ID
from ._validate import DegenerateCountsError, counts, numeric_columns, unit_labels
from .inference import rng_for
from .multigroup import multigroup_counts
from .singlegroup import _shares, _xlogx
from .weights import SpatialWeights, build_weights

__all__ = [
    "LocalResult",
    "cluster_labels",
    "fdr_qvalues",
    "fdr_threshold",
    "getis_ord_local",
    "local_entropy",
    "local_measures",
    "location_quotient",
    "moran_local",
    "multi_local_diversity",
    "multi_local_entropy",
    "multi_local_simpson_concentration",
    "multi_local_simpson_interaction",
    "multi_location_quotient",
    "permutation_ids",
]

log = get_logger(__name__)

LOCAL_ALTERNATIVES = ("directed", "greater", "lesser", "folded", "two-sided")
QUADRANT_LABELS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
_BLOCK = 4_000_000


# ----------------------------------------------------------------------------------------------
# composition measures


def location_quotient(
    units: pd.DataFrame, *, group: str, total: str = POP_TOTAL, dropna: bool = False
) -> pd.Series:
    """Location quotient ``(x_i / t_i) / (X / T)`` of each unit (NaN where ``t_i = 0``).

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
    pandas.Series
        One value per unit, indexed like ``units``.
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
        Unit table, one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    pandas.Series
        One value per unit, indexed like ``units``.
    """
    c = counts(units, group, total, dropna=dropna, what="local entropy")
    values = np.column_stack([c.x, c.total - c.x])
    out = np.full(len(units), np.nan)
    out[c.keep] = _local_entropy(values)
    return pd.Series(out, index=units.index, name=f"entropy_{group}")


def _composition(values: np.ndarray) -> np.ndarray:
    ti = values.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ti > 0, values / ti, np.nan)


def _local_entropy(values: np.ndarray) -> np.ndarray:
    p = _composition(values)
    k = values.shape[1]
    ent = -_xlogx(np.nan_to_num(p)).sum(axis=1) / np.log(k)
    return np.where(np.isnan(p).all(axis=1), np.nan, ent)


def _multi_counts(units, groups, total, dropna, what):
    return multigroup_counts(units, groups, total=total, dropna=dropna, what=what)


def _expand(units, c, arr, columns, index=None):
    out = np.full((len(units), arr.shape[1]) if arr.ndim == 2 else len(units), np.nan)
    out[c.keep] = arr
    if arr.ndim == 2:
        return pd.DataFrame(out, index=units.index, columns=columns)
    return pd.Series(out, index=units.index, name=index)


def multi_location_quotient(
    units: pd.DataFrame,
    *,
    groups: Sequence[str],
    total: str | None = None,
    dropna: bool = False,
) -> pd.DataFrame:
    """Location quotient of every group in every unit (PySAL ``MultiLocationQuotient``).

    With ``total``, the population not in any group is added as group ``"other"``; without it
    the groups must be exhaustive.
    """
    c, values, names = _multi_counts(units, groups, total, dropna, "multigroup location quotient")
    share = values.sum(axis=0) / values.sum()
    lq = _composition(values) / share
    return _expand(units, c, lq, [f"lq_{n}" for n in names])


def multi_local_entropy(
    units: pd.DataFrame,
    *,
    groups: Sequence[str],
    total: str | None = None,
    dropna: bool = False,
) -> pd.Series:
    """Entropy of each unit's composition over the groups, normalised by ``ln K``."""
    c, values, _ = _multi_counts(units, groups, total, dropna, "multigroup local entropy")
    return _expand(units, c, _local_entropy(values), None, "local_entropy")


def multi_local_diversity(
    units: pd.DataFrame,
    *,
    groups: Sequence[str],
    total: str | None = None,
    dropna: bool = False,
) -> pd.Series:
    """Shannon diversity ``−Σ p_k ln p_k`` of each unit (PySAL ``MultiLocalDiversity``)."""
    c, values, _ = _multi_counts(units, groups, total, dropna, "multigroup local diversity")
    p = _composition(values)
    div = -_xlogx(np.nan_to_num(p)).sum(axis=1)
    div = np.where(np.isnan(p).all(axis=1), np.nan, div)
    return _expand(units, c, div, None, "local_diversity")


def multi_local_simpson_concentration(
    units: pd.DataFrame,
    *,
    groups: Sequence[str],
    total: str | None = None,
    dropna: bool = False,
) -> pd.Series:
    """Simpson's concentration ``Σ p_k²`` of each unit."""
    c, values, _ = _multi_counts(units, groups, total, dropna, "local Simpson concentration")
    p = _composition(values)
    return _expand(units, c, (p * p).sum(axis=1), None, "local_simpson_concentration")


def multi_local_simpson_interaction(
    units: pd.DataFrame,
    *,
    groups: Sequence[str],
    total: str | None = None,
    dropna: bool = False,
) -> pd.Series:
    """Simpson's interaction ``Σ p_k (1 − p_k)`` of each unit."""
    c, values, _ = _multi_counts(units, groups, total, dropna, "local Simpson interaction")
    p = _composition(values)
    return _expand(units, c, (p * (1 - p)).sum(axis=1), None, "local_simpson_interaction")


# ----------------------------------------------------------------------------------------------
# conditional randomisation


def permutation_ids(
    n: int, max_card: int, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """``(permutations, max_card)`` random ordered samples without replacement from ``n − 1``.

    Each row is a uniform random subset (Floyd's algorithm, vectorised over rows) in uniform
    random order.
    """
    if max_card <= 0:
        return np.zeros((permutations, 0), dtype=np.int64)
    pool = n - 1
    if max_card > pool:
        raise IndexInputError(f"a unit has {max_card} neighbours but there are only {n} units")
    picked = np.empty((permutations, max_card), dtype=np.int64)
    for col, j in enumerate(range(pool - max_card, pool)):
        cand = rng.integers(0, j + 1, size=permutations)
        seen = (picked[:, :col] == cand[:, None]).any(axis=1)
        picked[:, col] = np.where(seen, j, cand)
    order = np.argsort(rng.random((permutations, max_card)), axis=1)
    return np.take_along_axis(picked, order, axis=1)


def _split_self(m: sp.csr_array) -> tuple[np.ndarray, sp.csr_array]:
    m = sp.csr_array(m, copy=True)
    diag = m.diagonal().astype(float)
    m.setdiag(0)
    m.eliminate_zeros()
    m.sort_indices()
    return diag, m


def _random_lags(values: np.ndarray, other: sp.csr_array, ids: np.ndarray) -> np.ndarray:
    """``(n, R)``: weighted sum of randomly drawn neighbour values for every unit and draw.

    Units are processed in groups of equal neighbour count (no padding), in memory-bounded
    blocks; within a block one gather and one batched product do all units and draws.
    """
    n = len(values)
    reps = ids.shape[0]
    card = np.diff(other.indptr)
    out = np.zeros((n, reps))
    ids = ids.astype(np.int32, copy=False)
    for k in np.unique(card[card > 0]):
        members = np.flatnonzero(card == k)
        # the neighbour weights of these units, in CSR order: (m, k)
        wk = other.data[other.indptr[members][:, None] + np.arange(k)]
        draws = ids[None, :, :k]
        step = max(1, _BLOCK // (reps * int(k)))
        for start in range(0, len(members), step):
            block = members[start : start + step]
            focal = block.astype(np.int32)[:, None, None]
            idx = draws + (draws >= focal)  # position among the other units -> unit number
            vals = values[idx]  # (b, R, k)
            out[block] = np.matmul(vals, wk[start : start + step, :, None])[..., 0]
    return out


def _significance(observed: np.ndarray, sims: np.ndarray, alternative: str) -> np.ndarray:
    reps = sims.shape[1]
    obs = observed[:, None]
    if alternative == "directed":
        larger = (sims >= obs).sum(axis=1)
        low = (reps - larger) < larger
        larger = np.where(low, reps - larger, larger)
        return (larger + 1.0) / (reps + 1.0)
    if alternative == "greater":
        return ((sims >= obs).sum(axis=1) + 1.0) / (reps + 1.0)
    if alternative == "lesser":
        return ((sims <= obs).sum(axis=1) + 1.0) / (reps + 1.0)
    if alternative == "folded":
        means = sims.mean(axis=1, keepdims=True)
        folded = np.abs(sims - means)
        return ((folded >= np.abs(obs - means)).sum(axis=1) + 1.0) / (reps + 1.0)
    # two-sided (esda): count draws beyond the observed percentile and its mirror image
    pct = (sims <= obs).mean(axis=1) * 100
    p_low = np.minimum(pct, 100 - pct)
    lows = np.empty(len(observed))
    highs = np.empty(len(observed))
    step = 256  # np.percentile gives every row every q: take the diagonal of small blocks
    for start in range(0, len(observed), step):
        rows = slice(start, start + step)
        block = sims[rows]
        lows[rows] = np.diagonal(np.percentile(block, p_low[rows], axis=1))
        highs[rows] = np.diagonal(np.percentile(block, 100 - p_low[rows], axis=1))
    outside = (sims <= lows[:, None]).sum(axis=1) + (sims >= highs[:, None]).sum(axis=1)
    return (outside + 1.0) / (reps + 1.0)


@dataclass(eq=False)
class LocalResult:
    """Per-unit statistic with its conditional-permutation inference.

    Attributes
    ----------
    statistic
        Observed local statistic.
    p_sim
        Permutation p-value (NaN for islands).
    expected_sim, std_sim, z_sim
        Mean and standard deviation of the simulated values and the observed value's z-score.
    quadrant
        Moran quadrant 1 HH, 2 LH, 3 LL, 4 HL (local Moran only).
    z, p_norm
        Analytical z-score and normal p-value (Gi* only).
    islands
        True for units without neighbours.
    sims
        ``(n, permutations)`` simulated values when ``keep_simulations=True``.
    """

    statistic: np.ndarray
    p_sim: np.ndarray
    expected_sim: np.ndarray
    std_sim: np.ndarray
    z_sim: np.ndarray
    islands: np.ndarray
    quadrant: np.ndarray | None = None
    z: np.ndarray | None = None
    p_norm: np.ndarray | None = None
    sims: np.ndarray | None = None


def _matrix(weights) -> sp.csr_array:
    if isinstance(weights, SpatialWeights):
        return sp.csr_array(weights.sparse, dtype=float)
    if sp.issparse(weights):
        return sp.csr_array(weights, dtype=float)
    raise IndexInputError(
        f"weights must be SpatialWeights or a scipy sparse matrix, not {weights!r}"
    )


def _row_standardise(m: sp.csr_array) -> sp.csr_array:
    rows = np.asarray(m.sum(axis=1)).ravel()
    scale = np.divide(1.0, rows, out=np.zeros_like(rows), where=rows != 0)
    return sp.csr_array(sp.diags_array(scale) @ m)


def _prepare_inputs(y, weights, permutations, alternative, what):
    y = np.asarray(y, dtype=float).ravel()
    m = _matrix(weights)
    n = len(y)
    if m.shape != (n, n):
        raise IndexInputError(f"{what}: weights are {m.shape}, values have {n} units")
    if np.isnan(y).any():
        raise IndexInputError(f"{what}: the variable has missing values")
    if n < 3:
        raise IndexInputError(f"{what}: {n} unit(s); at least 3 needed")
    if alternative not in LOCAL_ALTERNATIVES:
        raise IndexInputError(
            f"{what}: alternative must be one of {', '.join(LOCAL_ALTERNATIVES)}; "
            f"got {alternative!r}"
        )
    if not isinstance(permutations, (int, np.integer)) or permutations < 0:
        raise IndexInputError(f"{what}: permutations must be an integer >= 0")
    return y, m, n


def _simulate(values, observed, self_w, other, scaling, stat, permutations, rng, ids, keep, alt):
    n = len(values)
    islands = np.diff(other.indptr) == 0
    card_max = int(np.diff(other.indptr).max())
    if ids is None:
        ids = permutation_ids(n, card_max, permutations, rng)
    else:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 2 or ids.shape[1] < card_max:
            raise IndexInputError(
                f"permuted_ids must be (permutations, >= {card_max}), got {ids.shape}"
            )
    lags = _random_lags(values, other, ids)
    if stat == "moran":
        sims = values[:, None] * (lags + (self_w * values)[:, None]) * scaling
    else:
        sims = (lags + (self_w * values)[:, None]) / scaling
    p = _significance(observed, sims, alt)
    mean = sims.mean(axis=1)
    std = sims.std(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = (observed - mean) / std
    p[islands] = np.nan
    zs[islands] = np.nan
    return p, mean, std, zs, islands, (sims if keep else None)


def moran_local(
    y,
    weights,
    *,
    permutations: int = 999,
    seed: int | np.random.Generator | None = None,
    alternative: str = "directed",
    permuted_ids: np.ndarray | None = None,
    keep_simulations: bool = False,
) -> LocalResult:
    """Local Moran's I with conditional permutation inference (esda ``Moran_Local``).

    Parameters
    ----------
    y
        Values of the ``n`` units.
    weights
        SpatialWeights or sparse matrix; row-standardised here.
    permutations
        Number of conditional permutations (0: none).
    seed
        Integer seed or numpy Generator.
    alternative
        See the module notes.
    permuted_ids
        A precomputed ``(permutations, k)`` draw matrix (e.g. esda's) instead of ``seed``.
    keep_simulations
        Keep the ``(n, permutations)`` simulated values.

    Returns
    -------
    LocalResult
        Local Moran's I per unit with its inference and quadrant.
    """
    y, m, n = _prepare_inputs(y, weights, permutations, alternative, "local Moran")
    sd_y = y.std()
    if sd_y == 0:
        raise IndexInputError("local Moran: the variable is constant")
    z = (y - y.mean()) / sd_y
    w = _row_standardise(m)
    lag = w @ z
    den = (z * z).sum()
    scaling = (n - 1) / den
    stat = (n - 1) * z * lag / den  # esda's operation order (ties with draws stay ties)
    quadrant = np.select(
        [(z > 0) & (lag > 0), (z <= 0) & (lag > 0), (z <= 0) & (lag <= 0)], [1, 2, 3], 4
    )
    self_w, other = _split_self(w)
    islands = np.diff(other.indptr) == 0
    res = LocalResult(
        statistic=stat,
        p_sim=np.full(n, np.nan),
        expected_sim=np.full(n, np.nan),
        std_sim=np.full(n, np.nan),
        z_sim=np.full(n, np.nan),
        islands=islands,
        quadrant=quadrant,
    )
    if permutations or permuted_ids is not None:
        reps = permuted_ids.shape[0] if permuted_ids is not None else permutations
        p, mean, std, zs, islands, sims = _simulate(
            z,
            stat,
            self_w,
            other,
            scaling,
            "moran",
            reps,
            rng_for(seed, 10),
            permuted_ids,
            keep_simulations,
            alternative,
        )
        res.p_sim, res.expected_sim, res.std_sim, res.z_sim, res.sims = p, mean, std, zs, sims
    return res


def getis_ord_local(
    y,
    weights,
    *,
    permutations: int = 999,
    seed: int | np.random.Generator | None = None,
    alternative: str = "directed",
    permuted_ids: np.ndarray | None = None,
    keep_simulations: bool = False,
) -> LocalResult:
    """Getis–Ord Gi* with conditional permutation inference (esda ``G_Local(star=True)``).

    The weights are binarised, given a self-weight of 1 and row-standardised; ``y`` must be
    non-negative. Besides the permutation p-value, ``z``/``p_norm`` give esda's analytical
    z-score and normal p-value.

    Parameters
    ----------
    y
        Values of the ``n`` units (non-negative).
    weights
        SpatialWeights or sparse matrix.
    permutations
        Number of conditional permutations (0: none).
    seed
        Integer seed or numpy Generator.
    alternative
        See the module notes.
    permuted_ids
        A precomputed ``(permutations, k)`` draw matrix (e.g. esda's) instead of ``seed``.
    keep_simulations
        Keep the ``(n, permutations)`` simulated values.

    Returns
    -------
    LocalResult
        Gi* per unit with its inference.
    """
    y, m, n = _prepare_inputs(y, weights, permutations, alternative, "Getis-Ord Gi*")
    if (y < 0).any():
        raise IndexInputError("Getis-Ord Gi*: the variable must be non-negative")
    total = y.sum()
    if total == 0:
        raise IndexInputError("Getis-Ord Gi*: the variable is zero everywhere")
    b = sp.csr_array(m, copy=True)
    b.data = (b.data != 0).astype(float)
    b = b.tolil()
    b.setdiag(1.0)
    w = _row_standardise(sp.csr_array(b.tocsr()))
    stat = (w @ y) / total
    # analytical moments (esda G_Local.calc, star)
    mean_y = total / n
    var_y = (y**2).sum() / n - mean_y**2
    card = np.asarray(w.sum(axis=1)).ravel()
    expected = card / n
    variance = card * (n - card) / (n - 1) / n**2 * var_y / mean_y**2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (stat - expected) / np.sqrt(variance)
    self_w, other = _split_self(w)
    islands = np.diff(other.indptr) == 0
    res = LocalResult(
        statistic=stat,
        p_sim=np.full(n, np.nan),
        expected_sim=np.full(n, np.nan),
        std_sim=np.full(n, np.nan),
        z_sim=np.full(n, np.nan),
        islands=islands,
        z=z,
        p_norm=stats.norm.sf(np.abs(z)),
    )
    if permutations or permuted_ids is not None:
        reps = permuted_ids.shape[0] if permuted_ids is not None else permutations
        p, mean, std, zs, islands, sims = _simulate(
            y,
            stat,
            self_w,
            other,
            total,
            "g",
            reps,
            rng_for(seed, 11),
            permuted_ids,
            keep_simulations,
            alternative,
        )
        res.p_sim, res.expected_sim, res.std_sim, res.z_sim, res.sims = p, mean, std, zs, sims
    return res


# ----------------------------------------------------------------------------------------------
# false discovery rate and labels


def fdr_threshold(pvalues, alpha: float = 0.05) -> float:
    """Benjamini–Hochberg cut-off as ``esda.fdr``: significant where ``p < threshold``.

    NaN p-values (islands) are ignored. Returns ``alpha / n`` when nothing passes.

    Parameters
    ----------
    pvalues
        p-values (array-like; NaN ignored).
    alpha
        False discovery rate.

    Returns
    -------
    float
        The cut-off.
    """
    p = np.asarray(pvalues, dtype=float)
    p = p[~np.isnan(p)]
    n = len(p)
    if n == 0:
        return np.nan
    p_sort = np.sort(p)[::-1]
    limits = np.arange(n, 0, -1) * alpha / n
    hits = np.flatnonzero(p_sort < limits)
    return float(alpha / n if len(hits) == 0 else limits[hits[0]])


def fdr_qvalues(pvalues) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (NaN stays NaN).

    Parameters
    ----------
    pvalues
        p-values (array-like; NaN allowed).

    Returns
    -------
    numpy.ndarray
        q-values, same shape.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    v = p[ok]
    n = len(v)
    if n == 0:
        return out
    order = np.argsort(v)
    ranked = v[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    res = np.empty(n)
    res[order] = np.minimum(q, 1.0)
    out[ok] = res
    return out


def cluster_labels(
    quadrant: np.ndarray, p: np.ndarray, threshold: float, islands: np.ndarray | None = None
) -> np.ndarray:
    """``HH``/``LH``/``LL``/``HL`` where ``p < threshold``, else ``ns``; ``island`` for islands."""
    quadrant = np.asarray(quadrant)
    p = np.asarray(p, dtype=float)
    labels = np.array([QUADRANT_LABELS[int(q)] for q in range(1, 5)], dtype=object)
    out = np.where(p < threshold, labels[np.clip(quadrant, 1, 4) - 1], "ns").astype(object)
    if islands is not None:
        out[np.asarray(islands, dtype=bool)] = "island"
    return out


def _hotspots(z, p, threshold, islands):
    out = np.where(p < threshold, np.where(z > 0, "hot", "cold"), "ns").astype(object)
    out[islands] = "island"
    return out


# ----------------------------------------------------------------------------------------------
# everything local for one group


def local_measures(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    weights: str | SpatialWeights = "queen",
    variable: str = "share",
    permutations: int = 999,
    alpha: float = 0.05,
    alternative: str = "directed",
    seed: int | np.random.Generator | None = None,
    cross_border: bool = False,
    weights_options: dict | None = None,
):
    """Location quotient, local entropy, Gi* and local Moran clusters of ``group``.

    Units without population or with a missing count are kept in the output with label
    ``no_data`` and left out of the spatial statistics (their weights removed).

    Parameters
    ----------
    units
        Unit table (GeoDataFrame in a projected CRS).
    group, total
        Count columns.
    weights
        Weights kind (``"queen"``, ``"rook"``, ``"knn"``, ``"distance_band"``, ``"kernel"``)
        built from the units with data, or a SpatialWeights aligned with all rows of ``units``.
    variable
        ``"share"`` (``x / t``, the default) or ``"count"``; Moran's I and Gi* of the
        location quotient equal those of the share.
    permutations, alternative, seed
        Conditional permutation inference (see the module notes).
    alpha
        Significance level of the labels.
    cross_border, weights_options
        Passed to the weights builder (e.g. ``{"k": 6}`` for knn, ``{"border_tolerance": 100}``).

    Returns
    -------
    GeoDataFrame
        One row per unit: ``unit_id``, ``country``, the counts, ``share``, ``lq``,
        ``local_entropy``, ``gi_star``, ``gi_z``, ``gi_p_sim``, ``hotspot``, ``hotspot_fdr``,
        ``lisa_i``, ``lisa_quadrant``, ``lisa_p_sim``, ``lisa_z_sim``, ``lisa_q``, ``cluster``,
        ``cluster_fdr``, ``n_neighbors``, ``geometry``. ``attrs`` holds the weights summary and
        the FDR thresholds.
    """
    if variable not in ("share", "count"):
        raise IndexInputError(
            f"local measures: variable must be 'share' or 'count', got {variable!r}"
        )
    arrays = numeric_columns(units, [group, total], what="local measures")
    x_all, t_all = arrays[group], arrays[total]
    valid = ~(np.isnan(x_all) | np.isnan(t_all)) & (t_all > 0)
    if valid.sum() < 3:
        raise DegenerateCountsError(
            f"local measures: {int(valid.sum())} unit(s) with population and data for "
            f"{group!r}; at least 3 needed"
        )
    sub = units[valid]
    c = counts(sub, group, total, what="local measures")
    if isinstance(weights, SpatialWeights):
        if weights.n != len(units):
            raise IndexInputError(
                f"local measures: weights have {weights.n} units, the table has {len(units)}"
            )
        w = weights.subset(valid)
    else:
        w = build_weights(sub, weights, cross_border=cross_border, **(weights_options or {}))
    share = _shares(c.x, c.total)
    y = share if variable == "share" else c.x
    gi = getis_ord_local(y, w, permutations=permutations, seed=seed, alternative=alternative)
    lisa = moran_local(y, w, permutations=permutations, seed=seed, alternative=alternative)
    thr = fdr_threshold(lisa.p_sim, alpha) if permutations else np.nan
    thr_g = fdr_threshold(gi.p_sim, alpha) if permutations else np.nan

    n = len(units)

    def full(values, fill=np.nan, dtype=float):
        out = np.full(n, fill, dtype=dtype)
        out[valid] = values
        return out

    out = pd.DataFrame(index=units.index)
    out[UNIT_ID] = unit_labels(units)
    if COUNTRY in units.columns:
        out[COUNTRY] = units[COUNTRY].to_numpy()
    out[group] = x_all
    out[total] = t_all
    out["share"] = full(share)
    out["lq"] = full(share / (c.x.sum() / c.total.sum()))
    out["local_entropy"] = full(_local_entropy(np.column_stack([c.x, c.total - c.x])))
    out["gi_star"] = full(gi.statistic)
    out["gi_z"] = full(gi.z)
    out["gi_p_sim"] = full(gi.p_sim)
    out["hotspot"] = full(_hotspots(gi.z, gi.p_sim, alpha, gi.islands), "no_data", object)
    out["hotspot_fdr"] = full(_hotspots(gi.z, gi.p_sim, thr_g, gi.islands), "no_data", object)
    out["lisa_i"] = full(lisa.statistic)
    out["lisa_quadrant"] = full(
        np.array([QUADRANT_LABELS[int(q)] for q in lisa.quadrant], dtype=object), None, object
    )
    out["lisa_p_sim"] = full(lisa.p_sim)
    out["lisa_z_sim"] = full(lisa.z_sim)
    out["lisa_q"] = full(fdr_qvalues(lisa.p_sim))
    out["cluster"] = full(
        cluster_labels(lisa.quadrant, lisa.p_sim, alpha, lisa.islands), "no_data", object
    )
    out["cluster_fdr"] = full(
        cluster_labels(lisa.quadrant, lisa.p_sim, thr, lisa.islands), "no_data", object
    )
    out["n_neighbors"] = full(w.cardinalities, -1, int)
    for col in ("hotspot", "hotspot_fdr", "lisa_quadrant", "cluster", "cluster_fdr"):
        out[col] = out[col].astype("string")
    if hasattr(units, "geometry"):
        import geopandas as gpd

        out = gpd.GeoDataFrame(out, geometry=units.geometry.to_numpy(), crs=units.crs)
    out.attrs.update(
        {
            "weights": w.kind,
            "weights_params": dict(w.params),
            "islands": list(w.islands),
            "n_cross_border_links": w.n_cross_border_links,
            "fdr_threshold_lisa": thr,
            "fdr_threshold_gi": thr_g,
            "alpha": alpha,
            "permutations": permutations,
            "alternative": alternative,
            "n_no_data": int((~valid).sum()),
        }
    )
    return out
