"""Local indicators of spatial association: Getis–Ord Gi* and local Moran's I, with FDR.

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

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import special

from ..errors import IndexInputError
from .inference import rng_for
from .weights import SpatialWeights, WeightsLike, _foreign_matrix

__all__ = [
    "LOCAL_ALTERNATIVES",
    "QUADRANT_LABELS",
    "LocalResult",
    "cluster_labels",
    "fdr_qvalues",
    "fdr_threshold",
    "getis_ord_local",
    "hotspot_labels",
    "moran_local",
    "permutation_ids",
]

LOCAL_ALTERNATIVES = ("directed", "greater", "lesser", "folded", "two-sided")
QUADRANT_LABELS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
_BLOCK = 4_000_000


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


def _matrix(weights: WeightsLike) -> sp.csr_array:
    """The weights as a CSR matrix in the row order of the values (W/Graph: their id order)."""
    if isinstance(weights, SpatialWeights):
        return sp.csr_array(weights.sparse, dtype=float)
    return _foreign_matrix(weights)[0]


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


def _result(stat: np.ndarray, w: sp.csr_array, **extra) -> LocalResult:
    """A result without inference yet (NaN p-values; islands from the weights)."""
    n = len(stat)
    _, other = _split_self(w)
    return LocalResult(
        statistic=stat,
        p_sim=np.full(n, np.nan),
        expected_sim=np.full(n, np.nan),
        std_sim=np.full(n, np.nan),
        z_sim=np.full(n, np.nan),
        islands=np.diff(other.indptr) == 0,
        **extra,
    )


def _with_inference(res, values, w, scaling, stat, permutations, rng, ids, keep, alternative):
    """``res`` with the conditional-permutation inference of its statistic filled in."""
    if not permutations and ids is None:
        return res
    self_w, other = _split_self(w)
    reps = ids.shape[0] if ids is not None else permutations
    p, mean, std, zs, _, sims = _simulate(
        values, res.statistic, self_w, other, scaling, stat, reps, rng, ids, keep, alternative
    )
    res.p_sim, res.expected_sim, res.std_sim, res.z_sim, res.sims = p, mean, std, zs, sims
    return res


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
    res = _result(stat, w, quadrant=quadrant)
    return _with_inference(
        res,
        z,
        w,
        scaling,
        "moran",
        permutations,
        rng_for(seed, 10),
        permuted_ids,
        keep_simulations,
        alternative,
    )


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
    res = _result(stat, w, z=z, p_norm=special.ndtr(-np.abs(z)))
    return _with_inference(
        res,
        y,
        w,
        total,
        "g",
        permutations,
        rng_for(seed, 11),
        permuted_ids,
        keep_simulations,
        alternative,
    )


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


def hotspot_labels(
    z: np.ndarray, p: np.ndarray, threshold: float, islands: np.ndarray
) -> np.ndarray:
    """``hot``/``cold`` (sign of the Gi* z-score) where ``p < threshold``, else ``ns``; islands
    ``island``."""
    out = np.where(p < threshold, np.where(z > 0, "hot", "cold"), "ns").astype(object)
    out[islands] = "island"
    return out
