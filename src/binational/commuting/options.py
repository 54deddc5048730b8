"""Options of a commuting run, grouped by step into frozen dataclasses (like the catchments').

:func:`binational.commuting.commuting` takes one :class:`CommutingOptions`: the model fit
(:class:`FitOptions`), the waits of each lane (:class:`LaneWaitOptions`) and the travel times
between units and ports (:class:`TravelTimeOptions`). The flat keywords of earlier releases
(``purposes=("HBW",)``, ``method="straight-line"``, ``wait_fill="nearest"``) still work:
:meth:`CommutingOptions.replace` routes each to its group (:data:`FLAT_KEYWORDS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .. import schema
from .._options import replace_flat
from ..catchments import straightline as sl
from ..io.lanes import PRECEDENCE
from .design import DEFAULT_WALK_KPH
from .periods import PERIODS

__all__ = [
    "FLAT_KEYWORDS",
    "CommutingOptions",
    "FitOptions",
    "LaneWaitOptions",
    "TravelTimeOptions",
]


@dataclass(frozen=True)
class FitOptions:
    """What is fitted: purposes, periods, the terms of the utility and the likelihood.

    Parameters
    ----------
    purposes
        Survey purposes to fit, one model each.
    periods
        Periods of the day (:data:`binational.commuting.periods.PERIODS`); each is held out in
        turn.
    size
        Destination size column per purpose (default
        :data:`~binational.commuting.api.DEFAULT_SIZE`).
    origin_weight
        Origin trip weight column (default population).
    port_capacity
        Also add ``γ_port · ln(1 + booths open at the port)`` (see
        :class:`~binational.commuting.model.ChoiceDesign`); off by default (on the 2017 survey
        its estimate is not distinguishable from 0). Only with ``lanes_open``.
    likelihood
        ``"joint"`` (destination and option; default) or ``"conditional"`` (option given the
        observed destination), see :mod:`binational.commuting.fit`.
    separate_wait
        Separate coefficients for drive and wait minutes (default). With False, one
        coefficient of generalised time (drive + wait + drive).
    wait_sign
        ``"nonpositive"`` (default): a wait coefficient estimated above 0 is refitted at 0 and
        the unconstrained estimate is kept in ``parameters`` (``unconstrained_estimate``,
        ``unconstrained_se``). Hourly waits rise with the number of travellers (the queue is
        the demand), so on the 2017 survey without the lanes-open term the free estimate is
        positive (+0.020 per minute, SE 0.006, for work trips; with it, −0.005, SE 0.007): the
        survey barely identifies how travellers weigh the wait, and a positive weight would
        make a shorter queue repel travellers in scenarios.
        ``"free"``: keep the estimate whatever its sign.
    fixed
        Parameters held fixed in every fit (see :func:`~binational.commuting.fit.fit_choice`).
    """

    purposes: Sequence[str] = ("HBW", "HBO", "HBS")
    periods: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: PERIODS)
    size: Mapping[str, str] | None = None
    origin_weight: str = schema.POP_TOTAL
    port_capacity: bool = False
    likelihood: str = "joint"
    separate_wait: bool = True
    wait_sign: str = "nonpositive"
    fixed: Mapping[str, float] | None = None


@dataclass(frozen=True)
class LaneWaitOptions:
    """Which wait each port and lane gets per hour.

    See :func:`binational.io.lanes.lane_waits` and :func:`~binational.io.lanes.require_lane_waits`.

    Parameters
    ----------
    weekday
        0-6 (Monday = 0), a day name, ``"weekdays"``, ``"weekend"`` or ``"all"``.
    precedence
        Wait sources in order of preference.
    fill
        How an hour without a wait is filled (``"nearest"``: the nearest hour with one).
    """

    weekday: object = "weekdays"
    precedence: Sequence[str] = PRECEDENCE
    fill: str = "nearest"


@dataclass(frozen=True)
class TravelTimeOptions:
    """Minutes between units and ports (:func:`binational.commuting.design.port_minutes`).

    Parameters
    ----------
    method
        ``"auto"`` (the network when there is one, else the straight line), ``"network"`` or
        ``"straight-line"``.
    circuity
        Network distance over straight-line distance (straight-line method).
    speed_kph
        Mean door-to-door driving speed (straight-line method).
    walk_kph
        Walking speed (pedestrian lanes).
    access_speed_kph
        Speed from a unit's representative point to its node (None: no access time).
    max_snap_m
        Units farther than this (metres) from every routable node of their side are left out
        (reported).
    """

    method: str = "auto"
    circuity: float = sl.DEFAULT_CIRCUITY
    speed_kph: float = sl.DEFAULT_SPEED_KPH
    walk_kph: float = DEFAULT_WALK_KPH
    access_speed_kph: float | None = 15.0
    max_snap_m: float = 2000.0


@dataclass(frozen=True)
class CommutingOptions:
    """Every option of :func:`~binational.commuting.commuting`, one group per step.

    Parameters
    ----------
    fit, waits, travel
        The groups above.
    direction
        ``"northbound"`` (origins: Mexican units) or ``"southbound"``.
    zone_snap_m
        Each survey trip is placed in the units its origin and destination zones lie in, else
        in the nearest unit up to this distance (metres); farther trips are left out and
        reported.
    hour, unit_purpose
        Hour (0-23) and purpose of the per-unit columns of ``result.units``.
    """

    fit: FitOptions = field(default_factory=FitOptions)
    waits: LaneWaitOptions = field(default_factory=LaneWaitOptions)
    travel: TravelTimeOptions = field(default_factory=TravelTimeOptions)
    direction: str = "northbound"
    zone_snap_m: float = 5000.0
    hour: int = 7
    unit_purpose: str = "HBW"

    def replace(self, **flat) -> CommutingOptions:
        """Return a copy with flat keywords (``purposes=("HBW",)``, ``hour=8``, ...) applied.

        Parameters
        ----------
        **flat
            Names of :data:`FLAT_KEYWORDS`.

        Returns
        -------
        CommutingOptions

        Raises
        ------
        TypeError
            For a keyword that is no option (like a misspelt keyword argument).
        """
        return replace_flat(self, flat, FLAT_KEYWORDS)


#: Flat keyword → (group attribute of :class:`CommutingOptions` or None, field name).
FLAT_KEYWORDS: dict[str, tuple[str | None, str]] = {
    "purposes": ("fit", "purposes"),
    "periods": ("fit", "periods"),
    "size": ("fit", "size"),
    "origin_weight": ("fit", "origin_weight"),
    "port_capacity": ("fit", "port_capacity"),
    "likelihood": ("fit", "likelihood"),
    "separate_wait": ("fit", "separate_wait"),
    "wait_sign": ("fit", "wait_sign"),
    "fixed": ("fit", "fixed"),
    "weekday": ("waits", "weekday"),
    "wait_precedence": ("waits", "precedence"),
    "wait_fill": ("waits", "fill"),
    "method": ("travel", "method"),
    "circuity": ("travel", "circuity"),
    "speed_kph": ("travel", "speed_kph"),
    "walk_kph": ("travel", "walk_kph"),
    "access_speed_kph": ("travel", "access_speed_kph"),
    "max_snap_m": ("travel", "max_snap_m"),
    "direction": (None, "direction"),
    "zone_snap_m": (None, "zone_snap_m"),
    "hour": (None, "hour"),
    "unit_purpose": (None, "unit_purpose"),
}
