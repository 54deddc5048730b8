"""fetch_region and `binational fetch` end to end against the local server (real data)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest

from binational import settings
from binational._data import package_file
from binational.cli import main
from binational.errors import DataSourceError, DownloadError
from binational.sources import (
    ACS_COLUMN_MAP,
    DEFAULT_ACS_VARIABLES,
    ROLES,
    fetch_region,
)


def test_default_acs_variables_are_the_cells_the_column_map_reads():
    text = package_file("column_maps.toml").read_text(encoding="utf-8")
    assert f"[{ACS_COLUMN_MAP}.columns]" in text
    block = text.split(f"[{ACS_COLUMN_MAP}.columns]")[1].split("\n[")[0]
    cells = set(re.findall(r'acs = "([A-Z0-9_]+)"', block))
    assert cells and cells <= set(DEFAULT_ACS_VARIABLES)


@pytest.mark.slow
def test_fetch_region_end_to_end(sd_served, built, data_dir, tmp_path, _no_internet, server):
    variables = sd_served
    assert len(variables) >= 12
    dest = tmp_path / "fetched"
    files = fetch_region(
        "tijuana-san-diego", dest=dest, acs_variables=variables, crossing_ids=["250401"]
    )
    assert set(files) == {*ROLES, "us_column_map"}
    assert files["us_column_map"] == "acs-codes"
    for role in ROLES:
        assert files[role].is_file() and files[role].is_relative_to(dest / role), role

    tracts = gpd.read_file(files["us_tracts"])
    assert sorted(tracts.GEOID) == sorted(built["sd_tracts"].GEOID)

    rows = json.loads(files["us_acs"].read_text())
    acs = pd.DataFrame(rows[1:], columns=rows[0])
    assert len(acs) == 736
    ref = built["acs"].set_index("GEOID")
    acs = acs.set_index(acs.state + acs.county + acs.tract)
    for v in variables:
        got = pd.to_numeric(acs[f"{v}E"]).astype(float).reindex(ref.index)
        pd.testing.assert_series_equal(got, ref[f"{v}E"].astype(float), check_names=False)
    # SOURCES.md: San Diego County 2020-2024 total population 3,288,774; Hispanic 1,139,063.
    assert pd.to_numeric(acs.B01003_001E).sum() == 3_288_774
    assert pd.to_numeric(acs.B03002_012E).sum() == 1_139_063

    agebs = gpd.read_file(files["mx_agebs"])
    assert len(agebs) == 1407 and agebs.CVEGEO.str.len().eq(13).all()
    res = pd.read_csv(files["mx_resageburb"], dtype=str)
    pd.testing.assert_frame_equal(res, built["resageburb_02_table"], check_dtype=False)
    imu = pd.read_csv(files["mx_conapo"], dtype={"CVE_AGEB": str})
    assert len(imu) == 1886
    it = pd.read_csv(files["mx_iter"], dtype=str)
    assert int(it.loc[it.MUN == "004", "POBTOT"].iloc[0]) == 1_922_523  # Tijuana, Censo 2020

    bts = pd.read_csv(files["bts"], dtype={"Port Code": str})
    assert len(bts) == 94_234 and set(bts.Border) == {"US-Mexico Border"}
    live = json.loads(files["waits_live"].read_text())
    assert live == json.loads(built["cbp_live"])
    hourly = pd.read_csv(files["waits_hourly"])
    sy = pd.read_csv(data_dir / "crossings/cbp_bwt_historical_hourly_avg_san_ysidro_pov.csv")
    pd.testing.assert_frame_equal(hourly[sy.columns], sy)

    assert _no_internet and all(u.startswith("http://127.0.0.1:") for u in _no_internet)
    # Everything is cached now: a second run sends only the live feed again.
    before = len(server.requests)
    fetch_region("tijuana-san-diego", dest=dest, acs_variables=variables, crossing_ids=["250401"])
    assert [r for r in server.requests[before:]] == ["/cbp_bwt_live/api/bwtnew"]


def test_fetch_region_selected_roles_into_cache(sd_served):
    files = fetch_region("tijuana-san-diego", sources=["mx_agebs", "mx_conapo"])
    assert set(files) == {"mx_agebs", "mx_conapo"}
    assert files["mx_agebs"].is_relative_to(settings.resolve_cache_dir())
    assert len(gpd.read_file(files["mx_agebs"])) == 1407


def test_fetch_region_derives_crossings_from_the_live_feed(sd_served):
    # Only San Ysidro (250401) has historical answers here: the next crossing of the region
    # with passenger lanes (250501 Tecate) gets a 404, named in the error.
    with pytest.raises(DownloadError, match="09250501"):
        fetch_region("tijuana-san-diego", sources=["waits_hourly"])


def test_fetch_region_unknown_role():
    with pytest.raises(DataSourceError, match="unknown source role"):
        fetch_region("tijuana-san-diego", sources=["network"])


def test_cli_fetch(sd_served, server, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "base_urls", {})  # the CLI sets them from --base-url
    dest = tmp_path / "out"
    code = main(
        [
            "fetch",
            "tijuana-san-diego",
            "--dest",
            str(dest),
            "--sources",
            "us_tracts",
            "mx_conapo",
            "--base-url",
            f"census_tiger={server.url}/census_tiger",
            "--base-url",
            f"conapo_imu={server.url}/conapo_imu",
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"us_tracts\t{dest / 'us_tracts' / 'tl_2024_06_tract.shp'}" in out
    assert "mx_conapo\t" in out and "CONAPO" in out and "OpenStreetMap" in out
    assert len(gpd.read_file(dest / "us_tracts" / "tl_2024_06_tract.shp")) == 736
    assert settings.base_urls == {}  # restored after the command


def test_cli_fetch_bad_base_url(capsys):
    assert main(["fetch", "tijuana-san-diego", "--base-url", "nosuch=http://127.0.0.1:1"]) == 2
    assert "unknown source 'nosuch'" in capsys.readouterr().err
    assert main(["fetch", "--list"]) == 0
    assert "census_tiger" in capsys.readouterr().out


@pytest.mark.slow
def test_load_region_reads_freshly_fetched_files(sd_served, built, data_dir, tmp_path):
    """The fetched files feed load_region (RESAGEBURB left out: no real 02 file exists here)."""
    import dataclasses

    from binational.regions import get_region
    from binational.units import load_region

    roles = [r for r in ROLES if r != "mx_resageburb"]
    files = fetch_region(
        "tijuana-san-diego",
        dest=tmp_path / "f",
        sources=roles,
        acs_variables=sd_served,
        crossing_ids=["250401"],
    )
    spec = dataclasses.replace(
        get_region("tijuana-san-diego"), us_column_map=files.pop("us_column_map"), files={}
    )
    region = load_region(spec, files=files, network=False)
    us = region.side("US")
    assert len(us) == 736
    assert us.pop_total.sum() == 3_288_774  # SOURCES.md county total, ACS 2020-2024
    # Reference: plain geopandas/pandas join of the same real files.
    agebs = built["agebs_02"]
    agebs = agebs[agebs.CVE_MUN.isin(["003", "004", "005"])]
    imu = pd.read_csv(data_dir / "mx/conapo_imu2020_ageb_border.csv", dtype={"CVE_AGEB": str})
    joined = agebs.merge(imu, left_on="CVEGEO", right_on="CVE_AGEB")
    mx = region.side("MX")
    assert len(mx) == len(joined)
    assert mx.pop_total.sum() == joined.POB_TOTAL.sum()
    assert set(region.waits.port_code) <= set(spec.ports)
    assert (region.waits.port_code == 2504).sum() >= 2016  # 12 months x 7 days x 24 hours
    bts = pd.read_csv(files["bts"], dtype={"Port Code": int})
    assert len(region.crossings) == bts["Port Code"].isin(spec.ports).sum()


def test_el_paso_uses_the_2020_cartographic_boundary_tracts(official, built):
    official("census_cb", built["cb_48"], year=2020, state="48")
    files = fetch_region("juarez-el-paso", sources=["us_tracts"])
    assert files["us_tracts"].name == "cb_2020_48_tract_500k.shp"
    tracts = gpd.read_file(files["us_tracts"])
    assert sorted(tracts.GEOID) == sorted(built["ep_tracts"].GEOID)
