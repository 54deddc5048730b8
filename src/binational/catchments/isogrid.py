"""Isochrones as contours of a travel-time grid, and the population inside them, in one pass.

The ``"buffer"`` isochrone (:mod:`~binational.catchments.isochrones`) is the land within
``buffer_m`` of a road reachable in time. Unioning tens of thousands of buffered road pieces and
then intersecting the result with every unit costs about a second per polygon. This module
computes the same set on a grid instead:

1. Every domestic edge of one side is sampled every ``cell_m / 2`` metres (once per side; the
   samples do not depend on the port). A sample at fraction ``f`` of edge ``u → v`` is reached
   at ``t[u] + f · tt`` from a port (arrival side) or leaves for the port at
   ``t[v] + (1 − f) · tt`` (departure side): exactly the partial-edge rule of
   :func:`~binational.catchments.isochrones.reachable_segments`.
2. Each cell takes the lowest band its samples reach; a minimum filter over a disc of radius
   ``buffer_m`` (horizontal running minima, each one cell wider than the last, shifted
   vertically: a few array minima per row of the disc) gives, for every cell, the first band
   in which a reached road lies within ``buffer_m`` of it. The band ``j`` isochrone is
   ``grid ≤ j``: a contour of the travel-time grid, nested by construction. All the budgets
   of one call share that grid: a port's bands with the wait (``T − wait``) and without it
   come from one raster.
3. Holes smaller than ``fill_holes_km2`` are filled, the band is clipped to land (the cells
   whose centre lies in a unit, or in the given land polygon), and its population is the
   areal weighting of :func:`~binational.catchments.isochrones.area_weighted_population` with
   each unit's share counted in cells (a unit smaller than a cell counts whole or not at all,
   by its representative point). Each band is filled and vectorised within its own box (its
   cells plus one); a band that reaches no cell the previous band did not is that band (same
   polygon, same sums) and is not computed again.

The polygons returned are the band's cells, vectorised (``rasterio.features.shapes``).
Discretisation moves the edge of the set by at most half a cell diagonal (≈ 35 m at the 50 m
default, against the 400 m buffer); ``benchmarks/catchments.py`` measures the population error
of both methods against the unit-node check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from scipy import ndimage

from .. import schema
from .graph import SparseGraph

__all__ = ["DEFAULT_CELL_M", "SideGrid", "grid_isochrones", "side_grid"]

DEFAULT_CELL_M = 50.0
_FEW_EDGE_LABELS = 8  # edge components compared one by one (more: one lookup)


@dataclass
class SideGrid:
    """One side's grid: geometry of the cells, unit of each cell, and road samples."""

    transform: Affine
    shape: tuple[int, int]
    cell_m: float
    unit_of_cell: np.ndarray  # int32 (rows, cols); -1 outside every unit
    cells_per_unit: np.ndarray  # int64 per unit
    point_cell: np.ndarray  # flat cell of each unit's representative point (small units)
    land: np.ndarray  # bool (rows, cols)
    sample_edge: np.ndarray  # edge position of each road sample
    sample_frac: np.ndarray  # fraction along the edge
    sample_cell: np.ndarray  # flat cell index of each sample


def side_grid(
    graph: SparseGraph,
    units: gpd.GeoDataFrame | None,
    edges: np.ndarray,
    *,
    buffer_m: float,
    cell_m: float = DEFAULT_CELL_M,
    land=None,
) -> SideGrid:
    """Build the grid of one side (see the module notes).

    Parameters
    ----------
    graph
        The network.
    units
        The side's units (projected CRS, metres); None: no population, and the grid covers
        ``land`` (or, without it, the edges).
    edges
        The side's domestic edge positions.
    buffer_m
        Reach from a road into the land beside it (the grid extends this far past the units).
    cell_m
        Cell size, metres.
    land
        Land polygon to clip to (default: the units).
    """
    from rasterio import features

    edges = np.asarray(edges)
    if units is not None:
        geoms = np.asarray(units.geometry.values)
        extent = geoms
    else:
        geoms = np.empty(0, dtype=object)
        extent = np.asarray([land]) if land is not None else graph.edge_geometry[edges]
    x0, y0, x1, y1 = shapely.total_bounds(extent)
    pad = buffer_m + 2 * cell_m
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    cols = int(np.ceil((x1 - x0) / cell_m))
    rows = int(np.ceil((y1 - y0) / cell_m))
    transform = Affine(cell_m, 0.0, x0, 0.0, -cell_m, y0 + rows * cell_m)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    shapes = ((g, i) for i, g in enumerate(geoms) if ok[i])
    unit_of_cell = features.rasterize(
        shapes, out_shape=(rows, cols), transform=transform, fill=-1, dtype="int32"
    )
    n = len(geoms)
    inside = unit_of_cell >= 0
    cells_per_unit = np.bincount(unit_of_cell[inside], minlength=n).astype(np.int64)
    rep = shapely.point_on_surface(np.where(ok, geoms, shapely.Point(x0, y0)))
    point_cell = _cells(transform, (rows, cols), shapely.get_x(rep), shapely.get_y(rep))
    point_cell[~ok] = -1
    if land is None and units is None:
        land_mask = np.ones((rows, cols), dtype=bool)
    elif land is None:
        land_mask = inside.copy()
        small = point_cell[(cells_per_unit == 0) & (point_cell >= 0)]
        land_mask.ravel()[small] = True
    else:
        land_mask = features.rasterize(
            [(land, 1)], out_shape=(rows, cols), transform=transform, fill=0, dtype="uint8"
        ).astype(bool)

    # road samples every cell/2 metres along each edge (both ends included)
    sample_edge, sample_frac, sx, sy = _samples(graph.edge_geometry[edges], cell_m / 2.0)
    sample_edge = edges[sample_edge]
    sample_cell = _cells(transform, (rows, cols), sx, sy)
    keep = sample_cell >= 0
    return SideGrid(
        transform=transform,
        shape=(rows, cols),
        cell_m=cell_m,
        unit_of_cell=unit_of_cell,
        cells_per_unit=cells_per_unit,
        point_cell=point_cell,
        land=land_mask,
        sample_edge=sample_edge[keep],
        sample_frac=sample_frac[keep],
        sample_cell=sample_cell[keep],
    )


def _samples(lines: np.ndarray, step: float):
    """Points every ``step`` metres (at most) along each line, both ends included.

    Returns the line of each point, its fraction of the line's length, and x, y.
    """
    coords, line = shapely.get_coordinates(lines, return_index=True)
    n = len(lines)
    first = np.searchsorted(line, np.arange(n), side="left")
    last = np.searchsorted(line, np.arange(n), side="right") - 1
    inc = np.hypot(*np.diff(coords, axis=0, prepend=coords[:1]).T)
    inc[first] = 0.0  # no jump between the end of one line and the start of the next
    cum = np.cumsum(inc)
    length = cum[last] - cum[first]
    k = np.maximum(np.ceil(length / step).astype(np.int64), 1) + 1
    which = np.repeat(np.arange(n), k)
    step_no = np.arange(len(which)) - np.repeat(np.cumsum(k) - k, k)
    frac = step_no / np.repeat(k - 1, k)
    pos = cum[first[which]] + frac * length[which]
    j = np.searchsorted(cum, pos, side="right") - 1
    first_w, last_w = first[which], last[which]
    j = np.clip(j, first_w, np.maximum(last_w - 1, first_w))
    nxt = np.minimum(j + 1, last_w)
    seg = cum[nxt] - cum[j]
    w = np.divide(pos - cum[j], seg, out=np.zeros_like(pos), where=seg > 0)
    w = np.clip(w, 0.0, 1.0)
    xy = coords[j] + w[:, None] * (coords[nxt] - coords[j])
    return which, frac, xy[:, 0], xy[:, 1]


def _cells(transform: Affine, shape: tuple[int, int], x, y) -> np.ndarray:
    """Flat cell index of each point (-1 outside the grid)."""
    rows, cols = shape
    c = np.floor((np.asarray(x) - transform.c) / transform.a).astype(np.int64)
    r = np.floor((np.asarray(y) - transform.f) / transform.e).astype(np.int64)
    ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    return np.where(ok, r * cols + c, -1)


def _disc_min(levels: np.ndarray, radius: float, fill: int) -> np.ndarray:
    """Minimum over a disc of ``radius`` cells (cell centres within the radius): horizontal
    running minima, each one cell wider than the last, shifted vertically.

    Cells outside the array count as ``fill`` (no larger than any level), so they never lower
    a minimum.
    """
    R = int(np.floor(radius))
    if R <= 0:
        return levels.copy()
    rows = levels.shape[0]
    widths = {dy: int(np.floor(np.sqrt(radius**2 - dy**2))) for dy in range(-R, R + 1)}
    need = set(widths.values())
    runs = {}
    h = levels
    for w in range(max(need) + 1):
        if w > 0:  # min over |dx| <= w: the run of w - 1 widened by one cell each way
            prev, h = h, h.copy()
            np.minimum(h[:, 1:], prev[:, :-1], out=h[:, 1:])
            np.minimum(h[:, :-1], prev[:, 1:], out=h[:, :-1])
        if w in need:
            runs[w] = h
    out = np.full_like(levels, fill)
    for dy, w in widths.items():
        h = runs[w]
        # out[r] = min(out[r], h[r + dy])
        if dy >= 0:
            np.minimum(out[: rows - dy], h[dy:], out=out[: rows - dy])
        else:
            np.minimum(out[-dy:], h[: rows + dy], out=out[-dy:])
    return out


def _fill_small_holes(mask: np.ndarray, max_cells: float) -> np.ndarray:
    """Fill the holes of ``mask`` (background components not touching the edge) under
    ``max_cells`` cells.

    One labelling of the background; only the cells of the holes (components other than
    those on the edge) are then counted and filled, not the whole label image.
    """
    if max_cells <= 0:
        return mask
    lab, n = ndimage.label(~mask)
    if n == 0:
        return mask
    edge = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    edge = edge[edge > 0]
    if len(edge) == n:
        return mask
    if len(edge) <= _FEW_EDGE_LABELS:  # a few comparisons beat a lookup over every cell
        hole = lab > 0
        for k in edge:
            hole &= lab != k
    else:
        keep = np.ones(n + 1, dtype=bool)
        keep[0] = False
        keep[edge] = False
        hole = keep[lab]
    cells = np.flatnonzero(hole)
    hole_lab = lab.ravel()[cells]
    small = np.bincount(hole_lab, minlength=n + 1)[hole_lab] < max_cells
    if not small.any():
        return mask
    out = mask.copy()
    out.ravel()[cells[small]] = True
    return out


def _polygon(mask: np.ndarray, transform: Affine):
    from rasterio import features

    if not mask.any():
        return shapely.Polygon()
    parts = []
    for geom, _ in features.shapes(
        mask.view(np.uint8), mask=mask, connectivity=4, transform=transform
    ):
        rings = geom["coordinates"]  # lists of (x, y) tuples: one array per ring, no per-point work
        parts.append(shapely.Polygon(np.asarray(rings[0]), [np.asarray(r) for r in rings[1:]]))
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _band_sums(band, box, uoc, unit_cells, cells_per_unit, values, points) -> np.ndarray:
    """Areally weighted ``values`` of one band: each unit's share of its cells in ``band`` (the
    band's cells in ``box`` of the window; None: empty), a small unit's whole or nothing by
    the cell of its point (``points``: units, window rows, window columns)."""
    n = len(cells_per_unit)
    if band is None:
        cnt = np.zeros(n, dtype=np.int64)
    else:
        cnt = np.bincount(uoc[box][band & unit_cells[box]], minlength=n)
    share = np.divide(cnt, cells_per_unit, out=np.zeros(n), where=cells_per_unit > 0)
    small, pr, pc = points
    hit = np.zeros(len(small), dtype=bool)
    if band is not None:
        rows, cols = box[0].indices(uoc.shape[0]), box[1].indices(uoc.shape[1])
        inb = (pr >= rows[0]) & (pr < rows[1]) & (pc >= cols[0]) & (pc < cols[1])
        hit[inb] = band[pr[inb] - rows[0], pc[inb] - cols[0]]
    share[small] = hit
    return np.nansum(values * share[:, None], axis=0)


def grid_isochrones(
    graph: SparseGraph,
    seconds: np.ndarray,
    thresholds: Sequence[float],
    grid: SideGrid,
    *,
    toward: bool,
    buffer_m: float,
    fill_holes_km2: float,
    values: np.ndarray | None = None,
) -> tuple[list, np.ndarray]:
    """Isochrone polygons and the areally weighted ``values`` inside each.

    Parameters
    ----------
    graph, seconds, toward
        As for :func:`~binational.catchments.isochrones.isochrone_polygons`.
    thresholds
        Time budgets, seconds (any order; budgets ≤ 0 give an empty polygon). Every budget is
        a contour of the same travel-time raster (e.g. the bands with and without the wait:
        pass them together).
    grid
        The side's :class:`SideGrid` (:func:`side_grid`).
    buffer_m, fill_holes_km2
        Reach from a road (m) and the largest hole filled (km²).
    values
        ``n_units × k`` values to weight (e.g. population); default: none.

    Returns
    -------
    polygons, sums
        One polygon per threshold, and a ``len(thresholds) × k`` array of weighted sums.
    """
    thr = np.asarray(thresholds, dtype=float)
    order = np.unique(thr[thr > 0])
    nb = len(order)
    fill = np.iinfo(np.uint8).max
    if nb >= fill:
        raise ValueError(f"at most {fill - 1} distinct bands, got {nb}")
    e = grid.sample_edge
    u, v, tt = graph.edge_u[e], graph.edge_v[e], graph.edge_time[e]
    with np.errstate(invalid="ignore"):
        if toward:
            t = seconds[v] + (1.0 - grid.sample_frac) * tt
        else:
            t = seconds[u] + grid.sample_frac * tt
    level = np.searchsorted(order, np.where(np.isfinite(t), t, np.inf), side="left")
    hit = level < nb
    rows, cols = grid.shape
    n_val = 0 if values is None else values.shape[1]
    polys: dict[float, object] = {}
    sums: dict[float, np.ndarray] = {}
    if hit.any():
        # work in the window the largest band can reach (not the whole side: a large region
        # with many ports would otherwise pay for the whole grid at every port)
        rr, cc = np.divmod(grid.sample_cell[hit], cols)
        pad = int(np.ceil(buffer_m / grid.cell_m)) + 2
        r0, r1 = max(rr.min() - pad, 0), min(rr.max() + pad + 1, rows)
        c0, c1 = max(cc.min() - pad, 0), min(cc.max() + pad + 1, cols)
        levels = np.full((r1 - r0) * (c1 - c0), fill, dtype=np.uint8)
        np.minimum.at(levels, (rr - r0) * (c1 - c0) + (cc - c0), level[hit].astype(np.uint8))
        levels = levels.reshape(r1 - r0, c1 - c0)
        win = _disc_min(levels, buffer_m / grid.cell_m, fill)
        land = grid.land[r0:r1, c0:c1]
        uoc = grid.unit_of_cell[r0:r1, c0:c1]
        transform = grid.transform @ Affine.translation(c0, r0)
        small = np.flatnonzero((grid.cells_per_unit == 0) & (grid.point_cell >= 0))
        pr, pc = np.divmod(grid.point_cell[small], cols)
        in_win = (pr >= r0) & (pr < r1) & (pc >= c0) & (pc < c1)
        max_cells = fill_holes_km2 * 1e6 / grid.cell_m**2
        per_level = np.bincount(win.ravel(), minlength=nb)  # cells first reached in each band
        row_min, col_min = win.min(axis=1), win.min(axis=0)  # the box of every band
        unit_cells = uoc >= 0
        pr, pc = pr[in_win] - r0, pc[in_win] - c0  # small units' points, window cells
        small = small[in_win]
        for j, b in enumerate(order):
            if j and per_level[j] == 0:  # no cell first reached here: band j is band j - 1
                polys[b] = polys[order[j - 1]]
                if n_val:
                    sums[b] = sums[order[j - 1]]
                continue
            rs = np.flatnonzero(row_min <= j)
            box, band = None, None
            if len(rs):  # fill and vectorise within the band's own box (+1 cell)
                cs = np.flatnonzero(col_min <= j)
                box = (
                    slice(max(rs[0] - 1, 0), rs[-1] + 2),
                    slice(max(cs[0] - 1, 0), cs[-1] + 2),
                )
                band = _fill_small_holes(win[box] <= j, max_cells)
                band &= land[box]
                polys[b] = _polygon(
                    band, transform @ Affine.translation(box[1].start, box[0].start)
                )
            else:
                polys[b] = shapely.Polygon()
            if n_val:
                sums[b] = _band_sums(
                    band, box, uoc, unit_cells, grid.cells_per_unit, values, (small, pr, pc)
                )
    empty = shapely.Polygon()
    out_polys = [polys.get(b, empty) if b > 0 else empty for b in thr]
    out_sums = np.array([sums.get(b, np.zeros(n_val)) for b in thr]).reshape(len(thr), n_val)
    return out_polys, out_sums


def unit_values(units: gpd.GeoDataFrame, columns: Sequence[str] = (schema.POP_TOTAL,)):
    """``n_units × k`` float array of ``columns`` (for :func:`grid_isochrones`)."""
    return units[list(columns)].to_numpy(dtype=float)
