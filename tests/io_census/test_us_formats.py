"""ACS in the official containers (Census Data API JSON, data.census.gov CSV) and tracts as
shapefile / zip / GeoPackage, built at test time from the real San Diego and El Paso values."""

from __future__ import annotations

import gzip
import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from binational import drops
from binational.drops import DropReport
from binational.io import us_census

Z90, Z95 = 1.645, 1.96

# dashboard field → ACS code (from us/sd/sd_census_variables_map.json)
SD_CODES = {
    "pop_total_population": "B01003_001",
    "race_total_pop_base": "B03002_001",
    "race_hispanic": "B03002_012",
    "race_white": "B03002_003",
    "lang_speak_base": "B06007_001",
    "lang_speak_spanish": "B06007_003",
    "transport_total_base": "B08301_001",
    "transport_public_transit": "B08301_010",
}
CANONICAL = {
    "B01003_001": "pop_total",
    "B03002_001": "race_base",
    "B03002_012": "hispanic",
    "B03002_003": "white_nh",
    "B06007_001": "lang_base",
    "B06007_003": "spanish_home",
    "B08301_001": "workers",
    "B08301_010": "transit",
}


@pytest.fixture(scope="module")
def sd(data_dir) -> pd.DataFrame:
    df = pd.read_csv(data_dir / "us/sd/sd_acs5_2020_2024_tract.csv", dtype={"GEOID": str})
    return df.set_index("GEOID")


def _as_acs_codes(sd: pd.DataFrame) -> pd.DataFrame:
    """The dashboard's values under ACS codes, MOEs back at the published 90 % level."""
    out = pd.DataFrame(index=sd.index)
    for field, code in SD_CODES.items():
        out[f"{code}E"] = sd[field].astype("int64")
        out[f"{code}M"] = (sd[f"{field}_moe"] * Z90 / Z95).round(6)
    return out


def _check_against_dashboard(acs: pd.DataFrame, sd: pd.DataFrame, *, skip=()) -> None:
    assert set(acs.index) == set(sd.index)
    for field, code in SD_CODES.items():
        canonical = CANONICAL[code]
        expected = sd[field].loc[acs.index].astype(float)
        moe = sd[f"{field}_moe"].loc[acs.index].astype(float)
        keep = ~expected.index.isin(skip)
        np.testing.assert_array_equal(acs[canonical].to_numpy()[keep], expected.to_numpy()[keep])
        np.testing.assert_allclose(
            acs[f"{canonical}_moe"].to_numpy()[keep], moe.to_numpy()[keep], rtol=1e-6
        )


def test_census_api_json(sd, tmp_path):
    codes = _as_acs_codes(sd)
    header = ["NAME", *codes.columns, "state", "county", "tract"]
    rows = [header]
    for geoid, rec in codes.iterrows():
        name = f"{us_census.tract_name(geoid)}; San Diego County; California"
        values = [str(int(v)) if k.endswith("E") else repr(float(v)) for k, v in rec.items()]
        rows.append([name, *values, geoid[:2], geoid[2:5], geoid[5:]])
    jam = sd.index[10]
    rows[11][header.index("B08301_010E")] = "-666666666"  # ACS jam value
    rows[12][header.index("B06007_003M")] = None  # JSON null
    path = tmp_path / "acs5_2024_sd.json"
    path.write_text(json.dumps(rows))
    report = DropReport()
    acs = us_census.read_acs(path, report=report)
    assert acs.attrs["column_map"] == "acs-codes"
    assert np.isnan(acs.loc[jam, "transit"])
    assert np.isnan(acs.loc[sd.index[11], "spanish_home_moe"])
    frame = report.to_frame()
    assert list(frame["id"]) == [f"US:{jam}"]
    assert frame["reason"].iloc[0] == drops.SUPPRESSED
    assert "-666666666" in frame["detail"].iloc[0]
    assert acs["pop_total"].sum() == 3_288_774 and acs["hispanic"].sum() == 1_139_063
    acs.loc[jam, "transit"] = sd.loc[jam, "transport_public_transit"]
    acs.loc[sd.index[11], "spanish_home_moe"] = sd.loc[sd.index[11], "lang_speak_spanish_moe"]
    _check_against_dashboard(acs, sd)
    # the generic map is partial: tables not in the file are simply absent
    assert "black_nh" not in acs.columns and "mexican" not in acs.columns


def _data_census_gov_csv(sd: pd.DataFrame) -> str:
    codes = _as_acs_codes(sd).astype(object)
    first = codes.index[0]
    codes.loc[first, "B01003_001M"] = "*****"  # controlled estimate
    codes.loc[codes.index[1], "B08301_010E"] = "(X)"
    codes.loc[codes.index[2], "B08301_010E"] = "N"
    labels = ["Geography", "Geographic Area Name"] + [
        ("Estimate!!Total:" if c.endswith("E") else "Margin of Error!!Total:")
        for c in codes.columns
    ]
    body = codes.copy()
    body.insert(
        0, "NAME", [f"{us_census.tract_name(g)}; San Diego County; California" for g in codes.index]
    )
    body.insert(0, "GEO_ID", "1400000US" + codes.index)
    lines = [",".join(body.columns), ",".join(f'"{lab}"' for lab in labels)]
    lines += [
        ",".join(f'"{v}"' if isinstance(v, str) and ";" in v else str(v) for v in row)
        for row in body.itertuples(index=False)
    ]
    return "\n".join(lines) + "\n"


def test_data_census_gov_csv_and_zip(sd, tmp_path):
    text = _data_census_gov_csv(sd)
    csv = tmp_path / "ACSDT5Y2024.B03002-Data.csv"
    csv.write_text(text, encoding="utf-8-sig")
    report = DropReport()
    acs = us_census.read_acs(csv, report=report)
    assert len(acs) == 736  # label row skipped
    bad = list(sd.index[:3])
    assert np.isnan(acs.loc[bad[0], "pop_total_moe"])
    assert acs.loc[bad[1:], "transit"].isna().all()
    details = " ".join(report.to_frame()["detail"])
    assert "'*****'" in details and "'(X)'" in details and "'N'" in details
    _check_against_dashboard(acs.drop(index=bad), sd.drop(index=bad))
    # the download zip: data CSV next to the column metadata
    zpath = tmp_path / "ACSDT5Y2024.B03002_2024-06-01.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr(
            "ACSDT5Y2024.B03002-Column-Metadata.csv", "Column Name,Label\nGEO_ID,Geography\n"
        )
        zf.writestr("ACSDT5Y2024.B03002-Data.csv", text)
    from_zip = us_census.read_acs(zpath, report=DropReport())
    pd.testing.assert_frame_equal(from_zip, acs)


def test_user_dict_column_map(sd, tmp_path):
    """A renamed table read with a user dict (map-level moe_level)."""
    renamed = sd[["pop_total_population", "pop_total_population_moe", "race_hispanic"]].rename(
        columns={
            "pop_total_population": "POP",
            "pop_total_population_moe": "POP_MOE",
            "race_hispanic": "HISP",
        }
    )
    path = tmp_path / "renamed.csv.gz"
    renamed.rename_axis("geoid").to_csv(path)
    acs = us_census.read_acs(
        path,
        column_map={
            "moe_level": 95,
            "geoid": "geoid",
            "columns": {"pop_total": {"column": "POP", "moe": "POP_MOE"}, "hispanic": "HISP"},
        },
    )
    np.testing.assert_array_equal(acs["pop_total"], sd["pop_total_population"].loc[acs.index])
    np.testing.assert_allclose(acs["pop_total_moe"], sd["pop_total_population_moe"].loc[acs.index])
    assert acs["hispanic"].sum() == 1_139_063
    assert "hispanic_moe" not in acs.columns


@pytest.mark.parametrize("fmt", ["shp", "zip", "gpkg", "geojson.gz"])
def test_tracts_other_containers(data_dir, tmp_path, fmt):
    """The El Paso 2020 tracts written as a TIGER-like shapefile, zip and GeoPackage."""
    src = data_dir / "us/ep/ep_tracts_2020.geojson"
    plain = gpd.read_file(src).to_crs("EPSG:4269")
    layer = None
    if fmt == "gpkg":
        path = tmp_path / "tl_2020_48_tract.gpkg"
        plain.to_file(path, layer="tracts", driver="GPKG")
        layer = "tracts"
    elif fmt == "geojson.gz":
        path = tmp_path / "tracts.geojson.gz"
        with gzip.open(path, "wt") as fh:
            fh.write(plain.to_json(drop_id=True))
    else:
        shp_dir = tmp_path / "shp"
        shp_dir.mkdir()
        plain.to_file(shp_dir / "tl_2020_48_tract.shp")
        path = shp_dir / "tl_2020_48_tract.shp"
        if fmt == "zip":
            path = tmp_path / "tl_2020_48_tract.zip"
            with zipfile.ZipFile(path, "w") as zf:
                for f in shp_dir.iterdir():
                    zf.write(f, f.name)
    ours = us_census.read_tracts(path, layer=layer, counties=["48141"])
    assert ours.crs.to_epsg() == 4269  # NAD83 kept, as TIGER ships it
    assert len(ours) == 188 and set(ours["GEOID"]) == set(plain["GEOID"])
    by_id = ours.set_index("GEOID").geometry
    assert by_id.loc[plain["GEOID"]].geom_equals(plain.set_index("GEOID").geometry).all()
