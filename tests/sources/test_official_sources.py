"""The per-source fetchers against a local server that serves real data in the official layouts."""

from __future__ import annotations

import io
import json
import logging
import string
import zipfile

import geopandas as gpd
import pandas as pd
import pytest

from binational import settings
from binational.errors import DataSourceError, DownloadError, RegionError
from binational.sources import (
    catalogue,
    fetch_acs,
    fetch_bts_crossings,
    fetch_cbp_historical_waits,
    fetch_cbp_waits,
    fetch_conapo_imu,
    fetch_inegi_agebs,
    fetch_iter,
    fetch_resageburb,
    fetch_tiger_tracts,
    get_source,
    read_provenance,
    region_crossing_ids,
)

from .conftest import census_api, historical_api

# ----------------------------------------------------------------------------------------------
# Catalogue


def test_catalogue_entries_are_complete_and_official():
    cat = catalogue()
    assert {
        "census_tiger",
        "census_cb",
        "census_acs",
        "inegi_mg",
        "inegi_resageburb",
        "inegi_iter",
        "conapo_imu",
        "bts_crossings",
        "cbp_bwt_live",
        "cbp_bwt_historical",
        "osm_overpass",
    } <= set(cat)
    for sid, src in cat.items():
        assert src.base_url.startswith("https://"), sid
        assert src.licence and src.attribution and src.vintage and src.publisher, sid
        fields = {f for _, f, _, _ in string.Formatter().parse(src.path) if f}
        assert fields <= set(src.params) | {"state_slug"}, (sid, fields)
        for digest in src.sha256.values():
            assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    assert "ODbL" in cat["osm_overpass"].licence
    assert len(cat["inegi_mg"].state_slugs) == 32


def test_official_urls_and_override():
    tiger = get_source("census_tiger")
    assert tiger.url(year=2024, state="06") == (
        "https://www2.census.gov/geo/tiger/TIGER2024/TRACT/tl_2024_06_tract.zip"
    )
    assert get_source("census_cb").url(year=2020, state="48") == (
        "https://www2.census.gov/geo/tiger/GENZ2020/shp/cb_2020_48_tract_500k.zip"
    )
    assert get_source("inegi_mg").url(state="08").endswith("/889463807469/08_chihuahua.zip")
    assert (
        get_source("inegi_resageburb")
        .urls(state="02")[1]
        .endswith("/ccpv/2020/microdatos/ageb_manzana/RESAGEBURB_02_2020_csv.zip")
    )
    settings.base_urls["census_tiger"] = "http://127.0.0.1:1/mirror/"
    assert tiger.url(year=2024, state="06") == (
        "http://127.0.0.1:1/mirror/TIGER2024/TRACT/tl_2024_06_tract.zip"
    )
    with pytest.raises(RegionError, match="entidad '99'"):
        get_source("inegi_mg").url(state="99")


# ----------------------------------------------------------------------------------------------
# US


def _same_polygons(got: gpd.GeoDataFrame, ref: gpd.GeoDataFrame, key: str) -> None:
    got = got.sort_values(key).reset_index(drop=True)
    ref = ref.sort_values(key).reset_index(drop=True)
    assert list(got[key]) == list(ref[key])
    ref = ref.to_crs(got.crs)
    assert got.geometry.geom_equals(ref.geometry).all()


def test_tiger_tracts(official, built, server, _no_internet):
    official("census_tiger", built["tiger_06"], year=2024, state="06")
    shp = fetch_tiger_tracts(state="6", year=2024)
    assert shp.name == "tl_2024_06_tract.shp"
    got = gpd.read_file(shp)
    assert len(got) == 736
    _same_polygons(got, built["sd_tracts"], "GEOID")
    assert fetch_tiger_tracts(state="06", year=2024) == shp
    assert sum("tl_2024_06_tract.zip" in r for r in server.requests) == 1
    assert _no_internet and all(u.startswith("http://127.0.0.1:") for u in _no_internet)


def test_cartographic_boundary_tracts(official, built):
    official("census_cb", built["cb_48"], year=2020, state="48")
    got = gpd.read_file(fetch_tiger_tracts(state="48", year=2020, kind="cb"))
    assert len(got) == 188
    _same_polygons(got, built["ep_tracts"], "GEOID")
    with pytest.raises(DataSourceError, match="'tiger' or 'cb'"):
        fetch_tiger_tracts(state="48", kind="tl")


def _api_frame(path) -> pd.DataFrame:
    rows = json.loads(path.read_text())
    return pd.DataFrame(rows[1:], columns=rows[0])


def _check_against_real(frame: pd.DataFrame, acs: pd.DataFrame, variables) -> None:
    frame = frame.assign(GEOID=frame.state + frame.county + frame.tract).set_index("GEOID")
    ref = acs.set_index("GEOID")
    assert sorted(frame.index) == sorted(ref.index)
    for v in variables:
        got = pd.to_numeric(frame[v]).astype(float).reindex(ref.index)
        pd.testing.assert_series_equal(got, ref[v].astype(float), check_names=False)


def test_acs_chunked_and_merged(official, built, server, monkeypatch):
    acs = built["acs"]
    codes = [c for c in acs.columns if c != "GEOID"]
    assert len(codes) > 50  # real variables: more than one API call is needed
    answer = census_api(acs)
    official("census_acs", answer, year=2024)
    monkeypatch.setattr(settings, "census_api_key", "TOPSECRET")
    path = fetch_acs(state="06", county="073", year=2024, variables=codes)
    calls = [r for r in server.requests if "/acs/acs5" in r]
    n_calls = -(-(len(codes) + 1) // 50)  # the variables + NAME, at most 50 per call
    assert n_calls >= 2 and len(calls) == n_calls
    assert answer.keys == ["TOPSECRET"] * n_calls
    frame = _api_frame(path)
    assert list(frame.columns) == ["NAME", *codes, "state", "county", "tract"]
    assert len(frame) == 736
    _check_against_real(frame, acs, codes)
    # Smaller chunks give the same table; the key is in no file of the cache.
    small = fetch_acs(state="06", county="073", year=2024, variables=codes, chunk_size=7)
    pd.testing.assert_frame_equal(_api_frame(small), frame)
    cache = settings.resolve_cache_dir()
    for f in cache.rglob("*"):
        if f.is_file():
            assert b"TOPSECRET" not in f.read_bytes(), f
    assert read_provenance(path)["derived_from"]["parts"][0]["url"].endswith("key=REDACTED")


def test_acs_variable_expansion(official, built):
    official("census_acs", census_api(built["acs"]), year=2024)
    path = fetch_acs(state="06", county="073", year=2024, variables=["b03002_012", "B01003_001E"])
    frame = _api_frame(path)
    assert list(frame.columns) == [
        "NAME",
        "B03002_012E",
        "B03002_012M",
        "B01003_001E",
        "state",
        "county",
        "tract",
    ]
    # The published county total (SOURCES.md: 1,139,063 Hispanic in 2020-2024).
    assert pd.to_numeric(frame.B03002_012E).sum() == 1_139_063


def test_acs_api_error_is_reported(official, built):
    official("census_acs", census_api(built["acs"]), year=2024)
    with pytest.raises(DownloadError, match="unknown variable 'B99999_001E'"):
        fetch_acs(state="06", county="073", year=2024, variables=["B99999_001"])
    with pytest.raises(DataSourceError, match="not an ACS variable"):
        fetch_acs(state="06", county="073", year=2024, variables=["population"])
    with pytest.raises(RegionError, match="county FIPS"):
        fetch_acs(state="06", county="73a", year=2024, variables=["B01003_001"])


def test_acs_invalid_key_page(official):
    # The Census API answers a bad key with HTTP 200 and an HTML page.
    official("census_acs", b"<html><head><title>Invalid Key</title></head></html>", year=2024)
    with pytest.raises(DataSourceError, match="HTML page"):
        fetch_acs(state="06", county="073", year=2024, variables=["B01003_001"])


# ----------------------------------------------------------------------------------------------
# Mexico


def test_inegi_agebs(official, built):
    official("inegi_mg", built["mg_02"], state="02")
    shp = fetch_inegi_agebs(state="02")
    assert shp.name == "02a.shp"
    got = gpd.read_file(shp)
    assert len(got) == 1407
    _same_polygons(got, built["agebs_02"], "CVEGEO")


def test_resageburb_open_data_layout(official, built):
    official("inegi_resageburb", built["resageburb_02"], state="02")
    path = fetch_resageburb(state="02")
    assert path.name == "conjunto_de_datos_ageb_urbana_02_cpv2020.csv"  # not the dictionary
    got = pd.read_csv(path, dtype=str)
    pd.testing.assert_frame_equal(
        got, built["resageburb_02_table"].fillna(pd.NA), check_dtype=False
    )


def test_resageburb_falls_back_to_the_alternate_url(official, built, server):
    official("inegi_resageburb", built["resageburb_03"], alternate=1, state="03")
    path = fetch_resageburb(state="03")  # the open-data URL is 404 here
    assert path.name == "RESAGEBURB_03CSV20.csv"
    assert path.read_bytes() == built["resageburb_03_csv"]
    table = pd.read_csv(path, dtype=str, usecols=["cve_ent", "mza"])
    assert len(table) == 18_105
    assert (
        server.count(
            "/inegi_resageburb/datosabiertos/ageb_manzana/ageb_mza_urbana_03_cpv2020_csv.zip"
        )
        == 1
    )


def test_soft_404_html_falls_back_too(official, built, server):
    """INEGI answers some dead URLs with HTTP 200 and an HTML page."""
    official("inegi_resageburb", built["resageburb_03"], alternate=1, state="03")
    official("inegi_resageburb", b"<!DOCTYPE html><html>No encontrado</html>", state="03")
    assert fetch_resageburb(state="03").read_bytes() == built["resageburb_03_csv"]


def test_every_url_failing_names_each(official, server):
    settings.base_urls["inegi_resageburb"] = f"{server.url}/nothing"
    with pytest.raises(DownloadError, match=r"every URL failed") as err:
        fetch_resageburb(state="02")
    assert "ageb_mza_urbana_02" in str(err.value) and "RESAGEBURB_02_2020" in str(err.value)


def test_iter_and_conapo(official, built, data_dir):
    official("inegi_iter", built["iter_02"], state="02")
    got = pd.read_csv(fetch_iter(state="02"), dtype=str)
    pd.testing.assert_frame_equal(got, built["iter_02_table"].reset_index(drop=True))
    official("conapo_imu", built["conapo"], content_type="text/csv")
    imu = pd.read_csv(fetch_conapo_imu(), dtype={"CVE_AGEB": str})
    ref = pd.read_csv(data_dir / "mx/conapo_imu2020_ageb_border.csv", dtype={"CVE_AGEB": str})
    pd.testing.assert_frame_equal(imu, ref)


def test_reported_checksum_mismatch_is_logged(official, built, caplog):
    official("inegi_iter", built["iter_02"], state="00")
    with caplog.at_level(logging.WARNING, logger="binational"):
        fetch_iter()  # national file: the catalogue lists a third-party sha256 for it
    assert any("differs from the" in r.message for r in caplog.records)


# ----------------------------------------------------------------------------------------------
# Crossings and waits


@pytest.mark.slow
def test_bts_keeps_the_us_mexico_rows(official, built, data_dir):
    official("bts_crossings", built["bts_full"], content_type="text/csv")
    path = fetch_bts_crossings()
    got = pd.read_csv(path, dtype=str)
    ref = pd.read_csv(
        data_dir / "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv",
        dtype=str,
    )
    assert len(got) == len(ref) == 94_234
    keys = list(ref.columns)
    pd.testing.assert_frame_equal(
        got.sort_values(keys).reset_index(drop=True), ref.sort_values(keys).reset_index(drop=True)
    )
    full = fetch_bts_crossings(border=None)
    assert full.read_bytes() == built["bts_full"]


def test_bts_without_border_column(official):
    official("bts_crossings", b"Port,Value\nSan Ysidro,1\n", content_type="text/csv")
    with pytest.raises(DataSourceError, match="no Border column"):
        fetch_bts_crossings()


def test_cbp_live_feed_is_fetched_each_time(official, built, server):
    official("cbp_bwt_live", built["cbp_live"], content_type="application/json")
    first = fetch_cbp_waits()
    fetch_cbp_waits()
    assert server.count("/cbp_bwt_live/api/bwtnew") == 2
    assert json.loads(first.read_text()) == json.loads(built["cbp_live"])


def test_cbp_feed_of_the_wrong_shape(official):
    official("cbp_bwt_live", b'{"message": "Service unavailable"}')
    with pytest.raises(DataSourceError, match="not a CBP wait-times feed"):
        fetch_cbp_waits()


def test_cbp_historical_waits(server, built, data_dir):
    settings.base_urls["cbp_bwt_historical"] = server.url + "/bwt"
    answer_for = historical_api(built["sy_hist"])
    for m in range(1, 13):
        server.add(
            f"/bwt/api/historicalwaittimes/09250401/POV/GEN/{m}/7",
            answer_for(m),
            content_type="application/json",
        )
    path = fetch_cbp_historical_waits(crossing_id="250401")
    got = pd.read_csv(path)
    ref = pd.read_csv(data_dir / "crossings/cbp_bwt_historical_hourly_avg_san_ysidro_pov.csv")
    assert list(got.columns) == [*ref.columns, "port_number"]
    assert (got.port_number == 250401).all()
    pd.testing.assert_frame_equal(got[ref.columns], ref)
    with pytest.raises(RegionError, match="not 6 digits"):
        fetch_cbp_historical_waits(crossing_id="2504")


def test_region_crossing_ids_match_the_crossing_table(tmp_path, built, data_dir):
    feed = tmp_path / "feed.json"
    feed.write_bytes(built["cbp_live"])
    table = pd.read_csv(
        data_dir / "crossings/cbp_bwt_us_mexico_crossings_2022-06-29.csv", dtype=str
    )
    # One real port_number has a letter ("l24501"): such ids are skipped, never matched.
    table = table[table.port_number.str.isdigit()]
    for region, ports in (
        ("tijuana-san-diego", {2504, 2506, 2505, 2582}),
        ("juarez-el-paso", {2402, 2401, 2404, 2408}),
    ):
        ref = table[table.port_number.str[:4].astype(int).isin(ports)]
        with_pv = ref[ref.pv_maximum_lanes.fillna("N/A").str.upper() != "N/A"]
        assert region_crossing_ids(region, feed) == sorted(with_pv.port_number)
        assert region_crossing_ids(region, feed, lane_type=None) == sorted(ref.port_number)
    assert "250401" in region_crossing_ids("tijuana-san-diego", feed)


def test_zip_member_choice_prefers_the_catalogue_pattern(official, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("diccionario_datos/big_dictionary.csv", "x\n" * 5000)
        zf.writestr("conjunto_de_datos/conjunto_de_datos_iter_05CSV20.csv", "ENTIDAD\n05\n")
    official("inegi_iter", buf.getvalue(), state="05")
    assert fetch_iter(state="05").name == "conjunto_de_datos_iter_05CSV20.csv"
