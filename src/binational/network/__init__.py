"""The road network of both sides, prepared for routing across the border.

A parsed graph (:mod:`binational.io.roads`) becomes one network of the twin city: projected to
the region's CRS, with a speed and a travel time on every edge
(:func:`~binational.network.speeds.impute_speeds`) and the edges that cross the line marked
with their port of entry (:func:`~binational.network.prepare.mark_border_edges`).

This harmonises a source across the line, as :mod:`binational.units` does for census units, so
it sits beside units (which assembles it into the Region) and below the analyses:
:mod:`binational.catchments` and :mod:`binational.commuting` route on what it returns, and
accept a plain osmnx graph by calling :func:`prepare_network` themselves.
"""

from __future__ import annotations

from .prepare import countries_at, mark_border_edges, prepare_network, require_projected
from .speeds import impute_speeds, parse_maxspeed, read_speed_defaults

__all__ = [
    "countries_at",
    "impute_speeds",
    "mark_border_edges",
    "parse_maxspeed",
    "prepare_network",
    "read_speed_defaults",
    "require_projected",
]
