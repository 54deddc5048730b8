"""Isochrone polygons from node travel times, clipped to land, and the population inside them.

Three ways to turn "nodes within T" into a polygon are offered:

``"grid"`` (default)
    The ``"buffer"`` set below computed on a 50 m grid (:mod:`~binational.catchments.isogrid`):
    every band of a port and side is a contour of one travel-time grid, and the population
    inside is counted on the same grid. Same polygons as ``"buffer"`` to within a cell (area
    +0.4 to +1 %, population +0.4 to +1 % against exact areal weighting of the ``"buffer"``
    polygon on Tijuana–San Diego), several times faster (``benchmarks/catchments.py``).
``"buffer"``
    The reachable part of every edge — whole edges, plus the reachable stretch of the edges on
    the frontier, cut at the exact fraction the remaining time allows — buffered by
    ``buffer_m`` metres and merged. The polygon is, by construction, the land within
    ``buffer_m`` of a road you can reach in time: it follows the network, leaves out the gaps
    between reachable roads (canyons, mesas, unbuilt land) and never bridges two roads that
    are only connected far away.
``"hull"``
    A concave hull (``shapely.concave_hull``) of the reachable nodes and frontier points,
    buffered by ``buffer_m``. It fills the gaps between reachable roads.

Why the buffered set (400 m, holes under 1 km² filled) is the default — measured by
``benchmarks/catchments.py`` on the Tijuana–San Diego network (San Ysidro and Otay Mesa,
northbound, both sides, bands 15–60 min; 32 polygons), against the population of the units whose
own snapped node is reached in time (the per-unit table's definition):

=====================================  ==========  ========  ==============  =========  =====
variant                                mean |err|  median    signed MX / US  area km²   time
=====================================  ==========  ========  ==============  =========  =====
buffer 200 m                           22.1 %      21.9 %    −28 % / −16 %    7,589     4.9 s
buffer 400 m                           12.9 %      11.4 %    −0.4 % / +1.0 %  10,488    4.1 s
buffer 400 m, holes < 1 km² filled     12.5 %      10.3 %    +1.9 % / +2.3 %  10,713    4.2 s
buffer 800 m                           16.9 %       6.0 %    +19 % / +11 %    13,303    4.1 s
concave hull (ratio 0.05) + 200 m       6.8 %       2.5 %    +6.7 % / +5.0 %  13,997    4.0 s
=====================================  ==========  ========  ==============  =========  =====

Time does not separate them (the areal weighting dominates). The hull's scatter is lower, but
it is biased upward on both sides and covers 30 % more land for the same people: it bridges the
canyons, mesas and undeveloped land between reachable roads. Buffered edges at 400 m are
unbiased in aggregate (the SANDAG model network lacks most local streets; 200 m misses the
blocks between arterials, 800 m spills over), follow the network, and never claim land that no
reachable road serves; their larger scatter is that of areal weighting itself (a polygon
covers parts of many units, the unit-level count takes units whole). Filling holes under
1 km² (gaps enclosed by reachable roads, i.e. neighbourhoods on unmodelled local streets)
nudges the result without bridging real gaps.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import ops

from .. import schema
from .._coverage import union_polygons
from .._defaults import ISOCHRONE_METHODS
from .._log import get_logger
from ..errors import SchemaError
from .graph import SparseGraph

__all__ = [
    "ISOCHRONE_METHODS",
    "area_weighted_population",
    "fill_holes",
    "isochrone_polygon",
    "isochrone_polygons",
    "land_by_side",
    "reachable_segments",
]

log = get_logger(__name__)

DEFAULT_BUFFER_M = 400.0
DEFAULT_FILL_HOLES_KM2 = 1.0


def _reach(
    graph: SparseGraph, seconds: np.ndarray, threshold: float, toward: bool, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Edge positions fully reachable, and the reachable pieces of frontier edges."""
    u, v = graph.edge_u[idx], graph.edge_v[idx]
    tt = graph.edge_time[idx]
    safe_tt = np.where(tt > 0, tt, 1.0)
    if toward:
        t_end = seconds[v]  # a point part way along u -> v drives on to v
        full = t_end + tt <= threshold
        part = ~full & (t_end <= threshold) & (tt > 0)
        frac = np.where(part, 1.0 - (threshold - t_end) / safe_tt, 0.0)
    else:
        t_start = seconds[u]  # ... or is reached from u
        full = t_start + tt <= threshold
        part = ~full & (t_start <= threshold) & (tt > 0)
        frac = np.where(part, (threshold - t_start) / safe_tt, 0.0)
    pieces = []
    for g, f in zip(graph.edge_geometry[idx[part]], frac[part], strict=True):
        lo, hi = (f, 1.0) if toward else (0.0, f)
        piece = ops.substring(g, lo, hi, normalized=True)
        if not piece.is_empty and piece.length > 0:
            pieces.append(piece)
    return idx[full], np.asarray(pieces, dtype=object)


def reachable_segments(
    graph: SparseGraph,
    seconds: np.ndarray,
    threshold: float,
    *,
    toward: bool,
    edges: np.ndarray | None = None,
) -> np.ndarray:
    """The parts of domestic edges reachable within ``threshold`` seconds.

    Parameters
    ----------
    graph
        The network.
    seconds
        Per node: seconds *to* the target (``toward=True``) or *from* the source
        (``toward=False``); ``inf`` where unreachable.
    threshold
        Time budget in seconds.
    toward
        True when the times run from each node to a port (the departure side): a point part
        way along edge ``u → v`` must drive on to ``v``. False when they run from the port (the
        arrival side): a point along ``u → v`` is reached from ``u``.
    edges
        Restrict to these domestic edge positions (e.g. one side's edges).

    Returns
    -------
    numpy.ndarray of LineString
        Whole edges (one per road: the two directions of a two-way road count once) and the
        reachable stretches of frontier edges.
    """
    if threshold <= 0:
        return np.empty(0, dtype=object)
    idx = np.arange(len(graph.edge_u)) if edges is None else np.asarray(edges)
    full, pieces = _reach(graph, seconds, threshold, toward, idx)
    _, first = np.unique(graph.edge_road[full], return_index=True)
    whole = graph.edge_geometry[full[np.sort(first)]]
    return np.concatenate([whole, pieces]) if len(pieces) else whole


def isochrone_polygons(
    graph: SparseGraph,
    seconds: np.ndarray,
    thresholds: Sequence[float],
    *,
    toward: bool,
    edges: np.ndarray | None = None,
    method: str = "grid",
    buffer_m: float = DEFAULT_BUFFER_M,
    land=None,
    hull_ratio: float = 0.05,
    fill_holes_km2: float = DEFAULT_FILL_HOLES_KM2,
    cell_m: float | None = None,
) -> list:
    """Isochrone polygons for several time budgets (seconds) from one set of node times.

    ``method="grid"`` (default) is the ``"buffer"`` set computed on a grid of ``cell_m``
    metres (:mod:`~binational.catchments.isogrid`: every band from one travel-time grid).
    With ``method="buffer"`` the bands are built incrementally (each band is the previous one
    plus the roads newly reached), so the cost is about that of the largest band alone.

    Parameters
    ----------
    graph
        The network.
    seconds
        Travel time of every node (``inf`` where unreachable).
    thresholds
        Time budgets, seconds.
    toward
        True when ``seconds`` are times *to* the port, False when *from* it (as in
        :func:`reachable_segments`).
    edges
        Edges to consider (default: all).
    method
        ``"grid"``, ``"buffer"`` or ``"hull"``.
    buffer_m
        Buffer around the reached roads, metres.
    land
        Polygon to clip to (e.g. the side's land), or None.
    hull_ratio
        Concavity of the ``"hull"`` method.
    fill_holes_km2
        Holes smaller than this are filled.
    cell_m
        Grid cell of ``"grid"``, metres (default
        :data:`~binational.catchments.isogrid.DEFAULT_CELL_M`).

    Returns
    -------
    list of shapely geometries, in the order of ``thresholds``.
    """
    if method not in ISOCHRONE_METHODS:
        raise SchemaError(f"isochrone method {method!r} must be one of {ISOCHRONE_METHODS}")
    idx = np.arange(len(graph.edge_u)) if edges is None else np.asarray(edges)
    if method == "grid":
        from .isogrid import DEFAULT_CELL_M, grid_isochrones, side_grid

        grid = side_grid(
            graph, None, idx, buffer_m=buffer_m, cell_m=cell_m or DEFAULT_CELL_M, land=land
        )
        polys, _ = grid_isochrones(
            graph,
            seconds,
            thresholds,
            grid,
            toward=toward,
            buffer_m=buffer_m,
            fill_holes_km2=fill_holes_km2,
        )
        return polys
    order = np.argsort(np.asarray(thresholds, dtype=float), kind="stable")
    out: list = [None] * len(thresholds)
    if method == "hull":
        for i in order:
            segs = reachable_segments(graph, seconds, thresholds[i], toward=toward, edges=idx)
            out[i] = isochrone_polygon(
                segs, method="hull", buffer_m=buffer_m, land=land, hull_ratio=hull_ratio
            )
        return out
    thresholds = [float(t) for t in thresholds]
    done = np.zeros(int(graph.edge_road.max()) + 1 if len(graph.edge_road) else 0, dtype=bool)
    current = shapely.Polygon()
    cache: dict[float, object] = {}
    for i in order:
        thr = thresholds[i]
        if thr in cache:
            out[i] = cache[thr]
            continue
        if thr > 0:
            full, pieces = _reach(graph, seconds, thr, toward, idx)
            roads = graph.edge_road[full]
            fresh = ~done[roads]
            new_roads, first = np.unique(roads[fresh], return_index=True)
            new = graph.edge_geometry[full[fresh][first]]
            done[new_roads] = True
            parts = np.concatenate([new, pieces]) if len(pieces) else new
            if len(parts):
                added = shapely.union_all(shapely.buffer(parts, buffer_m, quad_segs=4))
                current = shapely.union(current, added) if not current.is_empty else added
        geom = fill_holes(current, fill_holes_km2 * 1e6) if fill_holes_km2 else current
        if land is not None:
            geom = shapely.intersection(geom, land)
        out[i] = cache[thr] = geom
    return out


def fill_holes(geom, max_area: float):
    """Fill the holes of a (Multi)Polygon smaller than ``max_area`` (CRS units², m²).

    A gap enclosed on every side by reachable roads is, in a model network that lacks most
    local streets, almost always a neighbourhood served by those streets.
    """
    if geom is None or geom.is_empty or max_area <= 0:
        return geom
    polys = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon":
            continue
        keep = [r for r in part.interiors if shapely.area(shapely.Polygon(r)) > max_area]
        polys.append(shapely.Polygon(part.exterior, keep))
    if not polys:
        return geom
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


def isochrone_polygon(
    segments: np.ndarray,
    *,
    method: str = "buffer",
    buffer_m: float = DEFAULT_BUFFER_M,
    land=None,
    hull_ratio: float = 0.05,
    fill_holes_km2: float = DEFAULT_FILL_HOLES_KM2,
):
    """One polygon from reachable segments.

    Parameters
    ----------
    segments
        LineStrings (from :func:`reachable_segments`).
    method
        ``"buffer"`` or ``"hull"`` (see the module docstring).
    buffer_m
        Buffer distance in metres (the reach from a road into the land beside it).
    land
        Polygon to clip to (the side's land), or None.
    hull_ratio
        ``shapely.concave_hull`` ratio for ``"hull"`` (0 = tightest, 1 = convex).
    fill_holes_km2
        ``"buffer"``: fill holes smaller than this (km²; 0 keeps every hole).

    Returns
    -------
    shapely geometry (possibly empty)
    """
    if method not in ISOCHRONE_METHODS:
        raise SchemaError(f"isochrone method {method!r} must be one of {ISOCHRONE_METHODS}")
    if len(segments) == 0:
        return shapely.Polygon()
    if method == "buffer":
        geom = shapely.union_all(shapely.buffer(np.asarray(segments), buffer_m, quad_segs=4))
        if fill_holes_km2:
            geom = fill_holes(geom, fill_holes_km2 * 1e6)
    else:
        pts = shapely.multipoints(shapely.get_coordinates(np.asarray(segments)))
        hull = shapely.concave_hull(pts, ratio=hull_ratio)
        geom = shapely.buffer(hull, buffer_m, quad_segs=4)
    if land is not None:
        geom = shapely.intersection(geom, land)
    return shapely.make_valid(geom) if not geom.is_valid else geom


def land_by_side(
    units: gpd.GeoDataFrame, *, land: gpd.GeoDataFrame | gpd.GeoSeries | None = None
) -> dict[str, object]:
    """Land polygon of each side: the union of ``land`` (if given) or of the unit polygons.

    ``land`` (e.g. county and municipio polygons) needs a ``country`` column (``"US"``/``"MX"``).
    The default, the units themselves, is the populated land each side's census covers (US
    tracts cover the whole county, water clipped; Mexican urban AGEBs only the urban area).
    """
    out = {}
    source = units if land is None else land
    if schema.COUNTRY not in getattr(source, "columns", []):
        raise SchemaError("land polygons need a 'country' column (US/MX)")
    for c, part in source.groupby(schema.COUNTRY):
        geom = union_polygons(part.geometry.values)
        out[str(c)] = shapely.buffer(geom, 0)
    return out


def area_weighted_population(
    units: gpd.GeoDataFrame,
    polygon,
    *,
    columns: Sequence[str] = (schema.POP_TOTAL,),
) -> pd.Series:
    """Sum of ``columns`` over units, each weighted by the share of its area inside ``polygon``.

    Assumes the population is spread evenly over each unit (areal weighting).

    Parameters
    ----------
    units
        Unit polygons with ``columns``.
    polygon
        The area (a shapely geometry in the units' CRS).
    columns
        Columns to sum.

    Returns
    -------
    pandas.Series
        One sum per column.
    """
    if polygon is None or polygon.is_empty or units.empty:
        return pd.Series(0.0, index=list(columns))
    return AreaWeights(units, columns=columns)(polygon)


class AreaWeights:
    """:func:`area_weighted_population` of one unit table for many polygons: the unit tree,
    areas and values are built once (the numbers are those of the function, term for term).

    ``land``: the polygon the weighed polygons were clipped to (``polygon = unclipped ∩ land``,
    see :meth:`__call__`); the units it covers are then weighed against the unclipped polygon.
    """

    def __init__(
        self,
        units: gpd.GeoDataFrame,
        *,
        columns: Sequence[str] = (schema.POP_TOTAL,),
        land=None,
    ) -> None:
        self.columns = list(columns)
        self.geoms = np.asarray(units.geometry.values)
        self.tree = shapely.STRtree(self.geoms)
        self.area = shapely.area(self.geoms)
        self.values = units[self.columns].to_numpy(dtype=float)
        self.covered = None
        if land is not None and len(self.geoms):
            shapely.prepare(land)
            self.covered = shapely.covers(land, self.geoms)

    def __call__(self, polygon, *, unclipped=None) -> pd.Series:
        """Weighted sums over ``polygon``.

        ``unclipped``: ``polygon`` before it was clipped to the ``land`` given at construction.
        A unit that land covers has the same share of its area in both; against the unclipped
        polygon (a disc, say) the share is far cheaper to compute, as the unit no longer shares
        its boundary with the polygon (the share along land's edge needs a full overlay).
        """
        if polygon is None or polygon.is_empty or not len(self.geoms):
            return pd.Series(0.0, index=self.columns)
        share = np.zeros(len(self.geoms))
        if unclipped is None or self.covered is None:
            self._shares(polygon, share, None)
        else:
            self._shares(unclipped, share, self.covered)
            self._shares(polygon, share, ~self.covered)
        return pd.Series(np.nansum(self.values * share[:, None], axis=0), index=self.columns)

    def _shares(self, polygon, share: np.ndarray, mask: np.ndarray | None) -> None:
        """Write into ``share`` the area share inside ``polygon`` of the units (where ``mask``)."""
        geoms = self.geoms
        cand = self.tree.query(polygon, predicate="intersects")
        if mask is not None:
            cand = cand[mask[cand]]
        if not len(cand):
            return
        shapely.prepare(polygon)
        inside = shapely.contains_properly(polygon, geoms[cand])
        share[cand[inside]] = 1.0
        edge = cand[~inside]
        if not len(edge):
            return
        # clip the (large) polygon to each unit's box first: intersecting a small piece is far
        # cheaper than intersecting the whole polygon, and the result is the same. clip_by_rect
        # may return an invalid piece (a ring touching itself where the box cuts it); repairing
        # it can lose most of the piece, so those units take the whole polygon instead.
        boxes = shapely.bounds(geoms[edge])
        pieces = np.array([shapely.clip_by_rect(polygon, *b) for b in boxes], dtype=object)
        bad = ~shapely.is_valid(pieces)
        if bad.any():
            pieces[bad] = polygon
        area = self.area[edge]
        inter = shapely.area(shapely.intersection(geoms[edge], pieces))
        share[edge] = np.divide(inter, area, out=np.zeros_like(area), where=area > 0)
