"""load_region on the real data, checked against plain geopandas/pandas reads of the same files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

import binational
from binational import errors, schema
from binational.units import harmonise_units, population_check


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


def test_population_check_against_official_totals(region_tj, region_ep):
    for r in (region_tj, region_ep):
        check = population_check(r.units)
        assert check["pop_2020"].notna().all()
        # ACS estimates and urban-AGEB sums approach (never far exceed) the 2020 counts
        assert (check["ratio"] > 0.8).all() and (check["ratio"] < 1.05).all()


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
