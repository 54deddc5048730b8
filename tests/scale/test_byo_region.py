"""A user's own twin city from a TOML file plus files, with census units on one side only.

The regions file lives in a temporary folder with its own ``data_dir`` (relative to the file),
its own official total, and no wait data: ``summary``, ``concentration``, ``catchments``,
``report`` and ``batch`` run, and the missing side and the missing waits are reported. On a Dask
cluster the region reaches workers that never read the regions file.
"""

from __future__ import annotations

import pandas as pd
import pytest

import binational
from binational import regions as regions_mod
from binational.cli import main
from binational.errors import RegionError
from binational.regions import load_regions_file
from binational.scale import run_batch
from binational.units import load_region, official_totals, population_check

NAME = "byo-el-paso-only"
OWN_TOTAL = 865_000  # deliberately not the Census figure (865,657): the check must use this one

TOML = f"""
[{NAME}]
title = "El Paso, US side only (user's own region)"
crs = "EPSG:32613"
us_counties = ["48141"]
mx_municipios = []
ports = [2402]
groups_us = ["hispanic"]
data_dir = "data"

[{NAME}.official_totals]
48141 = {{ population = {OWN_TOTAL}, name = "El Paso (my figure)", source = "my office, 2020" }}

[{NAME}.files]
us_tracts = "us/ep/ep_tracts_2020.geojson"
us_acs = "us/ep/ep_acs5_2016_2020_tract_jtrummler_knitrcache.csv"
bts = "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"
"""


@pytest.fixture
def regions_file(tmp_path, data_dir, monkeypatch):
    """The user's folder: regions.toml beside data/ (a link to the real data)."""
    (tmp_path / "data").symlink_to(data_dir, target_is_directory=True)
    path = tmp_path / "regions.toml"
    path.write_text(TOML, encoding="utf-8")
    # no global data folder: the region's own data_dir must be enough
    monkeypatch.setattr(binational.settings, "data_dir", None)
    monkeypatch.delenv("BINATIONAL_DATA_DIR", raising=False)
    yield path
    regions_mod._REGISTRY.pop(NAME, None)


def test_spec_reads_data_dir_and_totals(regions_file):
    (spec,) = load_regions_file(regions_file)
    assert spec.data_dir == str((regions_file.parent / "data").resolve())
    assert spec.official_totals == (("48141", "El Paso (my figure)", OWN_TOTAL, "my office, 2020"),)
    totals = official_totals(spec).set_index("code")
    assert totals.loc["48141", "pop_2020"] == OWN_TOTAL
    assert totals.loc["48141", "country"] == "US"
    assert totals.loc["06073", "pop_2020"] == 3_298_634  # the package's rows are kept


def test_one_side_region_loads_and_reports_missing_side(regions_file):
    load_regions_file(regions_file)
    region = load_region(NAME, network=False)
    assert set(region.units["country"]) == {"US"}
    assert len(region.units) == 188
    assert "mx_units" in region.missing and "waits" in region.missing
    check = population_check(region.units, official=official_totals(region.spec)).set_index(
        "admin2"
    )
    assert check.loc["48141", "pop_2020"] == OWN_TOTAL
    assert check.loc["48141", "source"] == "my office, 2020"
    assert check.loc["48141", "ratio"] == pytest.approx(region.units["pop_total"].sum() / OWN_TOTAL)


def test_commands_run_on_one_side(regions_file, tmp_path, capsys):
    rf = ["--regions-file", str(regions_file)]
    assert main([*rf, "summary", NAME]) == 0
    out = capsys.readouterr().out
    assert "mx_units" in out and "El Paso (my figure)" in out
    assert main([*rf, "concentration", NAME, "--out", str(tmp_path / "c")]) == 0
    table = pd.read_csv(next((tmp_path / "c").glob("*_concentration.csv")))
    us = table[table["scope"] == "US"]
    assert us["value"].notna().any()  # the US side is measured
    assert main([*rf, "catchments", NAME, "--out", str(tmp_path / "k")]) == 0
    out = capsys.readouterr().out
    assert "border wait is taken as 0 minutes" in out
    summary = pd.read_csv(tmp_path / "k" / "summary.csv")
    assert (summary["wait_minutes"] == 0).all()
    assert summary["shed_pop_US"].sum() == pytest.approx(
        load_region(NAME, network=False).units["pop_total"].sum()
    )
    assert main([*rf, "report", NAME, "--out", str(tmp_path / "r"), "--permutations", "19"]) == 0
    html = (tmp_path / "r" / f"{NAME}.html").read_text(encoding="utf-8")
    assert "no AGEB polygons" in html  # the missing side is reported in the report


def test_region_without_any_side_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[nowhere]\ntitle = "x"\ncrs = "EPSG:32613"\nus_counties = []\nmx_municipios = []\n'
        "ports = [2402]\n",
        encoding="utf-8",
    )
    with pytest.raises(RegionError, match="at least one side"):
        load_regions_file(path, register_all=False)


@pytest.mark.parametrize("where", ["serial", "dask"])
def test_batch_runs_user_region(where, regions_file, tmp_path, request):
    (spec,) = load_regions_file(regions_file)
    scheduler = request.getfixturevalue("client") if where == "dask" else "serial"
    if where == "dask":
        # the workers never read the regions file: the region must travel with the task
        for found in scheduler.run(lambda: NAME in regions_mod.list_regions()).values():
            assert not found
    result = run_batch(
        [spec],
        tasks=["load", "concentration", "catchments"],
        scheduler=scheduler,
        out_dir=tmp_path / "b",
        permutations=19,
        network=False,
    )
    assert result.manifest["status"].tolist() == ["done"] * 3, result.manifest.to_dict("records")
    units = result.table("units")
    assert set(units["country"]) == {"US"} and len(units) == 188
    check = result.table("population_check")
    assert check["pop_2020"].tolist() == [OWN_TOTAL]
    missing = result.table("missing")
    assert "mx_units" in set(missing["layer"])
    notes = result.table("catchment_notes")
    assert notes["note"].str.contains("taken as 0 minutes").all() and len(notes) == 1
