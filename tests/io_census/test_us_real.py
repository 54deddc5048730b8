"""US loaders on every real tract and ACS file in the shared data, against plain geopandas/pandas.

Official figures quoted from ``us/SOURCES.md``: San Diego ACS 2020–2024 county sums (total
population 3,288,774; Hispanic 1,139,063), El Paso ACS 2016–2020 (836,915; Hispanic 691,920).
"""

from __future__ import annotations

import gzip
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from binational import drops, harmonise, schema
from binational.drops import DropReport
from binational.io import us_census

TRACT_FILES = {
    "sd/sd_tracts_tiger2024_waterclip.geojson": 736,
    "ep/ep_tracts_2000.geojson": 126,
    "ep/ep_tracts_2010.geojson": 161,
    "ep/ep_tracts_2020.geojson": 188,
    "ep/ep_tracts_tiger_acs_b01003_pop.geojson": 188,
    "nm/cb_2018_35_tract_500k.json": 499,
    "nm/dona_ana_tracts_cb2018.geojson": 41,
}
SD_VINTAGES = ("2018_2022", "2019_2023", "2020_2024")
Z90, Z95 = 1.645, 1.96


def _plain_geoids(plain: gpd.GeoDataFrame) -> pd.Series:
    """GEOIDs the way a user would build them by hand from each file's own columns."""
    if "GEOID" in plain.columns:
        return plain["GEOID"].astype(str)
    # Census 2000 files: tract code from the NAME ("0101.01" → 010101, "0005" → 000500)
    code = plain["NAME"].str.replace(".", "", regex=False).str.ljust(6, "0")
    return plain["STATE"] + plain["COUNTY"] + code


@pytest.mark.parametrize("name", list(TRACT_FILES))
def test_read_tracts_matches_plain_geopandas(us_dir, name):
    path = us_dir / name
    report = DropReport()
    ours = us_census.read_tracts(path, report=report)
    plain = gpd.read_file(path)
    assert len(ours) == len(plain) == TRACT_FILES[name]
    assert len(report) == 0
    assert ours.crs == plain.crs
    expected = _plain_geoids(plain)
    assert set(ours["GEOID"]) == set(expected)
    assert ours["GEOID"].str.fullmatch(r"\d{11}").all()
    # same polygons, row by row (keyed by GEOID)
    ours_by_id = ours.set_index("GEOID").geometry
    plain_by_id = plain.set_geometry(plain.geometry).set_index(expected.to_numpy()).geometry
    assert ours_by_id.loc[plain_by_id.index].geom_equals(plain_by_id).all()
    np.testing.assert_allclose(
        shapely.area(ours.geometry.values).sum(), shapely.area(plain.geometry.values).sum()
    )
    # the source's attribute columns survive unchanged
    for col in plain.columns.drop(["geometry", "GEOID"], errors="ignore"):
        left = ours.set_index("GEOID")[col].loc[expected.to_numpy()].to_numpy()
        assert pd.Series(left).equals(pd.Series(plain[col].to_numpy())), col


def test_ep_tiger_population_column_kept(us_dir):
    path = us_dir / "ep/ep_tracts_tiger_acs_b01003_pop.geojson"
    ours = us_census.read_tracts(path)
    plain = gpd.read_file(path)
    assert ours.crs.to_epsg() == 4269  # NAD83 kept
    pop_ours = pd.to_numeric(ours["pop_population"])
    pop_plain = pd.to_numeric(plain["pop_population"])
    assert pop_ours.isna().sum() == pop_plain.isna().sum() == 11
    assert pop_ours.sum() == pop_plain.sum()
    # GEOIDFQ "1400000US…" carries the same GEOID
    assert (ours["GEOIDFQ"].str[-11:] == ours["GEOID"]).all()


def test_county_filter_on_statewide_file(us_dir):
    report = DropReport()
    ours = us_census.read_tracts(
        us_dir / "nm/cb_2018_35_tract_500k.json", counties=["35013"], report=report
    )
    dona_ana = gpd.read_file(us_dir / "nm/dona_ana_tracts_cb2018.geojson")
    assert set(ours["GEOID"]) == set(dona_ana["GEOID"])
    frame = report.to_frame()
    assert (frame["reason"] == drops.OUTSIDE_REGION).sum() == 499 - 41
    assert not frame["id"].str[8:11].eq("013").any()


@pytest.fixture(scope="module")
def sd_plain(us_dir):
    return {
        v: pd.read_csv(us_dir / f"sd/sd_acs5_{v}_tract.csv", dtype={"GEOID": str})
        for v in SD_VINTAGES
    }


@pytest.mark.parametrize("vintage", SD_VINTAGES)
@pytest.mark.parametrize("suffix", [".csv", ".json.gz"])
def test_read_acs_sd_dashboard(us_dir, sd_plain, vintage, suffix):
    path = us_dir / f"sd/sd_acs5_{vintage}_tract{suffix}"
    report = DropReport()
    acs = us_census.read_acs(path, column_map="sd-dashboard", report=report)
    plain = sd_plain[vintage].set_index("GEOID")
    assert len(acs) == len(plain) == 736
    assert set(acs.index) == set(plain.index)
    assert acs.attrs["vintage"] == vintage.replace("_", "-")
    cmap = us_census.get_column_map("sd-dashboard")
    for canonical, entry in cmap.columns.items():
        src = entry["column"][0]
        expected = plain[src].where(plain[src] >= 0)
        np.testing.assert_array_equal(acs[canonical].to_numpy(), expected.loc[acs.index].to_numpy())
        # the dashboard's MOEs are already 95 %: kept as they are
        moe = plain[entry["moe"][0]].where(plain[entry["moe"][0]] >= 0)
        np.testing.assert_allclose(
            acs[canonical + "_moe"].to_numpy(), moe.loc[acs.index].to_numpy()
        )
    if vintage == "2020_2024":  # official sums quoted in SOURCES.md
        assert acs["pop_total"].sum() == 3_288_774
        assert acs["hispanic"].sum() == 1_139_063


def test_sd_json_equals_csv(us_dir):
    csv = us_census.read_acs(us_dir / "sd/sd_acs5_2019_2023_tract.csv")
    js = us_census.read_acs(us_dir / "sd/sd_acs5_2019_2023_tract.json.gz")
    assert csv.attrs["column_map"] == js.attrs["column_map"] == "sd-dashboard"  # detected
    pd.testing.assert_frame_equal(csv.sort_index(), js.sort_index())
    with gzip.open(us_dir / "sd/sd_acs5_2019_2023_tract.json.gz") as fh:
        doc = json.load(fh)
    assert sum(v["race_hispanic"] for v in doc.values()) == js["hispanic"].sum()


def test_read_acs_ep_tidycensus(us_dir):
    path = us_dir / "ep/ep_acs5_2016_2020_tract_jtrummler_knitrcache.csv"
    report = DropReport()
    acs = us_census.read_acs(path, column_map="tidycensus-jtrummler", report=report)
    plain = pd.read_csv(path, dtype={"GEOID": str}).set_index("GEOID").loc[acs.index]
    assert len(acs) == 188
    assert acs.attrs["year"] == 2020 and acs.attrs["vintage"] == "2016-2020"
    assert acs["pop_total"].sum() == 836_915
    assert acs["hispanic"].sum() == 691_920
    np.testing.assert_array_equal(acs["white"], plain["total_White.2020"])
    # tidycensus MOEs are 90 %: rescaled to 95 % by 1.96 / 1.645
    np.testing.assert_allclose(acs["hispanic_moe"], plain["B01001I_001M"] * Z95 / Z90)
    np.testing.assert_allclose(acs["pop_total_moe"], plain["B01001_001M"] * Z95 / Z90)
    assert acs.attrs["source_moe_level"]["hispanic"] == 90


def test_read_acs_ep_b01003_both_files(us_dir):
    with_geoid = us_census.read_acs(us_dir / "ep/ep_acs_b01003_population_by_tract_geoid.csv")
    by_name = us_census.read_acs(us_dir / "ep/ep_acs_b01003_population_by_tract.csv")
    assert with_geoid.attrs["column_map"] == "ep-b01003"
    assert by_name.attrs["column_map"] == "ep-b01003-tract-name"
    plain = pd.read_csv(us_dir / "ep/ep_acs_b01003_population_by_tract_geoid.csv", dtype=str)
    assert list(with_geoid.columns) == ["pop_total"]  # no MOE in this source
    assert with_geoid["pop_total"].sum() == plain["population"].astype(int).sum() == 866_275
    # GEOIDs built from tract names ("1.06" → 48141000106) equal the derived GEOID file's
    pd.testing.assert_series_equal(
        by_name["pop_total"].sort_index(), with_geoid["pop_total"].sort_index()
    )
    polygons = gpd.read_file(us_dir / "ep/ep_tracts_2020.geojson")
    assert set(by_name.index) == set(polygons["GEOID"])


@pytest.mark.parametrize(
    ("region", "tracts", "acs", "cmap", "county", "crs", "n", "pop", "hisp"),
    [
        (
            "sd",
            "sd/sd_tracts_tiger2024_waterclip.geojson",
            "sd/sd_acs5_2020_2024_tract.csv",
            "sd-dashboard",
            "06073",
            "EPSG:32611",
            736,
            3_288_774,
            1_139_063,
        ),
        (
            "ep",
            "ep/ep_tracts_2020.geojson",
            "ep/ep_acs5_2016_2020_tract_jtrummler_knitrcache.csv",
            "tidycensus-jtrummler",
            "48141",
            "EPSG:32613",
            188,
            836_915,
            691_920,
        ),
    ],
)
def test_load_us_units_real(us_dir, region, tracts, acs, cmap, county, crs, n, pop, hisp):
    report = DropReport()
    units = harmonise.load_us_units(
        us_dir / tracts, us_dir / acs, column_map=cmap, counties=[county], crs=crs, report=report
    )
    assert len(units) == n
    assert units.crs.to_string() == crs
    assert list(units.columns[:7]) == list(schema.UNIT_COLUMNS[:-1])
    assert units.columns[-1] == "geometry"
    assert units[schema.UNIT_ID].is_unique
    assert (units[schema.COUNTRY] == "US").all() and (units[schema.ADMIN2] == county).all()
    assert units[schema.POP_TOTAL].sum() == pop
    assert units["hispanic"].sum() == hisp
    plain_acs = pd.read_csv(us_dir / acs, dtype={"GEOID": str})
    plain_tracts = gpd.read_file(us_dir / tracts)
    assert set(units[schema.UNIT_ID].str[3:]) == set(plain_tracts["GEOID"]) & set(
        plain_acs["GEOID"]
    )
    # geometry is the source polygon reprojected
    src = plain_tracts.set_index("GEOID").to_crs(crs).geometry
    ours = units.set_index(units[schema.UNIT_ID].str[3:]).geometry
    np.testing.assert_allclose(ours.area.to_numpy(), src.loc[ours.index].area.to_numpy(), rtol=1e-9)
    # zero-population tracts are kept and flagged
    zero = units[units[schema.POP_TOTAL] == 0]
    assert len(zero) == 1 and zero[schema.FLAG_ZERO_POP].all()
    frame = report.to_frame()
    flagged = frame[frame["reason"] == drops.ZERO_POPULATION]["id"]
    assert set(flagged) == set(zero[schema.UNIT_ID])
    assert units[schema.NAME].str.startswith("Census Tract ").all()
    if "NAMELSAD" in plain_tracts.columns:
        names = plain_tracts.set_index("GEOID")["NAMELSAD"]
        assert (units[schema.NAME].to_numpy() == names.loc[ours.index].to_numpy()).all()
    assert units[schema.SOURCE].str.contains("2020-2024" if region == "sd" else "2016-2020").all()


def test_load_us_units_reports_unmatched(us_dir, tmp_path):
    """ACS rows and polygons that do not match are dropped and listed, never silently."""
    plain = pd.read_csv(us_dir / "ep/ep_acs5_2016_2020_tract_jtrummler_knitrcache.csv", dtype=str)
    cut = plain.iloc[5:]  # five tracts lose their attributes
    extra = plain.iloc[:2].assign(GEOID=["48141999901", "48141999902"])  # no polygon
    other_county = plain.iloc[2:3].assign(GEOID=["35013000401"])  # outside the county
    path = tmp_path / "ep_acs.csv"
    pd.concat([cut, extra, other_county]).to_csv(path, index=False)
    report = DropReport()
    units = harmonise.load_us_units(
        us_dir / "ep/ep_tracts_2020.geojson",
        path,
        column_map="tidycensus-jtrummler",
        counties=["48141"],
        crs="EPSG:32613",
        report=report,
    )
    frame = report.to_frame()
    by_reason = frame.groupby("reason")["id"].apply(set)
    assert by_reason[drops.NO_ATTRIBUTES] == {f"US:{g}" for g in plain["GEOID"].iloc[:5]}
    assert by_reason[drops.NO_GEOMETRY] == {"US:48141999901", "US:48141999902"}
    assert by_reason[drops.OUTSIDE_REGION] == {"US:35013000401"}
    assert len(units) == 188 - 5
