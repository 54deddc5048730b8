"""The key figures that open the report: who lives on each side, how many cross, how long they
wait, and how many cross to work. Plain tables from the loaded region and precomputed results;
no file reading here (the survey table comes from :func:`binational.io.survey.read_od_survey`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from . import _tables

__all__ = [
    "AM_PEAK",
    "LANES",
    "am_peak_waits",
    "crossings_per_day",
    "group_figures",
    "survey_work_trips",
]

#: Hours of the morning peak (local clock, 06:00–08:59).
AM_PEAK = (6, 7, 8)
#: Passenger lanes shown in the wait table, in this order.
LANES = ("general", "ready", "sentri", "pedestrian", "pedestrian_ready")


def group_figures(units: pd.DataFrame, table: pd.DataFrame | None, side: str, groups) -> list:
    """For each group of ``side``: its population, its share of the side's population and the
    dissimilarity index D with its bootstrap interval (from the concentration ``table``).

    Returns a list of dicts ``group, count, share, d, ci_low, ci_high, note``; D is None when
    the table has no usable row for the group.
    """
    part = units[units[schema.COUNTRY] == side]
    total = part[schema.POP_TOTAL].astype("float64").sum()
    out = []
    for group in groups:
        if group not in part.columns:
            continue
        values = part[group].astype("float64")
        if not np.isfinite(values.to_numpy(na_value=np.nan)).any():
            continue
        count = float(values.sum())
        row = None
        if table is not None and len(table):
            sel = table[
                (table["scope"].astype(str) == side)
                & (table["group"].astype(str) == group)
                & (table["index"].astype(str) == "dissimilarity")
            ]
            if "status" in sel.columns:
                sel = sel[sel["status"].astype(str) == "ok"]
            row = sel.iloc[0] if len(sel) else None
        out.append(
            {
                "group": group,
                "count": count,
                "share": count / total if total > 0 else np.nan,
                "d": None if row is None else float(row["value"]),
                "ci_low": None if row is None else _num(row.get("ci_low")),
                "ci_high": None if row is None else _num(row.get("ci_high")),
                "note": "" if row is None else str(row.get("note") or ""),
            }
        )
    return out


def _num(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def crossings_per_day(crossings: pd.DataFrame, *, months: int = 12):
    """People crossing northbound per day over the latest ``months`` months (BTS person
    measures: pedestrians and passengers), total and per port.

    Returns
    -------
    (float, pandas.Series, (Timestamp, Timestamp)) or None
        Total per day, per-port per day (index port_code) and the month span; None without
        counts.
    """
    span = _tables.window(crossings, months)
    vols = _tables.port_volumes(crossings, months=months)
    if span is None or vols.empty or "persons" not in vols.columns:
        return None
    first, last = span
    days = ((last + pd.offsets.MonthEnd(0)) - first).days + 1
    per_port = vols["persons"].astype("float64") / days
    return float(per_port.sum()), per_port, span


def am_peak_waits(
    waits: pd.DataFrame, *, hours=AM_PEAK, lanes=LANES, direction: str = "northbound"
) -> pd.DataFrame:
    """Median wait (minutes) in the morning peak per port and lane.

    For each lane, the hourly profile of :func:`binational.render._tables.wait_by_hour` (one
    source per port, the one with the most observations, at least 12 distinct hours) is
    reduced to the median over ``hours``.

    Returns
    -------
    pandas.DataFrame
        ``port_code, lane, median_wait, source``; empty when no lane has a profile.
    """
    rows = []
    for lane in lanes:
        table = _tables.wait_by_hour(waits, lane=lane, direction=direction)
        if table.empty:
            continue
        cols = [h for h in hours if h in table.columns]
        for code, row in table.iterrows():
            vals = row[cols].to_numpy(dtype="float64")
            vals = vals[np.isfinite(vals)]
            if vals.size == 0:
                continue
            rows.append(
                {
                    "port_code": int(code),
                    "lane": lane,
                    "median_wait": float(np.median(vals)),
                    "source": str(table.attrs["source"].get(code, "")),
                }
            )
    return pd.DataFrame(rows, columns=["port_code", "lane", "median_wait", "source"])


def survey_work_trips(survey: pd.DataFrame | None) -> dict | None:
    """Northbound trips per weekday in the OD survey: work trips (HBW) in total, and a table
    of all purposes by port and lane. None without a survey."""
    if survey is None or len(survey) == 0:
        return None
    nb = survey[survey["direction"] == "northbound"]
    work = float(nb.loc[nb["purpose"] == "HBW", "weight"].sum())
    table = nb.pivot_table(
        index=["port_code", "lane"], columns="purpose", values="weight", aggfunc="sum", fill_value=0
    ).reset_index()
    table.columns = [str(c) for c in table.columns]
    return {"work": work, "all": float(nb["weight"].sum()), "table": table}
