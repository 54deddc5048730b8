"""Areal weighting and spatial joins, geopandas and dask-geopandas engines, on real units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from binational.errors import CRSError, CRSMismatchError, SchemaError
from binational.scale.spatial import (
    areal_interpolate,
    areal_weights,
    intersecting_pairs,
    square_grid,
)

CRS = "EPSG:32611"


@pytest.fixture(scope="module")
def units(data_dir):
    """San Diego tracts (ACS 2020–2024 population) and Tijuana/Tecate/Rosarito AGEBs (CONAPO
    population), read with plain geopandas/pandas and projected to UTM 11N."""
    sd = gpd.read_file(data_dir / "us" / "sd" / "sd_tracts_tiger2024_waterclip.geojson")
    acs = pd.read_csv(
        data_dir / "us" / "sd" / "sd_acs5_2020_2024_tract.csv",
        dtype={"GEOID": str},
        usecols=["GEOID", "pop_total_population"],
    )
    sd = sd[["GEOID", "geometry"]].merge(acs, on="GEOID")
    sd = sd.rename(columns={"GEOID": "id", "pop_total_population": "pop"}).to_crs(CRS)
    ageb = gpd.read_file(data_dir / "mx" / "ageb_urbana_mg_bc_border.gpkg")
    ageb = ageb[ageb["CVE_MUN"].isin(["003", "004", "005"])]
    imu = pd.read_csv(
        data_dir / "mx" / "conapo_imu2020_ageb_border.csv",
        dtype={"CVE_AGEB": str},
        usecols=["CVE_AGEB", "POB_TOTAL"],
    )
    ageb = ageb[["CVEGEO", "geometry"]].merge(
        imu, left_on="CVEGEO", right_on="CVE_AGEB", how="left"
    )
    ageb = ageb.rename(columns={"CVEGEO": "id", "POB_TOTAL": "pop"})[["id", "pop", "geometry"]]
    out = pd.concat([sd, ageb.to_crs(CRS)], ignore_index=True)
    out["geometry"] = out.geometry.make_valid()
    return gpd.GeoDataFrame(out, crs=CRS)


@pytest.fixture(scope="module")
def grid(units):
    return square_grid(units, size=5000)


def test_real_unit_counts(units):
    assert len(units) == 736 + 721 + 77 + 90  # SOURCES.md: SD tracts, Tijuana/Tecate/Rosarito


def test_square_grid_covers_and_aligns(units, grid):
    assert grid.crs == units.crs
    assert grid.union_all().covers(units.union_all().envelope)
    x0, y0 = grid.geometry.bounds[["minx", "miny"]].min()
    assert x0 % 5000 == 0 and y0 % 5000 == 0
    assert grid["cell_id"].is_unique


def test_weights_equal_geopandas_overlay(units, grid):
    w = areal_weights(units, grid, engine="geopandas")
    ov = gpd.overlay(
        units.assign(source=np.arange(len(units))),
        grid.assign(target=np.arange(len(grid))),
        how="intersection",
        keep_geom_type=True,
    )
    ref = ov.assign(area=ov.area).groupby(["source", "target"])["area"].sum()
    ref = ref[ref > 1e-6]
    got = w.set_index(["source", "target"])["area"]
    got = got[got > 1e-6]
    assert set(got.index) == set(ref.index)
    np.testing.assert_allclose(got.loc[ref.index].to_numpy(), ref.to_numpy(), rtol=1e-6)
    # weights of each unit sum to 1 (the grid covers every unit)
    sums = w.groupby("source")["weight"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-9)


@pytest.mark.parametrize("scheduler", ["threads", "distributed"])
def test_dask_engine_equals_geopandas(units, grid, client, scheduler):
    ref = areal_weights(units, grid, engine="geopandas")
    got = areal_weights(
        units,
        grid,
        engine="dask",
        npartitions=4,
        scheduler="threads" if scheduler == "threads" else None,
    )
    pd.testing.assert_frame_equal(got, ref)


@pytest.mark.parametrize("by", ["morton", "geohash"])
def test_partition_orderings_agree(units, grid, by):
    ref = intersecting_pairs(units, grid, engine="geopandas")
    got = intersecting_pairs(units, grid, engine="dask", by=by, npartitions=3, scheduler="threads")
    pd.testing.assert_frame_equal(got, ref)


def test_pairs_equal_geopandas_sjoin(units, grid):
    got = intersecting_pairs(units, grid, engine="geopandas")
    ref = gpd.sjoin(
        units.reset_index(drop=True), grid.reset_index(drop=True), predicate="intersects"
    )
    assert set(zip(got["source"], got["target"], strict=True)) == set(
        zip(ref.index, ref["index_right"], strict=True)
    )
    # source smaller than target and the reverse give the same pairs
    swapped = intersecting_pairs(grid, units, engine="geopandas")
    assert set(zip(swapped["target"], swapped["source"], strict=True)) == set(
        zip(got["source"], got["target"], strict=True)
    )


def test_interpolation_conserves_population(units, grid):
    out = areal_interpolate(units, grid, extensive=["pop"], engine="dask", scheduler="threads")
    total = units["pop"].fillna(0).sum()
    assert out["pop"].sum() == pytest.approx(total, rel=1e-9)
    assert total > 3_288_774  # SD county total alone (SOURCES.md) + Mexican side


def test_bad_input(units, grid):
    with pytest.raises(CRSMismatchError):
        areal_weights(units, grid.to_crs("EPSG:32612"))
    with pytest.raises(CRSError, match="geographic"):
        areal_weights(units.to_crs("EPSG:4326"), grid.to_crs("EPSG:4326"))
    with pytest.raises(SchemaError, match="engine"):
        areal_weights(units, grid, engine="spark")
    with pytest.raises(SchemaError, match="lacks column"):
        areal_interpolate(units, grid, extensive=["nope"])
