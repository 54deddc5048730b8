"""The allocation step: each unit's minutes to every port, its best port, Huff shares and 2SFCA.

:func:`allocate_units` puts them on the unit table; :func:`catchment_summary` sums them per port.
The formulas themselves are in :mod:`binational.catchments.allocation`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema
from ..drops import DropReport
from ..errors import SchemaError
from .allocation import best_ports, huff_shares, two_step_fca
from .cost import crossing_minutes, direction_sides, od_minutes, reach_minutes
from .links import UnitLinks
from .options import AccessOptions

__all__ = ["DESTINATION", "ORIGIN", "UNREACHABLE", "allocate_units", "catchment_summary"]

ORIGIN, DESTINATION = "origin", "destination"
UNREACHABLE = "unit_reaches_no_port"


def allocate_units(
    units: gpd.GeoDataFrame,
    links: UnitLinks,
    waits: pd.DataFrame,
    *,
    direction: str,
    options: AccessOptions | None = None,
    names: Mapping[int, str] | None = None,
    method: str = "network",
    scenario: str = "base",
    report: DropReport | None = None,
) -> gpd.GeoDataFrame:
    """Return the unit table with each unit's times, best port, Huff shares and 2SFCA.

    Parameters
    ----------
    units
        The unit table the links were made from.
    links
        :func:`~binational.catchments.links.link_units` or
        :func:`~binational.catchments.links.straightline_links`.
    waits
        One wait per port (:func:`~binational.catchments.waits.port_waits`).
    direction
        ``"northbound"`` or ``"southbound"``.
    options
        Huff and 2SFCA parameters.
    names
        Port names for ``best_port_name``.
    method, scenario
        Labels written to the ``method`` and ``scenario`` columns.
    report
        Receives snapped units that reach no port (``unit_reaches_no_port``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``units`` plus ``role``, ``node_id``, ``snap_m``, ``snapped``, ``best_port``,
        ``best_port_name``, ``best_minutes``, ``best_drive_minutes``, ``wait_minutes``,
        ``second_port``, ``second_minutes``, ``minutes_<port>``, ``share_<port>``,
        ``access_2sfca`` (origins), ``ratio_2sfca`` (destinations), ``method``, ``scenario``.
    """
    options = options if options is not None else AccessOptions()
    names = names or {}
    snap, lt, o_idx, d_idx = links
    if options.supply not in units.columns:
        raise SchemaError(f"supply column {options.supply!r} not in the unit table")
    o_min, o_drive = crossing_minutes(lt, waits), crossing_minutes(lt, None)
    d_min, d_drive = reach_minutes(lt, waits), reach_minutes(lt, None)
    o_min.index, o_drive.index = units.index[o_idx], units.index[o_idx]
    d_min.index, d_drive.index = units.index[d_idx], units.index[d_idx]
    per_port = pd.concat([o_min, d_min]).reindex(units.index)
    drive = pd.concat([o_drive, d_drive]).reindex(units.index)
    best = best_ports(per_port)
    shares = huff_shares(per_port, beta=options.beta, attractiveness=options.attractiveness)
    od, _ = od_minutes(lt, waits, within=options.fca_threshold)  # 2SFCA reads pairs within it
    access, ratio = two_step_fca(
        od,
        units[schema.POP_TOTAL].to_numpy(dtype=float)[o_idx],
        units[options.supply].to_numpy(dtype=float)[d_idx],
        threshold=options.fca_threshold,
        weight=options.fca_weight,
    )
    wait_of = dict(zip(waits[schema.PORT_CODE], waits["wait_minutes"], strict=True))
    out = units.copy()
    is_origin = np.zeros(len(units), dtype=bool)
    is_origin[o_idx] = True
    out["role"] = np.where(is_origin, ORIGIN, DESTINATION)
    out["node_id"] = snap["node_id"].to_numpy()
    out["snap_m"] = snap["snap_m"].to_numpy()
    out["snapped"] = snap["snapped"].to_numpy()
    out["best_port"] = best["best_port"].astype(int)
    out["best_port_name"] = [names.get(c, None) if c >= 0 else None for c in out["best_port"]]
    out["best_minutes"] = best["best_minutes"]
    bp = out["best_port"].to_numpy()
    out["best_drive_minutes"] = [
        drive.at[i, c] if c >= 0 else np.nan for i, c in zip(out.index, bp, strict=True)
    ]
    out["wait_minutes"] = [wait_of.get(c, np.nan) if c >= 0 else np.nan for c in bp]
    out["second_port"] = best["second_port"].astype(int)
    out["second_minutes"] = best["second_minutes"]
    for c in lt.ports():
        out[f"minutes_{c}"] = per_port[c].replace(np.inf, np.nan)
    for c in lt.ports():
        out[f"share_{c}"] = shares[c]
    out["access_2sfca"] = np.nan
    out.loc[out.index[o_idx], "access_2sfca"] = access
    out["ratio_2sfca"] = np.nan
    out.loc[out.index[d_idx], "ratio_2sfca"] = ratio
    out["method"] = method
    out["scenario"] = scenario
    unreachable = (out["best_port"] < 0) & out["snapped"]
    if report is not None:
        report.add("units", out.loc[unreachable, schema.UNIT_ID], UNREACHABLE, direction)
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs)


def catchment_summary(
    units: gpd.GeoDataFrame,
    isochrones: gpd.GeoDataFrame,
    waits: pd.DataFrame,
    *,
    direction: str,
    minutes: Sequence[float],
) -> pd.DataFrame:
    """One row per port: wait, port-shed units and population per side, Huff population,
    population within each band (wait included) per side.

    Parameters
    ----------
    units
        :func:`allocate_units`.
    isochrones
        :func:`~binational.catchments.port_isochrones.port_isochrones`.
    waits
        The wait per port (with ``port_name``).
    direction
        ``"northbound"`` or ``"southbound"``.
    minutes
        The bands.

    Returns
    -------
    pandas.DataFrame
    """
    origin_side, dest_side = direction_sides(direction)
    pop = units[schema.POP_TOTAL].to_numpy(dtype=float)
    rows = []
    for code in waits[schema.PORT_CODE]:
        w = waits[waits[schema.PORT_CODE] == code].iloc[0]
        row = {
            schema.PORT_CODE: code,
            "port_name": w["port_name"],
            "wait_minutes": w["wait_minutes"],
            "wait_source": w["wait_source"],
        }
        for side, role in ((origin_side, ORIGIN), (dest_side, DESTINATION)):
            on_side = units[schema.COUNTRY].to_numpy() == side
            shed = on_side & (units["best_port"].to_numpy() == code)
            row[f"shed_units_{side}"] = int(shed.sum())
            row[f"shed_pop_{side}"] = float(np.nansum(pop[shed]))
            s = units[f"share_{code}"].to_numpy(dtype=float)
            row[f"huff_pop_{side}"] = float(np.nansum((pop * s)[on_side]))
            if role == ORIGIN:
                t = units["best_minutes"].to_numpy(dtype=float)[shed]
                p = pop[shed]
                ok = np.isfinite(t) & np.isfinite(p)
                row["shed_mean_crossing_minutes"] = (
                    float(np.average(t[ok], weights=p[ok]))
                    if ok.any() and p[ok].sum() > 0
                    else np.nan
                )
        for m in minutes:
            for side in (origin_side, dest_side):
                sel = (
                    (isochrones[schema.PORT_CODE] == code)
                    & (isochrones["side"] == side)
                    & (isochrones["minutes"] == m)
                    & isochrones["wait_included"]
                )
                row[f"pop_{side}_{m:g}min"] = float(isochrones.loc[sel, "pop"].sum())
        rows.append(row)
    return pd.DataFrame(rows)
