"""Isochrone polygons and the population inside them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from binational import schema
from binational.catchments import (
    area_weighted_population,
    isochrone_polygon,
    isochrone_polygons,
    reachable_segments,
)
from binational.catchments.isochrones import AreaWeights, fill_holes, land_by_side


@pytest.fixture(scope="module")
def sy_times(graph, ptimes):
    """Seconds from the San Ysidro northbound head to US nodes (link included)."""
    rows = ptimes.edges(2504, "northbound")
    tt = graph.border.travel_time.to_numpy()[rows]
    return np.min(ptimes.from_head[rows] + tt[:, None], axis=0)


@pytest.fixture(scope="module")
def us_edges(graph):
    return np.flatnonzero(graph.country[graph.edge_u] == "US")


def test_frontier_edges_are_cut_at_the_exact_fraction(graph, sy_times, us_edges):
    T = 900.0
    segs = reachable_segments(graph, sy_times, T, toward=False, edges=us_edges)
    tu = sy_times[graph.edge_u[us_edges]]
    tt = graph.edge_time[us_edges]
    partial = (tu <= T) & (tu + tt > T) & (tt > 0)
    geoms = graph.edge_geometry[us_edges[partial]]
    want = shapely.length(geoms) * (T - tu[partial]) / tt[partial]
    # each frontier piece starts at the edge's start and has the reachable share of its length
    starts = shapely.get_point(geoms, 0)
    got = {}
    for s in segs:
        got.setdefault(shapely.get_point(s, 0).wkb, []).append(s.length)
    matched = 0
    for st, w in zip(starts, want, strict=True):
        lengths = got.get(st.wkb, [])
        if any(abs(x - w) < 1e-6 for x in lengths):
            matched += 1
    assert matched == partial.sum() > 0
    # whole edges: every edge whose far end is within T, counted once per road
    full = tu + tt <= T
    roads = graph.edge_road[us_edges[full]]
    assert len(segs) == len(np.unique(roads)) + len(want)


def test_departure_side_pieces_end_at_the_port_side(graph, ptimes):
    to = ptimes.to_port(2504, "northbound")
    mx = np.flatnonzero(graph.country[graph.edge_u] == "MX")
    T = 600.0
    segs = reachable_segments(graph, to, T, toward=True, edges=mx)
    tv = to[graph.edge_v[mx]]
    tt = graph.edge_time[mx]
    partial = (tv <= T) & (tv + tt > T) & (tt > 0)
    ends = {shapely.get_point(s, -1).wkb for s in segs}
    for g in graph.edge_geometry[mx[partial]]:
        assert shapely.get_point(g, -1).wkb in ends


@pytest.mark.parametrize("method", ["buffer", "grid"])
def test_buffered_polygon_covers_reachable_nodes_and_grows(graph, sy_times, us_edges, method):
    budgets = [600.0, 1200.0, 1800.0]
    polys = isochrone_polygons(
        graph,
        sy_times,
        budgets,
        toward=False,
        edges=us_edges,
        buffer_m=300,
        fill_holes_km2=0,
        method=method,
    )
    for T, poly in zip(budgets, polys, strict=True):
        inside = np.flatnonzero((sy_times <= T) & (graph.country == "US"))
        pts = shapely.points(graph.x[inside], graph.y[inside])
        assert shapely.covers(poly.buffer(1e-6), pts).all()
        # nothing beyond reach + the buffer: nodes whose time exceeds T by far lie outside
        far = np.flatnonzero((sy_times > T + 900) & np.isfinite(sy_times))
        hits = shapely.covers(poly, shapely.points(graph.x[far], graph.y[far]))
        assert hits.mean() < 0.05
    areas = [p.area for p in polys]
    assert areas == sorted(areas) and areas[0] > 0
    if method == "grid":
        return
    # incremental construction equals building each band from scratch
    for T, poly in zip(budgets, polys, strict=True):
        direct = isochrone_polygon(
            reachable_segments(graph, sy_times, T, toward=False, edges=us_edges),
            buffer_m=300,
            fill_holes_km2=0,
        )
        assert shapely.symmetric_difference(poly, direct).area < 1e-3 * direct.area


def test_grid_equals_buffer_within_a_cell(tjsd, graph, sy_times, us_edges):
    """The grid method computes the buffered-edge set: same polygon up to the cell size, and
    its population equals areal weighting of the exact polygon within 2 %."""
    from binational.catchments.isogrid import grid_isochrones, side_grid

    units = tjsd.units[tjsd.units.country == "US"]
    budgets = [900.0, 1800.0, -60.0]
    exact = isochrone_polygons(
        graph, sy_times, budgets, toward=False, edges=us_edges, method="buffer", land=None
    )
    grid = side_grid(graph, units, us_edges, buffer_m=400.0)
    polys, sums = grid_isochrones(
        graph,
        sy_times,
        budgets,
        grid,
        toward=False,
        buffer_m=400.0,
        fill_holes_km2=1.0,
        values=units[["pop_total"]].to_numpy(dtype=float),
    )
    assert polys[2].is_empty and sums[2, 0] == 0
    land = shapely.union_all(units.geometry.values)
    for poly, ref, got in zip(polys[:2], exact[:2], sums[:2, 0], strict=True):
        ref = shapely.intersection(ref, land)
        assert shapely.symmetric_difference(poly, ref).area < 0.05 * ref.area
        want = area_weighted_population(units, ref).iloc[0]
        assert got == pytest.approx(want, rel=0.02)


def test_hull_method_and_land_clip(tjsd, graph, sy_times, us_edges):
    land = land_by_side(tjsd.units)
    hull = isochrone_polygons(
        graph, sy_times, [1800.0], toward=False, edges=us_edges, method="hull", land=land["US"]
    )[0]
    buf = isochrone_polygons(graph, sy_times, [1800.0], toward=False, edges=us_edges)[0]
    assert hull.area > 0 and buf.area > 0
    # both are clipped to the US side's land when it is given
    assert shapely.difference(hull, land["US"]).area < 1.0
    assert shapely.difference(buf, land["US"]).area > 1.0  # unclipped buffer spills over


def test_fill_holes():
    outer = shapely.box(0, 0, 100, 100)
    small = shapely.box(10, 10, 20, 20)
    big = shapely.box(40, 40, 90, 90)
    poly = outer.difference(small).difference(big)
    filled = fill_holes(poly, 200)
    assert filled.area == pytest.approx(100 * 100 - 50 * 50)
    assert fill_holes(poly, 0).equals(poly)


def test_area_weighted_population_equals_geopandas_overlay(tjsd, graph, sy_times, us_edges):
    us = tjsd.units[tjsd.units.country == "US"]
    poly = isochrone_polygons(graph, sy_times, [1500.0], toward=False, edges=us_edges)[0]
    got = area_weighted_population(us, poly, columns=[schema.POP_TOTAL, "hispanic"])
    iso = gpd.GeoDataFrame({"band": [1]}, geometry=[poly], crs=us.crs)
    pieces = gpd.overlay(us[[schema.UNIT_ID, schema.POP_TOTAL, "hispanic", "geometry"]], iso)
    share = (
        pieces.area.to_numpy()
        / us.set_index(schema.UNIT_ID).loc[pieces[schema.UNIT_ID]].area.to_numpy()
    )
    for col in (schema.POP_TOTAL, "hispanic"):
        want = np.nansum(pieces[col].to_numpy(dtype=float) * share)
        assert got[col] == pytest.approx(want, rel=1e-6)
    assert area_weighted_population(us, shapely.Polygon())[schema.POP_TOTAL] == 0


def _overlay_population(units, poly) -> float:
    """The reference: plain geopandas overlay, each piece's share of its unit's area."""
    iso = gpd.GeoDataFrame({"band": [1]}, geometry=[poly], crs=units.crs)
    pieces = gpd.overlay(units[[schema.UNIT_ID, schema.POP_TOTAL, "geometry"]], iso)
    whole = units.set_index(schema.UNIT_ID).loc[pieces[schema.UNIT_ID]].area.to_numpy()
    return float(np.nansum(pieces[schema.POP_TOTAL].to_numpy(dtype=float) * pieces.area / whole))


@pytest.mark.parametrize("radius", [10_000.0, 25_000.0])
def test_area_weights_of_a_disc_clipped_to_land_equal_geopandas_overlay(jep, radius):
    """A disc clipped to the Mexican side's land (the straight-line isochrone), on Ciudad
    Juárez: cutting that polygon to a unit's box (``clip_by_rect``) gives an invalid piece for
    one AGEB of 1,850 people, which used to be repaired into a sliver (share 0 instead of 1).
    Weighing the covered units against the unclipped disc gives the same sums."""
    mx = jep.units[jep.units.country == "MX"]
    land = land_by_side(jep.units)["MX"]
    disc = shapely.buffer(shapely.centroid(land), radius, quad_segs=32)
    clipped = shapely.intersection(disc, land)
    want = _overlay_population(mx, clipped)
    got = area_weighted_population(mx, clipped)[schema.POP_TOTAL]
    assert got == pytest.approx(want, rel=1e-9)
    weights = AreaWeights(mx, land=land)
    assert weights.covered.all()  # land is the units' own union
    assert weights(clipped, unclipped=disc)[schema.POP_TOTAL] == pytest.approx(want, rel=1e-9)
    assert weights(clipped)[schema.POP_TOTAL] == pytest.approx(want, rel=1e-9)


def test_area_weights_with_unclipped_use_the_clipped_polygon_where_land_does_not_cover(jep):
    """Units that land does not cover (here: land cut in half) are weighed against the clipped
    polygon, so the unclipped shortcut never counts people off land."""
    mx = jep.units[jep.units.country == "MX"]
    whole = land_by_side(jep.units)["MX"]
    x0, y0, x1, y1 = whole.bounds
    land = shapely.clip_by_rect(whole, x0, y0, (x0 + x1) / 2, y1)
    disc = shapely.buffer(shapely.centroid(whole), 15_000.0, quad_segs=32)
    clipped = shapely.intersection(disc, land)
    weights = AreaWeights(mx, land=land)
    assert 0 < weights.covered.sum() < len(mx)
    want = _overlay_population(mx, clipped)
    assert weights(clipped, unclipped=disc)[schema.POP_TOTAL] == pytest.approx(want, rel=1e-9)


def test_grid_with_wait_bands_from_the_shared_raster_equal_direct(tjsd, graph, sy_times, us_edges):
    """The with-wait bands (budget ``T - wait``) come from the same travel-time raster as the
    bands without the wait, in one call: each equals the band computed on its own (polygon
    and population)."""
    from binational.catchments.isogrid import grid_isochrones, side_grid

    units = tjsd.units[tjsd.units.country == "US"]
    grid = side_grid(graph, units, us_edges, buffer_m=400.0)
    kw = {
        "toward": False,
        "buffer_m": 400.0,
        "fill_holes_km2": 1.0,
        "values": units[["pop_total"]].to_numpy(dtype=float),
    }
    wait = 16.0 * 60.0
    no_wait = [900.0, 1800.0, 2700.0]
    with_wait = [b - wait for b in no_wait]  # -60 s (empty), 840 s, 1740 s
    shared, shared_sums = grid_isochrones(graph, sy_times, no_wait + with_wait, grid, **kw)
    for j, budget in enumerate(with_wait):
        (direct,), direct_sums = grid_isochrones(graph, sy_times, [budget], grid, **kw)
        got = shared[len(no_wait) + j]
        assert got.is_empty == direct.is_empty
        assert shapely.equals(got, direct) or got.is_empty
        assert got.area == pytest.approx(direct.area, rel=1e-12)
        assert shared_sums[len(no_wait) + j, 0] == pytest.approx(direct_sums[0, 0], rel=1e-12)
    assert shared[len(no_wait)].is_empty and not shared[len(no_wait) + 1].is_empty
    # the wait shrinks every band: nested inside the band without it
    for j in (1, 2):
        assert shapely.difference(shared[len(no_wait) + j], shared[j]).area == 0
