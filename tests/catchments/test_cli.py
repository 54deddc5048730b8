"""``binational catchments REGION --out DIR``: GeoPackage, CSV and GeoTIFF outputs."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio

import binational.units
from binational.cli import main


@pytest.fixture
def cached_regions(monkeypatch, tjsd, jep):
    """Serve the session's loaded regions to the CLI instead of reading the files again."""
    regions = {"tijuana-san-diego": tjsd, "juarez-el-paso": jep}

    def load_region(name, **kwargs):
        return regions[name]

    monkeypatch.setattr(binational.units, "load_region", load_region)


@pytest.mark.slow
def test_cli_network_region(cached_regions, tmp_path, capsys):
    out = tmp_path / "tjsd"
    code = main(
        [
            "catchments",
            "tijuana-san-diego",
            "--minutes",
            "60",
            "120",
            "--hour",
            "7",
            "--wait-source",
            "historical",
            "--wait-fallback",
            "2504",
            "--raster",
            "--resolution",
            "1000",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "San Ysidro" in printed and "network" in printed
    layers = {name for name, _ in pyogrio.list_layers(out / "catchments.gpkg")}
    assert layers == {"isochrones", "units", "port_sheds"}
    iso = gpd.read_file(out / "catchments.gpkg", layer="isochrones")
    assert len(iso) == 3 * 2 * 2 * 2 and iso.crs.to_epsg() == 32611
    csv = pd.read_csv(out / "isochrones.csv")
    assert len(csv) == len(iso)
    pd.testing.assert_series_equal(csv["pop"], iso["pop"], check_names=False)
    units = pd.read_csv(out / "units.csv")
    assert units.unit_id.is_unique and len(units) == 1534
    summary = pd.read_csv(out / "summary.csv")
    assert sorted(summary.port_code) == [2504, 2505, 2506]
    params = json.loads((out / "params.json").read_text())
    assert params["hour"] == 7 and params["wait_fallback"] == 2504
    assert params["isochrone_method"] == "grid"  # the library's default, not the exact buffers
    with rasterio.open(out / "travel_time.tif") as src:
        assert src.crs.to_epsg() == 32611 and src.tags()["method"] == "network"
        # the surface covers the land of both sides (the grid isochrones need no land
        # polygons, the surface does): minutes under most units' points, on each side (1 km
        # cells: some small urban AGEBs sit in a cell whose centre is off land)
        gpkg_units = gpd.read_file(out / "catchments.gpkg", layer="units")
        for side in ("MX", "US"):
            pts = gpkg_units[gpkg_units["country"] == side].representative_point()
            values = np.array([v[0] for v in src.sample(zip(pts.x, pts.y, strict=True))])
            values = np.where(values == src.nodata, np.nan, values)
            assert np.isfinite(values).mean() > 0.8, side


def test_cli_straight_line_region_and_scenario(cached_regions, tmp_path, capsys):
    out = tmp_path / "jep"
    code = main(
        [
            "catchments",
            "juarez-el-paso",
            "--weekday",
            "all",
            "--close-port",
            "2404",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    iso = gpd.read_file(out / "catchments.gpkg", layer="isochrones")
    assert set(iso["method"]) == {"straight-line"}
    assert "2404" not in set(iso.port_code)  # port codes are text in the GeoPackage
    assert {"2401", "2402"} <= set(iso.port_code)
    assert set(iso.scenario) == {"closed-2404"}
    assert "straight-line" in capsys.readouterr().out


def test_cli_bad_input_is_a_clear_error(cached_regions, tmp_path, capsys):
    code = main(
        ["catchments", "tijuana-san-diego", "--wait-source", "historical", "--out", str(tmp_path)]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "wait_fallback" in err and "2505" in err
    # and how to say it on the command line, with the sources there are
    assert "--wait-fallback zero" in err and "wait rows are northbound" in err
    assert "their sources: " in err and "historical" in err.split("their sources: ")[1]


def test_cli_southbound_without_waits_names_the_option(cached_regions, tmp_path, capsys):
    """CBP publishes northbound waits only: a southbound run stops with the option to pass,
    and runs with it."""
    argv = ["catchments", "juarez-el-paso", "--direction", "southbound", "--out"]
    assert main([*argv, str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert "southbound" in err and "--wait-fallback zero" in err
    assert "wait rows are northbound" in err
    assert main([*argv, str(tmp_path / "b"), "--wait-fallback", "zero"]) == 0
    summary = pd.read_csv(tmp_path / "b" / "summary.csv")
    assert (summary["wait_minutes"] == 0).all() and set(summary["direction"]) == {"southbound"}
