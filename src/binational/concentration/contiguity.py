"""Queen and rook contiguity between census units, exact or snapped across gaps.

Two units are neighbours when they share a vertex (queen) or an edge (rook) with *exactly*
equal coordinates — the rule of ``libpysal.weights.Queen``/``Rook``. Census units of two
countries never share vertices exactly, and simplified or separately digitised layers leave
slivers, so contiguity across such gaps needs a snapping tolerance: ``border_tolerance``
(metres) for pairs of units of different countries (used when ``cross_border=True``) and
``tolerance`` for every pair. Snapped queen pairs are units whose geometries lie within the
tolerance; snapped rook pairs must also have more than ``2 × tolerance`` of one unit's boundary
within the tolerance of the other. Islands follow the rules of :mod:`.weights`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import shapely

from ..errors import IndexInputError
from ._validate import projected_geometry
from .weights import (
    ISLAND_RULES,
    SpatialWeights,
    _check_choice,
    _countries,
    _drop_cross,
    _finish,
    _pairs_to_matrix,
)

__all__ = ["contiguity"]


def _shared_keys(geoms: np.ndarray, rook: bool) -> tuple[np.ndarray, np.ndarray]:
    """(unit index, key id) pairs: shared exact vertices (queen) or edges (rook)."""
    parts, part_unit = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    unit = part_unit[ring_part[ring_idx]]
    if rook:
        same = ring_idx[1:] == ring_idx[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        unit = unit[:-1][same]
        swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
        lo = np.where(swap[:, None], b, a)
        hi = np.where(swap[:, None], a, b)
        keys = np.hstack([lo, hi])
    else:
        keys = coords
    _, key_id = np.unique(keys, axis=0, return_inverse=True)
    return unit, key_id.ravel()


def _exact_contiguity(geoms: np.ndarray, rook: bool) -> tuple[np.ndarray, np.ndarray]:
    n = len(geoms)
    unit, key = _shared_keys(geoms, rook)
    inc = sp.csr_array((np.ones(len(unit)), (unit, key)), shape=(n, key.max() + 1 if n else 0))
    inc.data[:] = 1.0
    adj = (inc @ inc.T).tocoo()
    off = adj.row != adj.col
    return adj.row[off], adj.col[off]


def _snapped_contiguity(
    geoms: np.ndarray, tol: float, rook: bool, pair_filter=None
) -> tuple[np.ndarray, np.ndarray]:
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="dwithin", distance=tol)
    keep = i < j
    if pair_filter is not None:
        keep &= pair_filter(i, j)
    i, j = i[keep], j[keep]
    if rook and len(i):
        zone_j = shapely.buffer(geoms[j], tol)
        zone_i = shapely.buffer(geoms[i], tol)
        shared_ij = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), zone_j))
        shared_ji = shapely.length(shapely.intersection(shapely.boundary(geoms[j]), zone_i))
        ok = np.maximum(shared_ij, shared_ji) > 2 * tol
        i, j = i[ok], j[ok]
    return np.concatenate([i, j]), np.concatenate([j, i])


def contiguity(
    units,
    *,
    rook: bool = False,
    cross_border: bool = False,
    border_tolerance: float = 50.0,
    tolerance: float | None = None,
    islands: str = "keep",
) -> SpatialWeights:
    """Queen (or rook) contiguity between units.

    Parameters
    ----------
    units
        Unit table (GeoDataFrame, projected CRS).
    rook
        Require a shared edge rather than a shared vertex.
    cross_border
        Allow neighbours across the border (units of different ``country``).
    border_tolerance
        Snapping distance in CRS units (metres) for pairs of units of different countries;
        used only when ``cross_border`` is True.
    tolerance
        Snapping distance for every pair (``None``: exact shared vertices/edges only).
    islands
        ``"keep"``, ``"attach"`` or ``"raise"`` (see the module notes).

    Returns
    -------
    SpatialWeights
        Binary weights with an empty diagonal.
    """
    _check_choice(islands, ISLAND_RULES, "islands")
    kind = "rook" if rook else "queen"
    geoms = np.asarray(projected_geometry(units, what=f"{kind} weights").array)
    n = len(geoms)
    countries = _countries(units)
    i, j = _exact_contiguity(geoms, rook)
    parts_i, parts_j = [i], [j]
    if tolerance is not None:
        if tolerance < 0:
            raise IndexInputError(f"tolerance must be >= 0, got {tolerance}")
        a, b = _snapped_contiguity(geoms, tolerance, rook)
        parts_i.append(a)
        parts_j.append(b)
    if cross_border and countries is not None and border_tolerance is not None:
        if border_tolerance < 0:
            raise IndexInputError(f"border_tolerance must be >= 0, got {border_tolerance}")
        a, b = _snapped_contiguity(
            geoms, border_tolerance, rook, pair_filter=lambda i, j: countries[i] != countries[j]
        )
        parts_i.append(a)
        parts_j.append(b)
    i, j = np.concatenate(parts_i), np.concatenate(parts_j)
    keep = _drop_cross(i, j, countries, cross_border)
    m = _pairs_to_matrix(i[keep], j[keep], np.ones(int(keep.sum())), n)
    m.data[:] = 1.0
    params = {
        "cross_border": cross_border,
        "border_tolerance": border_tolerance if cross_border else None,
        "tolerance": tolerance,
        "islands": islands,
    }
    return _finish(
        m, units, geoms, kind=kind, params=params, islands=islands, cross_border=cross_border
    )
