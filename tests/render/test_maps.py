"""Interactive maps on the real data, checked against plain pandas / mapclassify / shapely."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely

from binational.errors import OutputError, RenderError
from binational.io import waits as io_waits
from binational.render import maps
from binational.render._leaflet import decode_features
from binational.render._offline import inline_assets
from binational.render._simplify import web_geometry


def _layers(m: folium.Map, cls_name: str) -> list:
    return [c for c in m._children.values() if getattr(c, "class_name", None) == cls_name]


def _features(layer) -> list[dict]:
    """Features as the page's JavaScript sees them (decoded from the embedded data)."""
    data = json.loads(layer.data.replace("<\\/", "</"))
    return (decode_features(data) if layer.encoded else data)["features"]


@pytest.fixture(scope="module")
def sd_acs(data_dir, tj):
    """Hispanic share straight from the ACS csv (the reference)."""
    acs = pd.read_csv(data_dir / tj.spec.files["us_acs"], dtype={"GEOID": str})
    return acs.set_index("US:" + acs["GEOID"])


@pytest.fixture(scope="module")
def tj_map(tj):
    return maps.unit_map(tj.units, "hispanic", normalize="pop_total", scheme="quantiles", k=5)


def test_classes_match_mapclassify_on_raw_acs(tj_map, sd_acs):
    (layer,) = _layers(tj_map, "bn-unit")
    feats = _features(layer)
    got = {f["properties"]["t"][0]: f["properties"]["c"] for f in feats}
    us = {k: v for k, v in got.items() if k.startswith("US:")}
    raw = sd_acs.loc[list(us)]
    share = raw["race_hispanic"] / raw["pop_total_population"]
    ok = share.notna() & (raw["pop_total_population"] > 0)
    # classes are computed over both sides; MX has no Hispanic count, so only US values count
    ref = mapclassify.Quantiles(share[ok].to_numpy(), k=5)
    assert [us[i] for i in share[ok].index] == list(ref.yb)
    assert all(us[i] == -1 for i in share[~ok].index)
    # Mexican AGEBs have no Hispanic count: drawn as "no data"
    assert {v for k, v in got.items() if k.startswith("MX:")} == {-1}
    # one feature per unit, every San Diego tract among them
    assert len(feats) == len(got)
    assert set(us) == set(sd_acs.index)


def test_tooltip_values_and_share_moe(tj_map, sd_acs):
    (layer,) = _layers(tj_map, "bn-unit")
    tips = {f["properties"]["t"][0]: f["properties"]["t"] for f in _features(layer)}
    uid = "US:06073010001"
    row = sd_acs.loc[uid]
    _, _, pop, value, moe = tips[uid]
    assert pop == f"{row['pop_total_population']:,.0f}"
    p = row["race_hispanic"] / row["pop_total_population"]
    assert value == f"{100 * p:.1f} %"
    # ACS proportion MOE (Census Bureau handbook, ch. 8), computed here by hand
    rad = row["race_hispanic_moe"] ** 2 - p**2 * row["pop_total_population_moe"] ** 2
    if rad < 0:
        rad = row["race_hispanic_moe"] ** 2 + p**2 * row["pop_total_population_moe"] ** 2
    assert moe == f"± {100 * np.sqrt(rad) / row['pop_total_population']:.1f} %"


def test_every_unit_drawn_once(tj, tj_map):
    (layer,) = _layers(tj_map, "bn-unit")
    ids = [f["properties"]["t"][0] for f in _features(layer)]
    assert sorted(ids) == sorted(tj.units["unit_id"])


@pytest.mark.parametrize("method", ["arcs", "topojson", "coverage"])
def test_simplification_keeps_shared_edges_and_stays_close(tj, method):
    if method == "topojson":
        pytest.importorskip("topojson")
    mx = tj.units[tj.units["country"] == "MX"]
    assert shapely.coverage_is_valid(mx.geometry.to_numpy())
    light = web_geometry(mx, tolerance=10, decimals=5, method=method)
    # shared edges stay shared: still a valid coverage after simplify + rounding
    assert shapely.coverage_is_valid(light.geometry.to_numpy())
    assert len(light) == len(mx)
    assert not light.geometry.is_empty.any()
    back = light.to_crs(mx.crs).geometry.to_numpy()
    haus = shapely.hausdorff_distance(mx.geometry.to_numpy(), back)
    # Douglas-Peucker on the topology bounds the displacement by the tolerance (+ rounding,
    # 5 decimals ≈ 1.1 m); Visvalingam-Whyatt's tolerance is an area, not a distance
    assert haus.max() < (10 + 2 if method in ("arcs", "topojson") else 100)
    before = shapely.get_num_coordinates(mx.geometry.to_numpy()).sum()
    after = shapely.get_num_coordinates(light.geometry.to_numpy()).sum()
    assert after < 0.6 * before
    area = shapely.area(back).sum() / shapely.area(mx.geometry.to_numpy()).sum()
    assert abs(area - 1) < 0.002


def test_whole_region_map_is_light(tj, tmp_path):
    m = maps.region_map(tj, "hispanic", normalize="pop_total", offline=True)
    path = maps.save_map(m, tmp_path / "tj.html")
    size = path.stat().st_size
    assert size <= 1.5e6, f"{size / 1e6:.2f} MB"
    full = maps.region_map(tj, "hispanic", offline=True, tolerance=0, decimals=15)
    assert len(maps.map_html(full)) > 2.5 * size


def test_offline_html_has_no_external_assets(tj_map):
    page = maps.map_html(tj_map, offline=True)
    assert not re.search(r"<script[^>]+src=\"https?:", page)
    assert not re.search(r"<link[^>]+href=\"https?:", page)
    assert "L.version" in page or "1.9.3" in page
    online = maps.map_html(tj_map, offline=False)
    assert "cdn.jsdelivr.net/npm/leaflet@" in online


def test_offline_refuses_unknown_cdn_asset(tj):
    from folium.plugins import Fullscreen

    m = maps.unit_map(tj.units.head(20), "pop_total")
    Fullscreen().add_to(m)
    with pytest.raises(RenderError, match="cannot inline"):
        maps.map_html(m, offline=True)
    assert "leaflet" in inline_assets(
        '<script src="https://x/leaflet@1.9.3/dist/leaflet.js"></script>'
    )


def test_spanish_switch(tj):
    m = maps.region_map(tj, "hispanic", lang="es", border=None)
    page = m.get_root().render()
    assert "Población hispana o latina" in page
    assert "Garitas" in page and "cuantiles" in page
    assert "Population" not in page and "Ports of entry" not in page
    with pytest.raises(RenderError, match="lang"):
        maps.unit_map(tj.units, "pop_total", lang="fr")


def test_port_popup_volume_matches_bts(tj, data_dir):
    m = maps.region_map(tj, "pop_total", normalize=None, border=None)
    (layer,) = _layers(m, "bn-port")
    popups = {f["properties"]["n"]: f["properties"]["p"] for f in _features(layer)}
    raw = pd.read_csv(
        data_dir / "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"
    )
    raw["month"] = pd.to_datetime(raw["Date"], format="%b %Y")
    last = raw["month"].max()
    sy = raw[(raw["Port Code"] == 2504) & (raw["month"] > last - pd.DateOffset(months=12))]
    ped = sy.loc[sy["Measure"] == "Pedestrians", "Value"].sum()
    popup = next(v for k, v in popups.items() if "San Ysidro" in k)
    assert f"{ped:,.0f}" in popup
    assert "<svg" in popup  # San Ysidro has the CBP hourly wait profile
    # marker area proportional to persons: the busiest port has the largest circle
    radii = {f["properties"]["n"]: f["properties"]["r"] for f in _features(layer)}
    assert max(radii, key=radii.get).startswith("San Ysidro")


def test_wait_profile_matches_raw_csv_and_io_profile(tj, data_dir):
    from binational.render._tables import wait_by_hour

    raw = pd.read_csv(data_dir / "crossings/cbp_bwt_historical_hourly_avg_san_ysidro_pov.csv")
    ref = raw.groupby("bwt_hour")["pv_time_avg"].median()
    got = wait_by_hour(tj.waits, source="CBP BWT historical").loc[2504]
    np.testing.assert_allclose(got.to_numpy(dtype=float), ref.to_numpy(dtype=float))
    # default: one source per port, never mixed; a one-off live snapshot is not a profile
    table = wait_by_hour(tj.waits)
    sources = table.attrs["source"]
    assert 2582 not in table.index  # only a live snapshot for Cross Border Xpress
    for code, source in sources.items():
        sub = tj.waits[tj.waits["source"] == source]
        other = io_waits.wait_profile(sub, port_code=code, by="hour")
        np.testing.assert_allclose(
            table.loc[code, other.index].to_numpy(dtype=float), other.to_numpy(dtype=float)
        )


def _border_of(region):
    border = region.border  # built by load_region (binational.border.region_border)
    assert len(border) == 1 and "INEGI" in border["source"].iloc[0]
    line = border.geometry.iloc[0]
    assert shapely.get_num_geometries(line) == 1  # one continuous line
    return line


def test_border_passes_through_the_ports_tijuana(tj):
    line = _border_of(tj)
    # BTS gives one point per port (3 decimals, ~100 m); San Ysidro, Otay Mesa, Tecate and the
    # Cross Border Xpress terminal all sit on the line
    dist = tj.ports.distance(line)
    assert len(dist) == 4 and (dist < 1000).all(), dist.to_dict()


def test_border_passes_through_the_bridges_el_paso(jz, data_dir):
    line = _border_of(jz)
    bridges = pd.read_csv(
        data_dir / "crossings/txdot_unt_tx_mx_border_crossings_coordinates.csv",
        encoding="utf-8-sig",
    )
    # the El Paso and Ysleta bridges land in Juárez municipio; Marcelino Serna (Tornillo) lands
    # in Guadalupe municipio, outside the preset, where no Mexican polygon is loaded
    bridges = bridges[bridges["Code"].str.match(r"ELP-(ELP|YSL)-")]
    pts = gpd.GeoSeries(gpd.points_from_xy(bridges["Lon"], bridges["Lat"]), crs="EPSG:4326")
    dist = pts.to_crs(jz.units.crs).distance(line)
    assert len(dist) == 6 and (dist < 100).all(), dist.to_dict()


def test_bad_inputs(tj, tmp_path):
    units = tj.units
    with pytest.raises(RenderError, match="'no_such_column'"):
        maps.unit_map(units, "no_such_column")
    empty = units.assign(blank=np.nan)
    with pytest.raises(RenderError, match=r"'blank'.*no value"):
        maps.unit_map(empty, "blank")
    m = maps.unit_map(units.head(10), "pop_total")
    no_ports = tj.ports.iloc[0:0]
    with pytest.raises(RenderError, match="no ports"):
        maps.add_ports(m, no_ports)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="a_file"):
        maps.save_map(m, blocker / "map.html")
    with pytest.raises(RenderError, match="CRS"):
        maps.unit_map(
            gpd.GeoDataFrame(units.drop(columns="geometry"), geometry=units.geometry.to_numpy()),
            "pop_total",
        )


def test_save_is_atomic(tj, tmp_path):
    from folium.plugins import Fullscreen

    target = tmp_path / "map.html"
    target.write_text("previous")
    m = maps.unit_map(tj.units.head(10), "pop_total")
    Fullscreen().add_to(m)  # makes offline rendering fail
    with pytest.raises(RenderError):
        maps.save_map(m, target)
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]
