"""The border's time tax: per unit and hour, as a raster, and person-hours waiting per port.

- **Time tax of a unit** (``time_tax_minutes`` in :attr:`CommutingResult.time_tax`): the
  expected crossing time of its trips (drive + wait + drive, over the model's destinations,
  ports and lanes) minus the same trips with no wait, i.e. the expected minutes spent in the
  queue. Origins: their outbound trips; destinations: the trips arriving there.
- **Person-hours waiting per port and day**: observed vehicles per hour × occupancy × wait,
  summed over hours (:func:`person_hours_waiting`). Occupancy is persons per personal vehicle
  from the BTS entry data of the same year (``Personal Vehicle Passengers`` ÷
  ``Personal Vehicles``). No money figure is given: it needs a cited value of time.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from rasterio import features

from .. import schema
from ..errors import SchemaError

__all__ = ["occupancy", "person_hours_waiting", "time_tax_raster", "time_tax_wide"]


def time_tax_wide(time_tax: pd.DataFrame) -> pd.DataFrame:
    """``unit_id × hour`` table of the time tax (minutes), from the long table."""
    need = [schema.UNIT_ID, "hour", "time_tax_minutes"]
    missing = [c for c in need if c not in time_tax.columns]
    if missing:
        raise SchemaError(f"time-tax table lacks column(s) {missing}")
    return time_tax.pivot_table(
        index=schema.UNIT_ID, columns="hour", values="time_tax_minutes", aggfunc="first"
    )


def time_tax_raster(
    units: gpd.GeoDataFrame,
    time_tax: pd.DataFrame,
    *,
    hours: Sequence[int] = tuple(range(24)),
    resolution: float = 250.0,
):
    """Burn each unit's time tax into a grid, one band per hour.

    Parameters
    ----------
    units
        Unit polygons (``unit_id``).
    time_tax
        Long table ``unit_id, hour, time_tax_minutes``.
    hours
        Hours, one band each.
    resolution
        Cell size, metres.

    Returns
    -------
    values, transform, crs
        ``len(hours) × height × width`` float32 (NaN outside units), the affine transform
        and the units' CRS.
    """
    if resolution <= 0:
        raise SchemaError(f"resolution must be > 0, got {resolution}")
    wide = time_tax_wide(time_tax)
    missing = [h for h in hours if h not in wide.columns]
    if missing:
        raise SchemaError(f"no time tax for hour(s) {missing}")
    u = units[[schema.UNIT_ID, "geometry"]].merge(
        wide, left_on=schema.UNIT_ID, right_index=True, how="inner"
    )
    xmin, ymin, xmax, ymax = u.total_bounds
    width = int(np.ceil((xmax - xmin) / resolution))
    height = int(np.ceil((ymax - ymin) / resolution))
    transform = Affine.translation(xmin, ymax) @ Affine.scale(resolution, -resolution)
    out = np.full((len(hours), height, width), np.nan, dtype=np.float32)
    geoms = list(u.geometry)
    for b, h in enumerate(hours):
        vals = u[h].to_numpy(dtype=float)
        ok = np.isfinite(vals)
        shapes = [(g, float(v)) for g, v, keep in zip(geoms, vals, ok, strict=True) if keep]
        if shapes:
            out[b] = features.rasterize(
                shapes, out_shape=(height, width), transform=transform, fill=np.nan, dtype="float32"
            )
    return out, transform, units.crs


def occupancy(crossings: pd.DataFrame, *, year: int) -> pd.Series:
    """Persons per personal vehicle by port in ``year`` from the BTS long table.

    Parameters
    ----------
    crossings
        BTS long table (``Personal Vehicles`` and ``Personal Vehicle Passengers``).
    year
        Year.

    Returns
    -------
    pandas.Series
        ``persons_per_vehicle`` by ``port_code``.
    """
    need = [schema.PORT_CODE, "month", "measure", "value"]
    missing = [c for c in need if c not in crossings.columns]
    if missing:
        raise SchemaError(f"crossing table lacks column(s) {missing}")
    c = crossings[pd.to_datetime(crossings["month"]).dt.year == int(year)]
    tot = c.groupby([schema.PORT_CODE, "measure"])["value"].sum().unstack()
    need_m = ["Personal Vehicle Passengers", "Personal Vehicles"]
    if any(m not in tot.columns for m in need_m):
        raise SchemaError(f"no {need_m} counts in {year}")
    occ = tot["Personal Vehicle Passengers"] / tot["Personal Vehicles"]
    return occ.replace([np.inf, -np.inf], np.nan).dropna().rename("persons_per_vehicle")


def person_hours_waiting(volumes: pd.DataFrame, occupancy_by_port: pd.Series) -> pd.DataFrame:
    """Person-hours spent waiting per port, direction and lane over a day.

    Parameters
    ----------
    volumes
        :func:`binational.io.lanes.read_sandag_observed_volumes` output (vehicles and wait
        per hour).
    occupancy_by_port
        Persons per vehicle by port code (:func:`occupancy`).

    Returns
    -------
    pandas.DataFrame
        ``port_code, direction, lane, vehicles_per_day, persons_per_vehicle,
        persons_per_day, vehicle_hours_waiting, person_hours_waiting, mean_wait_minutes,
        source``; rows without a wait (southbound in SANDAG's file) are left out.
    """
    v = volumes[volumes["wait_minutes"].notna()].copy()
    if v.empty:
        raise SchemaError("no hourly volume with a wait")
    missing = sorted(set(v[schema.PORT_CODE]) - set(occupancy_by_port.index))
    if missing:
        raise SchemaError(f"no occupancy for port(s) {missing}")
    v["vehicle_hours"] = v["vehicles"] * v["wait_minutes"] / 60.0
    g = v.groupby([schema.PORT_CODE, "direction", "lane"])
    out = g.agg(
        vehicles_per_day=("vehicles", "sum"),
        vehicle_hours_waiting=("vehicle_hours", "sum"),
        source=("source", "first"),
    ).reset_index()
    out["mean_wait_minutes"] = out["vehicle_hours_waiting"] * 60 / out["vehicles_per_day"]
    out["persons_per_vehicle"] = out[schema.PORT_CODE].map(occupancy_by_port).to_numpy()
    out["persons_per_day"] = out["vehicles_per_day"] * out["persons_per_vehicle"]
    out["person_hours_waiting"] = out["vehicle_hours_waiting"] * out["persons_per_vehicle"]
    return out
