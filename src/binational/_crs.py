"""Units of measure: every distance in binational is in metres.

A projected CRS whose axes are in feet (for example EPSG:2258, NAD83 / New Mexico Central (ftUS))
would make a bandwidth of 2,000 read as 2,000 feet. :func:`to_metric` is the one place that
decides what to do with a layer's CRS before an analysis measures anything on it.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import pyproj

from binational.errors import CRSError

log = logging.getLogger(__name__)

_Frame = TypeVar("_Frame")


def linear_unit(crs) -> str | None:
    """Return the name of a projected CRS's axis unit (``"metre"``, ``"US survey foot"``...).

    Parameters
    ----------
    crs : pyproj.CRS or anything pyproj accepts
        The CRS to inspect.

    Returns
    -------
    str or None
        The unit of the first axis, or None for a CRS without axes.
    """
    crs = pyproj.CRS.from_user_input(crs)
    axes = crs.axis_info
    return axes[0].unit_name if axes else None


def is_metric(crs) -> bool:
    """Return True when ``crs`` is projected and its axes are in metres.

    Parameters
    ----------
    crs : pyproj.CRS or anything pyproj accepts
        The CRS to inspect.

    Returns
    -------
    bool
        True for a projected CRS in metres.
    """
    crs = pyproj.CRS.from_user_input(crs)
    return bool(crs.is_projected) and linear_unit(crs) in {"metre", "meter"}


def to_metric(frame: _Frame, *, what: str) -> _Frame:
    """Return ``frame`` in a projected CRS whose unit is the metre.

    A projected CRS in metres is returned unchanged (the same object). A projected CRS in any other
    unit (feet, US survey feet, links) is reprojected to the UTM zone of the layer, and a warning is
    logged naming both CRSs, so that no distance is ever read in the wrong unit.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame or geopandas.GeoSeries
        The layer to check.
    what : str
        What the layer is, for messages (e.g. ``"units"`` or ``"ports"``).

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        The layer in metres.

    Raises
    ------
    CRSError
        The layer has no CRS, or a geographic CRS (degrees).
    """
    crs = getattr(frame, "crs", None)
    if crs is None:
        raise CRSError(f"{what}: the layer has no CRS; set one (e.g. .set_crs('EPSG:32611'))")
    crs = pyproj.CRS.from_user_input(crs)
    if not crs.is_projected:
        raise CRSError(
            f"{what}: CRS {crs.to_string()} is geographic (degrees); project the layer to a CRS "
            "in metres (e.g. .to_crs(layer.estimate_utm_crs())) so that distances are in metres"
        )
    if is_metric(crs):
        return frame
    target = frame.estimate_utm_crs()
    log.warning(
        "%s: CRS %s is in %s, not metres; reprojected to %s so that distances are in metres",
        what,
        crs.to_string(),
        linear_unit(crs),
        target.to_string(),
    )
    return frame.to_crs(target)
