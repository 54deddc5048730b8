"""Spatial single-group indices.

Local environment
    Each unit's counts are replaced by the kernel-weighted sum of the counts of every unit
    whose centroid lies within the bandwidth, its own counts with weight 1
    (:func:`local_environment`). Any aspatial index computed on those sums is its spatial
    version (Reardon & O'Sullivan 2004): ``spatial_dissimilarity`` and ``spatial_isolation`` —
    and, by the same rule, ``spatial_<index>`` for every index of
    :mod:`binational.concentration.singlegroup`. This is what PySAL ``segregation`` 2.5 does
    when an index is given ``distance=`` (``_build_local_environment``: a
    ``libpysal.weights.Kernel`` over centroids, diagonal set to 1, sums rounded to whole
    persons); ``round_counts=True`` (the default) keeps that rounding so values agree with it.
    The environment crosses the border whenever the units of both sides are passed together
    (``cross_border=True``, the default here); pass ``cross_border=False`` to keep sides apart.

Spatial proximity SP (White 1983)
    ``SP = (X Pxx + Y Pyy) / (T Ptt)`` with ``Pxx = Σ_ij x_i x_j c_ij / X²`` and the proximity
    ``c_ij = 1 − exp(−d_ij / Σ_k d_kj)`` between centroids (``c_ii = 1 − exp(−(α a_i)^β)``,
    ``a_i`` the unit area), exactly as PySAL ``segregation``'s ``SpatialProximity``.

Adjusted dissimilarity (Morrill 1991)
    ``D − Σ_ij w_ij |p_i − p_j| / Σ_ij w_ij`` over contiguity weights (queen by default),
    PySAL's ``SpatialDissim``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.spatial.distance import cdist

from ..errors import IndexInputError
from ..schema import POP_TOTAL
from ._validate import counts, numeric_columns, projected_geometry
from .contiguity import contiguity
from .distance_weights import kernel
from .singlegroup import _dissim, _isolation, _shares
from .weights import WeightsLike, as_spatial_weights

__all__ = [
    "DEFAULT_BANDWIDTH",
    "adjusted_dissimilarity",
    "environment_matrix",
    "local_environment",
    "proximity_matrix",
    "spatial_dissimilarity",
    "spatial_isolation",
    "spatial_proximity",
]

#: Default kernel bandwidth (metres) of the local environment.
DEFAULT_BANDWIDTH = 2000.0


def environment_matrix(
    units,
    *,
    bandwidth: float = DEFAULT_BANDWIDTH,
    function: str = "triangular",
    cross_border: bool = True,
    weights: WeightsLike | None = None,
) -> sp.csr_array:
    """Sparse matrix ``K`` such that ``K @ counts`` gives each unit's local environment.

    ``weights`` (e.g. from :func:`binational.concentration.distance_weights.kernel`, or a libpysal
    ``W``/``Graph``) replaces the default kernel; its diagonal is set to 1 either way.
    """
    if weights is None:
        weights = kernel(units, bandwidth=bandwidth, function=function, cross_border=cross_border)
    else:
        weights = as_spatial_weights(weights, units)
    return weights.with_self_weight(1.0).sparse


def _env(matrix: sp.csr_array, values: np.ndarray, round_counts: bool) -> np.ndarray:
    """Apply ``matrix`` along the last axis of ``values`` (shape ``(..., n)``)."""
    flat = values.reshape(-1, values.shape[-1])
    out = np.asarray(matrix @ flat.T).T.reshape(values.shape)
    return np.round(out) if round_counts else out


def local_environment(
    units,
    columns: str | list[str],
    *,
    bandwidth: float = DEFAULT_BANDWIDTH,
    function: str = "triangular",
    cross_border: bool = True,
    weights: WeightsLike | None = None,
    round_counts: bool = True,
):
    """Kernel-weighted sums of count ``columns`` around each unit.

    Parameters
    ----------
    units
        Unit table (GeoDataFrame, projected CRS).
    columns
        Count column(s) to sum.
    bandwidth, function
        Kernel over centroid distances (see
        :func:`binational.concentration.distance_weights.kernel`).
    cross_border
        Let environments reach across the border when both sides are in ``units``.
    weights
        Precomputed kernel weights instead of ``bandwidth``/``function`` (SpatialWeights or
        a libpysal ``W``/``Graph``).
    round_counts
        Round the sums to whole persons, as PySAL ``segregation`` does.

    Returns
    -------
    GeoDataFrame
        Same rows, index and geometry as ``units`` with the summed columns.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    arrays = numeric_columns(units, cols, what="local environment")
    projected_geometry(units, what="local environment")
    matrix = environment_matrix(
        units, bandwidth=bandwidth, function=function, cross_border=cross_border, weights=weights
    )
    values = np.vstack([np.nan_to_num(arrays[c]) for c in cols])
    summed = _env(matrix, values, round_counts)
    out = units[[units.geometry.name]].copy()
    for c, v in zip(cols, summed, strict=True):
        out[c] = v
    return out[[*cols, units.geometry.name]]


def proximity_matrix(units, *, alpha: float = 0.6, beta: float = 0.5) -> np.ndarray:
    """Dense ``n × n`` proximity matrix ``c_ij`` of White's spatial proximity index."""
    if alpha < 0 or beta < 0:
        raise IndexInputError(f"spatial proximity: alpha and beta must be >= 0 ({alpha}, {beta})")
    geoms = np.asarray(projected_geometry(units, what="spatial proximity").array)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    d = cdist(xy, xy)
    d = d / d.sum(axis=1)  # as segregation: column j divided by the row sum of j
    prox = 1.0 - np.exp(-d)
    np.fill_diagonal(prox, 1.0 - np.exp(-((alpha * shapely.area(geoms)) ** beta)))
    return prox


def _spatial_proximity(x: np.ndarray, t: np.ndarray, prox: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    if t.ndim == 2 and t.shape[0] > 1 and t.strides[0] == 0:
        t = t[0]  # one total shared by every replicate (a broadcast view): one product less
    X, T = x.sum(axis=-1), t.sum(axis=-1)
    Y = T - X
    ax = x @ prox
    qx = (ax * x).sum(axis=-1)
    if t.ndim == 1:
        at = t @ prox
        qt = at @ t
        # y' C y = t' C t − x' C t − t' C x + x' C x
        qy = qt - (x * at).sum(axis=-1) - (ax * t).sum(axis=-1) + qx
    else:
        x, t = np.broadcast_arrays(x, t)
        y = t - x
        ay = y @ prox
        qy = (ay * y).sum(axis=-1)
        qt = ((ax + ay) * t).sum(axis=-1)  # t' C t = (x + y)' C (x + y)
    pxx, pyy, ptt = qx / X**2, qy / Y**2, qt / T**2
    return (X * pxx + Y * pyy) / (T * ptt)


def _adjusted_dissim(x: np.ndarray, t: np.ndarray, adj: sp.coo_array) -> np.ndarray:
    p = _shares(x, t)
    diff = np.abs(p[..., adj.row] - p[..., adj.col])
    return _dissim(x, t) - (diff * adj.data).sum(axis=-1) / adj.data.sum()


def adjacency_for_morrill(
    units, weights: WeightsLike | None = None, standardize: bool = False
) -> sp.coo_array:
    """Contiguity weights (queen by default) as COO for the adjusted dissimilarity."""
    w = as_spatial_weights(weights, units) if weights is not None else contiguity(units)
    m = w.sparse.tocsr()
    if standardize:
        m = w.with_transform("r").sparse
    m = sp.coo_array(m)
    if m.nnz == 0:
        raise IndexInputError("adjusted dissimilarity: the weights have no neighbour pairs")
    return m


def _subset(units, c):
    return units if c.keep.all() else units[c.keep]


def spatial_proximity(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    alpha: float = 0.6,
    beta: float = 0.5,
    dropna: bool = False,
) -> float:
    """White's spatial proximity index SP (1 no clustering; above 1 the group clusters).

    Parameters
    ----------
    units
        Unit table (GeoDataFrame, projected CRS), one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    alpha, beta
        Parameters of a unit's proximity to itself, ``1 - exp(-(alpha * area) ** beta)``, as in
        PySAL ``segregation`` (see :func:`proximity_matrix`).
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    c = counts(units, group, total, dropna=dropna, what="spatial proximity")
    prox = proximity_matrix(_subset(units, c), alpha=alpha, beta=beta)
    return float(_spatial_proximity(c.x, c.total, prox))


def _spatial_from_env(func, units, group, total, dropna, what, **kw) -> float:
    c = counts(units, group, total, dropna=dropna, what=what)
    sub = _subset(units, c)
    round_counts = kw.pop("round_counts", True)
    matrix = environment_matrix(sub, **kw)
    ex = _env(matrix, c.x, round_counts)
    et = _env(matrix, c.total, round_counts)
    return float(func(ex, et))


def spatial_dissimilarity(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    bandwidth: float = DEFAULT_BANDWIDTH,
    function: str = "triangular",
    cross_border: bool = True,
    weights: WeightsLike | None = None,
    round_counts: bool = True,
    dropna: bool = False,
) -> float:
    """Dissimilarity of local environments (see the module notes).

    Parameters
    ----------
    units
        Unit table (GeoDataFrame, projected CRS), one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    bandwidth, function
        Kernel over centroid distances, metres (see :func:`binational.concentration.weights.kernel`).
    cross_border
        Let local environments reach across the border when both sides are in ``units``.
    weights
        Precomputed kernel weights instead of ``bandwidth``/``function``.
    round_counts
        Round the environment sums to whole persons, as PySAL ``segregation`` does.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    return _spatial_from_env(
        _dissim,
        units,
        group,
        total,
        dropna,
        "spatial dissimilarity",
        bandwidth=bandwidth,
        function=function,
        cross_border=cross_border,
        weights=weights,
        round_counts=round_counts,
    )


def spatial_isolation(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    bandwidth: float = DEFAULT_BANDWIDTH,
    function: str = "triangular",
    cross_border: bool = True,
    weights: WeightsLike | None = None,
    round_counts: bool = True,
    dropna: bool = False,
) -> float:
    """Isolation of local environments (see the module notes).

    Parameters
    ----------
    units
        Unit table (GeoDataFrame, projected CRS), one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    bandwidth, function
        Kernel over centroid distances, metres (see :func:`binational.concentration.weights.kernel`).
    cross_border
        Let local environments reach across the border when both sides are in ``units``.
    weights
        Precomputed kernel weights instead of ``bandwidth``/``function``.
    round_counts
        Round the environment sums to whole persons, as PySAL ``segregation`` does.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    return _spatial_from_env(
        _isolation,
        units,
        group,
        total,
        dropna,
        "spatial isolation",
        bandwidth=bandwidth,
        function=function,
        cross_border=cross_border,
        weights=weights,
        round_counts=round_counts,
    )


def adjusted_dissimilarity(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    weights: WeightsLike | None = None,
    standardize: bool = False,
    dropna: bool = False,
) -> float:
    """Morrill's contiguity-adjusted dissimilarity D(adj) (queen weights by default).

    Parameters
    ----------
    units
        Unit table (GeoDataFrame), one row per unit.
    group, total
        Count columns; ``group`` must not exceed ``total`` in any unit.
    weights
        Contiguity weights (default: queen contiguity of ``units``).
    standardize
        Row-standardise the weights.
    dropna
        Drop units with a missing count instead of raising (they are logged).

    Returns
    -------
    float
        The index value.
    """
    c = counts(units, group, total, dropna=dropna, what="adjusted dissimilarity")
    sub = _subset(units, c)
    if weights is not None and not c.keep.all():
        weights = as_spatial_weights(weights, units).subset(c.keep)
    adj = adjacency_for_morrill(sub, weights, standardize)
    return float(_adjusted_dissim(c.x, c.total, adj))
