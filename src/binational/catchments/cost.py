"""Crossing cost: drive to the port + wait at the border + drive from the port; scenarios.

The cost of a trip from an origin ``o`` on side A to a destination ``d`` on side B through port
``p`` is::

    t(o → p) + wait(p, direction, lane, weekday, hour) + t(p → d)

where ``t(o → p)`` is the drive to a border edge of ``p`` and across it, and ``t(p → d)`` the drive
from the far end of that edge. A port with several parallel edges (one per lane type in the SANDAG
network) uses whichever edge is quickest for the pair (:func:`od_minutes` takes the least over
edges exactly).

Waits come from the long wait table (:data:`binational.schema.WAITS_COLUMNS`):
:func:`resolve_waits` picks one figure per port (the median, by default, of the matching rows).
A :class:`Scenario` changes the inputs: its own wait table or fixed waits, closed ports, and new
ports (:data:`OTAY_MESA_EAST`, at its published location, with a border edge snapped to the
nearest node on each side).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyproj

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import NetworkError, SchemaError
from .graph import NORTHBOUND, SOUTHBOUND, SparseGraph

__all__ = [
    "COMMUTER_LANE_MIX",
    "OTAY_MESA_EAST",
    "LinkTimes",
    "NewPort",
    "Scenario",
    "add_ports",
    "apply_scenario",
    "close_ports",
    "crossing_minutes",
    "od_minutes",
    "reach_minutes",
    "resolve_waits",
]

log = get_logger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNKNOWN_PORT = "wait_for_unknown_port"
NO_LANE_OF_MIX = "port_without_lane_of_mix"

#: Lane mix of northbound work trips in the AM peak (arrival 05:00-09:00), expanded trips of
#: SANDAG's 2017 cross-border survey (``crossings/sandag_ome_crossborder_od_survey_2017.csv``,
#: Dir NB, Purpose HBW, ArHour 6-9): general 15.9 %, Ready Lane 40.5 %, SENTRI 43.6 %. The
#: default lane of :func:`binational.catchments.catchments` (``lane="commuter"``).
COMMUTER_LANE_MIX = {"general": 0.159, "ready": 0.405, "sentri": 0.436}


# ---------------------------------------------------------------------------------------------
# scenarios


@dataclass(frozen=True)
class NewPort:
    """A port of entry that the network does not have yet.

    Parameters
    ----------
    port_code
        Code for the new port (no clash with existing codes).
    name
        Display name.
    lon, lat
        Location on the border line, WGS 84 degrees.
    wait_minutes
        Wait to use at this port (None: from the wait table or the fallback).
    speed_kph
        Speed through the port facility: the new border edge runs from the nearest node on the
        departure side to the port point and on to the nearest node on the arrival side, at
        this speed.
    directions
        Directions the port serves.
    """

    port_code: int
    name: str
    lon: float
    lat: float
    wait_minutes: float | None = None
    speed_kph: float = 20.0
    directions: tuple[str, ...] = schema.DIRECTIONS


# Otay Mesa East (Mesa de Otay II) port of entry. Location 32°33′11″N 116°54′21″W as published
# in Wikipedia's "Otay Mesa East Port of Entry" article (about two miles east of Otay Mesa, at the
# end of SR 11). No CBP port code has been published: 2599 is binational's provisional code.
# Wait: 20 minutes, the project's published target ("maximum wait time of around 20 minutes",
# SANDAG/Caltrans SR 11 fact sheet) and the upper bound of the passenger-lane wait in SANDAG's
# SR-11/OME traffic and revenue model (data_in/port_configurations.csv: OME general min 5, max
# 20 minutes).
OTAY_MESA_EAST = NewPort(
    port_code=2599, name="Otay Mesa East", lon=-116.9058, lat=32.5530, wait_minutes=20.0
)


@dataclass(frozen=True)
class Scenario:
    """Changes to the base case: other waits, closed ports, new ports.

    Parameters
    ----------
    name
        Label carried into every output.
    waits
        A long wait table (``schema.WAITS_COLUMNS``) that replaces the base table for the ports
        it covers. Its ports must be ports of the network (else SchemaError).
    wait_minutes
        Fixed wait per port code (minutes); overrides every table.
    closed
        Port codes to close (their border edges are removed).
    new_ports
        Ports to add (e.g. ``(OTAY_MESA_EAST,)``).
    """

    name: str = "scenario"
    waits: pd.DataFrame | None = None
    wait_minutes: Mapping[int, float] = field(default_factory=dict)
    closed: tuple[int, ...] = ()
    new_ports: tuple[NewPort, ...] = ()


def close_ports(graph: SparseGraph, codes: Sequence[int]) -> SparseGraph:
    """The network without the border edges of the given ports.

    Parameters
    ----------
    graph
        The network.
    codes
        Port codes to close.

    Returns
    -------
    SparseGraph
        A new graph; ``graph`` is not changed.

    Raises
    ------
    binational.errors.NetworkError
        If a code is not a port of the network, or no port would be left.
    """
    codes = [int(c) for c in codes]
    known = set(graph.border[schema.PORT_CODE].tolist())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise NetworkError(
            f"cannot close port(s) {unknown}: not in the network (ports: {sorted(known)})"
        )
    border = graph.border[~graph.border[schema.PORT_CODE].isin(codes)]
    if border.empty:
        raise NetworkError("closing these ports leaves no crossing between the two sides")
    log.info("closed port(s) %s", codes)
    return graph.with_border(border)


def add_ports(
    graph: SparseGraph, new_ports: Sequence[NewPort], *, max_snap_m: float = 2000.0
) -> SparseGraph:
    """The network with a border edge for each new port.

    Each new port gets, per direction, one edge from the nearest routable node on the departure
    side to the nearest routable node on the arrival side, through the port point; its travel
    time is that path length at ``NewPort.speed_kph``.

    Parameters
    ----------
    graph
        The network.
    new_ports
        Ports to add.
    max_snap_m
        Farthest a new port may lie from the network of each side, metres.

    Returns
    -------
    SparseGraph
        A new graph; ``graph`` is not changed.

    Raises
    ------
    binational.errors.NetworkError
        If the port code exists already, or the port lies farther than ``max_snap_m`` from
        every node of a side.
    """
    rows = []
    known = set(graph.border[schema.PORT_CODE].tolist())
    to_crs = pyproj.Transformer.from_crs("EPSG:4326", graph.crs, always_xy=True)
    for port in new_ports:
        if port.port_code in known:
            raise NetworkError(f"new port {port.name!r}: code {port.port_code} is already a port")
        px, py = to_crs.transform(port.lon, port.lat)
        ends = {}
        for side in (schema.MX, schema.US):
            node, dist = graph.nearest_nodes(np.array([px]), np.array([py]), np.array([side]))
            if node[0] < 0 or dist[0] > max_snap_m:
                raise NetworkError(
                    f"new port {port.name!r} ({port.lat:.4f}, {port.lon:.4f}) is "
                    f"{dist[0]:,.0f} m from the nearest {side} node, more than max_snap_m="
                    f"{max_snap_m:,.0f} m: is the location right, and does the network cover it?"
                )
            ends[side] = (int(node[0]), float(dist[0]))
        seconds = (ends[schema.MX][1] + ends[schema.US][1]) / (port.speed_kph / 3.6)
        for direction in port.directions:
            tail, head = (
                (schema.MX, schema.US) if direction == NORTHBOUND else (schema.US, schema.MX)
            )
            u, v = ends[tail][0], ends[head][0]
            rows.append(
                {
                    "u": graph.node_ids[u],
                    "v": graph.node_ids[v],
                    "key": 0,
                    "u_idx": u,
                    "v_idx": v,
                    schema.PORT_CODE: port.port_code,
                    "direction": direction,
                    "travel_time": seconds,
                    "added": True,
                }
            )
        log.info(
            "new port %s: MX node %s (%.0f m), US node %s (%.0f m), %.0f s through the port",
            port.name,
            graph.node_ids[ends[schema.MX][0]],
            ends[schema.MX][1],
            graph.node_ids[ends[schema.US][0]],
            ends[schema.US][1],
            seconds,
        )
    border = pd.concat([graph.border, pd.DataFrame(rows)], ignore_index=True)
    return graph.with_border(border)


def apply_scenario(
    graph: SparseGraph, scenario: Scenario | None, *, max_snap_m: float = 2000.0
) -> SparseGraph:
    """Close and add the scenario's ports (waits are handled by :func:`resolve_waits`).

    Parameters
    ----------
    graph
        The network.
    scenario
        The scenario (None: ``graph`` as it is).
    max_snap_m
        Farthest a new port may lie from the network of each side, metres.

    Returns
    -------
    SparseGraph
        A new graph; ``graph`` is not changed.
    """
    if scenario is None:
        return graph
    if scenario.closed:
        graph = close_ports(graph, scenario.closed)
    if scenario.new_ports:
        graph = add_ports(graph, scenario.new_ports, max_snap_m=max_snap_m)
    return graph


# ---------------------------------------------------------------------------------------------
# waits


def _weekday_values(weekday) -> list[int] | None:
    if weekday is None:
        return None
    if isinstance(weekday, str):
        key = weekday.strip().lower()
        if key in ("all", "any", "week"):
            return None
        if key in ("weekdays", "workdays", "weekday"):
            return [0, 1, 2, 3, 4]
        if key in ("weekend", "weekends"):
            return [5, 6]
        for i, name in enumerate(WEEKDAYS):
            if name.startswith(key) and len(key) >= 3:
                return [i]
        raise SchemaError(
            f"weekday {weekday!r} not understood: use 0-6 (Monday = 0), a day name, "
            "'weekdays', 'weekend' or 'all'"
        )
    if isinstance(weekday, (list, tuple, set)):
        return sorted(int(w) for w in weekday)
    w = int(weekday)
    if not 0 <= w <= 6:
        raise SchemaError(f"weekday {weekday!r} must be 0-6 (Monday = 0)")
    return [w]


def _with_calendar(waits: pd.DataFrame) -> pd.DataFrame:
    """Fill weekday/hour/month from ``time`` where the profile columns are empty."""
    waits = waits.copy()
    for col in ("weekday", "hour", "month"):
        if col not in waits.columns:
            waits[col] = np.nan
        waits[col] = pd.to_numeric(waits[col], errors="coerce")
    if "time" in waits.columns:
        attrs = {"weekday": "dayofweek", "hour": "hour", "month": "month"}
        for col, attr in attrs.items():
            gap = waits[col].isna() & waits["time"].notna()
            if gap.any():
                # each timestamp on its own (local) clock, as the loaders record it
                waits.loc[gap, col] = [
                    float(getattr(pd.Timestamp(t), attr)) for t in waits.loc[gap, "time"]
                ]
    return waits


def _check_waits(waits: pd.DataFrame, name: str) -> pd.DataFrame:
    need = {schema.PORT_CODE, "lane", "direction", "minutes"}
    missing = sorted(need - set(waits.columns))
    if missing:
        raise SchemaError(f"{name} lacks column(s) {', '.join(missing)} (see schema.WAITS_COLUMNS)")
    waits = waits.copy()
    waits[schema.PORT_CODE] = pd.to_numeric(waits[schema.PORT_CODE], errors="coerce")
    bad = waits[schema.PORT_CODE].isna()
    if bad.any():
        raise SchemaError(f"{name}: {int(bad.sum())} row(s) have no numeric port_code")
    waits[schema.PORT_CODE] = waits[schema.PORT_CODE].astype(int)
    waits["minutes"] = pd.to_numeric(waits["minutes"], errors="coerce")
    return _with_calendar(waits)


def _match(
    rows: pd.DataFrame, *, hour: int | None, days: list[int] | None, month: int | None, relax: bool
) -> tuple[pd.DataFrame | None, str]:
    """Rows at the month, weekday and hour asked; failing that (``relax``), the nearest ones."""

    def pick(use_month: bool, use_days: bool, use_hour: int | None) -> pd.DataFrame:
        sel = pd.Series(True, index=rows.index)
        if use_month and month is not None:
            sel &= rows["month"] == int(month)
        if use_days and days is not None:
            sel &= rows["weekday"].isin(days)
        if use_hour is not None:
            sel &= rows["hour"] == int(use_hour)
        return rows[sel]

    exact = pick(True, True, hour)
    if len(exact) or not relax:
        return (exact if len(exact) else None), ""
    steps = []
    if month is not None:
        steps.append((False, True, "all months"))
    if days is not None:
        steps.append((False, False, "all months and days" if month is not None else "all days"))
    for use_month, use_days, note in steps:
        chosen = pick(use_month, use_days, hour)
        if len(chosen):
            return chosen, note
    if hour is None:
        return None, ""
    hours = rows["hour"].dropna().to_numpy(dtype=float)
    if not len(hours):
        return None, ""
    gap = np.abs(hours - int(hour))
    nearest = int(hours[np.argmin(np.minimum(gap, 24 - gap))])
    for use_days in (True, False):
        chosen = pick(False, use_days, nearest)
        if len(chosen):
            days_note = "" if use_days or days is None else ", all days"
            month_note = ", all months" if month is not None else ""
            return chosen, f"nearest hour {nearest}{days_note}{month_note}"
    return None, ""


def _aggregate(values: pd.Series, stat) -> float:
    values = values.dropna()
    if stat == "median":
        return float(values.median())
    if stat == "mean":
        return float(values.mean())
    q = float(stat)
    if not 0 <= q <= 1:
        raise SchemaError(f"stat {stat!r}: use 'median', 'mean' or a quantile in [0, 1]")
    return float(values.quantile(q))


def resolve_waits(
    waits: pd.DataFrame | None,
    *,
    port_codes: Sequence[int],
    direction: str = NORTHBOUND,
    lane: str | Mapping[str, float] = "general",
    hour: int | None = 7,
    weekday="weekdays",
    month: int | None = None,
    stat="median",
    source: str | None = None,
    fallback: int | str | None = None,
    relax: bool = True,
    scenario: Scenario | None = None,
    report: DropReport | None = None,
) -> pd.DataFrame:
    """One wait (minutes) per port for a direction, lane (or lane mix), hour and day.

    Parameters
    ----------
    waits
        Long wait table (``schema.WAITS_COLUMNS``; rows with a ``time`` get their weekday, hour
        and month from it). Rows for ports not in ``port_codes`` are left out and recorded in
        ``report`` (reason ``wait_for_unknown_port``).
    port_codes
        Ports that need a wait.
    direction, lane
        As in the table (``"northbound"``, ``"general"``/``"sentri"``/``"ready"``/
        ``"pedestrian"``, ...). ``lane`` may be a mix ``{lane: share}`` (or ``"commuter"``,
        :data:`COMMUTER_LANE_MIX`): a port's wait is then the share-weighted mean over the
        lanes of the mix it has a wait for (shares renormalised), and ``wait_source`` says so.
        With a mix and ``fallback=None``, a port with no lane of the mix at all (e.g. Cross
        Border Xpress, pedestrians only) gets an infinite wait (not usable) and is reported.
    hour
        Hour of day 0-23 (None: all hours).
    weekday
        0-6 with Monday = 0, a day name, ``"weekdays"`` (Monday-Friday, default), ``"weekend"``
        or ``"all"``.
    month
        1-12 or None for all months.
    stat
        ``"median"`` (default), ``"mean"`` or a quantile such as 0.9, over the matching rows.
    source
        Keep only rows whose ``source`` contains this text (e.g. ``"historical"``).
    fallback
        For a port with no row for the direction and lane at all: None or ``"error"`` raises
        SchemaError; ``"zero"`` uses 0 minutes; a port code borrows that port's wait (e.g.
        2504, San Ysidro).
    relax
        Where a port has rows for the lane but none at the month, weekday and hour asked,
        drop the month, then the weekday, then take the nearest hour (circular), and say so in
        ``wait_source``. False: such a port counts as having no wait.
    scenario
        Its ``waits`` replace the table for the ports they cover (a port they name that is not
        in ``port_codes`` is an error); its ``wait_minutes`` and new ports' ``wait_minutes``
        override everything.
    report
        Receives the left-out rows.

    Returns
    -------
    pandas.DataFrame
        One row per port: ``port_code, wait_minutes, n_rows, wait_source``.
    """
    if direction not in schema.DIRECTIONS:
        raise SchemaError(f"direction {direction!r} must be one of {schema.DIRECTIONS}")
    if lane == "commuter":
        lane = COMMUTER_LANE_MIX
    if not isinstance(lane, str):
        return _mixed_waits(
            waits,
            dict(lane),
            port_codes=port_codes,
            fallback=fallback,
            direction=direction,
            hour=hour,
            weekday=weekday,
            month=month,
            stat=stat,
            source=source,
            relax=relax,
            scenario=scenario,
            report=report,
        )
    port_codes = [int(p) for p in port_codes]
    donor = None
    if fallback not in (None, "error", "zero"):
        try:
            donor = int(fallback)
        except (TypeError, ValueError):
            raise SchemaError(
                f"wait fallback {fallback!r}: use None, 'error', 'zero' or a port code"
            ) from None
    # a donor port may lend its wait even when it is not (or no longer) a port in play
    lookup = [*port_codes, donor] if donor is not None and donor not in port_codes else port_codes
    report = report if report is not None else DropReport()
    days = _weekday_values(weekday)
    tables: list[tuple[str, pd.DataFrame]] = []
    if scenario is not None and scenario.waits is not None:
        sw = _check_waits(scenario.waits, "scenario wait table")
        unknown = sorted(set(sw[schema.PORT_CODE]) - set(port_codes))
        if unknown:
            raise SchemaError(
                f"scenario wait table has rows for port(s) {unknown} that are not ports of this "
                f"network (ports: {port_codes})"
            )
        tables.append((f"scenario {scenario.name!r}", sw))
    if waits is not None and len(waits):
        base = _check_waits(waits, "wait table")
        unknown_rows = ~base[schema.PORT_CODE].isin(lookup)
        if unknown_rows.any():
            codes = sorted(base.loc[unknown_rows, schema.PORT_CODE].unique().tolist())
            report.add(
                "waits",
                base.index[unknown_rows],
                UNKNOWN_PORT,
                f"port(s) {codes} have no border edge in the network",
            )
            log.info("wait rows for port(s) %s left out: not ports of the network", codes)
        tables.append(("table", base[~unknown_rows]))

    out = {}
    for label, table in tables:
        sel = (table["direction"].astype(str).str.lower() == direction) & (
            table["lane"].astype(str).str.lower() == lane.lower()
        )
        if source is not None and "source" in table.columns:
            sel &= table["source"].astype(str).str.contains(source, case=False, regex=False)
        sel &= table["minutes"].notna()
        for code, rows in table[sel].groupby(schema.PORT_CODE):
            if code in out or code not in lookup:
                continue
            chosen, note = _match(rows, hour=hour, days=days, month=month, relax=relax)
            if chosen is None:
                continue
            where = label if not note else f"{label} ({note})"
            out[int(code)] = (_aggregate(chosen["minutes"], stat), len(chosen), where)
            if note:
                log.info("port %s: no wait at the exact time asked; used %s", code, note)

    fixed = dict(scenario.wait_minutes) if scenario is not None else {}
    if scenario is not None:
        for port in scenario.new_ports:
            if port.wait_minutes is not None and port.port_code not in fixed:
                fixed[port.port_code] = port.wait_minutes
    for code, minutes in fixed.items():
        if int(code) not in port_codes:
            raise SchemaError(f"scenario wait for port {code}, which is not a port of the network")
        out[int(code)] = (float(minutes), 0, "scenario (fixed)")

    missing = [c for c in port_codes if c not in out]
    if missing:
        if fallback in (None, "error"):
            raise SchemaError(
                f"no {direction} {lane!r} wait at hour {hour}, weekday {weekday!r} for port(s) "
                f"{missing}; pass wait_fallback='zero', wait_fallback=<port code> to borrow a "
                "port's profile, or a scenario with wait_minutes"
            )
        if fallback == "zero":
            for c in missing:
                out[c] = (0.0, 0, "none (0 minutes)")
        else:
            if donor not in out:
                raise SchemaError(f"wait fallback port {donor} has no wait itself")
            for c in missing:
                out[c] = (out[donor][0], 0, f"borrowed from {donor}")
        log.info("ports %s: wait from fallback %r", missing, fallback)
    frame = pd.DataFrame(
        [(c, *out[c]) for c in port_codes],
        columns=[schema.PORT_CODE, "wait_minutes", "n_rows", "wait_source"],
    )
    return frame


def lane_label(lane) -> str:
    """Label of a lane or lane mix for outputs, e.g. ``"mix: ready 40%, sentri 44%, general 16%"``."""
    if lane == "commuter":
        lane = COMMUTER_LANE_MIX
    if isinstance(lane, str):
        return lane
    parts = sorted(dict(lane).items(), key=lambda kv: -kv[1])
    tot = sum(v for _, v in parts)
    return "mix: " + ", ".join(f"{k} {v / tot:.0%}" for k, v in parts)


def _mixed_waits(waits, mix: dict, *, port_codes, fallback, report, **kw) -> pd.DataFrame:
    """Share-weighted wait over the lanes of ``mix`` each port has (see :func:`resolve_waits`)."""
    bad = [ln for ln in mix if ln not in schema.LANES]
    if bad or not mix or any(not float(v) >= 0 for v in mix.values()) or sum(mix.values()) <= 0:
        raise SchemaError(
            f"lane mix {mix!r}: lanes among {schema.LANES} with shares >= 0 summing to > 0"
        )
    mix = {ln: float(v) for ln, v in mix.items() if float(v) > 0}
    port_codes = [int(p) for p in port_codes]
    parts = {
        ln: resolve_waits(
            waits, port_codes=port_codes, lane=ln, fallback="zero", report=report, **kw
        ).set_index(schema.PORT_CODE)
        for ln in mix
    }
    out, missing = {}, []
    for c in port_codes:
        have = [ln for ln in mix if parts[ln].at[c, "wait_source"] != "none (0 minutes)"]
        if not have:
            missing.append(c)
            continue
        tot = sum(mix[ln] for ln in have)
        minutes = sum(mix[ln] * parts[ln].at[c, "wait_minutes"] for ln in have) / tot
        n = int(sum(parts[ln].at[c, "n_rows"] for ln in have))
        src = "; ".join(
            f"{ln} {mix[ln] / tot:.0%}: {parts[ln].at[c, 'wait_source']}" for ln in have
        )
        out[c] = (float(minutes), n, f"lane mix ({src})")
    if missing and fallback is None and waits is not None and len(waits):
        # only a port with no row at all for a lane of the mix (e.g. Cross Border Xpress,
        # pedestrians only) is "not usable"; one whose rows the filters left out is an error
        w = waits[waits["lane"].astype(str).isin(list(mix))]
        w = w[w["direction"].astype(str) == kw.get("direction", NORTHBOUND)]
        have_rows = set(pd.to_numeric(w[schema.PORT_CODE], errors="coerce").dropna().astype(int))
        if any(c in have_rows for c in missing):
            fallback = "error"
    if missing:
        if fallback == "error" or len(missing) == len(port_codes):
            raise SchemaError(
                f"no {kw.get('direction')} wait for any lane of the mix {sorted(mix)} at port(s) "
                f"{missing} at the hour, day and source asked; pass wait_fallback='zero' or "
                "wait_fallback=<port code> to borrow a port's wait"
            )
        if fallback is None:
            # a port with none of the mix's lanes (e.g. Cross Border Xpress, pedestrians only)
            # cannot be used by these travellers: infinite wait, reported
            if report is not None:
                report.add(
                    "waits", missing, NO_LANE_OF_MIX, f"none of {sorted(mix)}: port not usable"
                )
            log.info("ports %s have no lane of the mix %s: not usable", missing, sorted(mix))
            for c in missing:
                out[c] = (np.inf, 0, f"no lane of the mix {sorted(mix)}: not usable")
            missing = []
        for c in missing:
            if fallback == "zero":
                out[c] = (0.0, 0, "none (0 minutes)")
            else:
                donor = int(fallback)
                if donor not in out:
                    raise SchemaError(f"wait fallback port {donor} has no lane-mix wait itself")
                out[c] = (out[donor][0], 0, f"borrowed from {donor}")
        log.info("ports %s: lane-mix wait from fallback %r", missing, fallback)
    return pd.DataFrame(
        [(c, *out[c]) for c in port_codes],
        columns=[schema.PORT_CODE, "wait_minutes", "n_rows", "wait_source"],
    )


# ---------------------------------------------------------------------------------------------
# costs from per-link times


@dataclass(frozen=True)
class LinkTimes:
    """Per-link drive times of origin and destination units, the input of every cost.

    A *link* is one way across the line: a border edge (network method) or a port point
    (straight-line method).

    Attributes
    ----------
    links
        ``port_code``, ``direction``, ``travel_time`` (s, the link itself) per link.
    origin
        ``n_links × n_origins``: seconds from each origin to the link's tail.
    dest
        ``n_links × n_dests``: seconds from the link's head to each destination.
    """

    links: pd.DataFrame
    origin: np.ndarray
    dest: np.ndarray

    def ports(self) -> list[int]:
        return sorted(self.links[schema.PORT_CODE].unique().tolist())

    def rows(self, port_code: int) -> np.ndarray:
        return np.flatnonzero(self.links[schema.PORT_CODE].to_numpy() == port_code)


def _wait_seconds(waits: pd.DataFrame, code: int) -> float:
    row = waits.loc[waits[schema.PORT_CODE] == code, "wait_minutes"]
    if row.empty:
        raise SchemaError(f"no wait for port {code}")
    return float(row.iloc[0]) * 60.0


def crossing_minutes(
    times: LinkTimes, waits: pd.DataFrame | None, *, ports: Sequence[int] | None = None
) -> pd.DataFrame:
    """Minutes from each origin until across the line through each port, wait included.

    Pass ``waits=None`` for the drive alone. Columns are port codes; ``inf`` where the port
    cannot be reached.

    Parameters
    ----------
    times
        Drive times of the links (:class:`LinkTimes`).
    waits
        Wait per port (``port_code``, ``wait_minutes``), or None.
    ports
        Ports to include (default: every port of ``times``).

    Returns
    -------
    pandas.DataFrame
        Origin × port minutes.
    """
    ports = times.ports() if ports is None else list(ports)
    tt = times.links["travel_time"].to_numpy()
    cols = {}
    for code in ports:
        r = times.rows(code)
        drive = np.min(times.origin[r] + tt[r, None], axis=0)
        wait = 0.0 if waits is None else _wait_seconds(waits, code)
        cols[code] = (drive + wait) / 60.0
    return pd.DataFrame(cols, columns=ports)


def reach_minutes(
    times: LinkTimes, waits: pd.DataFrame | None, *, ports: Sequence[int] | None = None
) -> pd.DataFrame:
    """Minutes from joining the port's queue to each destination (wait + link + drive).

    Parameters
    ----------
    times
        Drive times of the links (:class:`LinkTimes`).
    waits
        Wait per port (``port_code``, ``wait_minutes``), or None for the drive alone.
    ports
        Ports to include (default: every port of ``times``).

    Returns
    -------
    pandas.DataFrame
        Destination × port minutes (columns are port codes; ``inf`` where unreachable).
    """
    ports = times.ports() if ports is None else list(ports)
    tt = times.links["travel_time"].to_numpy()
    cols = {}
    for code in ports:
        r = times.rows(code)
        drive = np.min(times.dest[r] + tt[r, None], axis=0)
        wait = 0.0 if waits is None else _wait_seconds(waits, code)
        cols[code] = (drive + wait) / 60.0
    return pd.DataFrame(cols, columns=ports)


def od_minutes(
    times: LinkTimes,
    waits: pd.DataFrame | None,
    *,
    ports: Sequence[int] | None = None,
    chunk: int = 512,
) -> tuple[np.ndarray, np.ndarray]:
    """Least crossing cost (minutes) from every origin to every destination, exactly.

    For each pair the least over ports ``p`` and their links ``e`` of
    ``origin[e] + link[e] + wait[p] + dest[e]``.

    Parameters
    ----------
    times
        Drive times of the links (:class:`LinkTimes`).
    waits
        Wait per port (``port_code``, ``wait_minutes``), or None for the drive alone.
    ports
        Ports to include (default: every port of ``times``).
    chunk
        Origins per block (bounds the memory).

    Returns
    -------
    minutes, port
        ``n_origins × n_dests`` arrays: the cost and the port code used (−1 if unreachable).
    """
    ports = times.ports() if ports is None else list(ports)
    tt = times.links["travel_time"].to_numpy()
    n_o, n_d = times.origin.shape[1], times.dest.shape[1]
    best = np.full((n_o, n_d), np.inf)
    best_port = np.full((n_o, n_d), -1, dtype=np.int64)
    for start in range(0, n_o, chunk):
        sl = slice(start, min(start + chunk, n_o))
        for code in ports:
            wait = 0.0 if waits is None else _wait_seconds(waits, code)
            for e in times.rows(code):
                cost = (times.origin[e, sl] + tt[e] + wait)[:, None] + times.dest[e][None, :]
                better = cost < best[sl]
                best[sl] = np.where(better, cost, best[sl])
                best_port[sl] = np.where(better, code, best_port[sl])
    return best / 60.0, best_port


def direction_sides(direction: str) -> tuple[str, str]:
    """(departure side, arrival side) country codes of a direction."""
    if direction == NORTHBOUND:
        return schema.MX, schema.US
    if direction == SOUTHBOUND:
        return schema.US, schema.MX
    raise SchemaError(f"direction {direction!r} must be one of {schema.DIRECTIONS}")
