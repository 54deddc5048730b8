"""Spatial weights between census units, on one side of the border or across it.

Builders return a :class:`SpatialWeights`: a sparse ``n × n`` matrix aligned with the rows of the
unit table, the unit ids, and what was done about units without neighbours (islands).

Kinds
-----
``queen`` / ``rook``
    Contiguity, exact or snapped across gaps (:mod:`binational.concentration.contiguity`).
``knn``
    The ``k`` nearest unit centroids (not symmetric), as ``libpysal.weights.KNN``.
``distance_band``
    Centroids within ``threshold`` metres; binary, or inverse distance ``d ** alpha``.
``kernel``
    Kernel of centroid distances over a fixed ``bandwidth`` or an adaptive one (distance to the
    ``k``-th nearest centroid), with the functions of ``libpysal.weights.Kernel``
    (triangular, uniform, quadratic, quartic, gaussian); the diagonal holds the self-weight.

The distance-based builders live in :mod:`binational.concentration.distance_weights`.

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

Your own weights
----------------
Wherever weights are accepted, a libpysal ``W`` or ``Graph`` (or a scipy sparse matrix in row
order) is accepted too: :func:`as_spatial_weights` aligns it with the unit table by its ids
(``unit_id`` or the index), or by position when its ids are ``0 … n − 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from .._log import get_logger
from ..errors import IndexInputError
from ..schema import COUNTRY
from ._validate import unit_labels

__all__ = [
    "KERNEL_FUNCTIONS",
    "SpatialWeights",
    "WeightsLike",
    "as_spatial_weights",
    "build_weights",
]

log = get_logger(__name__)

KINDS = ("queen", "rook", "knn", "distance_band", "kernel")
KERNEL_FUNCTIONS = ("triangular", "uniform", "quadratic", "quartic", "gaussian")
ISLAND_RULES = ("keep", "attach", "raise")

#: What a ``weights=`` argument takes: :class:`SpatialWeights`, a libpysal ``W`` or ``Graph``,
#: or a scipy sparse matrix (see :func:`as_spatial_weights`).
WeightsLike: TypeAlias = "SpatialWeights | sp.sparray | sp.spmatrix | Any"


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

    def within_sides(self) -> SpatialWeights:
        """The weights without the links between units of different countries."""
        if self.countries is None or not self.n_cross_border_links:
            return self
        coo = self.sparse.tocoo()
        same = (self.countries[coo.row] == self.countries[coo.col]) | (coo.row == coo.col)
        m = _pairs_to_matrix(coo.row[same], coo.col[same], coo.data[same], self.n)
        out = replace(self, sparse=m)
        return replace(out, islands=tuple(out.ids[out.island_mask]))

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


def _groups(countries, cross_border, n):
    if cross_border or countries is None:
        return [np.arange(n)]
    return [np.flatnonzero(countries == c) for c in pd.unique(countries)]


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


def build_weights(units, kind: str = "queen", **kwargs) -> SpatialWeights:
    """Build weights of one ``kind`` (``queen``, ``rook``, ``knn``, ``distance_band``, ``kernel``).

    Parameters
    ----------
    units
        Unit table (GeoDataFrame in a projected CRS).
    kind
        Weights kind; a :class:`SpatialWeights`, libpysal ``W`` or ``Graph`` is returned
        aligned with ``units`` (:func:`as_spatial_weights`).
    **kwargs
        Passed to the builder (:func:`~binational.concentration.contiguity.contiguity`,
        :func:`knn`, :func:`distance_band`, :func:`kernel`).

    Returns
    -------
    SpatialWeights
        Weights aligned with the rows of ``units``.
    """
    if not isinstance(kind, str):
        return as_spatial_weights(kind, units)
    from . import contiguity, distance_weights

    _check_choice(kind, KINDS, "weights kind")
    if kind in ("queen", "rook"):
        return contiguity.contiguity(units, rook=kind == "rook", **kwargs)
    if kind == "knn":
        return distance_weights.knn(units, **kwargs)
    if kind == "distance_band":
        return distance_weights.distance_band(units, **kwargs)
    return distance_weights.kernel(units, **kwargs)


# ----------------------------------------------------------------------------------------------
# weights built elsewhere (libpysal W / Graph, scipy sparse)


def _foreign_matrix(weights) -> tuple[sp.csr_array, np.ndarray | None, str]:
    """(matrix, ids in row order or None, kind) of a libpysal W/Graph or a sparse matrix."""
    if sp.issparse(weights):
        return sp.csr_array(weights, dtype=float), None, "sparse"
    if hasattr(weights, "unique_ids") and hasattr(weights, "adjacency"):  # libpysal Graph
        return sp.csr_array(weights.sparse, dtype=float), np.asarray(weights.unique_ids), "graph"
    if hasattr(weights, "id_order") and hasattr(weights, "neighbors"):  # libpysal W
        return sp.csr_array(weights.sparse, dtype=float), np.asarray(weights.id_order), "w"
    raise IndexInputError(
        "weights must be a kind name, SpatialWeights, a libpysal W or Graph, or a scipy sparse "
        f"matrix; got {type(weights).__name__}"
    )


def _order(ids: np.ndarray, units) -> np.ndarray:
    """Row of the weights for each unit of ``units``, matching ids by unit_id, index or position."""
    keys = pd.Index(pd.Series(ids).astype(str))
    candidates = [unit_labels(units), units.index.astype(str).to_numpy()]
    for labels in candidates:
        pos = keys.get_indexer(labels)
        if keys.is_unique and (pos >= 0).all():
            return pos
    if len(ids) == len(units) and np.array_equal(ids, np.arange(len(ids))):
        return np.arange(len(ids))
    missing = [x for x in candidates[0] if x not in set(keys)][:3]
    raise IndexInputError(
        f"weights: ids do not match the units' unit_id or index (e.g. units {missing} have no "
        "row in the weights); build the weights from the same table"
    )


def as_spatial_weights(weights: WeightsLike, units) -> SpatialWeights:
    """Return ``weights`` as :class:`SpatialWeights` aligned with the rows of ``units``.

    Parameters
    ----------
    weights
        A :class:`SpatialWeights` (checked for size), a libpysal ``W`` or ``Graph`` (rows matched
        to the units by ``unit_id``, then by index, then by position when the ids are
        ``0 … n − 1``; units absent from ``units`` are dropped), or a scipy sparse matrix in
        row order. Values are kept as given (a row-standardised ``W`` stays so).
    units
        Unit table the weights are for.

    Returns
    -------
    SpatialWeights
        Kind ``"libpysal W"``, ``"libpysal Graph"`` or ``"sparse"`` for foreign weights.
    """
    if isinstance(weights, SpatialWeights):
        if weights.n != len(units):
            raise IndexInputError(f"weights have {weights.n} units, the table has {len(units)}")
        return weights
    matrix, ids, kind = _foreign_matrix(weights)
    if matrix.shape[0] != matrix.shape[1]:
        raise IndexInputError(f"weights: matrix is {matrix.shape}, not square")
    if ids is None:
        if matrix.shape[0] != len(units):
            raise IndexInputError(
                f"weights: matrix has {matrix.shape[0]} rows, the table has {len(units)}"
            )
    else:
        pos = _order(ids, units)
        matrix = sp.csr_array(matrix[pos][:, pos])
    matrix.eliminate_zeros()
    matrix.sort_indices()
    out = SpatialWeights(
        sparse=matrix,
        ids=unit_labels(units),
        kind={"w": "libpysal W", "graph": "libpysal Graph"}.get(kind, kind),
        params={"source": type(weights).__name__},
        countries=_countries(units),
    )
    return replace(out, islands=tuple(out.ids[out.island_mask]))
