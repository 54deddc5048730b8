"""Fault injection: census units (US tracts + ACS, Mexican AGEBs + CONAPO), on copies.

Outcome of each case: a clear error naming the file (column, rows) or an explicit drop-report
entry; never a silently used impossible value.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import binational
from binational import harmonise
from binational._plausible import PlausibilityError
from binational.drops import DropReport
from binational.errors import BinationalError, CRSError, DataSourceError, SchemaError
from binational.io import us_census

from .conftest import EP


def _us(tracts, acs, report):
    return harmonise.load_us_units(
        tracts,
        acs,
        column_map="tidycensus-jtrummler",
        counties=["48141"],
        crs="EPSG:32613",
        report=report,
    )


def _mx(agebs, conapo, report):
    return harmonise.load_mx_units(
        agebs, conapo_path=conapo, municipios=["08037"], crs="EPSG:32613", report=report
    )


def _edit_csv(path, fn, **read):
    df = pd.read_csv(path, dtype=str, keep_default_na=False, **read)
    fn(df)
    df.to_csv(path, index=False)
    return df


def test_c01_negative_acs_total_is_blanked_and_reported(copy_file):
    tracts, acs = copy_file(EP["us_tracts"]), copy_file(EP["us_acs"])
    df = _edit_csv(
        acs, lambda d: d.__setitem__("total_pop.2020", ["-500", *d["total_pop.2020"][1:]])
    )
    rep = DropReport()
    units = _us(tracts, acs, rep)
    uid = f"US:{df['GEOID'].iloc[0]}"
    assert np.isnan(units.loc[units["unit_id"] == uid, "pop_total"]).all()
    d = rep.to_frame().query("reason == 'negative_count'")
    assert uid in set(d["id"]) and d["detail"].str.contains(acs.name).all()
    assert d["detail"].str.contains("total_pop.2020").any()  # the source column


def test_c02_group_larger_than_total_is_blanked_and_reported(copy_file):
    tracts, acs = copy_file(EP["us_tracts"]), copy_file(EP["us_acs"])

    def edit(d):
        total = pd.to_numeric(d["total_pop.2020"])
        d.loc[0, "total_HL.2020"] = str(int(total.iloc[0] * 1.283) + 1)

    df = _edit_csv(acs, edit)
    rep = DropReport()
    units = _us(tracts, acs, rep)
    uid = f"US:{df['GEOID'].iloc[0]}"
    row = units[units["unit_id"] == uid]
    assert row["hispanic"].isna().all() and (row["pop_total"] > 0).all()
    share = (units["hispanic"] / units["pop_total"]).dropna()
    assert (share <= 1).all()
    d = rep.to_frame().query("reason == 'group_exceeds_total'")
    assert list(d["id"]) == [uid] and "hispanic" in d["detail"].iloc[0]


def test_c03_negative_conapo_pob_total_is_blanked_and_reported(copy_file):
    agebs, conapo = copy_file(EP["mx_agebs"]), copy_file(EP["mx_conapo"])
    df = _edit_csv(conapo, lambda d: None)
    juarez = df.index[df["CVE_AGEB"].str.startswith("08037")][0]
    df.loc[juarez, "POB_TOTAL"] = "-1234.0"
    df.to_csv(conapo, index=False)
    rep = DropReport()
    units = _mx(agebs, conapo, rep)
    uid = f"MX:{df.loc[juarez, 'CVE_AGEB']}"
    assert units.loc[units["unit_id"] == uid, "pop_total"].isna().all()
    assert units["pop_total"].min() >= 0
    d = rep.to_frame().query("reason == 'negative_count'")
    assert uid in set(d["id"]) and conapo.name in d["detail"].iloc[0]


def test_c04_agebs_with_mislabelled_crs_are_refused(copy_file, data_dir, tmp_path):
    src = gpd.read_file(data_dir / EP["mx_agebs"])
    bad = tmp_path / "agebs_labelled_32613.gpkg"
    src.set_crs("EPSG:32613", allow_override=True).to_file(bad, driver="GPKG")
    with pytest.raises(PlausibilityError, match=r"agebs_labelled_32613.gpkg.*CRS is probably"):
        binational.load_region(
            "juarez-el-paso",
            data_dir=data_dir,
            files={"mx_agebs": bad},
            network=False,
            crossings=False,
        )


def test_c05_tracts_shifted_20_degrees_are_refused(data_dir, tmp_path):
    src = gpd.read_file(data_dir / EP["us_tracts"])
    src["geometry"] = shapely.transform(src.geometry.to_numpy(), lambda xy: np.add(xy, (20.0, 0.0)))
    bad = tmp_path / "tracts_shifted.geojson"
    src.to_file(bad, driver="GeoJSON")
    with pytest.raises(PlausibilityError, match=r"tracts_shifted.geojson.*outside the region"):
        binational.load_region(
            "juarez-el-paso",
            data_dir=data_dir,
            files={"us_tracts": bad},
            network=False,
            crossings=False,
        )


def test_c06_a_few_shifted_tracts_are_dropped_and_reported(data_dir, tmp_path):
    src = gpd.read_file(data_dir / EP["us_tracts"])
    moved = src.index[:3]
    src.loc[moved, "geometry"] = shapely.transform(
        src.loc[moved].geometry.to_numpy(), lambda xy: np.add(xy, (20.0, 0.0))
    )
    bad = tmp_path / "tracts_some_shifted.geojson"
    src.to_file(bad, driver="GeoJSON")
    region = binational.load_region(
        "juarez-el-paso",
        data_dir=data_dir,
        files={"us_tracts": bad},
        network=False,
        crossings=False,
    )
    ids = {f"US:{g}" for g in src.loc[moved, "GEOID"]}
    assert not ids & set(region.units["unit_id"])
    d = region.drops.to_frame().query("reason == 'outside_region' and layer == 'units'")
    assert set(d["id"]) == ids
    assert d["detail"].str.contains("tracts_some_shifted.geojson").all()


def test_c07_swapped_lon_lat_is_called_swapped(data_dir, tmp_path):
    import json

    doc = json.loads((data_dir / EP["us_tracts"]).read_text())

    def swap(c):
        return [swap(x) for x in c] if isinstance(c[0], list) else [c[1], c[0]]

    for f in doc["features"]:
        f["geometry"]["coordinates"] = swap(f["geometry"]["coordinates"])
    bad = tmp_path / "tracts_swapped.geojson"
    bad.write_text(json.dumps(doc))
    with pytest.raises(CRSError, match=r"tracts_swapped.geojson.*look swapped") as exc:
        us_census.read_tracts(bad)
    assert "projected" not in str(exc.value)


def test_c08_empty_acs_file(copy_file, tmp_path):
    tracts = copy_file(EP["us_tracts"])
    empty = tmp_path / "acs_empty.csv"
    empty.write_text("")
    with pytest.raises(DataSourceError, match=r"acs_empty\.csv"):
        _us(tracts, empty, DropReport())


def test_c09_html_page_saved_as_acs(copy_file, tmp_path):
    tracts = copy_file(EP["us_tracts"])
    page = tmp_path / "acs_page.csv"
    page.write_text("<!DOCTYPE html><html><body>Service unavailable</body></html>")
    with pytest.raises(DataSourceError, match=r"acs_page.csv.*HTML"):
        _us(tracts, page, DropReport())


def test_c10_acs_without_total_column(copy_file):
    tracts, acs = copy_file(EP["us_tracts"]), copy_file(EP["us_acs"])
    df = pd.read_csv(acs, dtype=str)
    df.drop(columns=["total_pop.2020"]).to_csv(acs, index=False)
    with pytest.raises(SchemaError, match=rf"{acs.name}.*total_pop"):
        _us(tracts, acs, DropReport())


def test_c11_non_numeric_acs_value(copy_file):
    tracts, acs = copy_file(EP["us_tracts"]), copy_file(EP["us_acs"])
    _edit_csv(acs, lambda d: d.__setitem__("total_pop.2020", ["lots", *d["total_pop.2020"][1:]]))
    with pytest.raises(BinationalError, match=rf"{acs.name}.*(total_pop|lots)"):
        _us(tracts, acs, DropReport())


def test_c12_duplicate_geoid_in_acs(copy_file):
    tracts, acs = copy_file(EP["us_tracts"]), copy_file(EP["us_acs"])
    df = pd.read_csv(acs, dtype=str)
    pd.concat([df, df.head(1).assign(**{"total_pop.2020": "1"})]).to_csv(acs, index=False)
    with pytest.raises(SchemaError, match=rf"{acs.name}.*(duplicate|GEOID)"):
        _us(tracts, acs, DropReport())


def test_c13_missing_tract_file(copy_file, tmp_path):
    acs = copy_file(EP["us_acs"])
    with pytest.raises(DataSourceError, match=r"no_such_tracts\.geojson"):
        _us(tmp_path / "no_such_tracts.geojson", acs, DropReport())


def test_c14_conapo_without_pob_total(copy_file):
    agebs, conapo = copy_file(EP["mx_agebs"]), copy_file(EP["mx_conapo"])
    pd.read_csv(conapo, dtype=str).drop(columns=["POB_TOTAL"]).to_csv(conapo, index=False)
    with pytest.raises(SchemaError, match=rf"{conapo.name}.*POB_TOTAL"):
        _mx(agebs, conapo, DropReport())


def test_c15_ageb_polygons_without_attributes_are_reported(copy_file):
    agebs, conapo = copy_file(EP["mx_agebs"]), copy_file(EP["mx_conapo"])
    df = pd.read_csv(conapo, dtype=str)
    gone = df[df["CVE_AGEB"].str.startswith("08037")]["CVE_AGEB"].head(5)
    df[~df["CVE_AGEB"].isin(gone)].to_csv(conapo, index=False)
    rep = DropReport()
    units = _mx(agebs, conapo, rep)
    ids = {f"MX:{c}" for c in gone}
    assert not ids & set(units["unit_id"])
    assert ids <= set(rep.to_frame().query("reason == 'no_attributes'")["id"])


def test_c16_truncated_gzip_acs(copy_file, tmp_path):
    import gzip

    tracts, acs = copy_file(EP["us_tracts"]), copy_file(EP["us_acs"])
    gz = tmp_path / "acs_truncated.csv.gz"
    data = gzip.compress(acs.read_bytes())
    gz.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataSourceError, match=r"acs_truncated\.csv\.gz"):
        _us(tracts, gz, DropReport())


def test_c17_load_region_summary_never_shows_share_above_one(copy_file, data_dir):
    acs = copy_file(EP["us_acs"])

    def edit(d):
        total = pd.to_numeric(d["total_pop.2020"])
        d.loc[0, "total_HL.2020"] = str(int(total.iloc[0] * 2) + 1)

    _edit_csv(acs, edit)
    region = binational.load_region(
        "juarez-el-paso",
        data_dir=data_dir,
        files={"us_acs": acs},
        network=False,
        crossings=False,
    )
    share = region.units["hispanic"] / region.units["pop_total"]
    assert share.max() <= 1
    assert (region.drops.to_frame()["reason"] == "group_exceeds_total").sum() == 1
