"""Bad input to the census loaders: each gives a clear binational error naming file and problem,
or a repair/drop that is recorded (never silent). Files are small slices of the real data,
broken on purpose in tmp_path."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from binational import drops
from binational.drops import DropReport
from binational.errors import (
    CRSError,
    DataQualityWarning,
    DataSourceError,
    GeometryError,
    SchemaError,
)
from binational.io import mx_census, us_census


@pytest.fixture(scope="module")
def ep_tracts(data_dir) -> gpd.GeoDataFrame:
    return gpd.read_file(data_dir / "us/ep/ep_tracts_2020.geojson").iloc[:12].reset_index(drop=True)


@pytest.fixture(scope="module")
def ep_acs_path(data_dir):
    return data_dir / "us/ep/ep_acs5_2016_2020_tract_jtrummler_knitrcache.csv"


# ---------------------------------------------------------------------------- missing things


def test_missing_file(tmp_path):
    with pytest.raises(DataSourceError, match="does not exist"):
        us_census.read_tracts(tmp_path / "nope.geojson")
    with pytest.raises(DataSourceError, match="does not exist"):
        mx_census.read_resageburb(tmp_path / "nope.csv")


def test_renamed_acs_column_names_file_and_column(ep_acs_path, tmp_path):
    df = pd.read_csv(ep_acs_path, dtype=str).rename(columns={"total_HL.2020": "hispanic_2020"})
    path = tmp_path / "ep_renamed.csv"
    df.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"ep_renamed\.csv.*'total_HL\.2020'.*'hispanic'"):
        us_census.read_acs(path, column_map="tidycensus-jtrummler")


def test_missing_moe_column(ep_acs_path, tmp_path):
    df = pd.read_csv(ep_acs_path, dtype=str).drop(columns=["B01001I_001M"])
    path = tmp_path / "ep_no_moe.csv"
    df.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"ep_no_moe\.csv.*MOE column 'B01001I_001M'"):
        us_census.read_acs(path, column_map="tidycensus-jtrummler")


def test_unknown_table_needs_a_column_map(tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_text("GEOID,people\n48141000106,5517\n")
    with pytest.raises(SchemaError, match=r"mystery\.csv.*column_map"):
        us_census.read_acs(path)
    acs = us_census.read_acs(path, column_map={"pop_total": "people"})
    assert acs.loc["48141000106", "pop_total"] == 5517
    with pytest.raises(SchemaError, match="unknown column map 'nope'"):
        us_census.read_acs(path, column_map="nope")
    with pytest.raises(SchemaError, match="pop_total"):
        us_census.read_acs(path, column_map={"hispanic": "people"})


def test_non_numeric_acs_value(tmp_path):
    path = tmp_path / "bad_value.csv"
    path.write_text("GEOID,population\n48141000106,5517\n48141000107,lots\n")
    with pytest.raises(SchemaError, match=r"bad_value\.csv.*'population'.*'lots'"):
        us_census.read_acs(path, column_map="ep-b01003")


def test_bad_geoids(tmp_path):
    path = tmp_path / "short_geoid.csv"
    path.write_text("GEOID,population\n06073,5517\n48141000107X,1\n")
    with pytest.raises(SchemaError, match=r"short_geoid\.csv.*2 tract GEOID.*'06073'"):
        us_census.read_acs(path, column_map="ep-b01003")


def test_geoid_read_as_number_gets_its_zero_back(data_dir, tmp_path):
    """A spreadsheet round trip turns 06073000100 into 6073000100; the lost zero is restored."""
    sd = pd.read_csv(data_dir / "us/sd/sd_acs5_2020_2024_tract.csv")  # GEOID parsed as int
    assert sd["GEOID"].dtype.kind == "i"
    path = tmp_path / "sd_numeric_geoid.csv"
    sd.to_csv(path, index=False)
    acs = us_census.read_acs(path)
    assert acs.index.str.startswith("06073").all() and acs["pop_total"].sum() == 3_288_774


def test_ragged_census_api_json(tmp_path):
    path = tmp_path / "api.json"
    path.write_text(
        json.dumps([["B01003_001E", "state", "county", "tract"], ["5517", "48", "141"]])
    )
    with pytest.raises(SchemaError, match=r"api\.json.*rows \[2\]"):
        us_census.read_acs(path)


def test_tracts_without_key_column(ep_tracts, tmp_path):
    path = tmp_path / "nokey.geojson"
    ep_tracts[["NAME", "geometry"]].to_file(path, driver="GeoJSON")
    with pytest.raises(SchemaError, match=r"nokey\.geojson.*no tract key column"):
        us_census.read_tracts(path)


def test_mx_missing_key_and_rural_agebs(data_dir, tmp_path):
    rs = tmp_path / "rs.csv"
    rs.write_text("cve_ent,cve_mun,ageb,pobtot\n03,001,0209,2\n")
    with pytest.raises(SchemaError, match=r"rs\.csv.*LOC, MZA"):
        mx_census.read_resageburb(rs)
    agebs = gpd.read_file(data_dir / "mx/ageb_urbana_mg_juarez.gpkg").iloc[:5]
    rural = agebs.assign(CVEGEO=agebs["CVE_ENT"] + agebs["CVE_MUN"] + agebs["CVE_AGEB"])
    path = tmp_path / "08ar.gpkg"
    rural.to_file(path, driver="GPKG")
    with pytest.raises(SchemaError, match=r"08ar\.gpkg.*rural AGEBs"):
        mx_census.read_agebs(path)


def test_conapo_unknown_grade_and_missing_column(data_dir, tmp_path):
    df = pd.read_csv(data_dir / "mx/conapo_imu2020_ageb_border.csv", dtype=str).iloc[:20]
    bad = df.copy()
    bad.loc[3, "GM_2020"] = "Altísimo"
    path = tmp_path / "imu_bad_grade.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"imu_bad_grade\.csv.*'Altísimo'"):
        mx_census.read_conapo_imu(path)
    path2 = tmp_path / "imu_no_pop.csv"
    df.drop(columns=["POB_TOTAL"]).to_csv(path2, index=False)
    with pytest.raises(SchemaError, match=r"imu_no_pop\.csv.*POB_TOTAL"):
        mx_census.read_conapo_imu(path2)


def test_resageburb_unexpected_text_value(tmp_path):
    path = tmp_path / "rs.csv"
    path.write_text(
        "ENTIDAD,MUN,LOC,NOM_LOC,AGEB,MZA,POBTOT,PNACOE\n"
        "03,001,0001,Total AGEB urbana,0209,000,12,abc\n"
    )
    with pytest.raises(SchemaError, match=r"rs\.csv.*'PNACOE'.*'ABC'"):
        mx_census.read_resageburb(path)


# ---------------------------------------------------------------------------- CRS


def test_shapefile_without_prj(ep_tracts, tmp_path):
    ep_tracts.to_file(tmp_path / "tl_2020_48_tract.shp")
    (tmp_path / "tl_2020_48_tract.prj").unlink()
    with pytest.raises(CRSError, match=r"tl_2020_48_tract\.shp.*no CRS"):
        us_census.read_tracts(tmp_path / "tl_2020_48_tract.shp")


def test_geojson_without_crs_member_is_crs84(ep_tracts, tmp_path):
    path = tmp_path / "plain.geojson"
    path.write_text(ep_tracts.to_json(drop_id=True))
    assert '"crs"' not in path.read_text()[:300]
    assert us_census.read_tracts(path).crs.equals("OGC:CRS84") or (
        us_census.read_tracts(path).crs.to_epsg() == 4326
    )


def test_projected_coordinates_in_lonlat_geojson(ep_tracts, tmp_path):
    """UTM metres written to GeoJSON without a crs member: the declared CRS is wrong."""
    utm = ep_tracts.to_crs("EPSG:32613")
    path = tmp_path / "utm_as_lonlat.geojson"
    path.write_text(utm.set_crs(None, allow_override=True).to_json(drop_id=True))
    with pytest.raises(CRSError, match=r"utm_as_lonlat\.geojson.*projected CRS"):
        us_census.read_tracts(path)


# ---------------------------------------------------------------------------- geometry


def _bowtie(poly) -> shapely.Polygon:
    x0, y0, x1, y1 = poly.bounds
    return shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])


def test_invalid_geometry_repaired_and_recorded(ep_tracts, tmp_path):
    gdf = ep_tracts.copy()
    gdf.loc[2, "geometry"] = _bowtie(gdf.geometry[2])
    assert not gdf.geometry[2].is_valid
    path = tmp_path / "bowtie.geojson"
    gdf.to_file(path, driver="GeoJSON")
    report = DropReport()
    out = us_census.read_tracts(path, report=report)
    assert len(out) == 12 and out.geometry.is_valid.all()
    assert out.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    frame = report.to_frame()
    assert list(frame["id"]) == [f"US:{gdf.loc[2, 'GEOID']}"]
    assert frame["reason"].iloc[0] == drops.REPAIRED
    # the repair keeps the bow-tie's area (two triangles), as shapely.make_valid does
    repaired = out.set_index("GEOID").geometry[gdf.loc[2, "GEOID"]]
    assert repaired.area == pytest.approx(shapely.make_valid(gdf.geometry[2]).area)
    # without a report: a DataQualityWarning, not silence
    with pytest.warns(DataQualityWarning, match="geometry_repaired"):
        us_census.read_tracts(path)


def test_empty_and_null_geometry_dropped(ep_tracts, tmp_path):
    gdf = ep_tracts.copy()
    gdf.loc[0, "geometry"] = shapely.Polygon()
    gdf.loc[1, "geometry"] = None
    path = tmp_path / "empty.geojson"
    gdf.to_file(path, driver="GeoJSON")
    report = DropReport()
    out = us_census.read_tracts(path, report=report)
    assert len(out) == 10
    frame = report.to_frame()
    assert set(frame["id"]) == {f"US:{g}" for g in gdf["GEOID"][:2]}
    assert (frame["reason"] == drops.EMPTY_GEOMETRY).all()


def test_points_are_not_census_units(ep_tracts, tmp_path):
    gdf = ep_tracts.copy()
    gdf["geometry"] = gdf.geometry.representative_point()
    path = tmp_path / "points.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(GeometryError, match=r"points\.geojson.*not polygons.*Point"):
        us_census.read_tracts(path)


# ---------------------------------------------------------------------------- duplicates


def test_duplicate_geoids(ep_tracts, tmp_path):
    gdf = pd.concat([ep_tracts, ep_tracts.iloc[[3, 5]]], ignore_index=True)
    path = tmp_path / "dups.geojson"
    gpd.GeoDataFrame(gdf, crs=ep_tracts.crs).to_file(path, driver="GeoJSON")
    with pytest.raises(
        SchemaError, match=r"dups\.geojson.*duplicate GEOID.*" + ep_tracts["GEOID"][3]
    ):
        us_census.read_tracts(path)


def test_duplicate_geoids_in_acs(ep_acs_path, tmp_path):
    df = pd.read_csv(ep_acs_path, dtype=str)
    path = tmp_path / "dups.csv"
    pd.concat([df, df.iloc[[0]]]).to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"dups\.csv.*duplicate GEOID.*48141000106"):
        us_census.read_acs(path)


def test_duplicate_cvegeo(data_dir, tmp_path):
    agebs = gpd.read_file(data_dir / "mx/ageb_urbana_mg_juarez.gpkg").iloc[:6]
    agebs.loc[5, "CVEGEO"] = agebs.loc[0, "CVEGEO"]
    path = tmp_path / "dup_agebs.gpkg"
    agebs.to_file(path, driver="GPKG")
    with pytest.raises(
        SchemaError, match=r"dup_agebs\.gpkg.*duplicate CVEGEO.*" + agebs.loc[0, "CVEGEO"]
    ):
        mx_census.read_agebs(path)


# ---------------------------------------------------------------------------- not what it says


def test_html_saved_as_geojson(tmp_path):
    path = tmp_path / "tracts.geojson"
    path.write_text("<!DOCTYPE html><html><body>Rate limit exceeded</body></html>")
    with pytest.raises(DataSourceError, match=r"tracts\.geojson.*HTML"):
        us_census.read_tracts(path)
    csv = tmp_path / "acs.csv"
    csv.write_text("<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(DataSourceError, match=r"acs\.csv.*HTML"):
        us_census.read_acs(csv)


def test_truncated_zip(ep_tracts, tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    ep_tracts.to_file(shp_dir / "tl_2020_48_tract.shp")
    path = tmp_path / "tl_2020_48_tract.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    assert len(us_census.read_tracts(path)) == 12
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataSourceError, match=r"tl_2020_48_tract\.zip.*zip"):
        us_census.read_tracts(path)
    rs = tmp_path / "RESAGEBURB_03_2020_csv.zip"
    rs.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataSourceError, match=r"RESAGEBURB_03_2020_csv\.zip"):
        mx_census.read_resageburb(rs)


def test_zip_without_shapefile(tmp_path):
    path = tmp_path / "readme_only.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("README.txt", "nothing here")
    with pytest.raises(DataSourceError, match=r"readme_only\.zip.*holds no"):
        us_census.read_tracts(path)


def test_corrupt_gzip_and_bz2(tmp_path):
    gz = tmp_path / "acs.json.gz"
    gz.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(DataSourceError, match=r"acs\.json\.gz"):
        us_census.read_acs(gz)
    bz = tmp_path / "RESAGEBURB_03CSV20.csv.bz2"
    bz.write_bytes(b"BZh91AY&SYgarbage")
    with pytest.raises(DataSourceError, match=r"RESAGEBURB_03CSV20\.csv\.bz2"):
        mx_census.read_resageburb(bz)


def test_not_a_geopackage(tmp_path):
    path = tmp_path / "agebs.gpkg"
    path.write_text("CVEGEO,geometry\n")
    with pytest.raises(DataSourceError, match=r"agebs\.gpkg.*not a GeoPackage"):
        mx_census.read_agebs(path)


def test_missing_gpkg_layer(data_dir):
    with pytest.raises(DataSourceError, match=r"no layer 'agebs'.*ageb_urbana"):
        mx_census.read_agebs(data_dir / "mx/ageb_urbana_mg_juarez.gpkg", layer="agebs")


def test_invalid_json(tmp_path):
    path = tmp_path / "acs.json"
    path.write_text('[["GEO_ID", "B01003_001E"], ["1400000US48141000106", ')
    with pytest.raises(DataSourceError, match=r"acs\.json.*invalid JSON"):
        us_census.read_acs(path)
