"""Border wait times: four source shapes read into one long table, and profiles over it.

Readers
-------
:func:`read_waits_hourly`, :func:`read_waits_live` (:mod:`.cbp`)
    CBP Border Wait Times historical averages and live snapshots.
:func:`read_waits_series` (:mod:`.bordify`)
    The Bordify 10-minute series of the Tijuana and Tecate garitas.
:func:`read_sandag_observed_waits` (:mod:`.sandag`)
    SANDAG's observed SR-11 / Otay Mesa East waits.
:func:`read_waits` (:mod:`.read`)
    Tells the shape of a file from its content and dispatches; :func:`combine_waits` puts
    tables of several time zones together.

Profiles (:mod:`.profile`)
--------------------------
:func:`wait_profile` (one port and lane, by hour, weekday, month) and :func:`wait_by_hour`
(every port, one source per port) share one rule for the calendar keys,
:func:`fill_calendar`.

Conventions
-----------
Every reader returns :data:`binational.schema.WAITS_COLUMNS`. ``weekday`` is 0 = Monday …
6 = Sunday; ``hour`` is 0–23 on the port's local clock; waits are northbound unless the
source says otherwise. Every reader takes ``report=`` (:class:`~binational.drops.DropReport`)
and records dropped or flagged records there.
"""

from __future__ import annotations

from ...waitprofile import CALENDAR_KEYS, fill_calendar, wait_by_hour, wait_profile
from ._frame import NORTHBOUND, SOUTHBOUND
from .bordify import GARITAS, SERIES_LANES, read_waits_series
from .cbp import HOURLY_LANES, LIVE_LANES, read_waits_hourly, read_waits_live
from .read import combine_waits, read_waits
from .sandag import SANDAG_LANES, SANDAG_WAIT_COLUMNS, read_sandag_observed_waits

__all__ = [
    "CALENDAR_KEYS",
    "GARITAS",
    "HOURLY_LANES",
    "LIVE_LANES",
    "NORTHBOUND",
    "SANDAG_LANES",
    "SANDAG_WAIT_COLUMNS",
    "SERIES_LANES",
    "SOUTHBOUND",
    "combine_waits",
    "fill_calendar",
    "read_sandag_observed_waits",
    "read_waits",
    "read_waits_hourly",
    "read_waits_live",
    "read_waits_series",
    "wait_by_hour",
    "wait_profile",
]
