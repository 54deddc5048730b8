"""The no-network fallback: travel time = straight-line distance × circuity ÷ speed.

Where no road network is loaded (Ciudad Juárez–El Paso in the shared data), the times between a
unit and a port are modelled as::

    seconds = euclidean distance (m, region CRS) × circuity / (speed_kph / 3.6)

Defaults and their sources
--------------------------
``DEFAULT_CIRCUITY = 1.3``
    Ratio of network to straight-line distance. Studies of US metropolitan road networks put
    it at about 1.2–1.4 for driving trips: Ballou, Rahman & Mohan (2002, "The circuity factor",
    J. Operations Management) ≈ 1.2–1.4 by region; Levinson & El-Geneidy (2009, "The minimum
    circuity frontier and the journey to work", Regional Science and Urban Economics) ≈ 1.2–1.3
    for commutes; Giacomin & Levinson (2015, "Road network circuity in metropolitan areas",
    Environment and Planning B) and Boeing (2019, "The morphology and circuity of walkable and
    drivable street networks") find drive circuity rising with trip length towards that range.
    1.3 sits in the middle; border cities add detours (canyons, the line itself), so the value
    is not on the low side. Check on real data: on the Tijuana–San Diego SANDAG network, trips
    of 2–30 km between census units and port ends have a median circuity of 1.32 (interquartile
    range 1.23–1.45; ``benchmarks/catchments.py``).
``DEFAULT_SPEED_KPH = 40``
    Mean door-to-door driving speed on urban roads over network distance (an assumption typical
    of arterial-dominated urban trips, not a calibrated value). Change it for your region.

Every output of this model carries ``method="straight-line"``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..errors import SchemaError
from .cost import LinkTimes

__all__ = [
    "DEFAULT_CIRCUITY",
    "DEFAULT_SPEED_KPH",
    "METHOD",
    "reach_radius_m",
    "straightline_link_times",
    "straightline_seconds",
]

METHOD = "straight-line"
DEFAULT_CIRCUITY = 1.3
DEFAULT_SPEED_KPH = 40.0


def _check(circuity: float, speed_kph: float) -> None:
    if not circuity >= 1.0:
        raise SchemaError(
            f"circuity must be >= 1 (network paths are never shorter), got {circuity}"
        )
    if not speed_kph > 0:
        raise SchemaError(f"speed_kph must be > 0, got {speed_kph}")


def straightline_seconds(
    distance_m,
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kph: float = DEFAULT_SPEED_KPH,
):
    """Seconds to drive ``distance_m`` of straight line: ``distance × circuity / speed``.

    Parameters
    ----------
    distance_m
        Straight-line distance(s), metres (scalar or array).
    circuity
        Road distance over straight-line distance.
    speed_kph
        Average driving speed.

    Returns
    -------
    float or numpy.ndarray
        Seconds, shaped like ``distance_m``.
    """
    _check(circuity, speed_kph)
    return np.asarray(distance_m, dtype=float) * circuity / (speed_kph / 3.6)


def reach_radius_m(
    seconds,
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kph: float = DEFAULT_SPEED_KPH,
):
    """Straight-line radius reachable in ``seconds`` (the inverse of :func:`straightline_seconds`)."""
    _check(circuity, speed_kph)
    return np.maximum(np.asarray(seconds, dtype=float), 0.0) * (speed_kph / 3.6) / circuity


def straightline_link_times(
    ports: gpd.GeoDataFrame,
    origins: gpd.GeoSeries,
    dests: gpd.GeoSeries,
    *,
    direction: str,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kph: float = DEFAULT_SPEED_KPH,
) -> LinkTimes:
    """Per-port straight-line times of origin and destination geometries.

    Each row of ``ports`` is one link (a port with several crossing points has several rows of
    the same ``port_code``); the link itself takes no time. Geometries are reduced to their
    representative point.
    """
    if schema.PORT_CODE not in ports.columns:
        raise SchemaError("ports lack a 'port_code' column")
    if ports.empty:
        raise SchemaError("no ports for the straight-line model")
    pts = shapely.get_coordinates(shapely.point_on_surface(np.asarray(ports.geometry.values)))

    def seconds(geoms) -> np.ndarray:
        xy = shapely.get_coordinates(shapely.point_on_surface(np.asarray(geoms.values)))
        d = np.hypot(pts[:, 0][:, None] - xy[:, 0][None, :], pts[:, 1][:, None] - xy[:, 1][None, :])
        return straightline_seconds(d, circuity=circuity, speed_kph=speed_kph)

    links = pd.DataFrame(
        {
            schema.PORT_CODE: ports[schema.PORT_CODE].astype(int).to_numpy(),
            "direction": direction,
            "travel_time": 0.0,
        }
    )
    return LinkTimes(links=links, origin=seconds(origins), dest=seconds(dests))
