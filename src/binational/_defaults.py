"""Commuter conditions: the one default of catchments, the batch runner and the report.

Light on purpose (no numpy, no pandas): the command line and :mod:`binational.scale` read it
without loading the analysis libraries.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COMMUTER", "ISOCHRONE_METHOD", "ISOCHRONE_METHODS", "CommuterDefaults"]


@dataclass(frozen=True)
class CommuterDefaults:
    """Default conditions of a commuter's crossing.

    Attributes
    ----------
    minutes
        Catchment bands, door to the other side including the wait (commuter waits at 7 am
        are 20–60 min in Ready Lane and SENTRI, so bands of 15–60 min would be empty).
    hour
        Hour of day: 7 am, in the AM peak of northbound work trips.
    lane
        ``"commuter"``: the AM-peak lane mix of work trips
        (:data:`binational.catchments.cost.COMMUTER_LANE_MIX`).
    """

    minutes: tuple[int, ...] = (30, 60, 90, 120, 150, 180)
    hour: int = 7
    lane: str = "commuter"


#: How network isochrones can be drawn (:mod:`binational.catchments.isochrones`), and the
#: default of the library and of ``binational catchments --isochrone-method``: ``"grid"``, the
#: ``"buffer"`` polygons computed on a 50 m grid (to within a cell, and many times faster).
ISOCHRONE_METHODS = ("grid", "buffer", "hull")
ISOCHRONE_METHOD = "grid"

#: The commuter defaults used by :func:`binational.catchments.catchments` and
#: :func:`binational.scale.run_batch`.
COMMUTER = CommuterDefaults()
