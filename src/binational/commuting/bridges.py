"""Bridge by bridge: each international bridge as its own crossing, and pedestrian catchments.

In Ciudad Juárez–El Paso one CBP port ("El Paso", 2402) stands for the Bridge of the
Americas, Paso del Norte and the Good Neighbor (Stanton) bridge together. The registry
(``data/ports.csv``) has a ``crossing`` row per bridge with its own coordinates (TxDOT/UNT
coordinates file) and CBP crossing id; :func:`bridge_crossings` turns those rows into
"ports" keyed by the CBP crossing id (e.g. 240202 Paso del Norte), so every catchment and
allocation runs per bridge. :func:`bridge_counts` gives each bridge's monthly northbound
counts (CBP by bridge, TxDOT/UNT compilation).

:func:`pedestrian_catchments` is :func:`binational.catchments.catchments` for people on foot:
the pedestrian lane's wait at each bridge, walking speed, and the straight-line model
(distance × circuity ÷ walking speed, labelled ``straight-line`` in every output) unless a
network is passed, in which case every edge's ``travel_time`` is its ``length`` at walking
speed (:func:`walk_network`) and the same call runs on the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import pandas as pd

from .. import schema
from .._log import get_logger
from ..catchments import catchments
from ..drops import DropReport
from ..errors import NetworkError, SchemaError

__all__ = [
    "DEFAULT_WALK_CIRCUITY",
    "DEFAULT_WALK_KPH",
    "bridge_counts",
    "bridge_crossings",
    "pedestrian_catchments",
    "walk_network",
]

log = get_logger(__name__)

DEFAULT_WALK_KPH = 5.0
DEFAULT_WALK_CIRCUITY = 1.3
NO_MODE = "crossing_without_mode"


def bridge_crossings(
    ports: gpd.GeoDataFrame, *, mode: str | None = "ped", report: DropReport | None = None
) -> gpd.GeoDataFrame:
    """Crossing rows of the registry as "ports" keyed by their CBP crossing id.

    Parameters
    ----------
    ports
        :func:`binational.io.ports.read_ports` output with ``level="finest"`` or
        ``"crossing"`` (``poe_id, level, port_code, crossing_id, crossing_name, modes``).
    mode
        Keep crossings whose ``modes`` include this (``"ped"``, ``"pv"``, ...; None: all).
    report
        Receives crossings left out (no CBP crossing id, e.g. rail bridges, or not serving the
        mode).

    Returns
    -------
    geopandas.GeoDataFrame
        ``port_code`` (the CBP crossing id as an int), ``parent_port`` (the CBP port code),
        ``crossing_id``, ``name``, ``modes``, ``geometry`` (input CRS).
    """
    report = report if report is not None else DropReport()
    need = ["poe_id", "port_code", "crossing_id", "modes"]
    missing = [c for c in need if c not in ports.columns]
    if missing:
        raise SchemaError(f"port registry lacks column(s) {missing}")
    cid = ports["crossing_id"].astype("string").str.strip()
    has_id = cid.str.fullmatch(r"\d{6}").fillna(False).to_numpy(dtype=bool)
    if (~has_id).any():
        report.add(
            "bridges", ports.loc[~has_id, "poe_id"], NO_MODE, "no CBP crossing id (e.g. rail)"
        )
    keep = has_id
    if mode is not None:
        serves = ports["modes"].astype(str).str.split(";").apply(lambda m: mode in m).to_numpy()
        if (has_id & ~serves).any():
            report.add(
                "bridges", ports.loc[has_id & ~serves, "poe_id"], NO_MODE, f"does not serve {mode}"
            )
        keep = has_id & serves
    sel = ports[keep]
    if sel.empty:
        raise SchemaError(f"no crossing with a CBP crossing id serves mode {mode!r}")
    name = sel["crossing_name"] if "crossing_name" in sel else sel.get("name")
    name = name.fillna(sel["name"]) if "name" in sel else name
    out = gpd.GeoDataFrame(
        {
            schema.PORT_CODE: cid[keep].astype(int).to_numpy(),
            "parent_port": sel["port_code"].astype(int).to_numpy(),
            "crossing_id": cid[keep].to_numpy(),
            "name": name.astype(str).to_numpy(),
            "modes": sel["modes"].astype(str).to_numpy(),
        },
        geometry=sel.geometry.to_numpy(),
        crs=ports.crs,
    )
    return out.drop_duplicates(schema.PORT_CODE).reset_index(drop=True)


def bridge_counts(crossings: pd.DataFrame, ports: pd.DataFrame) -> pd.DataFrame:
    """Monthly counts per bridge, keyed like :func:`bridge_crossings` (CBP crossing id).

    ``crossings`` is the long volume table (:func:`binational.io.bts.read_bridge_counts`
    rows have the bridge name in ``crossing``); ``ports`` the registry crossing rows, whose
    ``bridge_names`` column lists the names the counts use.

    Parameters
    ----------
    crossings
        Long crossing-volume table.
    ports
        Port registry, crossing level.

    Returns
    -------
    pandas.DataFrame
        ``port_code, crossing, month, measure, value, source`` with ``port_code`` the crossing id.
    """
    if "bridge_names" not in ports.columns:
        raise SchemaError("port registry lacks column 'bridge_names'")
    lookup = {}
    for cid, names in zip(ports["crossing_id"], ports["bridge_names"], strict=True):
        if pd.isna(cid) or pd.isna(names) or not str(cid).strip().isdigit():
            continue
        for n in str(names).split(";"):
            lookup[n.strip().lower()] = int(str(cid).strip())
    c = crossings[crossings["crossing"].notna()].copy()
    c[schema.PORT_CODE] = c["crossing"].astype(str).str.strip().str.lower().map(lookup)
    unmatched = sorted(set(c.loc[c[schema.PORT_CODE].isna(), "crossing"].astype(str)))
    if unmatched:
        log.info("bridge counts without a registry crossing: %s", unmatched)
    c = c[c[schema.PORT_CODE].notna()]
    c[schema.PORT_CODE] = c[schema.PORT_CODE].astype(int)
    c.attrs["unmatched_crossings"] = unmatched
    return c.reset_index(drop=True)


def walk_network(graph: nx.MultiDiGraph, *, walk_kph: float = DEFAULT_WALK_KPH) -> nx.MultiDiGraph:
    """A copy of ``graph`` whose every edge's ``travel_time`` is its ``length`` at walking speed.

    Parameters
    ----------
    graph
        Road network with edge ``length`` (metres).
    walk_kph
        Walking speed.

    Returns
    -------
    networkx.MultiDiGraph
        The copy.
    """
    if walk_kph <= 0:
        raise SchemaError(f"walk_kph must be > 0, got {walk_kph}")
    G = graph.copy()
    speed = walk_kph / 3.6
    missing = 0
    for _, _, data in G.edges(data=True):
        if "length" not in data:
            missing += 1
            continue
        data["travel_time"] = float(data["length"]) / speed
    if missing:
        raise NetworkError(f"{missing} edge(s) have no 'length': cannot walk them")
    G.graph["walk_kph"] = walk_kph
    return G


def pedestrian_catchments(
    *,
    units: gpd.GeoDataFrame,
    bridges: gpd.GeoDataFrame,
    waits: pd.DataFrame | None = None,
    network: nx.MultiDiGraph | None = None,
    minutes: Sequence[float] = (15, 30, 45, 60),
    walk_kph: float = DEFAULT_WALK_KPH,
    walk_circuity: float = DEFAULT_WALK_CIRCUITY,
    hour: int | None = None,
    weekday="all",
    wait_fallback: int | str | None = None,
    direction: str = "northbound",
    report: DropReport | None = None,
    **kwargs,
):
    """Catchments of each bridge for people on foot, with the pedestrian lane's wait.

    Parameters
    ----------
    units
        Unit table (projected CRS).
    bridges
        :func:`bridge_crossings` output (any CRS; reprojected to the units').
    waits
        Long wait table; rows are matched to bridges by ``crossing_id`` and keyed like them.
    network
        None: straight-line walking (distance × ``walk_circuity`` ÷ ``walk_kph``), labelled.
        A networkx graph (e.g. from ``osmnx.graph_from_polygon`` or a local ``.osm.pbf`` via
        :func:`binational.io.roads.load_network`) whose bridge edges carry
        ``crosses_border``/``port_code`` (the bridge's crossing id): walked at ``walk_kph``
        (:func:`walk_network`).
    minutes, hour, weekday, wait_fallback, direction
        As in :func:`binational.catchments.catchments` (the shared CBP snapshot is one reading:
        ``hour=None, weekday="all"`` by default).
    kwargs
        Passed on to :func:`binational.catchments.catchments`.

    Returns
    -------
    binational.catchments.CatchmentResult
        Its ``params`` record ``mode="walk"`` and ``walk_kph``.
    """
    report = report if report is not None else DropReport()
    b = bridges.to_crs(units.crs) if bridges.crs != units.crs else bridges
    bw = None
    if waits is not None and len(waits):
        ids = dict(zip(b["crossing_id"].astype(str), b[schema.PORT_CODE], strict=True))
        sel = waits[waits["crossing_id"].astype(str).isin(ids)].copy()
        sel[schema.PORT_CODE] = sel["crossing_id"].astype(str).map(ids).astype(int)
        bw = sel
    net = walk_network(network, walk_kph=walk_kph) if network is not None else None
    result = catchments(
        units=units,
        ports=b,
        network=net,
        waits=bw,
        minutes=minutes,
        hour=hour,
        weekday=weekday,
        lane="pedestrian",
        direction=direction,
        wait_fallback=wait_fallback,
        speed_kph=walk_kph,
        circuity=walk_circuity,
        access_speed_kph=walk_kph if network is not None else None,
        report=report,
        **kwargs,
    )
    result.params.update(mode="walk", walk_kph=walk_kph)
    if network is None:
        result.params.update(walk_circuity=walk_circuity)
    return result
