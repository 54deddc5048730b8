"""GeoPackage and GeoParquet export, opened with GDAL's own ogrinfo and read back."""

from __future__ import annotations

import re
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from binational.errors import OutputError
from binational.render.export import export_layers

OGRINFO = shutil.which("ogrinfo")


@pytest.fixture(scope="module")
def exported(jz, jz_catch, tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    return out, export_layers(jz, out, catchments=jz_catch)


def test_layers_and_counts(jz, jz_catch, exported):
    out, paths = exported
    layers = dict(pyogrio.list_layers(paths["gpkg"]))
    assert set(layers) == {"units", "ports", "isochrones", "port_sheds", "border"}
    for layer, n in (
        ("units", len(jz.units)),
        ("ports", len(jz.ports)),
        ("isochrones", len(jz_catch.isochrones)),
        ("port_sheds", len(jz_catch.port_sheds)),
    ):
        assert pyogrio.read_info(paths["gpkg"], layer=layer)["features"] == n
    assert not list(out.glob(".binational-*"))  # temp folder gone


@pytest.mark.skipif(OGRINFO is None, reason="gdal-bin (ogrinfo) not installed")
def test_ogrinfo_opens_every_layer(jz, exported):
    _, paths = exported
    run = subprocess.run(
        [OGRINFO, "-ro", "-so", "-al", str(paths["gpkg"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "ERROR" not in run.stderr and "ERROR" not in run.stdout
    counts = dict(
        zip(
            re.findall(r"Layer name: (\w+)", run.stdout),
            map(int, re.findall(r"Feature Count: (\d+)", run.stdout)),
            strict=True,
        )
    )
    assert counts["units"] == len(jz.units)
    assert 'EPSG",32613' in run.stdout.replace(" ", "") or "32613" in run.stdout


def test_geoparquet_round_trip(jz, exported):
    _, paths = exported
    back = gpd.read_parquet(paths["units"])
    assert back.crs == jz.units.crs
    merged = back.set_index("unit_id").loc[jz.units["unit_id"]]
    np.testing.assert_allclose(
        merged["pop_total"].to_numpy(dtype=float), jz.units["pop_total"].to_numpy(dtype=float)
    )
    assert merged.geometry.geom_equals_exact(jz.units.geometry.set_axis(merged.index), 1e-6).all()
    # the allocation is joined onto the units
    assert "best_port" in back.columns
    ports = gpd.read_parquet(paths["ports"])
    gp = pyogrio.read_dataframe(paths["gpkg"], layer="ports")
    pd.testing.assert_series_equal(
        ports["port_code"].astype(int).reset_index(drop=True),
        gp["port_code"].astype(int),
        check_names=False,
    )


def test_unwritable_folder(jz, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="file"):
        export_layers(jz, blocker / "out", formats=("parquet",))
