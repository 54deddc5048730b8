"""The numpy arc simplification against the topojson package on the real units."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from binational.render._simplify import _simplify_arcs, simplify_coverage


@pytest.mark.parametrize("side", ["MX", "US"])
def test_arcs_match_topojson(tj, side):
    topojson = pytest.importorskip("topojson")
    del topojson
    from binational.render._simplify import _simplify_topojson

    geoms = tj.units[tj.units["country"] == side].geometry.to_numpy()
    ours = _simplify_arcs(geoms, 10.0)
    ref = _simplify_topojson(geoms, 10.0)
    n_ours = shapely.get_num_coordinates(ours).sum()
    n_ref = shapely.get_num_coordinates(ref).sum()
    assert abs(n_ours - n_ref) <= 0.01 * n_ref
    ok = ~shapely.is_empty(ours) & shapely.is_valid(ours)
    assert ok.mean() > 0.99
    # same shapes: tiny symmetric difference; no vertex moved more than the tolerance
    diff = shapely.area(shapely.symmetric_difference(ours[ok], ref[ok])).sum()
    assert diff < 1e-4 * shapely.area(geoms).sum()
    assert shapely.hausdorff_distance(geoms[ok], ours[ok]).max() <= 10.0 + 1e-6


def test_shared_edges_stay_shared_on_a_grid():
    # 3 x 3 unit squares with wiggly shared edges: simplification removes the wiggles the same
    # way on both sides of each edge, so the cells still tile the square exactly
    rng = np.random.default_rng(0)
    xs = np.linspace(0, 3000, 61)
    cells = []
    for i in range(3):
        for j in range(3):
            cells.append(shapely.box(i * 1000, j * 1000, (i + 1) * 1000, (j + 1) * 1000))
    # densify and jitter interior vertices consistently (same jitter for the same point)
    jitter = {round(x): rng.normal(0, 8) for x in xs}

    def wiggle(poly):
        dense = shapely.segmentize(poly, 50)
        xy = shapely.get_coordinates(dense)
        on_x = np.isin(np.round(xy[:, 1]) % 1000, [0]) & (xy[:, 1] > 0) & (xy[:, 1] < 3000)
        xy[on_x, 1] += [jitter[round(x)] for x in xy[on_x, 0]]
        return shapely.Polygon(xy)

    geoms = np.array([wiggle(c) for c in cells], dtype=object)
    assert shapely.coverage_is_valid(geoms)
    out = _simplify_arcs(geoms, 10.0)
    assert shapely.coverage_is_valid(out)
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates(geoms).sum()
    assert abs(shapely.area(out).sum() - 9e6) < 1.0


def test_auto_is_arcs(tj):
    import geopandas as gpd

    mx = tj.units[tj.units["country"] == "MX"].head(50)
    auto = simplify_coverage(gpd.GeoDataFrame(mx), tolerance=10, method="auto")
    arcs = simplify_coverage(gpd.GeoDataFrame(mx), tolerance=10, method="arcs")
    assert auto.geometry.geom_equals_exact(arcs.geometry, 0).all()


def test_junctions_are_kept():
    # B touches the middle of A's right side: the T-points are junctions and must survive,
    # although on A's ring alone they are collinear (plain Douglas-Peucker would drop them)
    a = shapely.Polygon([(0, 0), (1000, 0), (1000, 400), (1000, 600), (1000, 1000), (0, 1000)])
    b = shapely.box(1000, 400, 1500, 600)
    geoms = np.array([a, b], dtype=object)
    assert shapely.coverage_is_valid(geoms)
    out = _simplify_arcs(geoms, 10.0)
    assert shapely.coverage_is_valid(out)
    assert shapely.get_num_coordinates(out[0]) == 7


def test_generalize_follows_geos_topology_preserving_simplification(tj):
    """The map's isochrones (Tijuana–San Diego network, 60 and 120 min): plain Douglas–Peucker
    against GEOS's topology-preserving simplification (the reference) at the report map's
    300 m and 1 km²: valid polygons, fewer vertices, the two outlines apart by no more than the
    tolerance along their length, and the same land to within 1 % over all."""
    import binational
    from binational.render._simplify import _drop_small, generalize

    iso = binational.catchments(tj, minutes=[60, 120]).isochrones
    iso = iso[~iso.geometry.is_empty]
    got = generalize(iso, tolerance=300.0, min_area=1e6).geometry.to_numpy()
    ref = _drop_small(shapely.simplify(iso.geometry.to_numpy(), 300.0, preserve_topology=True), 1e6)
    ref = shapely.make_valid(ref)
    assert shapely.is_valid(got).all()
    assert shapely.get_num_coordinates(got).sum() < shapely.get_num_coordinates(ref).sum()
    assert (
        shapely.get_num_coordinates(got).sum()
        < 0.1 * shapely.get_num_coordinates(iso.geometry.to_numpy()).sum()
    )
    diff = shapely.area(shapely.symmetric_difference(got, ref))
    area = shapely.area(ref)
    # each vertex moves by at most the tolerance: the land gained or lost is bounded by a strip
    # of that width along the outline
    bad = diff > 300.0 * shapely.length(ref)
    assert not bad.any(), (diff[bad], area[bad])
    assert diff.sum() <= 0.01 * area.sum()
