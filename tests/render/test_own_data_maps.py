"""``region_map`` and ``unit_map`` take a GIS user's own GeoDataFrame (own column names)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from binational.errors import RenderError
from binational.render import maps
from binational.render._leaflet import decode_features


@pytest.fixture(scope="module")
def own():
    """A 4 × 3 grid of 1 km squares in UTM 13N with the user's own column names."""
    cells = [
        shapely.box(360_000 + x, 3_500_000 + y, 361_000 + x, 3_501_000 + y)
        for x in range(0, 4000, 1000)
        for y in range(0, 3000, 1000)
    ]
    people = 200.0 + 150.0 * np.arange(len(cells))
    return gpd.GeoDataFrame(
        {
            "tract": [f"T{i:02d}" for i in range(len(cells))],
            "people": people,
            "latinos": np.floor(people * np.linspace(0.1, 0.9, len(cells))),
        },
        geometry=cells,
        crs="EPSG:32613",
    )


def _unit_layer(m):
    layers = [c for c in m._children.values() if getattr(c, "class_name", None) == "bn-unit"]
    assert len(layers) == 1
    data = json.loads(layers[0].data.replace("<\\/", "</"))
    return (decode_features(data) if layers[0].encoded else data)["features"]


@pytest.mark.parametrize("draw", [maps.region_map, maps.unit_map])
def test_own_geodataframe_is_mapped_with_its_own_columns(own, draw):
    m = draw(own, "latinos", normalize="people", k=4)
    features = _unit_layer(m)
    assert len(features) == len(own)
    share = own["latinos"] / own["people"]
    # each tooltip shows the unit's share of its own denominator, in per cent
    for f, want in zip(features, share, strict=True):
        assert f["properties"]["t"][3] == f"{100 * want:.1f} %"
    assert "bn-unit" in maps.map_html(m, offline=True)


def test_own_geodataframe_without_our_columns_says_what_to_pass(own):
    with pytest.raises(RenderError, match="pop_total"):
        maps.region_map(own)  # density needs pop_total
    with pytest.raises(RenderError, match="normalize=None"):
        maps.region_map(own, "latinos")  # default denominator pop_total is not there
    m = maps.region_map(own, "people", normalize=None)
    assert len(_unit_layer(m)) == len(own)
    with pytest.raises(RenderError, match="Region or a GeoDataFrame"):
        maps.region_map(own.drop(columns="geometry"), "people")


def test_density_of_a_layer_in_feet_is_per_square_kilometre(own, caplog):
    feet = own.assign(pop_total=own["people"]).to_crs("EPSG:2258")  # Montana State Plane, ft
    dens = maps.with_density(feet)["pop_density"]
    assert "reprojected" in caplog.text
    np.testing.assert_allclose(dens.to_numpy(), own["people"].to_numpy(), rtol=1e-3)  # 1 km²
