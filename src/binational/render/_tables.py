"""Small tables the renderers share: crossing volumes per port, waits by hour of day and the
units' population density (no drawing library needed)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from .._crs import to_metric
from .._memo import memoised
from ..errors import RenderError
from ..waitprofile import wait_by_hour  # noqa: F401 - the one hourly rule, for the renderers

# Measures that count people (BTS); their sum is the "persons" volume that sizes port markers.
PERSON_MEASURES = (
    "Pedestrians",
    "Personal Vehicle Passengers",
    "Bus Passengers",
    "Train Passengers",
)


def _months(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.PeriodDtype):
        return series.dt.to_timestamp()
    return pd.to_datetime(series).dt.to_period("M").dt.to_timestamp()


@memoised
def port_level(crossings: pd.DataFrame) -> pd.DataFrame:
    """Crossing counts at port level, one source per port (no double counting).

    Where a port has counts from several sources (e.g. BTS per port and CBP per bridge), the BTS
    rows are used; otherwise the one source there is. ``month`` becomes a month-start Timestamp.
    """
    if crossings is None or crossings.empty:
        return pd.DataFrame(columns=["port_code", "month", "measure", "value", "source"])
    df = crossings.copy()
    df["month"] = _months(df["month"])
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    if "source" in df.columns:
        src = df["source"].astype(str)
        is_bts = src.str.contains("BTS", case=False, na=False)
        has_bts = is_bts.groupby(df["port_code"]).transform("any")
        df = df[is_bts | ~has_bts]
    return df


def window(crossings: pd.DataFrame, months: int = 12) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(first, last) month of the latest ``months`` months in the table, or None if empty."""
    df = port_level(crossings)
    if df.empty:
        return None
    last = df["month"].max()
    first = last - pd.DateOffset(months=months - 1)
    return first, last


def port_volumes(crossings: pd.DataFrame, *, months: int = 12) -> pd.DataFrame:
    """Sum of each measure per port over the latest ``months`` months (wide: port × measure).

    A ``persons`` column adds up the people-counting measures (:data:`PERSON_MEASURES`).
    """
    df = port_level(crossings)
    span = window(crossings, months)
    if span is None:
        return pd.DataFrame(columns=["persons"])
    df = df[(df["month"] >= span[0]) & (df["month"] <= span[1])]
    wide = df.pivot_table(
        index="port_code", columns="measure", values="value", aggfunc="sum", fill_value=0
    )
    wide.columns = [str(c) for c in wide.columns]
    persons = [c for c in PERSON_MEASURES if c in wide.columns]
    wide["persons"] = wide[persons].sum(axis=1) if persons else np.nan
    return wide


def monthly(crossings: pd.DataFrame) -> pd.DataFrame:
    """Monthly totals per port and measure (long: port_code, month, measure, value)."""
    df = port_level(crossings)
    if df.empty:
        return df
    return df.groupby(["port_code", "month", "measure"], as_index=False)["value"].sum()


def side_local(
    local: pd.DataFrame, units: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame | None:
    """Local measures with one row per unit: each unit's own side scope (US or MX), else the
    binational scope; geometry from ``units`` when the table has none."""
    if local is None or len(local) == 0 or schema.UNIT_ID not in local.columns:
        return None
    df = local
    if "scope" in df.columns and schema.COUNTRY in df.columns:
        own = df[df["scope"].astype(str) == df[schema.COUNTRY].astype(str)]
        rest = df[~df[schema.UNIT_ID].isin(own[schema.UNIT_ID])]
        df = pd.concat([own, rest]).drop_duplicates(schema.UNIT_ID)
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
        return df
    if "geometry" in df.columns:
        crs = units.crs if units is not None else None
        return gpd.GeoDataFrame(df, geometry="geometry", crs=crs)
    if units is None:
        return None
    geo = units[[schema.UNIT_ID, "geometry"]].merge(pd.DataFrame(df), on=schema.UNIT_ID)
    return gpd.GeoDataFrame(geo, geometry="geometry", crs=units.crs)


def drawable(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Mask of rows whose geometry is neither missing nor empty."""
    geoms = gdf.geometry.to_numpy()
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def wait_flag(iso: pd.DataFrame) -> pd.Series:
    """Whether each isochrone includes the border wait (``wait_included`` or ``with_wait``)."""
    for col in ("wait_included", "with_wait"):
        if col in iso.columns:
            return iso[col].astype(bool)
    return pd.Series(False, index=iso.index)


def with_density(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``units`` with ``pop_density``: persons per km² of the unit's area (measured
    in metres: a CRS in feet is reprojected for the area, :func:`binational._crs.to_metric`)."""
    if units.crs is None or not units.crs.is_projected:
        raise RenderError("population density needs units in a projected CRS")
    if schema.POP_TOTAL not in units.columns:
        raise RenderError(f"unit table lacks {schema.POP_TOTAL!r}: cannot compute density")
    area = to_metric(units, what="population density").geometry.area.to_numpy() / 1e6
    pop = units[schema.POP_TOTAL].astype("float64").to_numpy(na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(area > 0, pop / area, np.nan)
    return units.assign(pop_density=density)
