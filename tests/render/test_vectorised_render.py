"""The vectorised render paths give what the per-feature loops they replaced gave.

The loops are kept here as references: the arc simplification and the small-part filter of
:mod:`binational.render._simplify`, and the GeoJSON-then-encode path of the map layers.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from binational._memo import _SCOPE, memo_scope
from binational.render._leaflet import encode_features, encode_frame, feature_collection
from binational.render._simplify import _drop_small, _simplify_arcs, web_geometry
from binational.render._tables import port_level, port_volumes
from binational.waitprofile import wait_by_hour


def _reference_simplify_arcs(geoms, tolerance):
    """The per-ring loop of binational 41b9525 (the reference for the vectorised one)."""
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings = []
    n_int = shapely.get_num_interior_rings(parts)
    for i, p in enumerate(parts):
        rings.append(shapely.get_exterior_ring(p))
        rings.extend(shapely.get_interior_ring(p, j) for j in range(int(n_int[i])))
    rings = np.asarray(rings, dtype=object)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    last = np.r_[ring_of[1:] != ring_of[:-1], True]
    coords, ring_of = coords[~last], ring_of[~last]
    uniq, vid = np.unique(coords[:, 0] + 1j * coords[:, 1], return_inverse=True)
    vid = vid.ravel()
    nxt = np.arange(len(vid)) + 1
    starts = np.searchsorted(ring_of, np.arange(len(rings)))
    ends = np.r_[starts[1:], len(vid)]
    nxt[ends - 1] = starts
    a, b = vid, vid[nxt]
    pairs = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1), axis=0)
    junction = np.bincount(pairs.ravel(), minlength=len(uniq)) != 2
    ux, uy = uniq.real, uniq.imag
    arc_ids, arcs, ring_arcs = {}, [], []
    for r in range(len(rings)):
        ids = vid[starts[r] : ends[r]]
        if len(ids) < 3:
            ring_arcs.append([])
            continue
        cut = np.flatnonzero(junction[ids])
        if len(cut) == 0:
            i0 = int(np.argmin(ids))
            far = int(np.argmax(np.hypot(ux[ids] - ux[ids[i0]], uy[ids] - uy[ids[i0]])))
            cut = np.array(sorted({i0, far}))
            if cut[0] != i0:
                cut = cut[::-1]
        ids = np.roll(ids, -cut[0])
        cut = np.sort((cut - cut[0]) % len(ids))
        seq = []
        for s0, s1 in itertools.pairwise([*cut.tolist(), len(ids)]):
            arc = np.r_[ids[s0:s1], ids[s1 % len(ids)]]
            fwd = (arc[0], arc[-1], arc[1]) <= (arc[-1], arc[0], arc[-2])
            canon = arc if fwd else arc[::-1]
            k = arc_ids.setdefault(canon.tobytes(), len(arcs))
            if k == len(arcs):
                arcs.append(canon)
            seq.append((k, not fwd))
        ring_arcs.append(seq)
    lines = shapely.linestrings(
        np.concatenate([np.stack([ux[c], uy[c]], axis=1) for c in arcs]),
        indices=np.repeat(np.arange(len(arcs)), [len(c) for c in arcs]),
    )
    simple = shapely.simplify(lines, tolerance, preserve_topology=False)
    simple_xy = [shapely.get_coordinates(g) for g in simple]
    new_rings = []
    for r, seq in enumerate(ring_arcs):
        if not seq:
            new_rings.append(None)
            continue
        pieces = [simple_xy[k][::-1] if rev else simple_xy[k] for k, rev in seq]
        xy = np.concatenate([p[:-1] for p in pieces] + [pieces[-1][-1:]])
        new_rings.append(xy if len(xy) >= 4 else shapely.get_coordinates(rings[r]))
    new_parts, r = [], 0
    for i in range(len(parts)):
        k = 1 + int(n_int[i])
        ext, holes = new_rings[r], [h for h in new_rings[r + 1 : r + k] if h is not None]
        r += k
        new_parts.append(shapely.Polygon(ext, holes) if ext is not None else None)
    result = np.empty(len(geoms), dtype=object)
    first_part = np.searchsorted(part_of, np.arange(len(geoms) + 1))
    for g in range(len(geoms)):
        mine = [p for p in new_parts[first_part[g] : first_part[g + 1]] if p is not None]
        if not mine:
            result[g] = shapely.Polygon()
        else:
            result[g] = mine[0] if len(mine) == 1 else shapely.MultiPolygon(mine)
    return result


def _reference_drop_small(geom, min_area):
    parts = []
    for part in shapely.get_parts(geom):
        if part.area < min_area:
            continue
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= min_area]
        parts.append(shapely.Polygon(part.exterior, holes))
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _wkb(geoms):
    return [shapely.to_wkb(g) for g in geoms]


def _mixed_polygons():
    """Cells sharing wiggly edges, a cell with a big and a tiny hole, an island with a tiny
    islet (a multipolygon), a lone ring without junctions, and a sliver that collapses."""
    rng = np.random.default_rng(1)
    cells = []
    for i, j in itertools.product(range(3), range(2)):
        x0, y0 = i * 1000.0, j * 1000.0
        edge = np.linspace(0, 1000, 41)
        bottom = [(x0 + x, y0 + rng.normal(0, 3)) for x in edge]
        cells.append(shapely.Polygon([*bottom, (x0 + 1000, y0 + 1000), (x0, y0 + 1000)]))
    holed = shapely.Polygon(
        [(5000, 0), (6000, 0), (6000, 1000), (5000, 1000)],
        [
            [(5200, 200), (5800, 200), (5800, 800), (5200, 800)],
            [(5100, 100), (5102, 100), (5102, 101), (5100, 101)],  # collapses at 10 m
        ],
    )
    circle = shapely.Point(8000, 500).buffer(400, quad_segs=32)
    islands = shapely.MultiPolygon([circle, shapely.box(9000, 0, 9003, 2)])
    lone = shapely.Point(11000, 500).buffer(300, quad_segs=16)
    sliver = shapely.Polygon([(12000, 0), (12500, 1), (13000, 0), (12500, 2)])
    return np.array([*cells, holed, islands, lone, sliver], dtype=object)


@pytest.mark.parametrize("tolerance", [1.0, 10.0, 100.0, 600.0])
def test_simplify_arcs_equals_the_ring_loop(tolerance):
    geoms = np.array([*_mixed_polygons(), None], dtype=object)
    assert _wkb(_simplify_arcs(geoms, tolerance)) == _wkb(
        _reference_simplify_arcs(geoms, tolerance)
    )
    # the loop failed on an empty polygon; the vectorised one returns it empty
    with_empty = np.array([*geoms, shapely.Polygon()], dtype=object)
    assert _wkb(_simplify_arcs(with_empty, tolerance)) == _wkb(
        [*_reference_simplify_arcs(geoms, tolerance), shapely.Polygon()]
    )


@pytest.mark.parametrize("side", ["MX", "US"])
def test_simplify_arcs_equals_the_ring_loop_on_real_units(jz, side):
    geoms = jz.units[jz.units["country"] == side].geometry.to_numpy()
    for tolerance in (10.0, 300.0):
        ours = _simplify_arcs(geoms, tolerance)
        assert _wkb(ours) == _wkb(_reference_simplify_arcs(geoms, tolerance))


@pytest.mark.parametrize("min_area", [0.0, 10.0, 1e4, 2e5, 360_000.0, 1e6])
def test_drop_small_equals_the_part_loop(min_area):
    geoms = np.array([*_mixed_polygons(), None, shapely.Polygon()], dtype=object)
    ref = [_reference_drop_small(g, min_area) for g in geoms]
    assert _wkb(_drop_small(geoms, min_area)) == _wkb(ref)


def test_encode_frame_equals_geojson_then_encode(jz):
    web = web_geometry(jz.units, tolerance=20.0, decimals=4)
    lines = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(-106.4, 31.7), (-106.3, 31.75), (-106.2, 31.7)]),
            shapely.MultiLineString([[(-106.4, 31.6), (-106.5, 31.6)], [(0, 0), (1e-5, 2e-5)]]),
            None,
            shapely.Polygon(),
            shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
        ],
        crs="EPSG:4326",
    )
    for gdf in (web, lines):
        props = [{"i": i, "name": f"<b>{i}</b>"} for i in range(len(gdf))]
        for decimals in (4, 5, 7):
            want = encode_features(feature_collection(gdf, props), decimals=decimals)
            assert encode_frame(gdf, props, decimals=decimals) == want
    points = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:4326")
    assert encode_frame(points, [{}]) is None  # points go the plain GeoJSON way


def _waits():
    rng = np.random.default_rng(2)
    n = 2000
    return pd.DataFrame(
        {
            "port_code": rng.choice([2504, 2506], n),
            "lane": rng.choice(["general", "sentri"], n),
            "direction": "northbound",
            "hour": rng.integers(0, 24, n),
            "minutes": rng.gamma(2.0, 20.0, n),
            "source": rng.choice(["a", "b"], n, p=[0.7, 0.3]),
            "crossing_id": "x",
        }
    )


def test_memoised_wait_by_hour_equals_the_direct_table():
    waits = _waits()
    direct = {lane: wait_by_hour(waits, lane=lane) for lane in ("general", "sentri")}
    with memo_scope():
        for _ in range(2):
            for lane, want in direct.items():
                got = wait_by_hour(waits, lane=lane)
                pd.testing.assert_frame_equal(got, want)
                assert got.attrs == want.attrs
                got.iloc[0, 0] = -1.0  # a caller's change stays in its copy
                got.attrs["source"].clear()
        other = waits.assign(minutes=waits["minutes"] * 2)  # another table: its own entry
        pd.testing.assert_frame_equal(wait_by_hour(other), wait_by_hour(waits) * 2)
    assert _SCOPE.get() is None  # nothing is kept after the block


def test_memoised_port_tables_equal_the_direct_ones():
    rng = np.random.default_rng(3)
    n = 600
    crossings = pd.DataFrame(
        {
            "port_code": rng.choice([2504, 2506], n),
            "month": pd.period_range("2023-01", periods=24, freq="M").astype(str)[
                rng.integers(0, 24, n)
            ],
            "measure": rng.choice(["Pedestrians", "Personal Vehicle Passengers", "Trucks"], n),
            "value": rng.integers(0, 10_000, n),
            "source": rng.choice(["BTS", "CBP"], n),
        }
    )
    level, volumes = port_level(crossings), port_volumes(crossings, months=12)
    with memo_scope():
        for _ in range(2):
            got = port_level(crossings)
            pd.testing.assert_frame_equal(got, level)
            got.loc[got.index[0], "value"] = -1  # stays in this caller's copy
            pd.testing.assert_frame_equal(port_volumes(crossings, months=12), volumes)


def test_report_module_imports_no_drawing_library():
    import subprocess
    import sys

    probe = (
        "import sys, binational.render.report\n"
        "print(' '.join(m for m in ('folium', 'matplotlib', 'jinja2', 'branca') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []
