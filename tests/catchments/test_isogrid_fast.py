"""The fast grid isochrones (issue 14) against the implementation they replaced.

The reference below is the previous code of :mod:`binational.catchments.isogrid`, kept verbatim
(one background labelling, count and lookup over the whole box for every band; every band
filled and vectorised even when it equals the previous one). The new code must give the same
polygons (same WKB: same vertices in the same order) and bit-identical weighted sums, on the
real Tijuana–San Diego network (every port, both sides, the catchments' bands with and without
the wait), on Juárez–El Paso (its units and ports, a synthetic road star: the region has no
network) and on synthetic masks (holes on the edge, nested holes, empty bands).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pytest
import shapely
from affine import Affine
from scipy import ndimage

from binational import schema
from binational.catchments import isogrid
from binational.catchments.graph import SparseGraph
from binational.catchments.isogrid import _fill_small_holes, grid_isochrones, side_grid

# the catchments' default bands (30 to 180 minutes), each with and without a 29.5-minute wait
BANDS_S = [m * 60.0 for m in (30, 60, 90, 120, 150, 180)]
WAIT_S = 29.5 * 60.0


def _reference_fill_small_holes(mask: np.ndarray, max_cells: float) -> np.ndarray:
    """Fill the holes of ``mask`` (background components not touching the edge) under
    ``max_cells`` cells."""
    if max_cells <= 0:
        return mask
    lab, n = ndimage.label(~mask)
    if n == 0:
        return mask
    size = np.bincount(lab.ravel(), minlength=n + 1)
    edge = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    fill = size < max_cells
    fill[0] = False
    fill[edge] = False
    if not fill.any():
        return mask
    return mask | fill[lab]


def _reference_polygon(mask: np.ndarray, transform: Affine):
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


def _reference_grid_isochrones(
    graph: SparseGraph,
    seconds: np.ndarray,
    thresholds: Sequence[float],
    grid: isogrid.SideGrid,
    *,
    toward: bool,
    buffer_m: float,
    fill_holes_km2: float,
    values: np.ndarray | None = None,
) -> tuple[list, np.ndarray]:
    """The grid isochrones as computed before issue 14 (one labelling per band)."""
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
        win = isogrid._disc_min(levels, buffer_m / grid.cell_m, fill)
        land = grid.land[r0:r1, c0:c1]
        uoc = grid.unit_of_cell[r0:r1, c0:c1]
        transform = grid.transform @ Affine.translation(c0, r0)
        small = np.flatnonzero((grid.cells_per_unit == 0) & (grid.point_cell >= 0))
        pr, pc = np.divmod(grid.point_cell[small], cols)
        in_win = (pr >= r0) & (pr < r1) & (pc >= c0) & (pc < c1)
        max_cells = fill_holes_km2 * 1e6 / grid.cell_m**2
        for j, b in enumerate(order):
            mask = win <= j
            if mask.any():  # fill and vectorise within the band's own box (+1 cell)
                rs = np.flatnonzero(mask.any(axis=1))
                cs = np.flatnonzero(mask.any(axis=0))
                box = (
                    slice(max(rs[0] - 1, 0), rs[-1] + 2),
                    slice(max(cs[0] - 1, 0), cs[-1] + 2),
                )
                mask[box] = _reference_fill_small_holes(mask[box], max_cells)
                mask[box] &= land[box]
                polys[b] = _reference_polygon(
                    mask[box], transform @ Affine.translation(box[1].start, box[0].start)
                )
            else:
                polys[b] = shapely.Polygon()
            if n_val:
                cnt = np.bincount(uoc[mask & (uoc >= 0)], minlength=len(grid.cells_per_unit))
                share = np.divide(
                    cnt,
                    grid.cells_per_unit,
                    out=np.zeros(len(cnt)),
                    where=grid.cells_per_unit > 0,
                )
                share[small[in_win]] = mask[pr[in_win] - r0, pc[in_win] - c0]
                sums[b] = np.nansum(values * share[:, None], axis=0)
    empty = shapely.Polygon()
    out_polys = [polys.get(b, empty) if b > 0 else empty for b in thr]
    out_sums = np.array([sums.get(b, np.zeros(n_val)) for b in thr]).reshape(len(thr), n_val)
    return out_polys, out_sums


def _assert_same(got, want) -> None:
    (polys, sums), (ref_polys, ref_sums) = got, want
    assert [p.wkb for p in polys] == [p.wkb for p in ref_polys]
    assert sums.dtype == ref_sums.dtype and sums.shape == ref_sums.shape
    assert sums.tobytes() == ref_sums.tobytes()


def _both(graph, seconds, thresholds, grid, **kw):
    return (
        grid_isochrones(graph, seconds, thresholds, grid, **kw),
        _reference_grid_isochrones(graph, seconds, thresholds, grid, **kw),
    )


@pytest.fixture(scope="module")
def tj_grids(tjsd, graph):
    units = tjsd.units
    out = {}
    for side in ("MX", "US"):
        edges = np.flatnonzero(graph.country[graph.edge_u] == side)
        side_units = units[units[schema.COUNTRY] == side]
        out[side] = (side_grid(graph, side_units, edges, buffer_m=400.0), side_units)
    return out


@pytest.mark.parametrize("role", ["origin", "destination"])
def test_tijuana_every_port_equals_reference(graph, ptimes, tj_grids, role):
    """Every northbound port, the departure side (MX) and the arrival side (US)."""
    side, toward = ("MX", True) if role == "origin" else ("US", False)
    grid, side_units = tj_grids[side]
    values = side_units[[schema.POP_TOTAL, "pop_total_moe"]].to_numpy(dtype=float)
    budgets = [b - WAIT_S for b in BANDS_S] + BANDS_S
    tt = graph.border.travel_time.to_numpy()
    n_ports = 0
    for code in ptimes.ports("northbound"):
        r = ptimes.edges(code, "northbound")
        table = ptimes.to_tail if toward else ptimes.from_head
        node_s = np.min(table[r] + tt[r, None], axis=0)
        kw = {"toward": toward, "buffer_m": 400.0, "fill_holes_km2": 1.0, "values": values}
        got, want = _both(graph, node_s, budgets, grid, **kw)
        _assert_same(got, want)
        n_ports += any(not p.is_empty for p in got[0])
    assert n_ports >= 2


@pytest.mark.parametrize("fill_km2", [0.0, 0.05, 5.0])
def test_tijuana_other_hole_sizes_equal_reference(graph, ptimes, tj_grids, fill_km2):
    grid, _ = tj_grids["US"]
    r = ptimes.edges(2504, "northbound")
    node_s = np.min(ptimes.from_head[r] + graph.border.travel_time.to_numpy()[r, None], axis=0)
    kw = {"toward": False, "buffer_m": 400.0, "fill_holes_km2": fill_km2}
    got, want = _both(graph, node_s, [600.0, 1200.0, 1200.0, 2400.0, -5.0], grid, **kw)
    _assert_same(got, want)
    assert got[1].shape == (5, 0)


@pytest.fixture(scope="module")
def jep_star(jep):
    """Juárez–El Paso has no road network: a synthetic one on its units (each unit's point
    joined to its 3 nearest neighbours, the ports to their 5 nearest units), 30 km/h."""
    from scipy.spatial import cKDTree

    units = jep.units
    pts = np.asarray(units.geometry.representative_point().values)
    ports = np.asarray(jep.ports.to_crs(units.crs).geometry.values)
    xy = np.c_[shapely.get_x(pts), shapely.get_y(pts)]
    pxy = np.c_[shapely.get_x(ports), shapely.get_y(ports)]
    nodes = np.vstack([pxy, xy])  # ports first
    _, near = cKDTree(xy).query(xy, k=4)
    u = [len(pxy) + i for i in range(len(xy)) for _ in range(3)]
    v = [len(pxy) + j for row in near[:, 1:] for j in row]
    _, pnear = cKDTree(xy).query(pxy, k=5)
    u += [p for p in range(len(pxy)) for _ in range(5)]
    v += [len(pxy) + j for row in pnear for j in row]
    u, v = np.asarray(u), np.asarray(v)
    geoms = shapely.linestrings(np.stack([nodes[u], nodes[v]], axis=1))
    speed = 30 / 3.6
    graph = SimpleNamespace(
        edge_u=u, edge_v=v, edge_time=shapely.length(geoms) / speed, edge_geometry=geoms
    )
    # node times: the straight line to the nearest port, circuity 1.3
    d = np.min(np.hypot(*(nodes[:, None, :] - pxy[None, :, :]).transpose(2, 0, 1)), axis=1)
    return graph, 1.3 * d / speed, units, len(pxy)


@pytest.mark.parametrize("side", ["MX", "US"])
def test_juarez_el_paso_equals_reference(jep_star, side):
    graph, seconds, units, n_ports = jep_star
    side_units = units[units[schema.COUNTRY] == side]
    country = np.r_[[side] * n_ports, units[schema.COUNTRY].to_numpy()]  # ports on both sides
    edges = np.flatnonzero(country[graph.edge_u] == side)
    grid = side_grid(graph, side_units, edges, buffer_m=400.0)
    budgets = [b / 6 for b in BANDS_S] + [b / 6 - 120.0 for b in BANDS_S]
    values = side_units[[schema.POP_TOTAL]].to_numpy(dtype=float)
    for toward in (True, False):
        kw = {"toward": toward, "buffer_m": 400.0, "fill_holes_km2": 0.5, "values": values}
        got, want = _both(graph, seconds, budgets, grid, **kw)
        _assert_same(got, want)
        assert any(p.geom_type == "MultiPolygon" for p in got[0])
        assert any(len(g.interiors) for p in got[0] for g in getattr(p, "geoms", [p]))


def _rings(shape, boxes) -> np.ndarray:
    """True everywhere except the given boxes (rows r0:r1, columns c0:c1), then True again in
    the nested ones: ``boxes`` alternates holes and islands."""
    mask = np.ones(shape, dtype=bool)
    for k, (r0, r1, c0, c1) in enumerate(boxes):
        mask[r0:r1, c0:c1] = k % 2 == 1
    return mask


SYNTHETIC = {
    "hole on every edge": _rings((20, 30), [(0, 5, 3, 8)])
    & _rings((20, 30), [(15, 20, 10, 12)])
    & _rings((20, 30), [(8, 10, 0, 4)])
    & _rings((20, 30), [(6, 9, 26, 30)])
    & _rings((20, 30), [(10, 13, 10, 13)]),
    "nested holes and islands": _rings(
        (40, 40), [(2, 38, 2, 38), (4, 36, 4, 36), (6, 34, 6, 34), (10, 12, 10, 12)]
    ),
    "empty": np.zeros((7, 9), dtype=bool),
    "full": np.ones((7, 9), dtype=bool),
    "single row": np.array([[True, False, True, False, False, True]]),
    "many edge pieces": np.tile([True, False], (12, 12)),
}


@pytest.mark.parametrize("name", list(SYNTHETIC))
@pytest.mark.parametrize("max_cells", [0, 1, 4, 5, 30, 1e9])
def test_fill_small_holes_equals_reference_on_synthetic_masks(name, max_cells):
    mask = SYNTHETIC[name]
    got = _fill_small_holes(mask.copy(), max_cells)
    want = _reference_fill_small_holes(mask.copy(), max_cells)
    assert got.dtype == bool and np.array_equal(got, want)


def test_fill_small_holes_equals_reference_on_random_blobs():
    rng = np.random.default_rng(14)
    filled_some = 0
    for _ in range(60):
        shape = tuple(rng.integers(5, 120, size=2))
        noise = ndimage.uniform_filter(rng.random(shape), size=int(rng.integers(1, 6)))
        mask = noise > np.quantile(noise, rng.uniform(0.2, 0.8))
        max_cells = float(rng.choice([0, 3, 20, 200]))
        got = _fill_small_holes(mask.copy(), max_cells)
        assert np.array_equal(got, _reference_fill_small_holes(mask.copy(), max_cells))
        filled_some += not np.array_equal(got, mask)
    assert filled_some > 10


def test_nested_holes_filled_inside_out():
    """An island inside a small hole inside the band: the hole is filled, the island kept."""
    mask = SYNTHETIC["nested holes and islands"]
    got = _fill_small_holes(mask, 1e9)
    assert got[5, 5] and got[11, 11] and got[20, 20] and got[3, 3]
    assert got.all()
    # the hole ring (rows 2:38 minus rows 4:36) is 272 cells: kept under that size
    assert not _fill_small_holes(mask, 272)[3, 3] and _fill_small_holes(mask, 273)[3, 3]


def test_synthetic_grid_bands_empty_equal_and_nested():
    """A synthetic side: bands that are empty, that reach no new cell (the previous band's
    polygon and sums, the same objects) and that reach the grid's edge."""
    xs = np.arange(0, 5001, 500.0)
    lines = [shapely.LineString([(x, 0), (x, 5000)]) for x in xs] + [
        shapely.LineString([(0, y), (5000, y)]) for y in (0.0, 2500.0, 5000.0)
    ]
    geoms = np.asarray(lines, dtype=object)
    n = len(geoms)
    graph = SimpleNamespace(
        edge_u=np.arange(n),
        edge_v=np.arange(n) + n,
        edge_time=np.full(n, 100.0),
        edge_geometry=geoms,
    )
    seconds = np.r_[np.arange(n) * 60.0, np.arange(n) * 60.0 + 100.0]
    seconds[3] = np.inf  # one road never reached
    land = shapely.box(-300, -300, 5300, 5300).difference(shapely.box(1000, 1000, 1300, 1300))
    grid = side_grid(graph, None, np.arange(n), buffer_m=150.0, land=land)
    budgets = [-10.0, 0.0, 130.0, 130.0 + 1e-9, 400.0, 400.0, 5000.0, 1e6, 2e6]
    for toward in (True, False):
        kw = {"toward": toward, "buffer_m": 150.0, "fill_holes_km2": 0.2}
        got, want = _both(graph, seconds, budgets, grid, **kw)
        _assert_same(got, want)
        polys = got[0]
        assert polys[0].is_empty and polys[1].is_empty and not polys[2].is_empty
        assert polys[7] is polys[8]  # the last band reaches nothing new
        assert polys[6].area <= polys[7].area
