"""The border line of a region (binational.border): pure geometry on two polygon layers."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from binational.border import border_line, region_border
from binational.errors import CRSError, SchemaError


def _units(crs="EPSG:32611"):
    # a US square north of a Mexican one; they share a 1 km edge along y = 3 600 000
    return gpd.GeoDataFrame(
        {"country": ["US", "MX"]},
        geometry=[
            shapely.box(500_000, 3_600_000, 501_000, 3_601_000),
            shapely.box(500_000, 3_599_000, 501_000, 3_600_000),
        ],
        crs=crs,
    )


def test_border_is_the_mexican_edge_along_the_us_units(tmp_path):
    units = _units()
    border = region_border(units, municipio_polygons=tmp_path / "absent.geojson")
    assert len(border) == 1 and "approximate" in border["source"].iloc[0]
    # the shared edge (1 km) plus the two 500 m stubs of the MX square within 500 m of the US
    assert border.geometry.iloc[0].length == pytest.approx(2000.0)
    tight = border_line(units.iloc[[0]], units.iloc[[1]], snap=1.0)
    assert tight.geometry.iloc[0].length == pytest.approx(1002.0)
    assert region_border(units[units["country"] == "US"]) is None  # one side only: no line


def test_border_refuses_bad_layers():
    units = _units()
    with pytest.raises(CRSError, match="border_line"):
        border_line(units.iloc[[0]].to_crs(4326), units.iloc[[1]])
    with pytest.raises(SchemaError, match="Mexican polygons"):
        border_line(units.iloc[[0]], units.iloc[0:0])
