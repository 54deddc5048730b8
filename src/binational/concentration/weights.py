"""Spatial weights between census units, on one side of the border or across it.

Builders return a :class:`SpatialWeights`: a sparse ``n × n`` matrix aligned with the rows of the
unit table, the unit ids, and what was done about units without neighbours (islands).

Kinds
-----
``queen`` / ``rook``
    Contiguity. By default two units are neighbours when they share a vertex (queen) or an edge
    (rook) with *exactly* equal coordinates — the rule of ``libpysal.weights.Queen``/``Rook``.
    Census units of two countries never share vertices exactly, and simplified or separately
    digitised layers leave slivers, so contiguity across such gaps needs a snapping
    tolerance: ``border_tolerance`` (metres) for pairs of units of different countries
    (used when ``cross_border=True``) and ``tolerance`` for every pair. Snapped queen pairs are
    units whose geometries lie within the tolerance; snapped rook pairs must also have more
    than ``2 × tolerance`` of one unit's boundary within the tolerance of the other.
``knn``
    The ``k`` nearest unit centroids (not symmetric), as ``libpysal.weights.KNN``.
``distance_band``
    Centroids within ``threshold`` metres; binary, or inverse distance ``d ** alpha``.
``kernel``
    Kernel of centroid distances over a fixed ``bandwidth`` or an adaptive one (distance to the
    ``k``-th nearest centroid), with the functions of ``libpysal.weights.Kernel``
    (triangular, uniform, quadratic, quartic, gaussian); the diagonal holds the self-weight.

Cross-border switch
-------------------
``cross_border=False`` (the default) keeps the sides apart: no weight links units of different
``country``; k-nearest neighbours are then searched within each side. ``cross_border=True``
lets distance-based kinds cross the line naturally and snaps contiguity across it with
``border_tolerance``.

Islands
-------
A unit with no neighbour is an island. ``islands="keep"`` (default) leaves its row empty; local
statistics then report it as ``"island"`` with no p-value. ``islands="attach"`` links each
island to its nearest unit (by geometry, respecting the cross-border switch) with weight 1, as
PySAL ``segregation`` does for its boundary-length weights. ``islands="raise"`` raises
:class:`binational.errors.IndexInputError`. In every case ``SpatialWeights.islands`` lists the
islands found and a log message reports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree

from .._log import get_logger
from ..errors import IndexInputError
from ..schema import COUNTRY
from ._validate import projected_geometry, unit_labels

__all__ = [
    "KERNEL_FUNCTIONS",
    "SpatialWeights",
    "build_weights",
    "contiguity",
    "distance_band",
    "kernel",
    "knn",
]

log = get_logger(__name__)

KINDS = ("queen", "rook", "knn", "distance_band", "kernel")
KERNEL_FUNCTIONS = ("triangular", "uniform", "quadratic", "quartic", "gaussian")
ISLAND_RULES = ("keep", "attach", "raise")


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """Sparse spatial weights aligned with the rows of a unit table.

    Attributes
    ----------
    sparse
        ``n × n`` CSR matrix of weights (row i: the neighbours of unit i).
    ids
        Unit labels (``unit_id`` or the index) in row order.
    kind
        Builder name (``queen``, ``rook``, ``knn``, ``distance_band``, ``kernel``).
    params
        The builder's parameters.
    countries
        Country of each unit, or None when the table has no ``country`` column.
    islands
        Labels of the units that had no neighbour when the weights were built.
    attached
        Island label → label of the unit it was attached to (``islands="attach"``).
    transform
        ``"o"`` (as built), ``"b"`` (binary) or ``"r"`` (rows sum to 1).
    """

    sparse: sp.csr_array
    ids: np.ndarray
    kind: str
    params: dict = field(default_factory=dict)
    countries: np.ndarray | None = None
    islands: tuple[str, ...] = ()
    attached: dict = field(default_factory=dict)
    transform: str = "o"

    @property
    def n(self) -> int:
        return self.sparse.shape[0]

    def _offdiag(self) -> sp.csr_array:
        m = self.sparse.tocsr(copy=True)
        m.setdiag(0)
        m.eliminate_zeros()
        return m

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each unit (the unit itself not counted)."""
        return np.diff(self._offdiag().indptr)

    @property
    def island_mask(self) -> np.ndarray:
        """True for units that currently have no neighbour."""
        return self.cardinalities == 0

    @property
    def n_cross_border_links(self) -> int:
        """Number of non-zero weights joining units of different countries."""
        if self.countries is None:
            return 0
        coo = self._offdiag().tocoo()
        return int((self.countries[coo.row] != self.countries[coo.col]).sum())

    def with_transform(self, transform: str) -> SpatialWeights:
        """Return the weights binarised (``"b"``) or row-standardised (``"r"``).

        Rows of islands stay empty under ``"r"``.
        """
        transform = transform.lower()
        if transform not in ("b", "r", "o"):
            raise IndexInputError(f"transform must be 'b', 'r' or 'o', got {transform!r}")
        if transform == "o":
            return self
        m = self.sparse.tocsr(copy=True)
        if transform == "b":
            m.data = (m.data != 0).astype(float)
        else:
            rows = np.asarray(m.sum(axis=1)).ravel()
            scale = np.divide(1.0, rows, out=np.zeros_like(rows), where=rows != 0)
            m = sp.csr_array(sp.diags_array(scale) @ m)
        return replace(self, sparse=m, transform=transform)

    def with_self_weight(self, value: float | np.ndarray = 1.0) -> SpatialWeights:
        """Return the weights with ``value`` on the diagonal (as ``libpysal``'s fill_diagonal)."""
        m = self.sparse.tolil(copy=True)
        m.setdiag(value)
        return replace(self, sparse=sp.csr_array(m.tocsr()))

    def subset(self, mask: np.ndarray) -> SpatialWeights:
        """Weights among the units where ``mask`` is True (islands recomputed)."""
        mask = np.asarray(mask, dtype=bool)
        m = self.sparse.tocsr()[mask][:, mask]
        sub = replace(
            self,
            sparse=sp.csr_array(m),
            ids=self.ids[mask],
            countries=None if self.countries is None else self.countries[mask],
        )
        return replace(sub, islands=tuple(sub.ids[sub.island_mask]))

    def to_frame(self) -> pd.DataFrame:
        """Adjacency list: one row per non-zero weight (``focal``, ``neighbor``, ``weight``)."""
        coo = self.sparse.tocoo()
        order = np.lexsort((coo.col, coo.row))
        return pd.DataFrame(
            {
                "focal": self.ids[coo.row[order]],
                "neighbor": self.ids[coo.col[order]],
                "weight": coo.data[order],
            }
        )

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (
            f"<SpatialWeights {self.kind} n={self.n} nnz={self.sparse.nnz} "
            f"islands={len(self.islands)} cross_border_links={self.n_cross_border_links}>"
        )


# ----------------------------------------------------------------------------------------------
# helpers


def _countries(units) -> np.ndarray | None:
    if COUNTRY in units.columns:
        return units[COUNTRY].astype(str).to_numpy()
    return None


def _centroids(geoms: np.ndarray) -> np.ndarray:
    return shapely.get_coordinates(shapely.centroid(geoms))


def _pairs_to_matrix(i: np.ndarray, j: np.ndarray, w: np.ndarray, n: int) -> sp.csr_array:
    m = sp.coo_array((w, (i, j)), shape=(n, n)).tocsr()
    m.sum_duplicates()
    m.sort_indices()
    return sp.csr_array(m)


def _drop_cross(i, j, countries, cross_border):
    if cross_border or countries is None:
        return np.ones(len(i), dtype=bool)
    return countries[i] == countries[j]


def _check_choice(value, choices, name):
    if value not in choices:
        raise IndexInputError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _finish(
    matrix: sp.csr_array,
    units,
    geoms: np.ndarray,
    *,
    kind: str,
    params: dict,
    islands: str,
    cross_border: bool,
) -> SpatialWeights:
    ids = unit_labels(units)
    countries = _countries(units)
    w = SpatialWeights(
        sparse=matrix, ids=ids, kind=kind, params=params, countries=countries, transform="o"
    )
    mask = w.island_mask
    found = tuple(ids[mask])
    attached: dict = {}
    if mask.any():
        (log.info if kind == "kernel" else log.warning)(
            "%s weights: %d island(s) (units without neighbours), e.g. %s; islands=%r",
            kind,
            int(mask.sum()),
            ", ".join(found[:5]),
            islands,
        )
        if islands == "raise":
            raise IndexInputError(
                f"{kind} weights: {int(mask.sum())} unit(s) have no neighbour, e.g. "
                f"{', '.join(found[:5])}; pass islands='keep' or 'attach', or use knn weights"
            )
        if islands == "attach" and len(ids) > 1:
            matrix, attached = _attach_islands(matrix, geoms, mask, ids, countries, cross_border)
            w = replace(w, sparse=matrix)
    return replace(w, islands=found, attached=attached)


def _attach_islands(matrix, geoms, mask, ids, countries, cross_border):
    isl = np.flatnonzero(mask)
    attached = {}
    rows, cols = [], []
    for members in _groups(countries, cross_border, len(ids)):
        these = isl[np.isin(isl, members)]
        if not len(these) or len(members) < 2:
            continue
        tree = shapely.STRtree(geoms[members])
        local = np.searchsorted(members, these)
        # nearest other unit of the group (``exclusive`` skips the unit's own geometry)
        src, dst = tree.query_nearest(geoms[these], exclusive=True, all_matches=False)
        for a, b in zip(members[local[src]], members[dst], strict=True):
            rows += [a, b]
            cols += [b, a]
            attached[ids[a]] = ids[b]
    out = matrix.tolil()
    if rows:
        out[np.array(rows), np.array(cols)] = 1.0
    return sp.csr_array(out.tocsr()), attached


# ----------------------------------------------------------------------------------------------
# contiguity


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


# ----------------------------------------------------------------------------------------------
# distance-based


def _groups(countries, cross_border, n):
    if cross_border or countries is None:
        return [np.arange(n)]
    return [np.flatnonzero(countries == c) for c in pd.unique(countries)]


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


def build_weights(units, kind: str = "queen", **kwargs) -> SpatialWeights:
    """Build weights of one ``kind`` (``queen``, ``rook``, ``knn``, ``distance_band``, ``kernel``).

    Keyword arguments go to the builder (:func:`contiguity`, :func:`knn`,
    :func:`distance_band`, :func:`kernel`).

    Parameters
    ----------
    units
        Unit table (GeoDataFrame, projected CRS).
    kind
        ``queen``, ``rook``, ``knn``, ``distance_band`` or ``kernel``.
    **kwargs
        Options of the builder.

    Returns
    -------
    SpatialWeights
    """
    if isinstance(kind, SpatialWeights):
        return kind
    _check_choice(kind, KINDS, "weights kind")
    if kind in ("queen", "rook"):
        return contiguity(units, rook=kind == "rook", **kwargs)
    if kind == "knn":
        return knn(units, **kwargs)
    if kind == "distance_band":
        return distance_band(units, **kwargs)
    return kernel(units, **kwargs)
