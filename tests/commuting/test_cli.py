"""``binational commuting`` on the real data (straight-line model for speed)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio

from binational.cli import main


@pytest.fixture(scope="module")
def out(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("commuting")
    code = main(
        [
            "commuting",
            "tijuana-san-diego",
            "--out",
            str(folder),
            "--data-dir",
            str(data_dir),
            "--method",
            "straight-line",
            "--otay-mesa-east",
        ]
    )
    assert code == 0
    return folder


def test_fit_csv(out):
    fit = pd.read_csv(out / "fit.csv")
    need = {"purpose", "period", "port_code", "lane", "observed_share", "predicted_share"}
    assert need <= set(fit.columns)
    sums = fit.groupby(["purpose", "period"])[["observed_share", "predicted_share"]].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)
    assert set(fit["purpose"]) == {"HBW", "HBO", "HBS"}


def test_heldout_errors_before_and_after(out):
    e = pd.read_csv(out / "heldout_errors.csv")
    assert set(e["model"]) == {"before: booths = CBP counts", "after: booths = mean"}
    after = e[e.model.str.startswith("after") & e.period.isin(["am_peak", "midday", "pm_peak"])]
    assert (after[["port_max_pp", "lane_max_pp"]] <= 5.0).all().all()
    before = e[e.model.str.startswith("before") & (e.period == "pm_peak")]
    assert (before["lane_max_pp"] > 5.0).all()


def test_parameters_csv(out):
    p = pd.read_csv(out / "parameters.csv")
    assert {"all", "without_am_peak", "without_midday", "without_pm_peak"} <= set(p["fit"])
    assert {"estimate", "se", "z"} <= set(p.columns)


def test_units_geopackage_and_time_tax_raster(out):
    u = gpd.read_file(out / "commuting.gpkg", layer="units")
    probs = [c for c in u.columns if c.startswith("p_")]
    assert len(probs) == 6
    origins = u[u["role"] == "origin"]
    np.testing.assert_allclose(origins[probs].sum(axis=1), 1.0, atol=1e-6)
    assert u["expected_minutes"].notna().sum() > 0.9 * len(u)
    with rasterio.open(out / "time_tax.tif") as src:
        assert src.count == 24
        band = src.read(8)
        assert np.nanmax(band) > 0
    assert (out / "scenario_shares.csv").exists()
    waits = pd.read_csv(out / "scenario_waits.csv")
    at7 = waits[waits.port_code.isin([2504, 2506]) & (waits.hour == 7)]
    assert (at7["scenario_wait"] < at7["base_wait"]).all()  # the queues respond to Otay Mesa East
    peds = pd.read_csv(out / "pedestrian_check.csv")
    assert {"observed_share", "predicted_share", "error_pp"} <= set(peds.columns)
    ph = pd.read_csv(out / "person_hours.csv")
    assert (ph["person_hours_waiting"] > 0).all()


def test_bad_close_lane_writes_nothing(tmp_path, data_dir):
    folder = tmp_path / "nothing"
    code = main(
        [
            "commuting",
            "tijuana-san-diego",
            "--out",
            str(folder),
            "--data-dir",
            str(data_dir),
            "--method",
            "straight-line",
            "--close-lane",
            "2504:carpool",
        ]
    )
    assert code == 2
    assert not folder.exists() or not any(p for p in folder.iterdir() if not p.name.startswith("."))


def test_a_region_without_the_surveys_ports_is_refused_by_name(tmp_path, data_dir, capsys):
    """The SANDAG survey covers San Ysidro and Otay Mesa: on Juárez–El Paso the command used to
    fail deep in the fit, on "no wait for port 2504", with a Python keyword as advice. It now
    stops at once, says why and names the region's ports, and writes nothing."""
    folder = tmp_path / "jz"
    argv = ["commuting", "juarez-el-paso", "--out", str(folder), "--data-dir", str(data_dir)]
    assert main([*argv, "--method", "straight-line"]) == 2
    err = capsys.readouterr().err
    assert "covers San Ysidro and Otay Mesa only" in err
    assert "'juarez-el-paso' has none of its ports (2401, 2402, 2404, 2408)" in err
    assert "fixed=" not in err
    assert not folder.exists() or not any(p for p in folder.iterdir() if not p.name.startswith("."))
