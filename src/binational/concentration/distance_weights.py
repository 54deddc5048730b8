"""Weights from centroid distances: k nearest neighbours, distance band, kernel.

Each builder returns a :class:`~binational.concentration.weights.SpatialWeights` aligned with
the rows of the unit table; the cross-border switch and the islands follow the rules of
:mod:`binational.concentration.weights`. Distances are in metres (a CRS in feet is reprojected
first, :func:`binational._crs.to_metric`).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..errors import IndexInputError
from ._validate import projected_geometry
from .weights import (
    ISLAND_RULES,
    KERNEL_FUNCTIONS,
    SpatialWeights,
    _centroids,
    _check_choice,
    _countries,
    _drop_cross,
    _finish,
    _groups,
    _pairs_to_matrix,
)

__all__ = ["distance_band", "kernel", "kernel_values", "knn"]


def knn(units, *, k: int = 5, cross_border: bool = False) -> SpatialWeights:
    """The ``k`` nearest units by centroid distance (binary, not symmetric).

    With ``cross_border=False`` the neighbours are searched among units of the same country.
    """
    geoms = np.asarray(projected_geometry(units, what="knn weights").array)
    n = len(geoms)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise IndexInputError(f"knn weights: k must be a positive integer, got {k!r}")
    countries = _countries(units)
    xy = _centroids(geoms)
    rows, cols = [], []
    for members in _groups(countries, cross_border, n):
        if len(members) <= k:
            raise IndexInputError(
                f"knn weights: k={k} but only {len(members)} unit(s)"
                + ("" if cross_border or countries is None else " on one side")
                + "; k must be below the number of units"
            )
        _, nn = cKDTree(xy[members]).query(xy[members], k=k + 1)
        self_pos = nn == np.arange(len(members))[:, None]
        # drop the unit itself (or the farthest when coincident points push it out)
        drop = np.where(self_pos.any(axis=1), self_pos.argmax(axis=1), k)
        keep = np.ones_like(nn, dtype=bool)
        keep[np.arange(len(members)), drop] = False
        nbr = nn[keep].reshape(len(members), k)
        rows.append(np.repeat(members, k))
        cols.append(members[nbr.ravel()])
    i, j = np.concatenate(rows), np.concatenate(cols)
    m = _pairs_to_matrix(i, j, np.ones(len(i)), n)
    params = {"k": k, "cross_border": cross_border}
    return _finish(m, units, geoms, kind="knn", params=params, islands="keep", cross_border=True)


def _pairs_within(xy: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs = cKDTree(xy).query_pairs(r, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    d = np.hypot(*(xy[i] - xy[j]).T)
    return np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([d, d])


def distance_band(
    units,
    *,
    threshold: float,
    binary: bool = True,
    alpha: float = -1.0,
    cross_border: bool = False,
    islands: str = "keep",
) -> SpatialWeights:
    """Units whose centroids lie within ``threshold`` (CRS units) of each other.

    ``binary=False`` weights each pair by ``distance ** alpha`` (inverse distance by default).
    """
    _check_choice(islands, ISLAND_RULES, "islands")
    geoms = np.asarray(projected_geometry(units, what="distance-band weights").array)
    if not threshold or threshold <= 0:
        raise IndexInputError(f"distance-band weights: threshold must be > 0, got {threshold!r}")
    n = len(geoms)
    countries = _countries(units)
    i, j, d = _pairs_within(_centroids(geoms), threshold)
    keep = _drop_cross(i, j, countries, cross_border)
    i, j, d = i[keep], j[keep], d[keep]
    if binary:
        w = np.ones(len(d))
    else:
        if (d == 0).any():
            raise IndexInputError(
                "distance-band weights: coincident centroids make inverse-distance weights "
                "infinite; use binary=True"
            )
        w = d**alpha
    m = _pairs_to_matrix(i, j, w, n)
    params = {"threshold": threshold, "binary": binary, "alpha": alpha}
    params["cross_border"] = cross_border
    return _finish(
        m,
        units,
        geoms,
        kind="distance_band",
        params=params,
        islands=islands,
        cross_border=cross_border,
    )


def kernel_values(z: np.ndarray, function: str, *, normalize: bool = True) -> np.ndarray:
    """Kernel of standardised distances ``z = d / bandwidth`` (``libpysal`` conventions)."""
    if function == "triangular":
        return 1 - z
    if function == "uniform":
        return np.full_like(z, 0.5)
    if function == "quadratic":
        return 0.75 * (1 - z**2)
    if function == "quartic":
        return (15.0 / 16) * (1 - z**2) ** 2
    if function == "gaussian":
        c = (2 * np.pi) ** -0.5 if normalize else 1.0
        return c * np.exp(-(z**2) / 2.0)
    raise IndexInputError(
        f"kernel function must be one of {', '.join(KERNEL_FUNCTIONS)}; got {function!r}"
    )


def kernel(
    units,
    *,
    bandwidth: float | None = None,
    k: int | None = None,
    function: str = "triangular",
    cross_border: bool = False,
    diagonal: float | None = None,
) -> SpatialWeights:
    """Kernel weights of centroid distances, diagonal included (``libpysal.weights.Kernel``).

    Parameters
    ----------
    bandwidth
        Fixed bandwidth in CRS units: every pair of centroids closer than it (inclusive).
    k
        Adaptive bandwidth instead: the distance to each unit's ``k``-th nearest centroid
        (times 1.0000001, as libpysal); the neighbours are those ``k`` units and the unit.
    function
        One of :data:`KERNEL_FUNCTIONS`.
    diagonal
        Self-weight to put on the diagonal instead of the kernel at distance 0 (``1.0`` is what
        PySAL ``segregation`` uses for its local environments).
    """
    _check_choice(function, KERNEL_FUNCTIONS, "kernel function")
    geoms = np.asarray(projected_geometry(units, what="kernel weights").array)
    n = len(geoms)
    countries = _countries(units)
    xy = _centroids(geoms)
    if (bandwidth is None) == (k is None):
        raise IndexInputError("kernel weights: give exactly one of bandwidth= or k=")
    if bandwidth is not None:
        if bandwidth <= 0:
            raise IndexInputError(f"kernel weights: bandwidth must be > 0, got {bandwidth!r}")
        i, j, d = _pairs_within(xy, bandwidth)
        keep = _drop_cross(i, j, countries, cross_border)
        i, j, d = i[keep], j[keep], d[keep]
        i = np.concatenate([np.arange(n), i])
        j = np.concatenate([np.arange(n), j])
        d = np.concatenate([np.zeros(n), d])
        bw = np.full(n, float(bandwidth))
    else:
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise IndexInputError(f"kernel weights: k must be a positive integer, got {k!r}")
        bw = np.empty(n)
        rows, cols, dists = [], [], []
        for members in _groups(countries, cross_border, n):
            if len(members) <= k:
                raise IndexInputError(
                    f"kernel weights: k={k} but only {len(members)} unit(s) to choose from"
                )
            dist, nn = cKDTree(xy[members]).query(xy[members], k=k + 1)
            bw[members] = dist[:, -1] * 1.0000001
            rows.append(np.repeat(members, k + 1))
            cols.append(members[nn.ravel()])
            dists.append(dist.ravel())
        i, j, d = np.concatenate(rows), np.concatenate(cols), np.concatenate(dists)
    w = kernel_values(d / bw[i], function)
    m = _pairs_to_matrix(i, j, w, n)
    params = {"bandwidth": bandwidth, "k": k, "function": function, "cross_border": cross_border}
    out = _finish(
        m, units, geoms, kind="kernel", params=params, islands="keep", cross_border=cross_border
    )
    if diagonal is not None:
        out = out.with_self_weight(diagonal)
    return out
