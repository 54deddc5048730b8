"""Crossing cost: drive to the port + wait at the border + drive from the port; scenarios.

The cost of a trip from an origin ``o`` on side A to a destination ``d`` on side B through port
``p`` is::

    t(o → p) + wait(p, direction, lane, weekday, hour) + t(p → d)

where ``t(o → p)`` is the drive to a border edge of ``p`` and across it, and ``t(p → d)`` the drive
from the far end of that edge. A port with several parallel edges (one per lane type in the SANDAG
network) uses whichever edge is quickest for the pair (:func:`od_minutes` takes the least over
edges exactly).

Waits come from the long wait table (:data:`binational.schema.WAITS_COLUMNS`):
:func:`binational.catchments.waits.resolve_waits` picks one figure per port (the median, by
default, of the matching rows). A :class:`Scenario` changes the inputs: its own wait table or fixed waits, closed ports, and new
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
from ..errors import NetworkError, SchemaError
from .graph import NORTHBOUND, SOUTHBOUND, SparseGraph
from .waits import tidy_waits

__all__ = [
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
]

log = get_logger(__name__)


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
        Waits that replace the base table for the ports they cover: a long wait table
        (``schema.WAITS_COLUMNS``), a tidy frame ``port_code, hour, minutes`` or a dict
        ``{port_code: minutes}`` / ``{(port_code, hour): minutes}``
        (:func:`~binational.catchments.waits.tidy_waits`). Its ports must be ports of the
        network (else SchemaError).
    wait_minutes
        Fixed wait per port code (minutes); overrides every table.
    closed
        Port codes to close (their border edges are removed).
    new_ports
        Ports to add (e.g. ``(OTAY_MESA_EAST,)``).
    """

    name: str = "scenario"
    waits: pd.DataFrame | Mapping | None = None
    wait_minutes: Mapping[int, float] = field(default_factory=dict)
    closed: tuple[int, ...] = ()
    new_ports: tuple[NewPort, ...] = ()

    def __post_init__(self) -> None:
        if self.waits is not None:  # a tidy frame or a dict becomes the long table (or fails)
            object.__setattr__(
                self, "waits", tidy_waits(self.waits, name=f"scenario {self.name!r} waits")
            )


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
    within: float | None = None,
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
    within
        Only the pairs that cost at most this many minutes are needed (e.g. the two-step
        floating catchment's threshold): each link then touches only the origins and
        destinations that can be that close through it, and a pair farther than ``within``
        through every link is left at ``inf`` (port −1) instead of its exact cost. The pairs
        within it are exact, the same numbers as without ``within``. Without it, each link
        costs a pass over every pair: origins × destinations × links, which grows with the
        square of the region.

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
    # a bound a little above ``within`` (seconds): a pair dropped by it costs more than
    # ``within`` minutes whatever the rounding of the division by 60
    bound = np.inf if within is None else float(within) * 60.0 * (1.0 + 1e-9) + 1e-6
    for start in range(0, n_o, chunk):
        sl = slice(start, min(start + chunk, n_o))
        for code in ports:
            wait = 0.0 if waits is None else _wait_seconds(waits, code)
            for e in times.rows(code):
                a = times.origin[e, sl] + tt[e] + wait
                b = times.dest[e]
                if within is None:
                    cost = a[:, None] + b[None, :]
                    better = cost < best[sl]
                    best[sl] = np.where(better, cost, best[sl])
                    best_port[sl] = np.where(better, code, best_port[sl])
                    continue
                rows = np.flatnonzero(a + b.min(initial=np.inf) <= bound)
                cols = np.flatnonzero(b + a.min(initial=np.inf) <= bound)
                if not len(rows) or not len(cols):
                    continue
                block = np.ix_(rows + start, cols)
                cost = a[rows][:, None] + b[cols][None, :]
                old = best[block]
                better = cost < old
                best[block] = np.where(better, cost, old)
                best_port[block] = np.where(better, code, best_port[block])
    return best / 60.0, best_port


def direction_sides(direction: str) -> tuple[str, str]:
    """(departure side, arrival side) country codes of a direction."""
    if direction == NORTHBOUND:
        return schema.MX, schema.US
    if direction == SOUTHBOUND:
        return schema.US, schema.MX
    raise SchemaError(f"direction {direction!r} must be one of {schema.DIRECTIONS}")
