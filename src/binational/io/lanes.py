"""Lanes of a port of entry: which lanes it has, and one wait per lane and hour from all sources.

Two questions the catchments and the commuting model ask of the crossing data:

1. **Which lanes does a port have?** :func:`read_port_configurations` reads SANDAG's SR-11/OME
   model port configuration (passenger General / Ready / SENTRI lanes of San Ysidro, Otay Mesa
   and the planned Otay Mesa East), :func:`read_bwt_lanes` reads the CBP Border Wait Times API
   snapshot (a lane group exists at a crossing when its ``operational_status`` is not ``N/A``),
   and :func:`port_lanes` unions them, keeping every source that vouches for a lane.
2. **What is the wait in a lane at an hour?** :func:`lane_waits` turns the long wait table
   (:data:`binational.schema.WAITS_COLUMNS`, any mix of sources) into one figure per port,
   direction, lane and hour, taking each cell from the first source of :data:`PRECEDENCE` that
   has it, and keeping that source's name in ``source``.

Precedence (default, :data:`PRECEDENCE`), from first to last:

1. ``SANDAG`` – SANDAG's 2017 observed hourly waits (CBP Tuesday–Thursday data summarised by
   SANDAG): the same year as SANDAG's 2017 cross-border survey, so the fit of the commuting model
   uses the waits its travellers faced;
2. ``CBP BWT historical`` – CBP's historical averages by month × weekday × hour (the official
   typical wait; the only source with pedestrian Ready Lane waits by hour at San Ysidro);
3. ``Bordify`` – the 2025–26 ten-minute series scraped from bordify.com (recent; the only
   hourly source for Tecate and for Otay Mesa pedestrians);
4. ``CBP Border Wait Times API snapshot`` – one reading of the live feed (last resort: one
   instant, not an hourly profile; it fills every hour with the one value and says so).

A cell no source has stays missing: the caller decides (:func:`require_lane_waits` raises or
fills from the nearest hour and reports it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import SchemaError
from ._files import PathLike, check_file, read_source_csv, snake
from .waits import fill_calendar

__all__ = [
    "COMMUTER_LANES",
    "PRECEDENCE",
    "LaneError",
    "booths_open",
    "check_lanes",
    "lane_waits",
    "port_lanes",
    "read_bwt_lanes",
    "read_poe_rates",
    "read_port_configurations",
    "read_sandag_observed_volumes",
    "require_lane_waits",
]

log = get_logger(__name__)


#: Passenger lanes a commuter can use (vehicle: general, Ready, SENTRI; on foot: pedestrian,
#: pedestrian Ready).
COMMUTER_LANES = ("general", "ready", "sentri", "pedestrian", "pedestrian_ready")
WALK_LANES = ("pedestrian", "pedestrian_ready")

#: Source precedence of :func:`lane_waits` (text matched, case-insensitively, in ``source``).
PRECEDENCE = ("SANDAG", "CBP BWT historical", "Bordify", "CBP Border Wait Times API snapshot")

NO_WAIT = "no_wait_for_lane_hour"
FILLED = "wait_filled_from_nearest_hour"


class LaneError(SchemaError):
    """A lane a port does not have, or a lane code that is not a lane."""


# SANDAG port_configurations.csv: traveler_type → lane (passenger lanes only)
_SANDAG_TRAVELER = {"general": "general", "ready": "ready", "sentri": "sentri"}
_SANDAG_PORTS = {"san ysidro": 2504, "otay mesa": 2506, "otay mesa east": 2599}

# CBP BWT flattened columns: prefix → lane
_BWT_LANE_COLUMNS = {
    "pv_standard_lanes": "general",
    "pv_NEXUS_SENTRI_lanes": "sentri",
    "pv_ready_lanes": "ready",
    "ped_standard_lanes": "pedestrian",
    "ped_ready_lanes": "pedestrian_ready",
}


def read_port_configurations(path: PathLike, *, report: DropReport | None = None) -> pd.DataFrame:
    """Passenger lanes of each port from SANDAG's SR-11/OME ``port_configurations.csv``.

    Parameters
    ----------
    path
        The CSV (``port_name, vehicle_type, traveler_type, direction, min_lanes, min_wait,
        max_wait, ...``).
    report
        Receives rows that are not passenger lanes of a known port (commercial rows, the
        southbound ``_All_`` rows) with reason ``not_a_passenger_lane``.

    Returns
    -------
    pandas.DataFrame
        ``port_code, port_name, direction, lane, min_lanes, min_wait, max_wait, source``.
    """
    path = Path(path)
    report = report if report is not None else DropReport()
    check_file(path, what="SANDAG port configuration")
    df = read_source_csv(path, what="SANDAG port configuration")
    df.columns = [snake(c) for c in df.columns]
    need = ["port_name", "vehicle_type", "traveler_type", "direction"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise SchemaError(f"{path}: SANDAG port configuration lacks column(s) {missing}")
    name = df["port_name"].astype(str).str.strip().str.lower()
    unknown = ~name.isin(_SANDAG_PORTS)
    if unknown.any():
        raise SchemaError(
            f"{path}: column port_name has unknown port(s) "
            f"{sorted(df.loc[unknown, 'port_name'].unique())} (known: {sorted(_SANDAG_PORTS)})"
        )
    traveler = df["traveler_type"].astype(str).str.strip().str.lower()
    passenger = df["vehicle_type"].astype(str).str.strip().str.lower() == "passenger"
    keep = passenger & traveler.isin(_SANDAG_TRAVELER)
    if (~keep).any():
        report.add(
            "port_configurations",
            df.index[~keep],
            "not_a_passenger_lane",
            f"commercial or all-lane rows; {path.name}",
        )
    sel = df[keep]
    out = pd.DataFrame(
        {
            schema.PORT_CODE: name[keep].map(_SANDAG_PORTS).astype(int).to_numpy(),
            "port_name": sel["port_name"].astype(str).to_numpy(),
            "direction": sel["direction"].astype(str).str.strip().str.lower().to_numpy(),
            "lane": traveler[keep].map(_SANDAG_TRAVELER).to_numpy(),
        }
    )
    for col in ("min_lanes", "min_wait", "max_wait"):
        out[col] = pd.to_numeric(sel[col], errors="coerce").to_numpy() if col in sel else np.nan
    out["source"] = f"SANDAG SR-11/OME port configurations ({path.name})"
    return out


def read_bwt_lanes(path: PathLike) -> pd.DataFrame:
    """Passenger lanes of each CBP crossing from the flattened BWT API snapshot.

    A lane group exists at a crossing when its ``<group>_operational_status`` is anything but
    ``N/A`` (``delay``, ``no delay``, ``Lanes Closed`` and ``Update Pending`` all name a lane that
    is there).

    Returns
    -------
    pandas.DataFrame
        ``port_code, crossing_id, direction, lane, status, source`` (northbound: the feed is for
        entries into the US).
    """
    path = Path(path)
    check_file(path, what="CBP BWT crossings")
    df = read_source_csv(path, what="CBP BWT crossings", dtype=str, keep_default_na=False)
    if "port_number" not in df.columns:
        raise SchemaError(f"{path}: no port_number column (the flattened CBP BWT snapshot)")
    rows = []
    for prefix, lane in _BWT_LANE_COLUMNS.items():
        col = f"{prefix}_operational_status"
        if col not in df.columns:
            raise SchemaError(f"{path}: column {col} missing")
        status = df[col].str.strip()
        has = (status != "") & (status.str.upper() != "N/A")
        for pid, st in zip(df.loc[has, "port_number"], status[has], strict=True):
            pid = str(pid).strip()[-6:]
            if not pid[:4].isdigit():
                continue
            rows.append((int(pid[:4]), pid, schema.DIRECTIONS[0], lane, st))
    out = pd.DataFrame(
        rows, columns=[schema.PORT_CODE, "crossing_id", "direction", "lane", "status"]
    )
    out = out.drop_duplicates([schema.PORT_CODE, "crossing_id", "lane"]).reset_index(drop=True)
    out["source"] = f"CBP Border Wait Times API snapshot ({path.name})"
    return out


def port_lanes(*tables: pd.DataFrame) -> pd.DataFrame:
    """Union of lane tables: one row per port, direction and lane, with every source behind it.

    Parameters
    ----------
    tables
        Frames with ``port_code, direction, lane, source`` (:func:`read_port_configurations`,
        :func:`read_bwt_lanes`, or your own).

    Returns
    -------
    pandas.DataFrame
        ``port_code, direction, lane, sources`` (``"; "``-joined).
    """
    parts = []
    for t in tables:
        missing = [c for c in (schema.PORT_CODE, "direction", "lane", "source") if c not in t]
        if missing:
            raise SchemaError(f"lane table lacks column(s) {missing}")
        parts.append(t[[schema.PORT_CODE, "direction", "lane", "source"]])
    if not parts:
        raise SchemaError("port_lanes needs at least one lane table")
    allr = pd.concat(parts, ignore_index=True)
    bad = ~allr["lane"].isin(schema.LANES)
    if bad.any():
        raise LaneError(
            f"unknown lane code(s) {sorted(allr.loc[bad, 'lane'].unique())}; lanes: {schema.LANES}"
        )
    out = (
        allr.groupby([schema.PORT_CODE, "direction", "lane"], sort=True)["source"]
        .agg(lambda s: "; ".join(sorted(set(s))))
        .rename("sources")
        .reset_index()
    )
    return out


def check_lanes(
    lanes: pd.DataFrame,
    pairs: Iterable[tuple[int, str]],
    *,
    direction: str = schema.DIRECTIONS[0],
) -> None:
    """Raise :class:`LaneError` for a (port, lane) pair the lane table does not have.

    The message names the lanes the port has and the sources they come from.
    """
    have = lanes[lanes["direction"] == direction]
    for port, lane in pairs:
        if lane not in schema.LANES:
            raise LaneError(f"lane {lane!r} is not a lane code; lanes: {schema.LANES}")
        rows = have[have[schema.PORT_CODE] == int(port)]
        if lane not in set(rows["lane"]):
            known = sorted(rows["lane"]) if len(rows) else []
            raise LaneError(
                f"port {port} has no {direction} {lane!r} lane; it has {known or 'no lanes'} "
                f"according to {sorted(set(rows['sources'])) if len(rows) else 'the lane table'}"
            )


def _weekday_filter(waits: pd.DataFrame, weekday) -> pd.Series:
    """Rows for the weekdays asked; rows without a weekday (SANDAG's Tue–Thu) count as weekdays."""
    wd = pd.to_numeric(waits["weekday"], errors="coerce")
    if weekday in (None, "all"):
        return pd.Series(True, index=waits.index)
    if weekday == "weekdays":
        return wd.isna() | wd.between(0, 4)
    if weekday == "weekend":
        return wd.between(5, 6)
    days = [int(weekday)] if np.isscalar(weekday) else [int(w) for w in weekday]
    return wd.isna() | wd.isin(days)


def lane_waits(
    waits: pd.DataFrame,
    *,
    ports: Sequence[int] | None = None,
    lanes: Sequence[str] = COMMUTER_LANES,
    direction: str = schema.DIRECTIONS[0],
    weekday="weekdays",
    precedence: Sequence[str] = PRECEDENCE,
    stat: str = "median",
    report: DropReport | None = None,
) -> pd.DataFrame:
    """One wait per port, lane and hour (0–23), each from the first source that has it.

    Parameters
    ----------
    waits
        Long wait table (:data:`binational.schema.WAITS_COLUMNS`): rows with a ``time`` get
        their hour and weekday from it.
    ports
        Ports to keep (default: all in the table).
    lanes
        Lanes to keep (default :data:`COMMUTER_LANES`).
    direction
        ``"northbound"`` or ``"southbound"``.
    weekday
        ``"weekdays"`` (Monday–Friday; SANDAG's Tue–Thu rows included, default), ``"weekend"``,
        ``"all"``, a day 0–6 (Monday = 0) or a list of days.
    precedence
        Source texts in order (:data:`PRECEDENCE`); rows whose ``source`` matches none come
        last.
    stat
        ``"median"`` or ``"mean"`` of the rows of a cell within the chosen source.
    report
        Receives rows left out because the lane was closed (``lanes_open`` 0: the
        "0 minutes" of a closed lane is not a wait; reason ``lane_closed``).

    Returns
    -------
    pandas.DataFrame
        ``port_code, direction, lane, hour, minutes, n_rows, source, rank`` (``rank``: the
        position of the source in ``precedence``, ``len(precedence)`` for an unlisted source).
        The live snapshot (no hour profile) fills every hour of its lane with its one reading,
        and ``source`` says ``(one reading, all hours)``.
    """
    if direction not in schema.DIRECTIONS:
        raise SchemaError(f"direction {direction!r} must be one of {schema.DIRECTIONS}")
    bad = [ln for ln in lanes if ln not in schema.LANES]
    if bad:
        raise LaneError(f"unknown lane code(s) {bad}; lanes: {schema.LANES}")
    if stat not in ("median", "mean"):
        raise SchemaError(f"stat {stat!r}: use 'median' or 'mean'")
    need = [schema.PORT_CODE, "lane", "direction", "minutes", "source"]
    missing = [c for c in need if c not in waits.columns]
    if missing:
        raise SchemaError(f"wait table lacks column(s) {missing} (see schema.WAITS_COLUMNS)")
    w = fill_calendar(waits, keys=("weekday", "hour"))
    w = w[(w["direction"].astype(str) == direction) & w["lane"].isin(list(lanes))]
    w = w[w["minutes"].notna()]
    w = w[_weekday_filter(w, weekday)]
    if "lanes_open" in w.columns:
        closed = pd.to_numeric(w["lanes_open"], errors="coerce").astype(float).eq(0.0)
        if closed.any():
            rep = report if report is not None else DropReport()
            rep.add(
                "lane_waits",
                w.index[closed],
                "lane_closed",
                f"{int(closed.sum())} reading(s) with 0 lanes open left out",
            )
            w = w[~closed]
    if ports is not None:
        w = w[pd.to_numeric(w[schema.PORT_CODE], errors="coerce").isin([int(p) for p in ports])]
    src = w["source"].astype(str)
    rank = pd.Series(len(precedence), index=w.index)
    for i, text in reversed(list(enumerate(precedence))):
        rank[src.str.contains(text, case=False, regex=False)] = i
    w = w.assign(rank=rank, port_code=w[schema.PORT_CODE].astype(int))
    hourly = w[w["hour"].notna()].copy()
    hourly["hour"] = hourly["hour"].astype(int)
    key = [schema.PORT_CODE, "lane", "hour", "rank", "source"]
    cells = hourly.groupby(key, sort=True)["minutes"].agg([stat, "size"]).reset_index()
    cells = cells.rename(columns={stat: "minutes", "size": "n_rows"})
    # a snapshot without an hour would be dropped above; none in the shared data (live rows
    # carry their local hour), but a profile-less source fills every hour of its lane
    flat = w[w["hour"].isna()]
    if len(flat):
        g = flat.groupby([schema.PORT_CODE, "lane", "rank", "source"])["minutes"]
        one = (
            g.agg([stat, "size"]).reset_index().rename(columns={stat: "minutes", "size": "n_rows"})
        )
        one = one.merge(pd.DataFrame({"hour": range(24)}), how="cross")
        one["source"] = one["source"] + " (one reading, all hours)"
        cells = pd.concat([cells, one], ignore_index=True)
    live = cells["source"].str.contains("API snapshot", case=False, regex=False)
    if live.any():
        # a live reading is one instant: lend it to every hour of its lane
        snap = cells[live].groupby([schema.PORT_CODE, "lane", "rank", "source"])
        filled = snap.agg(minutes=("minutes", "median"), n_rows=("n_rows", "sum")).reset_index()
        filled = filled.merge(pd.DataFrame({"hour": range(24)}), how="cross")
        filled["source"] = filled["source"] + " (one reading, all hours)"
        cells = pd.concat([cells[~live], filled], ignore_index=True)
    cells = cells.sort_values([schema.PORT_CODE, "lane", "hour", "rank"])
    best = cells.drop_duplicates([schema.PORT_CODE, "lane", "hour"], keep="first")
    best = best.assign(direction=direction)
    cols = [schema.PORT_CODE, "direction", "lane", "hour", "minutes", "n_rows", "source", "rank"]
    return best[cols].reset_index(drop=True)


def require_lane_waits(
    table: pd.DataFrame,
    pairs: Iterable[tuple[int, str]],
    *,
    hours: Sequence[int] = tuple(range(24)),
    fill: str = "nearest",
    fixed: dict | None = None,
    report: DropReport | None = None,
) -> pd.DataFrame:
    """A complete ``port × lane × hour`` grid of waits; every gap is filled and reported, or raised.

    Parameters
    ----------
    table
        :func:`lane_waits` output.
    pairs
        ``(port_code, lane)`` pairs that need a wait at every hour of ``hours``.
    hours
        Hours needed.
    fill
        ``"nearest"``: a missing hour takes the nearest hour (circular) of the same port and
        lane; ``"error"``: raise. A pair with no hour at all is filled from ``fixed`` or raises.
    fixed
        ``{(port_code, lane): minutes}`` for pairs no source covers (e.g. a scenario's new port).
    report
        Receives each filled cell (reason ``wait_filled_from_nearest_hour``) and each fixed pair.

    Returns
    -------
    pandas.DataFrame
        ``port_code, lane, hour, minutes, source`` for every pair × hour.
    """
    report = report if report is not None else DropReport()
    fixed = dict(fixed or {})
    rows = []
    for port, lane in pairs:
        key = (int(port), lane)
        sel = table[(table[schema.PORT_CODE] == key[0]) & (table["lane"] == lane)]
        by_hour = dict(
            zip(
                sel["hour"].astype(int),
                zip(sel["minutes"], sel["source"], strict=True),
                strict=True,
            )
        )
        if key in fixed:
            for h in hours:
                rows.append((*key, h, float(fixed[key]), "fixed (scenario or user)"))
            report.add("lane_waits", [f"{key[0]}:{lane}"], "wait_fixed", f"{fixed[key]} min")
            continue
        if not by_hour:
            raise LaneError(
                f"no wait for port {key[0]} lane {lane!r} at any hour in any source; pass "
                f"fixed={{({key[0]}, {lane!r}): minutes}} or drop the lane from the choice set"
            )
        have = np.array(sorted(by_hour))
        for h in hours:
            if h in by_hour:
                m, s = by_hour[h]
                rows.append((*key, h, float(m), s))
                continue
            if fill == "error":
                raise LaneError(f"no wait for port {key[0]} lane {lane!r} at hour {h}")
            gap = np.abs(have - h)
            near = int(have[np.argmin(np.minimum(gap, 24 - gap))])
            m, s = by_hour[near]
            rows.append((*key, h, float(m), f"{s} (hour {near}: no wait at hour {h})"))
            report.add("lane_waits", [f"{key[0]}:{lane}:{h}"], FILLED, f"from hour {near}")
            log.info("port %s lane %s hour %s: no wait; used hour %s", key[0], lane, h, near)
    return pd.DataFrame(rows, columns=[schema.PORT_CODE, "lane", "hour", "minutes", "source"])


def read_sandag_observed_volumes(path: PathLike) -> pd.DataFrame:
    """Hourly volumes and waits per port and lane from SANDAG's 2017 observed data.

    ``OME_Observed_Data.csv`` (SR-11/OME model calibration): passenger vehicles per hour by
    port, direction and traveler type (General, Ready, SENTRI), with the CBP wait
    (``wait_time``, Tuesday–Thursday, summarised by SANDAG) and open lanes.

    Returns
    -------
    pandas.DataFrame
        ``port_code, direction, lane, hour (0-23), vehicles, wait_minutes, lanes_open,
        source`` for passenger lanes (southbound rows have no wait: ``wait_minutes`` NaN).
    """
    path = Path(path)
    check_file(path, what="SANDAG observed volumes")
    df = read_source_csv(path, what="SANDAG observed volumes")
    df.columns = [snake(c) for c in df.columns]
    need = ["hour", "port_name", "direction", "vehicle_type", "traveler_type", "volume"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise SchemaError(f"{path}: SANDAG observed data lacks column(s) {missing}")
    passenger = df["vehicle_type"].astype(str).str.strip().str.lower() == "passenger"
    df = df[passenger]
    name = df["port_name"].astype(str).str.strip().str.lower()
    unknown = ~name.isin(_SANDAG_PORTS)
    if unknown.any():
        raise SchemaError(
            f"{path}: column port_name: unknown port(s) {sorted(df.loc[unknown, 'port_name'].unique())}"
        )
    traveler = df["traveler_type"].astype(str).str.strip().str.lower()
    lane = traveler.map({**_SANDAG_TRAVELER, "_all_": "general"})
    hour = pd.to_numeric(df["hour"], errors="coerce")
    if hour.isna().any() or not hour.between(1, 24).all():
        raise SchemaError(f"{path}: column hour: expected 1-24")
    vol = pd.to_numeric(df["volume"], errors="coerce")
    if vol.isna().any() or (vol < 0).any():
        raise SchemaError(f"{path}: column volume: missing or negative value(s)")
    return pd.DataFrame(
        {
            schema.PORT_CODE: name.map(_SANDAG_PORTS).astype(int).to_numpy(),
            "direction": df["direction"].astype(str).str.strip().str.lower().to_numpy(),
            "lane": lane.to_numpy(),
            "hour": (hour - 1).astype(int).to_numpy(),
            "vehicles": vol.to_numpy(dtype=float),
            "wait_minutes": pd.to_numeric(df.get("wait_time"), errors="coerce").to_numpy(
                dtype=float
            ),
            "lanes_open": pd.to_numeric(df.get("open_lanes"), errors="coerce").to_numpy(
                dtype=float
            ),
            "source": f"SANDAG SR-11/OME observed 2017 ({path.name})",
        }
    )


# SANDAG poe_rates column prefixes: port and lane codes (passenger lanes only; OMC/OMEC are the
# commercial ports, SP their FAST lane)
_POE_PORTS = {"SY": 2504, "OM": 2506, "OME": 2599}
_POE_LANES = {
    "GP": ("northbound", "general"),
    "RE": ("northbound", "ready"),
    "SE": ("northbound", "sentri"),
    "SB": ("southbound", "general"),
}


def read_poe_rates(path: PathLike) -> pd.DataFrame:
    """Booths open and processing rates per port, lane and hour from SANDAG's 2017 base year.

    ``poe_rates_2017_base.csv`` (SR-11/OME model, ``scenario_inputs/2017_Base/POE_Rates``) has,
    per hour ``TIME`` 1–24 and ``<port>_<lane>`` (``SY``, ``OM``, ``OME`` × ``GP`` general,
    ``RE`` Ready, ``SE`` SENTRI, ``SB`` southbound): ``MAX`` booths, ``OPEN`` booths open,
    ``VEH`` vehicles per booth-hour, ``STL`` stacked booths (two vehicles processed at once)
    and ``STV`` their vehicles per booth-hour. Capacity is read as
    ``(OPEN − STL) · VEH + STL · STV`` vehicles per hour (the reading of ``STL``/``STV`` is
    ours, from the column names; it matches the observed 2017 throughput of the saturated
    lanes, e.g. San Ysidro general at 07:00: 8 × 73 = 584 against 557 observed).

    Returns
    -------
    pandas.DataFrame
        ``port_code, direction, lane, hour (0-23), lanes_open, max_lanes, rate_vph,
        stacked_lanes, stacked_rate_vph, capacity_vph, source``.
    """
    path = Path(path)
    check_file(path, what="SANDAG POE rates")
    df = read_source_csv(path, what="SANDAG POE rates")
    if "TIME" not in df.columns:
        raise SchemaError(f"{path}: SANDAG POE rates lack column 'TIME'")
    hour = pd.to_numeric(df["TIME"], errors="coerce")
    if hour.isna().any() or not hour.between(1, 24).all():
        raise SchemaError(f"{path}: column TIME: expected hours 1-24")
    rows = []
    for port, code in _POE_PORTS.items():
        for ln, (direction, lane) in _POE_LANES.items():
            cols = {c: f"{port}_{ln}_{c}" for c in ("MAX", "OPEN", "VEH", "STL", "STV")}
            if not all(c in df.columns for c in cols.values()):
                continue
            v = {c: pd.to_numeric(df[col], errors="coerce") for c, col in cols.items()}
            bad = [col for c, col in cols.items() if v[c].isna().any() or (v[c] < 0).any()]
            if bad:
                raise SchemaError(f"{path}: column(s) {bad}: missing or negative value(s)")
            if (v["STL"] > v["OPEN"]).any():
                raise SchemaError(f"{path}: column {cols['STL']} exceeds {cols['OPEN']}")
            rows.append(
                pd.DataFrame(
                    {
                        schema.PORT_CODE: code,
                        "direction": direction,
                        "lane": lane,
                        "hour": (hour - 1).astype(int).to_numpy(),
                        "lanes_open": v["OPEN"].to_numpy(dtype=float),
                        "max_lanes": v["MAX"].to_numpy(dtype=float),
                        "rate_vph": v["VEH"].to_numpy(dtype=float),
                        "stacked_lanes": v["STL"].to_numpy(dtype=float),
                        "stacked_rate_vph": v["STV"].to_numpy(dtype=float),
                        "capacity_vph": (
                            (v["OPEN"] - v["STL"]) * v["VEH"] + v["STL"] * v["STV"]
                        ).to_numpy(dtype=float),
                    }
                )
            )
    if not rows:
        raise SchemaError(f"{path}: no <port>_<lane>_OPEN columns of a known port")
    out = pd.concat(rows, ignore_index=True)
    out["source"] = f"SANDAG SR-11/OME POE rates 2017 base ({path.name})"
    return out


def booths_open(*tables: pd.DataFrame) -> pd.DataFrame:
    """Booths open per port, direction, lane and hour: the mean of the sources that count them.

    For 2017 two sources count the booths open at San Ysidro and Otay Mesa by lane and hour:
    CBP's Tuesday–Thursday counts summarised by SANDAG
    (:func:`read_sandag_observed_volumes`) and SANDAG's base-year POE schedule
    (:func:`read_poe_rates`). They differ by a booth or two in many hours. Each is a noisy
    measure of the same quantity; their mean halves the variance of independent errors, which
    would otherwise bias a fitted capacity coefficient towards 0 (attenuation). A cell counted
    by one source only keeps that count.

    Returns
    -------
    pandas.DataFrame
        ``port_code, direction, lane, hour, lanes_open, n_sources, source``.
    """
    key = [schema.PORT_CODE, "direction", "lane", "hour"]
    parts = []
    for t in tables:
        missing = [c for c in [*key, "lanes_open"] if c not in t.columns]
        if missing:
            raise SchemaError(f"booths table lacks column(s) {missing}")
        src = t["source"].astype(str) if "source" in t.columns else pd.Series("", index=t.index)
        parts.append(t[[*key, "lanes_open"]].assign(source=src.to_numpy()))
    allt = pd.concat(parts, ignore_index=True).dropna(subset=["lanes_open"])
    g = allt.groupby(key, sort=True)
    out = g["lanes_open"].agg(lanes_open="mean", n_sources="size").reset_index()
    out["source"] = g["source"].agg(lambda s: "; ".join(sorted(set(s)))).to_numpy()
    return out
