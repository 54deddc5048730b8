"""The international border line of a region, built from the polygons of both sides.

:func:`border_line` is pure geometry (two polygon layers in, one line out);
:func:`region_border` is what :func:`binational.load_region` runs to give every
:class:`~binational.units.Region` its ``border``: INEGI municipio polygons against the US census
units where the data folder has them, else the edge of the Mexican census units. The maps, the
report and the GIS export draw ``region.border``; they never rebuild it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import shapely

from . import schema
from ._crs import to_metric
from ._log import get_logger
from .errors import SchemaError

__all__ = ["border_line", "region_border"]

log = get_logger(__name__)


def _check_polygons(gdf, what: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise SchemaError(f"{what} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.empty:
        raise SchemaError(f"{what}: no rows")


def border_line(
    us: gpd.GeoDataFrame,
    mx: gpd.GeoDataFrame,
    *,
    snap: float = 200.0,
    source: str = "",
) -> gpd.GeoDataFrame:
    """The international border: the edge of the Mexican polygons that lies along the US ones.

    The union of ``mx`` polygons (best: INEGI municipio polygons, whose northern edge is the
    border) is cut to the part of its boundary within ``snap`` metres of the union of ``us``
    polygons (census tracts). Both are independently digitised official lines; on the real data
    the two agree to well under 200 m (Tijuana–San Diego: 96.3 km of border at 100 m, 96.5 km at
    200 m, one piece; Juárez–El Paso: 55.7 km at 200 m, one piece). Only the stretch where both
    sides have polygons is drawn (e.g. not the Juárez–New Mexico line when only El Paso County
    tracts are loaded).

    Parameters
    ----------
    us, mx
        Polygons of each side; ``us`` in a projected CRS (a CRS in feet is reprojected to UTM
        by :func:`binational._crs.to_metric`).
    snap
        Distance (m) from the US polygons within which the Mexican boundary counts as border.
    source
        Text of the ``source`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        One line row in the (metric) CRS of ``us`` with a ``source`` column; empty if the sides
        do not meet.

    Raises
    ------
    SchemaError
        A side is not a GeoDataFrame or has no rows.
    CRSError
        ``us`` has no CRS or a geographic one.
    """
    for gdf, what in ((us, "US polygons"), (mx, "Mexican polygons")):
        _check_polygons(gdf, what)
    us = to_metric(us, what="border_line: US polygons")
    crs = us.crs
    us_union = shapely.union_all(us.geometry.to_numpy())
    mx_union = shapely.union_all(mx.to_crs(crs).geometry.to_numpy())
    line = shapely.intersection(mx_union.boundary, us_union.buffer(snap))
    line = shapely.line_merge(line) if not line.is_empty else line
    rows = [] if line.is_empty else [line]
    return gpd.GeoDataFrame({"source": [source] * len(rows)}, geometry=rows, crs=crs)


def region_border(
    units: gpd.GeoDataFrame,
    *,
    municipio_polygons: str | os.PathLike | None = None,
    municipios: Sequence[str] = (),
) -> gpd.GeoDataFrame | None:
    """The border of a region's unit table.

    Parameters
    ----------
    units
        The binational unit table (``country`` column, both sides).
    municipio_polygons
        INEGI municipio polygons (the preset's ``mx_municipio_polygons`` file); when it exists,
        the line is their edge along the US units, else the edge of the Mexican census units
        themselves (approximate, labelled as such in ``source``).
    municipios
        Municipio codes (``cvegeo``) of the region, to select from ``municipio_polygons``.

    Returns
    -------
    geopandas.GeoDataFrame or None
        The line (:func:`border_line`); None when one side has no units.
    """
    us = units[units[schema.COUNTRY] == schema.US]
    mx = units[units[schema.COUNTRY] == schema.MX]
    if us.empty or mx.empty:
        return None
    if municipio_polygons is not None and Path(municipio_polygons).is_file():
        mun = gpd.read_file(municipio_polygons)
        key = next((c for c in ("cvegeo", "CVEGEO") if c in mun.columns), None)
        if key is not None:
            mun = mun[mun[key].astype(str).isin(set(municipios))]
        if len(mun):
            return border_line(us, mun, source="INEGI municipio polygons")
    return border_line(us, mx, snap=500.0, source="edge of the urban AGEBs (approximate)")
