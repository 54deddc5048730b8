"""Wait profiles: minutes by hour of day (and weekday, month) from any wait table.

The one rule for a wait's calendar keys: ``month``, ``weekday`` (0 = Monday) and ``hour`` are
the table's own columns; where one is empty and ``time`` is set, it is taken from that
timestamp on its own clock (:func:`fill_calendar`). :func:`wait_profile` (one port and lane)
and :func:`wait_by_hour` (every port, one source per port) group by those keys, and so do the
catchment wait lookup and the lane table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import schema
from ._memo import memoised
from .errors import SchemaError

NORTHBOUND = schema.DIRECTIONS[0]

__all__ = ["CALENDAR_KEYS", "fill_calendar", "wait_by_hour", "wait_profile"]

#: Calendar keys of a wait row, each on the port's local clock.
CALENDAR_KEYS = ("month", "weekday", "hour")
_CLOCK_ATTRS = {"month": "month", "weekday": "day_of_week", "hour": "hour"}


def fill_calendar(waits: pd.DataFrame, *, keys: Sequence[str] = CALENDAR_KEYS) -> pd.DataFrame:
    """A copy of ``waits`` whose calendar ``keys`` are numeric and filled from ``time``.

    Parameters
    ----------
    waits
        Wait table (:data:`binational.schema.WAITS_COLUMNS`, or fewer columns).
    keys
        Among :data:`CALENDAR_KEYS`; a key the table lacks is added (empty, then filled).

    Returns
    -------
    pandas.DataFrame
        The keys as numbers; where a key is empty and ``time`` is set, that timestamp's month,
        weekday (0 = Monday) or hour on its own clock (so it works on a column mixing time
        zones). The input is not changed.
    """
    unknown = [k for k in keys if k not in _CLOCK_ATTRS]
    if unknown:
        raise SchemaError(f"calendar key(s) {unknown}: use {CALENDAR_KEYS}")
    out = waits.copy()
    for key in keys:
        out[key] = pd.to_numeric(out[key], errors="coerce") if key in out.columns else np.nan
    if "time" in out.columns:
        for key in keys:
            gap = out[key].isna() & out["time"].notna()
            if gap.any():
                attr = _CLOCK_ATTRS[key]
                out.loc[gap, key] = [
                    float(getattr(pd.Timestamp(t), attr)) for t in out.loc[gap, "time"]
                ]
    return out


def _summarise(rows: pd.DataFrame, by: Sequence[str], stat) -> pd.Series:
    """``stat`` of ``minutes`` grouped by the integer calendar keys ``by``."""
    rows = rows.astype({key: int for key in by})
    grouped = rows.groupby(list(by))["minutes"]
    if stat in ("median", "mean", "min", "max", "count"):
        out = getattr(grouped, stat)()
    else:
        try:
            q = float(stat)
        except (TypeError, ValueError):
            raise SchemaError(
                f"stat {stat!r}: use median, mean, min, max, count or a quantile"
            ) from None
        if not 0 <= q <= 1:
            raise SchemaError(f"stat {stat!r}: a quantile must be in [0, 1]")
        out = grouped.quantile(q)
    return out.rename("minutes")


def wait_profile(
    waits: pd.DataFrame,
    *,
    port_code: int,
    lane: str = "general",
    direction: str = NORTHBOUND,
    by: str | Sequence[str] = ("weekday", "hour"),
    stat="median",
    crossing_id: str | None = None,
) -> pd.Series:
    """Minutes of wait by hour of day (and weekday, month) for one port and lane.

    Works on any wait table with :data:`binational.schema.WAITS_COLUMNS` (historical averages,
    live snapshots, scraped series, SANDAG), or a mix of them. Pure: the input is not changed.

    Parameters
    ----------
    waits
        Long wait table.
    port_code
        Port (e.g. 2504).
    lane, direction
        As in the table (lanes: :data:`binational.schema.LANES`).
    by
        Profile keys among ``"month"``, ``"weekday"`` (0 = Monday) and ``"hour"``. Rows missing a
        key (e.g. SANDAG's weekday) are left out; where a key is missing but ``time`` is set,
        the key is taken from ``time``'s own clock.
    stat
        ``"median"`` (default), ``"mean"``, ``"min"``, ``"max"``, ``"count"`` or a quantile in
        [0, 1].
    crossing_id
        Keep only this CBP crossing (e.g. ``"250407"`` PedWest).

    Returns
    -------
    pandas.Series
        Named ``minutes``, indexed by ``by``.

    Raises
    ------
    binational.errors.SchemaError
        If a column is missing, an argument is unknown, or no row matches (listing what the table
        has).
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    if not by or any(k not in CALENDAR_KEYS for k in by):
        raise SchemaError(f"by={by!r}: use one or more of {CALENDAR_KEYS}")
    if lane not in schema.LANES:
        raise SchemaError(f"lane {lane!r} not in {schema.LANES}")
    if direction not in schema.DIRECTIONS:
        raise SchemaError(f"direction {direction!r} not in {schema.DIRECTIONS}")
    need = ["port_code", "lane", "direction", "minutes", *by]
    missing = [c for c in need if c not in waits.columns]
    if missing:
        raise SchemaError(
            f"wait table lacks column(s) {', '.join(missing)} (see schema.WAITS_COLUMNS)"
        )
    sel = (
        (pd.to_numeric(waits["port_code"], errors="coerce") == int(port_code))
        & (waits["lane"] == lane)
        & (waits["direction"] == direction)
    )
    if crossing_id is not None:
        sel &= waits["crossing_id"] == str(crossing_id)
    rows = waits.loc[
        sel.fillna(False), [*by, "minutes", *(["time"] if "time" in waits.columns else [])]
    ]
    rows = fill_calendar(rows, keys=by)
    rows = rows.assign(minutes=pd.to_numeric(rows["minutes"], errors="coerce"))
    rows = rows.dropna(subset=[*by, "minutes"])
    if rows.empty:
        have = waits.groupby(["port_code", "lane", "direction"], dropna=False).size()
        raise SchemaError(
            f"no {direction} {lane!r} waits for port {port_code}"
            + (f" crossing {crossing_id}" if crossing_id else "")
            + f" with {', '.join(by)} set; the table has (port, lane, direction): "
            + ", ".join(f"{k}" for k in have.index[:20])
        )
    return _summarise(rows, by, stat)


def wait_by_hour(
    waits: pd.DataFrame | None,
    *,
    lane: str | None = "general",
    direction: str | None = NORTHBOUND,
    source: str | None = None,
    min_hours: int = 12,
) -> pd.DataFrame:
    """Median wait (minutes) per port and hour of day (0–23) for one lane and direction.

    Sources are never mixed: for each port the source with the most observations is used
    (``source`` picks one by substring instead), and only if it covers at least ``min_hours``
    distinct hours (a single live snapshot is not a profile). Works on historical averages
    (month × weekday × hour cells; the median is over the cells) and on time series; hours come
    from :func:`fill_calendar`.

    Parameters
    ----------
    waits
        Long wait table (:data:`binational.schema.WAITS_COLUMNS`).
    lane, direction
        Rows to use (None: all).
    source
        Use only sources whose name contains this text.
    min_hours
        Least number of distinct hours a source must cover at a port.

    Returns
    -------
    pandas.DataFrame
        Port × hour (columns 0..23; NaN where no observation). ``.attrs["source"]`` maps each
        port to the source used.
    """
    return _wait_by_hour(waits, lane=lane, direction=direction, source=source, min_hours=min_hours)


@memoised
def _wait_by_hour(
    waits: pd.DataFrame | None,
    *,
    lane: str | None,
    direction: str | None,
    source: str | None,
    min_hours: int,
) -> pd.DataFrame:
    empty = pd.DataFrame(columns=range(24))
    empty.attrs["source"] = {}
    if waits is None or waits.empty:
        return empty
    # only the columns the profile reads (filtering the others' strings is most of the cost)
    use = ("port_code", "lane", "direction", "source", "hour", "time", "minutes")
    df = waits[[c for c in waits.columns if c in use]]
    if lane is not None and "lane" in df.columns:
        df = df[df["lane"].astype(str) == lane]
    if direction is not None and "direction" in df.columns:
        df = df[df["direction"].astype(str) == direction]
    src = df["source"].astype(str) if "source" in df.columns else pd.Series("", index=df.index)
    if source is not None:
        keep = src.str.contains(source, regex=False)
        df, src = df[keep], src[keep]
    df = (
        fill_calendar(df, keys=("hour",))
        .assign(minutes=pd.to_numeric(df["minutes"], errors="coerce"), _src=src)
        .dropna(subset=["hour", "minutes", "port_code"])
    )
    if df.empty:
        return empty
    rows, used = {}, {}
    for code, part in df.groupby("port_code"):
        counts = part.groupby("_src")["hour"].agg(["size", "nunique"])
        counts = counts[counts["nunique"] >= min_hours]
        if counts.empty:
            continue
        best = counts["size"].idxmax()
        rows[code] = _summarise(part[part["_src"] == best], ("hour",), "median")
        used[code] = best
    table = pd.DataFrame(rows).T.reindex(columns=range(24)) if rows else empty.copy()
    table.attrs["source"] = used
    return table
