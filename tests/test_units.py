"""load_region on the real data, checked against plain geopandas/pandas reads of the same files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

import binational
from binational import errors, schema
from binational.units import harmonise_units, official_totals, population_check


def _plain_us(data_dir, tracts, acs, key_pop):
    g = gpd.read_file(data_dir / tracts)
    a = pd.read_csv(data_dir / acs, dtype={"GEOID": str})
    return g, a[["GEOID", key_pop]]


def _plain_mx(data_dir, gpkg, municipios):
    g = gpd.read_file(data_dir / gpkg)
    g = g[(g["CVE_ENT"] + g["CVE_MUN"]).isin(municipios)]
    imu = pd.read_csv(data_dir / "mx/conapo_imu2020_ageb_border.csv", dtype=str)
    imu = imu[(imu["ENT"] + imu["MUN"]).isin(municipios)]
    return g, imu


def _accounted(region, layer, ids):
    drops = region.drops.to_frame()
    return set(drops.loc[drops["layer"] == layer, "id"]) & set(ids)


def test_tijuana_san_diego_both_sides(region_tj, data_dir):
    r = region_tj
    assert r.units.crs.to_epsg() == 32611
    assert r.units[schema.UNIT_ID].is_unique
    assert list(r.units.columns[: len(schema.UNIT_COLUMNS) - 1]) == list(schema.UNIT_COLUMNS[:-1])
    tracts, acs = _plain_us(
        data_dir,
        "us/sd/sd_tracts_tiger2024_waterclip.geojson",
        "us/sd/sd_acs5_2020_2024_tract.csv",
        "pop_total_population",
    )
    us = r.side("US")
    assert set(us[schema.UNIT_ID]) == {f"US:{g}" for g in tracts["GEOID"]}
    assert us[schema.POP_TOTAL].sum() == pytest.approx(acs["pop_total_population"].sum())
    assert us["hispanic"].notna().all()
    # every AGEB polygon of the three municipios is a unit or a reported drop
    agebs, imu = _plain_mx(
        data_dir, "mx/ageb_urbana_mg_bc_border.gpkg", ("02004", "02003", "02005")
    )
    mx = r.side("MX")
    poly_ids = {f"MX:{c}" for c in agebs["CVEGEO"]}
    dropped = _accounted(r, "mx_agebs", poly_ids)
    assert set(mx[schema.UNIT_ID]) | dropped == poly_ids
    assert not set(mx[schema.UNIT_ID]) & dropped
    joined = agebs.merge(imu, left_on="CVEGEO", right_on="CVE_AGEB")
    assert len(mx) == len(joined)
    assert mx[schema.POP_TOTAL].sum() == pytest.approx(joined["POB_TOTAL"].astype(float).sum())
    # and every IMU row of those municipios is a unit or reported without geometry
    imu_ids = {f"MX:{c}" for c in imu["CVE_AGEB"]}
    assert imu_ids <= set(mx[schema.UNIT_ID]) | _accounted(r, "mx_conapo_imu", imu_ids)
    # areas survive the projection (plain geopandas, same CRS)
    plain_area = agebs.to_crs(32611).set_index("CVEGEO").area
    ours = mx.set_index(mx[schema.UNIT_ID].str[3:]).area
    pd.testing.assert_series_equal(
        ours.sort_index(), plain_area.loc[ours.index].sort_index(), check_names=False, rtol=1e-9
    )


def test_tijuana_san_diego_other_layers(region_tj):
    r = region_tj
    assert set(r.ports["port_code"]) == set(r.spec.ports)
    assert r.ports.crs == r.units.crs
    assert set(r.crossings["port_code"]) <= set(r.spec.ports)
    assert not r.crossings.empty and not r.waits.empty
    g = r.network
    assert g.number_of_nodes() == 23079
    assert g.graph["crs"].upper() in ("EPSG:32611", r.units.crs.to_string().upper())
    border = [d for _, _, d in g.edges(data=True) if d.get("crosses_border")]
    assert {d["port_code"] for d in border} == {2504, 2506, 2505}
    assert all(d["travel_time"] > 0 for _, _, d in g.edges(data=True))


def test_juarez_el_paso(region_ep, data_dir):
    r = region_ep
    assert r.units.crs.to_epsg() == 32613
    tracts = gpd.read_file(data_dir / "us/ep/ep_tracts_2020.geojson")
    assert len(r.side("US")) == len(tracts) == 188
    agebs, _imu = _plain_mx(data_dir, "mx/ageb_urbana_mg_juarez.gpkg", ("08037",))
    assert len(agebs) == 670
    mx_ids = set(r.side("MX")[schema.UNIT_ID])
    dropped = _accounted(r, "mx_agebs", {f"MX:{c}" for c in agebs["CVEGEO"]})
    assert len(mx_ids) + len(dropped) == 670
    assert r.network is None
    assert "network" in r.missing
    assert r.side("US")["hispanic"].sum() == pytest.approx(691920)


# Published 2020 Census counts (US Census Bureau, 2020 Census Redistricting Data (PL 94-171),
# table P1, total population; data.census.gov / QuickFacts). The shared US files hold ACS
# estimates only, so these four are cited, not read; every Mexican total is read from ITER.
US_CENSUS_2020 = {
    "06073": 3_298_634,  # San Diego County, CA
    "06025": 179_702,  # Imperial County, CA
    "48141": 865_657,  # El Paso County, TX
    "35013": 219_561,  # Doña Ana County, NM
}
# ACS county sums given in us/SOURCES.md (the files the presets load)
US_ACS_SUMS = {"06073": 3_288_774, "48141": 836_915}


def _iter_pobtot(data_dir) -> pd.Series:
    """INEGI ITER 2020 POBTOT by municipio, straight from the shared csv."""
    it = pd.read_csv(
        data_dir / "mx/inegi_iter2020_municipio_border.csv", dtype={"ENTIDAD": str, "MUN": str}
    )
    return it.set_index(it["ENTIDAD"] + it["MUN"])["POBTOT"]


def test_official_totals_equal_iter_and_the_census(data_dir):
    """admin_totals.csv: MX rows = ITER POBTOT and the AGEM polygons' pob; US rows = the
    published 2020 Census counts."""
    official = official_totals().set_index("code")
    assert set(official.index) == set(US_CENSUS_2020) | {
        "02002",
        "02003",
        "02004",
        "02005",
        "08037",
    }
    mx = official[official["country"] == "MX"]
    iter_pop = _iter_pobtot(data_dir)
    pd.testing.assert_series_equal(
        mx["pop_2020"], iter_pop.loc[mx.index], check_names=False, check_dtype=False
    )
    agem = pd.concat(
        [
            gpd.read_file(data_dir / "mx/municipios_bc_AGEM_02.geojson"),
            gpd.read_file(data_dir / "mx/municipio_juarez_AGEM_08037.geojson"),
        ]
    ).set_index("cvegeo")
    assert (mx["pop_2020"] == pd.to_numeric(agem.loc[mx.index, "pob"])).all()
    assert (mx["name"] == agem.loc[mx.index, "nom_agem"]).all()
    assert mx.loc["02004", "pop_2020"] == 1_922_523  # mx/SOURCES.md: Tijuana 1,922,523
    us = official[official["country"] == "US"]
    assert us["pop_2020"].to_dict() == US_CENSUS_2020
    assert us["source"].str.contains("2020 Census").all()
    assert mx["source"].str.contains("ITER").all()


def _mx_units_pop(data_dir, gpkg, municipios) -> pd.Series:
    """Urban-AGEB population each municipio's units should hold: CONAPO POB_TOTAL (= Censo 2020
    POBTOT, mx/SOURCES.md) of the AGEBs that have a polygon in the AGEB file."""
    g, imu = _plain_mx(data_dir, gpkg, municipios)
    imu = imu[imu["CVE_AGEB"].isin(set(g["CVEGEO"]))]
    return imu["POB_TOTAL"].astype(float).groupby(imu["ENT"] + imu["MUN"]).sum()


def test_population_check_against_official_totals(region_tj, region_ep, data_dir):
    """Each ratio is the one the shared files give: ACS county sum ÷ 2020 count in the US,
    urban-AGEB sum ÷ ITER POBTOT in Mexico (San Diego 0.9970, El Paso 0.9668, Juárez 0.9932,
    Tijuana 0.9715, Tecate 0.8406, Rosarito 0.8417)."""
    iter_pop = _iter_pobtot(data_dir)
    mx_units = pd.concat(
        [
            _mx_units_pop(
                data_dir, "mx/ageb_urbana_mg_bc_border.gpkg", ("02003", "02004", "02005")
            ),
            _mx_units_pop(data_dir, "mx/ageb_urbana_mg_juarez.gpkg", ("08037",)),
        ]
    )
    want_units = {**US_ACS_SUMS, **mx_units.to_dict()}
    want_2020 = {**US_CENSUS_2020, **iter_pop.to_dict()}
    seen = set()
    for r in (region_tj, region_ep):
        check = population_check(r.units).set_index(schema.ADMIN2)
        for code, row in check.iterrows():
            assert row["pop_units"] == want_units[code], code
            assert row["pop_2020"] == want_2020[code], code
            assert row["ratio"] == pytest.approx(want_units[code] / want_2020[code], rel=1e-12)
            seen.add(code)
    assert seen == {"06073", "48141", "02003", "02004", "02005", "08037"}
    ratios = {c: want_units[c] / want_2020[c] for c in seen}
    assert ratios["06073"] == pytest.approx(0.99701, abs=5e-6)
    assert ratios["48141"] == pytest.approx(0.96680, abs=5e-6)
    assert ratios["02004"] == pytest.approx(0.97154, abs=5e-6)


def test_load_region_needs_data():
    with pytest.raises(errors.DataSourceError, match="data folder"):
        binational.load_region("tijuana-san-diego", data_dir="/nonexistent/folder")


def test_harmonise_refuses_duplicate_ids(region_ep):
    us = region_ep.side("US")
    with pytest.raises(errors.SchemaError, match="duplicate unit ids"):
        harmonise_units(us, us.copy(), crs=region_ep.units.crs)


def test_summary_command(capsys, data_dir):
    from binational.cli import main

    assert main(["summary", "juarez-el-paso", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "units and population by side" in out
    assert "2402" in out


def test_network_loads_on_first_access(data_dir):
    """load_region defers the road network; first access loads it once, with its drops/sources."""
    r = binational.load_region("tijuana-san-diego", data_dir=data_dir)
    assert r.network_pending
    assert "network" not in set(r.sources["layer"])
    assert "outside_largest_scc_flagged" not in set(r.drops.to_frame()["reason"])
    g = r.network
    assert not r.network_pending
    assert r.network is g
    assert g.number_of_nodes() == 23079
    assert list(r.sources["layer"]).count("network") == 1
    drops = r.drops.to_frame()
    assert (drops["reason"] == "outside_largest_scc_flagged").sum() == 91
    r.network  # noqa: B018 - a second access neither reloads nor reports twice
    assert len(r.drops.to_frame()) == len(drops)
