"""``zone_units`` snaps the zones outside every unit with one STR tree per country: the same
unit rows, distances and drop report as the former loop (one ``GeoSeries.distance`` over the
units of the zone's country per zone, then ``idxmin``), kept here as the reference."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from binational import schema
from binational.commuting.cells import zone_units
from binational.drops import DropReport
from binational.errors import SchemaError

CRS = "EPSG:32611"


def _zone_units_reference(
    zones: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    max_snap_m: float = 5000.0,
    report: DropReport | None = None,
) -> pd.Series:
    """The former ``zone_units`` (before the STR tree), verbatim but for the unused ``xy``."""
    report = report if report is not None else DropReport()
    if "zone" not in zones.columns:
        raise SchemaError("zone centroids lack a 'zone' column (see io.survey.read_zone_centroids)")
    z = zones.to_crs(units.crs) if zones.crs is not None and zones.crs != units.crs else zones
    polys = units[[schema.COUNTRY, "geometry"]].reset_index(drop=True)
    hit = gpd.sjoin(z[["zone", "geometry"]], polys, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    pos = pd.Series(hit["index_right"].to_numpy(), index=z["zone"].to_numpy()).astype(float)
    miss = pos.isna().to_numpy()
    if miss.any():
        country = z["country"].to_numpy() if "country" in z.columns else np.array([None] * len(z))
        snapped, lost = [], []
        for i in np.flatnonzero(miss):
            cand = polys if country[i] is None else polys[polys[schema.COUNTRY] == country[i]]
            if cand.empty:
                lost.append(z["zone"].iloc[i])
                continue
            dist = cand.geometry.distance(z.geometry.iloc[i])
            j = dist.idxmin()
            if dist.loc[j] <= max_snap_m:
                pos.iloc[i] = j
                snapped.append(z["zone"].iloc[i])
            else:
                lost.append(z["zone"].iloc[i])
        report.add("zones", snapped, "zone_snapped_to_nearest_unit", f"within {max_snap_m:g} m")
        report.add("zones", lost, "zone_outside_units", f"no unit within {max_snap_m:g} m")
    return pos.fillna(-1).astype(int)


def _both(zones, units, **kw):
    new_rep, old_rep = DropReport(), DropReport()
    new = zone_units(zones, units, report=new_rep, **kw)
    old = _zone_units_reference(zones, units, report=old_rep, **kw)
    pd.testing.assert_series_equal(new, old, check_exact=True)
    pd.testing.assert_frame_equal(new_rep.to_frame(), old_rep.to_frame(), check_exact=True)
    return new, new_rep


def _units(geoms, countries):
    return gpd.GeoDataFrame({schema.COUNTRY: countries}, geometry=list(geoms), crs=CRS)


def _zones(points, countries=None):
    data = {"zone": np.arange(100, 100 + len(points))}
    if countries is not None:
        data["country"] = countries
    return gpd.GeoDataFrame(data, geometry=list(points), crs=CRS)


@pytest.mark.parametrize("snap", [5000.0, 300.0, 0.0])
def test_real_zones_snap_as_before(zones, region_tj_sl, snap):
    new, rep = _both(zones, region_tj_sl.units, max_snap_m=snap)
    assert len(new) == len(zones)
    if snap == 5000.0:  # the real region has zones outside the units: the snap is exercised
        reasons = set(rep.to_frame()["reason"])
        assert {"zone_snapped_to_nearest_unit", "zone_outside_units"} <= reasons


def test_a_zone_equidistant_to_two_units_goes_to_the_first():
    units = _units([box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)], ["US"] * 3)
    # x = 15 is 5 m from units 0 and 1; x = 35 from units 1 and 2
    zones = _zones([Point(15, 5), Point(35, 5)], ["US", "US"])
    new, _ = _both(zones, units)
    assert new.tolist() == [0, 1]
    # reversed unit order: the first row still wins
    units_r = units.iloc[::-1].reset_index(drop=True)
    new_r, _ = _both(zones, units_r)
    assert new_r.tolist() == [1, 0]


def test_own_country_only_empty_units_skipped_and_far_zones_lost():
    units = _units(
        [box(0, 0, 10, 10), Polygon(), box(100, 0, 110, 10), box(12, 0, 20, 10)],
        ["MX", "US", "US", "MX"],
    )
    zones = _zones(
        [Point(11, 5), Point(11, 5), Point(5, 5), Point(10_000, 5), Point(11, 5), Point(21, 5)],
        ["US", "MX", "MX", "US", "CA", None],
    )
    new, rep = _both(zones, units)
    # US zone: the empty US unit is skipped, the other US unit is 89 m away; a missing
    # country in a string column is NaN, not None: no unit
    assert new.tolist() == [2, 0, 0, -1, -1, -1]
    assert (rep.to_frame()["reason"] == "zone_outside_units").sum() == 3
    # in an object column None stays None: any unit is a candidate
    zones["country"] = pd.Series(["US", "MX", "MX", "US", "CA", None], dtype=object)
    new, _ = _both(zones, units)
    assert new.tolist() == [2, 0, 0, -1, -1, 3]


def test_without_a_country_column_every_unit_is_a_candidate():
    units = _units([box(0, 0, 10, 10), box(30, 0, 40, 10)], ["MX", "US"])
    zones = _zones([Point(28, 5), Point(11, 5), Point(5, 5)])
    new, _ = _both(zones, units, max_snap_m=2.5)
    assert new.tolist() == [1, 0, 0]
    new, _ = _both(zones, units, max_snap_m=1.5)
    assert new.tolist() == [-1, 0, 0]
    new, _ = _both(zones, units, max_snap_m=2.0)  # exactly at the snap distance: snapped
    assert new.tolist() == [1, 0, 0]


def test_all_distances_missing_raises_as_idxmin():
    units = _units([Polygon(), box(0, 0, 10, 10)], ["US", "MX"])
    for zones in (_zones([Point(50, 5)], ["US"]), _zones([Point()], ["MX"])):
        with pytest.raises(ValueError, match="all NA"):
            _zone_units_reference(zones, units)
        with pytest.raises(ValueError, match="all NA"):
            zone_units(zones, units)


def test_zones_in_another_crs_are_reprojected_first():
    units = _units([box(500_000, 3_600_000, 501_000, 3_601_000)], ["US"])
    zones = _zones([Point(500_500, 3_602_000)], ["US"]).to_crs("EPSG:4326")
    new, _ = _both(zones, units)
    assert new.tolist() == [0]
