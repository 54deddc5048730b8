"""Bring your own data: a unit table, port points and country polygons made ready for catchments.

:func:`catchment_units` takes any GeoDataFrame of units and a ``columns=`` mapping (or keyword
names) to the three columns catchments need (``unit_id``, ``country``, ``pop_total``); a table
without a country column gets it from country polygons. :func:`port_points` gives the port
points of a run (a scenario's closed ports removed, its new ports added). Every layer goes
through :func:`binational._crs.to_metric`: distances are metres, a CRS in feet is reprojected.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd
import pyproj

from .. import schema
from .._crs import to_metric
from ..errors import SchemaError
from ..network import countries_at
from .cost import Scenario

__all__ = ["UNIT_COLUMNS", "catchment_units", "port_names", "port_points"]

#: The columns a unit table needs for catchments (the keys of ``columns=``).
UNIT_COLUMNS = (schema.UNIT_ID, schema.COUNTRY, schema.POP_TOTAL)


def catchment_units(
    units: gpd.GeoDataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    countries: gpd.GeoDataFrame | None = None,
    unit_id: str | None = None,
    country: str | None = None,
    pop_total: str | None = None,
) -> gpd.GeoDataFrame:
    """Return a unit table with ``unit_id``, ``country`` and ``pop_total``, in metres.

    Parameters
    ----------
    units
        Any GeoDataFrame of polygons (or points) with a projected CRS.
    columns
        Which of the table's columns holds each needed one, e.g.
        ``{"unit_id": "GEOID", "pop_total": "POP", "country": "side"}``. Columns of that name
        already in the table are replaced.
    countries
        Country polygons (a GeoDataFrame with a ``country`` column, US/MX, any CRS): units
        without a country column take the country their representative point lies in.
    unit_id, country, pop_total
        The same as ``columns=``, as keywords.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with a fresh index, in a metric CRS.

    Raises
    ------
    binational.errors.SchemaError
        A column named in ``columns`` is missing, a needed column is missing (and no
        ``countries`` to derive the country from), or a country is not US/MX.
    binational.errors.CRSError
        The table has no CRS or a geographic one.
    """
    mapping = dict(columns or {})
    for key, value in ((schema.UNIT_ID, unit_id), (schema.COUNTRY, country)):
        if value is not None:
            mapping[key] = value
    if pop_total is not None:
        mapping[schema.POP_TOTAL] = pop_total
    odd = sorted(set(mapping) - {*UNIT_COLUMNS})
    if odd:
        raise SchemaError(f"columns={mapping!r}: keys must be among {UNIT_COLUMNS}, not {odd}")
    absent = sorted(v for v in mapping.values() if v not in units.columns)
    if absent:
        raise SchemaError(f"unit table lacks column(s) {', '.join(absent)} named in columns=")
    units = to_metric(units, what="unit table")
    out = units.drop(columns=[k for k, v in mapping.items() if k != v and k in units.columns])
    out = out.rename(columns={v: k for k, v in mapping.items()}).reset_index(drop=True)
    if schema.COUNTRY not in out.columns and countries is not None:
        out[schema.COUNTRY] = _countries_of(out, countries)
    missing = [c for c in (*UNIT_COLUMNS, "geometry") if c not in out.columns]
    if missing:
        raise SchemaError(
            f"unit table lacks column(s) {', '.join(missing)}: pass columns={{...}} naming "
            "your columns" + (" or countries= polygons" if schema.COUNTRY in missing else "")
        )
    bad = sorted(set(out[schema.COUNTRY].dropna().astype(str)) - {schema.US, schema.MX})
    if bad or out[schema.COUNTRY].isna().any():
        raise SchemaError(
            f"unit table column country holds {bad or 'missing values'}: use US and MX"
        )
    return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs)


def _countries_of(units: gpd.GeoDataFrame, countries: gpd.GeoDataFrame) -> list:
    if schema.COUNTRY not in getattr(countries, "columns", []):
        raise SchemaError("country polygons need a 'country' column (US/MX)")
    polys = countries[[schema.COUNTRY, "geometry"]].to_crs(units.crs)
    pts = units.geometry.representative_point().values
    found = countries_at(pts, polys)
    if any(c is None for c in found):
        n = sum(c is None for c in found)
        raise SchemaError(f"{n} unit(s) lie outside every country polygon")
    return found


def port_points(
    ports: gpd.GeoDataFrame | None, *, crs, scenario: Scenario | None = None
) -> gpd.GeoDataFrame:
    """Return the port points of a run: ``port_code`` and point geometry in ``crs``.

    Parameters
    ----------
    ports
        Points with ``port_code`` (any CRS).
    crs
        The units' CRS.
    scenario
        Its closed ports are left out and its new ports added.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    binational.errors.SchemaError
        No ports, a closed port that is not among them, or no port left.
    """
    if ports is None or schema.PORT_CODE not in getattr(ports, "columns", []):
        raise SchemaError("the straight-line model needs ports (points with port_code)")
    frame = ports[[schema.PORT_CODE, "geometry"]].copy()
    if frame.crs is not None and pyproj.CRS.from_user_input(frame.crs) != crs:
        frame = frame.to_crs(crs)
    frame[schema.PORT_CODE] = frame[schema.PORT_CODE].astype(int)
    if scenario is not None:
        unknown = [c for c in scenario.closed if c not in set(frame[schema.PORT_CODE])]
        if unknown:
            raise SchemaError(f"cannot close port(s) {unknown}: not among the region's ports")
        frame = frame[~frame[schema.PORT_CODE].isin(scenario.closed)]
        if scenario.new_ports:
            new = gpd.GeoDataFrame(
                {schema.PORT_CODE: [p.port_code for p in scenario.new_ports]},
                geometry=gpd.points_from_xy(
                    [p.lon for p in scenario.new_ports], [p.lat for p in scenario.new_ports]
                ),
                crs="EPSG:4326",
            ).to_crs(crs)
            frame = pd.concat([frame, new], ignore_index=True)
    if frame.empty:
        raise SchemaError("no port left for the straight-line model")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)


def port_names(ports: gpd.GeoDataFrame | None, scenario: Scenario | None = None) -> dict[int, str]:
    """Return ``{port_code: name}`` from the ports' ``name`` column and the scenario's new ports.

    Parameters
    ----------
    ports
        Ports with ``port_code`` (and ``name``).
    scenario
        Its new ports are named too.

    Returns
    -------
    dict
    """
    names: dict[int, str] = {}
    if ports is not None and schema.PORT_CODE in ports.columns:
        label = "name" if "name" in ports.columns else schema.PORT_CODE
        for code, name in zip(ports[schema.PORT_CODE], ports[label], strict=True):
            names.setdefault(int(code), str(name))
    if scenario is not None:
        for p in scenario.new_ports:
            names[p.port_code] = p.name
    return names
