"""Travel-time rasters: GeoTIFF output, cell values, zonal statistics against rasterio.mask."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import rasterio.mask
import shapely

from binational import schema
from binational.catchments import catchments, travel_time_surface
from binational.catchments.isochrones import land_by_side
from binational.errors import CRSError, CRSMismatchError, SchemaError
from binational.surfaces import (
    function_surface,
    raster_grid,
    read_geotiff,
    write_geotiff,
    zonal_stats,
)


@pytest.fixture(scope="module")
def surface(tjsd, tjsd_result):
    return travel_time_surface(
        tjsd_result, land=land_by_side(tjsd.units), resolution=500.0, access_speed_kph=15.0
    )


def test_geotiff_round_trip(surface, tmp_path):
    path = tmp_path / "tt.tif"
    write_geotiff(surface, path)
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32611
        assert src.transform == surface.transform
        assert src.res == (500.0, 500.0)
        assert src.tags()["method"] == "network"
        assert src.tags()["direction"] == "northbound"
        values = src.read(1)
    np.testing.assert_array_equal(np.isnan(values), np.isnan(surface.values))
    ok = ~np.isnan(values)
    np.testing.assert_array_equal(values[ok], surface.values[ok])
    back = read_geotiff(path)
    assert back.crs == surface.crs and back.tags["lane"] == "general"


def test_cell_values_are_nearest_node_plus_access(surface, tjsd_result, graph):
    res = tjsd_result
    waits = res.waits.set_index(schema.PORT_CODE).wait_minutes
    pt = res.port_times
    tt = pt.border.travel_time.to_numpy()
    node_min = np.full(len(graph), np.inf)
    for code in pt.ports("northbound"):
        r = pt.edges(code, "northbound")
        t = np.min(pt.to_tail[r] + tt[r, None], axis=0) / 60 + waits[code]
        node_min = np.minimum(node_min, t)
    mx = (graph.country == "MX") & graph.routable & np.isfinite(node_min)
    land = land_by_side(res.units)["MX"]
    rows, cols = np.nonzero(~np.isnan(surface.values))
    xs, ys = rasterio.transform.xy(surface.transform, rows, cols)
    xs, ys = np.asarray(xs), np.asarray(ys)
    on_mx = np.flatnonzero(shapely.contains_xy(land, xs, ys))
    rng = np.random.default_rng(3)
    picks = rng.choice(on_mx, 25, replace=False)
    mx_rows = np.flatnonzero(mx)
    for k in picks:
        d = np.hypot(graph.x[mx_rows] - xs[k], graph.y[mx_rows] - ys[k])
        i = mx_rows[np.argmin(d)]
        want = node_min[i] + d.min() / (15 / 3.6) / 60
        assert surface.values[rows[k], cols[k]] == pytest.approx(want, rel=1e-5)


def test_zonal_stats_equal_rasterio_mask(surface, tjsd, tmp_path):
    path = tmp_path / "tt.tif"
    write_geotiff(surface, path)
    units = tjsd.units
    stats = zonal_stats(surface, units, stats=("mean", "min", "max", "count"))
    assert len(stats) == len(units)
    rng = np.random.default_rng(8)
    compared = 0
    with rasterio.open(path) as src:
        for i in rng.choice(len(units), 40, replace=False):
            geom = units.geometry.iloc[i]
            row = stats.iloc[i]
            try:
                data, _ = rasterio.mask.mask(src, [geom], crop=True, filled=False)
            except ValueError:  # unit off the raster: no cell, so the point value
                assert row["count"] == 0 and row["point_value"] is np.True_
                continue
            vals = data[0].compressed()
            vals = vals[~np.isnan(vals)]
            if len(vals):
                assert row["count"] == len(vals)
                assert row["point_value"] is np.False_
                assert row["mean"] == pytest.approx(vals.mean(), rel=1e-5)
                assert row["min"] == pytest.approx(vals.min(), rel=1e-6)
                assert row["max"] == pytest.approx(vals.max(), rel=1e-6)
                compared += 1
            else:
                # no cell centre inside: the value under the representative point
                assert row["count"] == 0 and row["point_value"] is np.True_
    # most sampled units hold cells (500 m cells): a run that skips them all cannot pass
    assert compared >= 30
    # small units take the value under their representative point
    small = stats[stats["count"] == 0]
    if len(small):
        pts = units.loc[small.index].representative_point()
        want = surface.sample(pts.x.to_numpy(), pts.y.to_numpy())
        np.testing.assert_allclose(small["mean"].to_numpy(), want)


def test_function_surface_and_errors(jep, jep_result):
    res = catchments(jep, minutes=(30,), hour=None, weekday="all", raster=True, resolution=1000)
    s = res.surface
    assert s.tags["method"] == "straight-line"
    zs = zonal_stats(s, jep.units)
    assert zs["mean"].notna().mean() > 0.95
    # catchments(raster=True) puts the same statistics on the unit table
    np.testing.assert_allclose(
        res.units["raster_mean_minutes"], zs["mean"].to_numpy(), equal_nan=True
    )
    assert (res.units["raster_cells"] == zs["count"]).all()
    # function_surface evaluates at cell centres, NaN off land
    grid = function_surface(
        lambda x, y, side: x + y / 1000,
        land={"X": shapely.box(0, 0, 2000, 1000)},
        crs="EPSG:32613",
        resolution=500,
    )
    assert grid.shape == (2, 4)
    np.testing.assert_array_equal(
        grid.values, [[250.75, 750.75, 1250.75, 1750.75], [250.25, 750.25, 1250.25, 1750.25]]
    )
    with pytest.raises(CRSError):
        function_surface(lambda x, y, s: x, land={"X": shapely.box(0, 0, 1, 1)}, crs="EPSG:4326")
    # a CRS in feet would make a 500 m cell 500 feet: refused, never mis-scaled
    with pytest.raises(CRSError, match="US survey foot"):
        function_surface(
            lambda x, y, s: x, land={"X": shapely.box(0, 0, 9, 9)}, crs="EPSG:2258", resolution=3
        )
    with pytest.raises(SchemaError):
        raster_grid((0, 0, 1e6, 1e6), resolution=1)
    with pytest.raises(CRSMismatchError):
        zonal_stats(s, jep.units.to_crs(4326))


def test_straight_line_surface_every_cell(jep, jep_result):
    """Straight-line branch of travel_time_surface on Juárez–El Paso: every cell on land equals
    min over ports of (centre-to-port distance × circuity ÷ speed + wait), NaN off land."""
    from binational.catchments import DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH

    res = jep_result
    assert res.method == "straight-line"
    land = land_by_side(jep.units)
    s = travel_time_surface(res, land=land, resolution=1000.0, port_frame=jep.ports)
    assert s.tags["method"] == "straight-line"
    assert s.tags["circuity"] == str(DEFAULT_CIRCUITY)
    rows, cols = np.indices(s.shape)
    xs, ys = rasterio.transform.xy(s.transform, rows.ravel(), cols.ravel())
    xs, ys = np.asarray(xs), np.asarray(ys)
    on_land = np.zeros(len(xs), bool)
    for poly in land.values():
        on_land |= shapely.contains_xy(poly, xs, ys)
    values = s.values.ravel()
    np.testing.assert_array_equal(~np.isnan(values), on_land)
    assert on_land.sum() > 1000  # about 1,300 km² of tracts and urban AGEBs
    waits = res.waits.set_index(schema.PORT_CODE)["wait_minutes"]
    speed = DEFAULT_SPEED_KPH / 3.6  # m/s
    want = np.full(len(xs), np.inf)
    for code, pt in zip(jep.ports[schema.PORT_CODE], jep.ports.geometry, strict=True):
        d = np.hypot(xs - pt.x, ys - pt.y)
        want = np.minimum(want, d * DEFAULT_CIRCUITY / speed / 60 + waits[code])
    np.testing.assert_allclose(values[on_land], want[on_land], rtol=1e-6)
