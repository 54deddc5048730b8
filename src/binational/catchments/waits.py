"""Waits at the border: one figure per port for a direction, lane (or lane mix), hour and day.

:func:`resolve_waits` reads a long wait table. :func:`tidy_waits` turns what a user has into
one: the full table of :mod:`binational.io.waits` (``schema.WAITS_COLUMNS``), a tidy frame
with only ``port_code, hour, minutes`` (plus optional ``lane``, ``direction``, ``weekday``,
``month``), or a dict ``{port_code: minutes}`` / ``{(port_code, hour): minutes}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import SchemaError
from ..waitprofile import fill_calendar
from .graph import NORTHBOUND

if TYPE_CHECKING:
    from .cost import Scenario

__all__ = [
    "ANY",
    "ANY_TIME",
    "COMMUTER_LANE_MIX",
    "lane_label",
    "port_waits",
    "resolve_waits",
    "tidy_waits",
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

#: ``lane``/``direction`` of a row that applies to every lane/direction (column not given).
ANY = "any"
#: ``hour``/``weekday``/``month`` of a row that applies at any time (column not given).
ANY_TIME = -1

#: The columns a tidy wait frame must have (``time`` may stand in for ``hour``).
MINIMAL_WAIT_COLUMNS = (schema.PORT_CODE, "hour", "minutes")


def tidy_waits(waits, *, name: str = "wait table") -> pd.DataFrame:
    """Return waits as the long table :func:`resolve_waits` reads.

    Parameters
    ----------
    waits
        One of:

        - a frame with at least ``port_code``, ``hour`` (0-23; or a ``time`` to take it from)
          and ``minutes``, and optionally ``lane``, ``direction``, ``weekday`` (0-6, Monday = 0),
          ``month`` and ``source``. A column left out means "any": a frame without ``lane``
          gives every lane the same wait, one without ``weekday`` holds for every day. The
          full table read by :mod:`binational.io.waits` is such a frame;
        - a dict ``{port_code: minutes}`` (one wait at any hour);
        - a dict ``{(port_code, hour): minutes}``.
    name
        What the waits are, for messages.

    Returns
    -------
    pandas.DataFrame
        ``port_code`` (int), ``lane``, ``direction``, ``hour``, ``weekday``, ``month`` (float;
        :data:`ANY_TIME` for "any"), ``minutes`` and the frame's other columns.

    Raises
    ------
    binational.errors.SchemaError
        Neither a frame nor a dict, a column missing, a port code or hour not a number.
    """
    if isinstance(waits, Mapping):
        waits = _frame_from_dict(waits, name)
    if not isinstance(waits, pd.DataFrame):
        raise SchemaError(
            f"{name} is a {type(waits).__name__}: pass a DataFrame with columns "
            f"{', '.join(MINIMAL_WAIT_COLUMNS)} (optional lane, direction, weekday), "
            "a dict {port_code: minutes} or a dict {(port_code, hour): minutes}"
        )
    need = {schema.PORT_CODE, "minutes"} | ({"hour"} if "time" not in waits.columns else set())
    missing = sorted(need - set(waits.columns))
    if missing:
        raise SchemaError(
            f"{name} lacks column(s) {', '.join(missing)}: a wait table needs at least "
            f"{', '.join(MINIMAL_WAIT_COLUMNS)} (optional lane, direction, weekday, month)"
        )
    out = waits.copy()
    out[schema.PORT_CODE] = pd.to_numeric(out[schema.PORT_CODE], errors="coerce")
    bad = out[schema.PORT_CODE].isna()
    if bad.any():
        raise SchemaError(f"{name}: {int(bad.sum())} row(s) have no numeric port_code")
    out[schema.PORT_CODE] = out[schema.PORT_CODE].astype(int)
    out["minutes"] = pd.to_numeric(out["minutes"], errors="coerce")
    for col in ("lane", "direction"):
        if col not in out.columns:
            out[col] = ANY
    out = _with_calendar(out, absent=[c for c in ("weekday", "month") if c not in waits.columns])
    hours = out["hour"].dropna()
    odd = hours[(hours != ANY_TIME) & ~hours.between(0, 23)]
    if len(odd):
        raise SchemaError(f"{name}: hour {odd.iloc[0]!r} is not 0-23")
    return out


def _frame_from_dict(waits: Mapping, name: str) -> pd.DataFrame:
    rows = []
    for key, minutes in waits.items():
        try:
            code, hour = key if isinstance(key, tuple) else (key, ANY_TIME)
            rows.append((int(code), float(hour), float(minutes)))
        except (TypeError, ValueError):
            raise SchemaError(
                f"{name}: entry {key!r}: {minutes!r} is not port_code: minutes or "
                "(port_code, hour): minutes"
            ) from None
    return pd.DataFrame(rows, columns=[schema.PORT_CODE, "hour", "minutes"])


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


def _with_calendar(waits: pd.DataFrame, *, absent: Sequence[str] = ()) -> pd.DataFrame:
    """The calendar keys filled from ``time`` (:func:`binational.io.waits.fill_calendar`); a
    key in ``absent`` (not given by the user) holds :data:`ANY_TIME`."""
    waits = waits.copy()
    for col in absent:
        waits[col] = float(ANY_TIME)
    return fill_calendar(waits, keys=("weekday", "hour", "month"))


def _match(
    rows: pd.DataFrame, *, hour: int | None, days: list[int] | None, month: int | None, relax: bool
) -> tuple[pd.DataFrame | None, str]:
    """Rows at the month, weekday and hour asked; failing that (``relax``), the nearest ones."""

    def pick(use_month: bool, use_days: bool, use_hour: int | None) -> pd.DataFrame:
        sel = pd.Series(True, index=rows.index)
        if use_month and month is not None:
            sel &= rows["month"].isin([int(month), ANY_TIME])
        if use_days and days is not None:
            sel &= rows["weekday"].isin([*days, ANY_TIME])
        if use_hour is not None:
            sel &= rows["hour"].isin([int(use_hour), ANY_TIME])
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
    hours = hours[hours != ANY_TIME]
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


def _check_stat(stat) -> float | None:
    """The quantile ``stat`` asks for (None for ``"median"`` and ``"mean"``)."""
    if stat in ("median", "mean"):
        return None
    try:
        q = float(stat)
    except (TypeError, ValueError):
        q = float("nan")
    if not 0 <= q <= 1:
        raise SchemaError(f"wait stat {stat!r}: use 'median', 'mean' or a quantile in [0, 1]")
    return q


def _aggregate(values: pd.Series, stat) -> float:
    values = values.dropna()
    q = _check_stat(stat)
    if q is None:
        return float(values.median() if stat == "median" else values.mean())
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
        and month from it), or a tidy frame or dict as :func:`tidy_waits` takes. Rows for ports not in ``port_codes`` are left out and recorded in
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
    _check_stat(stat)
    if waits is not None and len(waits):
        waits = tidy_waits(waits)
    tables = [waits] if waits is not None and len(waits) else []
    if scenario is not None and scenario.waits is not None:
        tables.append(tidy_waits(scenario.waits, name="scenario wait table"))
    _check_lane(lane, tables)
    _check_donor(fallback, tables, scenario)
    return _resolve_tidy(
        waits, port_codes=port_codes, direction=direction, lane=lane, hour=hour,
        weekday=weekday, month=month, stat=stat, source=source, fallback=fallback, relax=relax,
        scenario=scenario, report=report,
    )  # fmt: skip


def _donor(fallback) -> int | None:
    """The port code a ``fallback`` names (None for None, ``"error"`` and ``"zero"``)."""
    if fallback in (None, "error", "zero"):
        return None
    try:
        return int(fallback)
    except (TypeError, ValueError):
        raise SchemaError(
            f"wait fallback {fallback!r}: use None, 'error', 'zero' or a port code"
        ) from None


def _check_donor(fallback, tables: list[pd.DataFrame], scenario) -> None:
    """A port code given as the fallback must have waits to lend: one with no row in the tidy
    wait ``tables`` nor a fixed wait of the scenario (a typo, a port of another region) is
    refused even where no port needs it."""
    donor = _donor(fallback)
    if donor is None:
        return
    lenders = {int(c) for table in tables for c in table[schema.PORT_CODE].unique()}
    if scenario is not None:
        lenders |= {int(c) for c in scenario.wait_minutes}
        lenders |= {p.port_code for p in scenario.new_ports if p.wait_minutes is not None}
    if donor not in lenders:
        raise SchemaError(
            f"wait fallback port {donor} has no wait rows to lend; ports with waits: "
            f"{', '.join(map(str, sorted(lenders))) or 'none'}"
        )


def _check_lane(lane, tables: list[pd.DataFrame]) -> None:
    """A lane name that is neither a CBP lane, ``"commuter"``, nor a lane of the tidy wait
    ``tables`` is a typo: it would match no row and send every port to the fallback."""
    if not isinstance(lane, str) or lane == "commuter":
        return  # a mix is checked by _mixed_waits
    known = {*schema.LANES, ANY}
    for table in tables:
        known |= set(table["lane"].dropna().astype(str).str.lower())
    if lane.lower() not in known:
        raise SchemaError(
            f"lane {lane!r} is not a lane of the wait table: use one of "
            f"{', '.join(sorted(known - {ANY}))}, or 'commuter' (the AM-peak lane mix)"
        )


def _resolve_tidy(
    waits, *, port_codes, direction, lane, hour, weekday, month, stat, source, fallback, relax,
    scenario, report,
) -> pd.DataFrame:  # fmt: skip
    """:func:`resolve_waits` of a table :func:`tidy_waits` already returned (tidied once: every
    lane of a mix reads the same tidy table)."""
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
    donor = _donor(fallback)
    # a donor port may lend its wait even when it is not (or no longer) a port in play
    lookup = [*port_codes, donor] if donor is not None and donor not in port_codes else port_codes
    report = report if report is not None else DropReport()
    days = _weekday_values(weekday)
    tables: list[tuple[str, pd.DataFrame]] = []
    if scenario is not None and scenario.waits is not None:
        sw = tidy_waits(scenario.waits, name="scenario wait table")
        unknown = sorted(set(sw[schema.PORT_CODE]) - set(port_codes))
        if unknown:
            raise SchemaError(
                f"scenario wait table has rows for port(s) {unknown} that are not ports of this "
                f"network (ports: {port_codes})"
            )
        tables.append((f"scenario {scenario.name!r}", sw))
    if waits is not None and len(waits):
        tables.append(("table", _known_port_rows(waits, lookup, report)))

    out = _table_waits(
        tables, lookup, direction=direction, lane=lane, source=source, stat=stat,
        match={"hour": hour, "days": days, "month": month, "relax": relax},
    )  # fmt: skip

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


def _known_port_rows(waits: pd.DataFrame, lookup, report: DropReport) -> pd.DataFrame:
    """The rows of the tidy ``waits`` for the ports of ``lookup``; the others are reported."""
    unknown_rows = ~waits[schema.PORT_CODE].isin(lookup)
    if not unknown_rows.any():
        return waits
    codes = sorted(waits.loc[unknown_rows, schema.PORT_CODE].unique().tolist())
    report.add(
        "waits",
        waits.index[unknown_rows],
        UNKNOWN_PORT,
        f"port(s) {codes} have no border edge in the network",
    )
    log.info("wait rows for port(s) %s left out: not ports of the network", codes)
    return waits[~unknown_rows]


#: The columns of a wait table that matching and aggregating read (the filtered rows copy only
#: these: not the text columns of a 234,000-row table, at every lane of a mix)
_MATCHED = (schema.PORT_CODE, "month", "weekday", "hour", "minutes")


def _table_waits(tables, lookup, *, direction, lane, source, stat, match) -> dict:
    """``{port: (minutes, n_rows, where)}`` from the first table that has rows for the port."""
    out = {}
    for label, table in tables:
        sel = table["direction"].astype(str).str.lower().isin([direction, ANY]) & table[
            "lane"
        ].astype(str).str.lower().isin([lane.lower(), ANY])
        if source is not None and "source" in table.columns:
            sel &= table["source"].astype(str).str.contains(source, case=False, regex=False)
        sel &= table["minutes"].notna()
        cols = [c for c in _MATCHED if c in table.columns]
        for code, rows in table.loc[sel, cols].groupby(schema.PORT_CODE):
            if code in out or code not in lookup:
                continue
            chosen, note = _match(rows, **match)
            if chosen is None:
                continue
            where = label if not note else f"{label} ({note})"
            out[int(code)] = (_aggregate(chosen["minutes"], stat), len(chosen), where)
            if note:
                log.info("port %s: no wait at the exact time asked; used %s", code, note)
    return out


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
    """Share-weighted wait over the lanes of ``mix`` each port has (see :func:`resolve_waits`;
    ``waits`` is tidy)."""
    bad = [ln for ln in mix if ln not in schema.LANES]
    if bad or not mix or any(not float(v) >= 0 for v in mix.values()) or sum(mix.values()) <= 0:
        raise SchemaError(
            f"lane mix {mix!r}: lanes among {schema.LANES} with shares >= 0 summing to > 0"
        )
    mix = {ln: float(v) for ln, v in mix.items() if float(v) > 0}
    port_codes = [int(p) for p in port_codes]
    # rows of other ports reported once for the mix, not once per lane
    known = None
    if waits is not None and len(waits):
        known = _known_port_rows(waits, port_codes, report if report is not None else DropReport())
    parts = {
        ln: _resolve_tidy(
            known, port_codes=port_codes, lane=ln, fallback="zero", report=report, **kw
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
        w = waits[waits["lane"].astype(str).isin([*mix, ANY])]
        w = w[w["direction"].astype(str).isin([kw.get("direction", NORTHBOUND), ANY])]
        have_rows = set(pd.to_numeric(w[schema.PORT_CODE], errors="coerce").dropna().astype(int))
        if any(c in have_rows for c in missing):
            fallback = "error"
    if missing:
        if fallback == "error" or (fallback is None and len(missing) == len(port_codes)):
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


def port_waits(
    waits,
    *,
    ports: Sequence[int],
    direction: str,
    options=None,
    scenario: Scenario | None = None,
    names: Mapping[int, str] | None = None,
    report: DropReport | None = None,
) -> pd.DataFrame:
    """The waits step of a catchment run: one wait per port, with the port's name.

    Parameters
    ----------
    waits
        A wait table, tidy frame or dict (:func:`tidy_waits`), or None (then every port needs
        a scenario wait or ``options.fallback``).
    ports
        Port codes that need a wait.
    direction
        ``"northbound"`` or ``"southbound"``.
    options
        A :class:`~binational.catchments.options.WaitOptions` (hour, weekday, month, lane,
        stat, source, fallback); None for the defaults.
    scenario
        Scenario waits (see :func:`resolve_waits`).
    names
        ``{port_code: name}`` for the ``port_name`` column.
    report
        Receives the wait rows left out.

    Returns
    -------
    pandas.DataFrame
        ``port_code, port_name, wait_minutes, n_rows, wait_source``.
    """
    if options is None:
        from .options import WaitOptions

        options = WaitOptions()
    table = resolve_waits(
        waits,
        port_codes=ports,
        direction=direction,
        lane=options.lane,
        hour=options.hour,
        weekday=options.weekday,
        month=options.month,
        stat=options.stat,
        source=options.source,
        fallback=options.fallback,
        scenario=scenario,
        report=report,
    )
    names = names or {}
    table.insert(1, "port_name", [names.get(c, str(c)) for c in table[schema.PORT_CODE]])
    return table
