"""Units of measure: a CRS in feet is reprojected, a geographic CRS refused, metres untouched."""

import geopandas as gpd
import pytest
from shapely.geometry import Point

from binational._crs import is_metric, to_metric
from binational.errors import CRSError


def _layer(crs):
    return gpd.GeoDataFrame(
        {"v": [1, 2]}, geometry=[Point(-106.5, 31.75), Point(-106.49, 31.75)], crs="EPSG:4326"
    ).to_crs(crs)


def test_metres_unchanged():
    layer = _layer("EPSG:32613")
    assert to_metric(layer, what="units") is layer
    assert is_metric("EPSG:32613")


def test_feet_reprojected_distance_kept(caplog):
    metres = _layer("EPSG:32613")
    feet = _layer("EPSG:2258")
    assert not is_metric("EPSG:2258")
    out = to_metric(feet, what="units")
    assert is_metric(out.crs)
    d_m = metres.geometry.iloc[0].distance(metres.geometry.iloc[1])
    d_out = out.geometry.iloc[0].distance(out.geometry.iloc[1])
    d_ft = feet.geometry.iloc[0].distance(feet.geometry.iloc[1])
    assert d_out == pytest.approx(d_m, rel=1e-3)
    assert d_ft == pytest.approx(d_m / 0.3048006, rel=1e-3)  # the feet layer reads 3.28x longer
    assert "2258" in caplog.text and "metres" in caplog.text


@pytest.mark.parametrize("crs", [None, "EPSG:4326"])
def test_refused(crs):
    layer = gpd.GeoDataFrame({"v": [1]}, geometry=[Point(0, 0)], crs=crs)
    with pytest.raises(CRSError, match="units"):
        to_metric(layer, what="units")
