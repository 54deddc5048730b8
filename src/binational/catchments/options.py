"""Options of a catchment run, grouped by step into frozen dataclasses (like ``Scenario``).

:func:`binational.catchments.catchments` takes one :class:`CatchmentOptions`; each group is also
what the matching public step takes on its own (:class:`WaitOptions` for
:func:`~binational.catchments.steps.port_waits`, :class:`IsochroneOptions` for
:func:`~binational.catchments.port_isochrones.port_isochrones`, ...). The flat keywords of
earlier releases (``hour=7``, ``buffer_m=400``, ``wait_fallback=2504``) still work:
:meth:`CatchmentOptions.replace` routes each to its group (:data:`FLAT_KEYWORDS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .. import schema
from .._defaults import COMMUTER, ISOCHRONE_METHOD
from .._options import replace_flat
from . import straightline as sl
from .allocation import DEFAULT_BETA
from .isochrones import DEFAULT_BUFFER_M, DEFAULT_FILL_HOLES_KM2

__all__ = [
    "FLAT_KEYWORDS",
    "AccessOptions",
    "CatchmentOptions",
    "IsochroneOptions",
    "LinkOptions",
    "StraightLineOptions",
    "WaitOptions",
]


@dataclass(frozen=True)
class WaitOptions:
    """Which wait to use at each port (see :func:`~binational.catchments.waits.resolve_waits`).

    Parameters
    ----------
    hour
        Hour of day 0-23 (None: all hours). Default 7 am, the commuting peak.
    weekday
        0-6 (Monday = 0), a day name, ``"weekdays"``, ``"weekend"`` or ``"all"``.
    month
        1-12 or None for all months.
    lane
        A lane (``"general"``, ``"sentri"``, ...) or a mix ``{lane: share}``; ``"commuter"``
        is the lane mix of northbound work trips
        (:data:`~binational.catchments.waits.COMMUTER_LANE_MIX`).
    stat
        ``"median"``, ``"mean"`` or a quantile over the matching rows.
    source
        Keep only wait rows whose ``source`` contains this text (e.g. ``"historical"``).
    fallback
        For a port without a wait: None (error), ``"zero"`` or a port code to borrow from.
    """

    hour: int | None = COMMUTER.hour
    weekday: object = "weekdays"
    month: int | None = None
    lane: str | Mapping[str, float] = COMMUTER.lane
    stat: object = "median"
    source: str | None = None
    fallback: int | str | None = None


@dataclass(frozen=True)
class LinkOptions:
    """How units are linked to the road network.

    Parameters
    ----------
    max_snap_m
        Units whose representative point lies farther than this (metres) from every routable
        node of their side are not allocated (reported).
    access_speed_kph
        Speed from a unit's representative point to its node (None: no access time).
    """

    max_snap_m: float = 2000.0
    access_speed_kph: float | None = 15.0


@dataclass(frozen=True)
class IsochroneOptions:
    """How isochrone polygons are drawn (network method).

    Parameters
    ----------
    method
        ``"grid"`` (buffered reachable edges on a 50 m grid, population counted on the same
        grid), ``"buffer"`` (buffered reachable edges) or ``"hull"``.
    buffer_m
        Buffer around reachable edges, metres.
    fill_holes_km2
        Largest hole (km²) filled in a buffered polygon.
    """

    method: str = ISOCHRONE_METHOD
    buffer_m: float = DEFAULT_BUFFER_M
    fill_holes_km2: float = DEFAULT_FILL_HOLES_KM2


@dataclass(frozen=True)
class AccessOptions:
    """Allocation and accessibility: Huff shares and two-step floating catchment areas.

    Parameters
    ----------
    beta
        Huff distance decay per minute.
    attractiveness
        Port weights for Huff (None: equal).
    fca_threshold
        2SFCA catchment, minutes.
    fca_weight
        ``"binary"`` or ``"gaussian"``.
    supply
        The destination units' supply column.
    """

    beta: float = DEFAULT_BETA
    attractiveness: Mapping[int, float] | None = None
    fca_threshold: float = 60.0
    fca_weight: str = "binary"
    supply: str = schema.POP_TOTAL


@dataclass(frozen=True)
class StraightLineOptions:
    """The straight-line model used without a road network.

    Parameters
    ----------
    circuity
        Network distance over straight-line distance.
    speed_kph
        Mean door-to-door driving speed.
    """

    circuity: float = sl.DEFAULT_CIRCUITY
    speed_kph: float = sl.DEFAULT_SPEED_KPH


@dataclass(frozen=True)
class CatchmentOptions:
    """Every option of :func:`~binational.catchments.catchments`, one group per step.

    Parameters
    ----------
    waits, links, isochrones, access, straight_line
        The groups above.
    raster
        Also build the travel-time surface (``result.surface``) and its zonal statistics.
    resolution
        Cell size of that surface, metres.
    """

    waits: WaitOptions = field(default_factory=WaitOptions)
    links: LinkOptions = field(default_factory=LinkOptions)
    isochrones: IsochroneOptions = field(default_factory=IsochroneOptions)
    access: AccessOptions = field(default_factory=AccessOptions)
    straight_line: StraightLineOptions = field(default_factory=StraightLineOptions)
    raster: bool = False
    resolution: float = 250.0

    def replace(self, **flat) -> CatchmentOptions:
        """Return a copy with flat keywords (``hour=8``, ``buffer_m=300``, ...) applied.

        Parameters
        ----------
        **flat
            Names of :data:`FLAT_KEYWORDS`.

        Returns
        -------
        CatchmentOptions

        Raises
        ------
        TypeError
            For a keyword that is no option (like a misspelt keyword argument).
        """
        return replace_flat(self, flat, FLAT_KEYWORDS)


#: Flat keyword → (group attribute of :class:`CatchmentOptions` or None, field name).
FLAT_KEYWORDS: dict[str, tuple[str | None, str]] = {
    "hour": ("waits", "hour"),
    "weekday": ("waits", "weekday"),
    "month": ("waits", "month"),
    "lane": ("waits", "lane"),
    "wait_stat": ("waits", "stat"),
    "wait_source": ("waits", "source"),
    "wait_fallback": ("waits", "fallback"),
    "max_snap_m": ("links", "max_snap_m"),
    "access_speed_kph": ("links", "access_speed_kph"),
    "isochrone_method": ("isochrones", "method"),
    "buffer_m": ("isochrones", "buffer_m"),
    "fill_holes_km2": ("isochrones", "fill_holes_km2"),
    "beta": ("access", "beta"),
    "attractiveness": ("access", "attractiveness"),
    "fca_threshold": ("access", "fca_threshold"),
    "fca_weight": ("access", "fca_weight"),
    "supply": ("access", "supply"),
    "circuity": ("straight_line", "circuity"),
    "speed_kph": ("straight_line", "speed_kph"),
    "raster": (None, "raster"),
    "resolution": (None, "resolution"),
}
