"""MX loaders on the real shared files, against plain geopandas/pandas reads.

Reference figures quoted from ``mx/SOURCES.md``: AGEB counts per municipio (Tijuana 721,
Tecate 77, Rosarito 90, Mexicali 519; Juárez 670), CONAPO–polygon matches (Tijuana 656 of 668,
Mexicali 481 of 497, Tecate 62/62, Rosarito 80/80, Juárez 579/579), ITER POBTOT (Tijuana
1,922,523; Mexicali 1,049,792; Tecate 108,440; Rosarito 126,890; Juárez 1,512,450), and the
RESAGEBURB sample's 939 "Total AGEB urbana" rows.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from binational import drops, harmonise, schema
from binational.drops import DropReport
from binational.io import mx_census

ITER_OFFICIAL = {
    "02002": 1_049_792,
    "02003": 108_440,
    "02004": 1_922_523,
    "02005": 126_890,
    "08037": 1_512_450,
}


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("ageb_urbana_mg_bc_border.gpkg", {"02002": 519, "02003": 77, "02004": 721, "02005": 90}),
        ("ageb_urbana_mg_juarez.gpkg", {"08037": 670}),
    ],
)
def test_read_agebs_matches_plain(mx_dir, name, counts):
    path = mx_dir / name
    report = DropReport()
    ours = mx_census.read_agebs(path, report=report)
    plain = gpd.read_file(path)
    assert len(report) == 0
    assert len(ours) == len(plain) == sum(counts.values())
    assert ours["CVEGEO"].str[:5].value_counts().to_dict() == counts
    assert set(ours["CVEGEO"]) == set(plain["CVEGEO"])
    built = plain["CVE_ENT"] + plain["CVE_MUN"] + plain["CVE_LOC"] + plain["CVE_AGEB"]
    assert (built == plain["CVEGEO"]).all()
    assert ours.crs == plain.crs
    assert ours.crs.is_projected
    assert (
        ours.set_index("CVEGEO")
        .geometry.loc[plain["CVEGEO"]]
        .geom_equals(plain.set_index("CVEGEO").geometry)
        .all()
    )


def test_read_agebs_municipio_filter_and_built_key(mx_dir, tmp_path):
    plain = gpd.read_file(mx_dir / "ageb_urbana_mg_bc_border.gpkg")
    no_key = plain.drop(columns=["CVEGEO"])
    path = tmp_path / "agebs_no_cvegeo.gpkg"
    no_key.to_file(path, driver="GPKG")
    report = DropReport()
    ours = mx_census.read_agebs(path, municipios=["02004"], report=report)
    assert len(ours) == 721
    assert set(ours["CVEGEO"]) == set(plain.loc[plain["CVE_MUN"] == "004", "CVEGEO"])
    frame = report.to_frame()
    assert (frame["reason"] == drops.OUTSIDE_REGION).sum() == 1407 - 721


@pytest.fixture(scope="module")
def conapo_plain(mx_dir) -> pd.DataFrame:
    return pd.read_csv(
        mx_dir / "conapo_imu2020_ageb_border.csv", dtype={"CVE_AGEB": str, "ENT": str, "MUN": str}
    )


def test_read_conapo_imu(mx_dir, conapo_plain):
    imu = mx_census.read_conapo_imu(mx_dir / "conapo_imu2020_ageb_border.csv")
    assert len(imu) == len(conapo_plain) == 1886
    assert set(imu.index) == set(conapo_plain["CVE_AGEB"])
    plain = conapo_plain.set_index("CVE_AGEB").loc[imu.index]
    for col in ("POB_TOTAL", "IM_2020", "IMN_2020", "OVSDE", "SBASC"):
        np.testing.assert_allclose(imu[col].to_numpy(), plain[col].to_numpy())
    # grades: the file's own labels, ordered
    assert set(plain["GM_2020"]) == {"Muy bajo", "Bajo", "Medio", "Alto", "Muy alto"}
    assert (imu["GM_2020"].astype(str) == plain["GM_2020"]).all()
    assert imu["GM_2020"].cat.ordered
    expected_high = plain["POB_TOTAL"].where(plain["GM_2020"].isin(["Alto", "Muy alto"]), 0)
    np.testing.assert_allclose(imu["high_marginalization"], expected_high)
    by_mun = imu["POB_TOTAL"].groupby(imu.index.str[:5]).sum()
    plain_by_mun = conapo_plain.groupby(conapo_plain["ENT"] + conapo_plain["MUN"])[
        "POB_TOTAL"
    ].sum()
    pd.testing.assert_series_equal(by_mun, plain_by_mun, check_names=False)
    assert imu.groupby(imu.index.str[:5]).size().to_dict() == {
        "02002": 497,
        "02003": 62,
        "02004": 668,
        "02005": 80,
        "08037": 579,
    }


def test_read_iter_and_conapo_coverage(mx_dir):
    it = mx_census.read_iter(mx_dir / "inegi_iter2020_municipio_border.csv")
    plain = pd.read_csv(
        mx_dir / "inegi_iter2020_municipio_border.csv", dtype={"ENTIDAD": str, "MUN": str}
    )
    assert it["POBTOT"].to_dict() == ITER_OFFICIAL
    np.testing.assert_array_equal(it["PNACOE"].to_numpy(), plain["PNACOE"].to_numpy())
    np.testing.assert_array_equal(it["PRESOE15"].to_numpy(), plain["PRESOE15"].to_numpy())
    assert it["PROM_OCUP"].dtype == np.float64
    sub = mx_census.read_iter(mx_dir / "inegi_iter2020_municipio_border.csv", municipios=["08037"])
    assert list(sub.index) == ["08037"]
    # CONAPO's urban-AGEB population is a share of the official municipio total
    imu = mx_census.read_conapo_imu(mx_dir / "conapo_imu2020_ageb_border.csv")
    ratio = imu["POB_TOTAL"].groupby(imu.index.str[:5]).sum() / it["POBTOT"]
    assert (ratio <= 1).all()
    assert (ratio > 0.8).all()
    # Tijuana: urban-AGEB population summed here from the plain CONAPO csv (1,892,836) over
    # the ITER total (1,922,523, mx/SOURCES.md)
    conapo = pd.read_csv(mx_dir / "conapo_imu2020_ageb_border.csv", dtype={"CVE_AGEB": str})
    tijuana = conapo.loc[conapo["CVE_AGEB"].str.startswith("02004"), "POB_TOTAL"].sum()
    assert tijuana == 1_892_836
    assert ratio["02004"] == pytest.approx(tijuana / 1_922_523, rel=1e-12)


@pytest.mark.parametrize(
    ("gpkg", "municipios", "n_units", "no_attr", "no_geom"),
    [
        (
            "ageb_urbana_mg_bc_border.gpkg",
            ["02004", "02003", "02005"],
            656 + 62 + 80,
            65 + 15 + 10,
            12,
        ),
        ("ageb_urbana_mg_bc_border.gpkg", ["02002"], 481, 38, 16),
        ("ageb_urbana_mg_juarez.gpkg", ["08037"], 579, 91, 0),
    ],
)
def test_load_mx_units_conapo(mx_dir, conapo_plain, gpkg, municipios, n_units, no_attr, no_geom):
    report = DropReport()
    units = harmonise.load_mx_units(
        mx_dir / gpkg,
        conapo_path=mx_dir / "conapo_imu2020_ageb_border.csv",
        municipios=municipios,
        crs="EPSG:32611",
        report=report,
    )
    assert len(units) == n_units
    assert list(units.columns[:7]) == list(schema.UNIT_COLUMNS[:-1])
    assert units.crs.to_epsg() == 32611
    assert units[schema.UNIT_ID].is_unique and units[schema.UNIT_ID].str.startswith("MX:").all()
    frame = report.to_frame()
    counts = frame["reason"].value_counts()
    assert counts.get(drops.NO_ATTRIBUTES, 0) == no_attr
    assert counts.get(drops.NO_GEOMETRY, 0) == no_geom
    # every polygon and every CONAPO row of the municipios is in the table or in the report
    polygons = gpd.read_file(mx_dir / gpkg)
    polys = set(("MX:" + polygons["CVEGEO"])[polygons["CVEGEO"].str[:5].isin(municipios)])
    rows = conapo_plain[(conapo_plain["ENT"] + conapo_plain["MUN"]).isin(municipios)]
    reported = set(frame.loc[frame["reason"].isin([drops.NO_ATTRIBUTES, drops.NO_GEOMETRY]), "id"])
    assert polys | set("MX:" + rows["CVE_AGEB"]) == set(units[schema.UNIT_ID]) | reported
    # values are CONAPO's, per AGEB
    plain = conapo_plain.set_index("CVE_AGEB").loc[units[schema.UNIT_ID].str[3:]]
    np.testing.assert_allclose(units[schema.POP_TOTAL], plain["POB_TOTAL"])
    np.testing.assert_allclose(units["im_2020"], plain["IM_2020"])
    assert (units["gm_2020"].astype(str).to_numpy() == plain["GM_2020"].to_numpy()).all()
    zero = units[schema.POP_TOTAL] == 0
    assert (units[schema.FLAG_ZERO_POP] == zero).all()
    assert set(frame.loc[frame["reason"] == drops.ZERO_POPULATION, "id"]) == set(
        units.loc[zero, schema.UNIT_ID]
    )
    first = units.iloc[0]
    code = first[schema.UNIT_ID][3:]
    assert first[schema.NAME] == f"AGEB {code[9:]}, {plain['NOM_MUN'].iloc[0]} (loc {code[5:9]})"


def test_tijuana_unmatched_conapo_agebs_are_in_listed_localities(mx_dir):
    """SOURCES.md: the 12 Tijuana IMU AGEBs without a polygon lie in localities 1041, 1348,
    1615, 1931 plus 2 in 0001."""
    report = DropReport()
    harmonise.load_mx_units(
        mx_dir / "ageb_urbana_mg_bc_border.gpkg",
        conapo_path=mx_dir / "conapo_imu2020_ageb_border.csv",
        municipios=["02004"],
        crs=None,
        report=report,
    )
    frame = report.to_frame()
    ids = frame.loc[frame["reason"] == drops.NO_GEOMETRY, "id"].str[3:]
    locs = ids.str[5:9].value_counts()
    assert set(locs.index) == {"0001", "1041", "1348", "1615", "1931"}
    assert locs["0001"] == 2 and locs.sum() == 12
