"""CBP Border Wait Times: historical averages (month × weekday × hour) and live snapshots."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from ... import _plausible
from ..._log import get_logger
from ...drops import DropReport
from ...errors import DataSourceError, SchemaError
from .._files import (
    PathLike,
    check_file,
    column_error,
    open_text,
    read_source_csv,
    require_columns,
    snake,
)
from ..ports import bwt_index, port_timezones, registry_table
from ._frame import crossing_from_name, port_of, waits_frame

log = get_logger(__name__)

__all__ = ["HOURLY_LANES", "LIVE_LANES", "read_waits_hourly", "read_waits_live"]

# CBP historical-average columns → lane
HOURLY_LANES = {
    "pv_time_avg": "general",
    "xpv_time_avg": "sentri",
    "pv_ready_lanes_time_avg": "ready",
    "ped_time_avg": "pedestrian",
    "ped_ready_lanes_time_avg": "pedestrian_ready",
    "cv_time_avg": "commercial",
    "xcv_time_avg": "fast",
}

# CBP BWT API lane groups → lane
LIVE_LANES = {
    ("passenger_vehicle_lanes", "standard_lanes"): ("pv_standard_lanes", "general"),
    ("passenger_vehicle_lanes", "NEXUS_SENTRI_lanes"): ("pv_NEXUS_SENTRI_lanes", "sentri"),
    ("passenger_vehicle_lanes", "ready_lanes"): ("pv_ready_lanes", "ready"),
    ("pedestrian_lanes", "standard_lanes"): ("ped_standard_lanes", "pedestrian"),
    ("pedestrian_lanes", "ready_lanes"): ("ped_ready_lanes", "pedestrian_ready"),
    ("commercial_vehicle_lanes", "standard_lanes"): ("cv_standard_lanes", "commercial"),
    ("commercial_vehicle_lanes", "FAST_lanes"): ("cv_FAST_lanes", "fast"),
}


@_plausible.checked_waits("waits_hourly")
def read_waits_hourly(
    path: PathLike,
    *,
    crossing_id: str | None = None,
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read CBP historical average waits (month × weekday × hour) into the long wait table.

    The file is the response of CBP's ``bwt.cbp.gov/api/historicalwaittimes/<id>/POV/GEN/<month>/7``
    flattened to ``bwt_month, bwt_day, bwt_hour`` and wide lane columns (:data:`HOURLY_LANES`:
    ``pv_time_avg`` general, ``xpv_time_avg`` SENTRI, ``pv_ready_lanes_time_avg`` Ready,
    ``ped_time_avg``, ``ped_ready_lanes_time_avg``, ``cv_time_avg``, ``xcv_time_avg`` FAST).

    Parameters
    ----------
    path
        The CSV.
    crossing_id
        CBP crossing id the averages belong to (e.g. ``"250401"`` San Ysidro). The response has
        no id; when None it is taken from the file name (a 6- or 8-digit id, or a registry port
        name such as ``san_ysidro`` → that port's first crossing id).
    report
        Records lane-months dropped because every cell is 0 (reason ``lane_absent_all_zero``:
        CBP returns zeros for lanes a crossing does not have, e.g. commercial at San Ysidro).

    Returns
    -------
    pandas.DataFrame
        :data:`binational.schema.WAITS_COLUMNS`; ``time`` is NaT (a profile, not a series),
        ``direction`` northbound, ``lanes_open`` missing.

    Notes
    -----
    ``bwt_day`` is 0 = Monday … 6 = Sunday, the same as ``weekday`` here. CBP does not document
    it; the bwt.cbp.gov page's own day selector does (per the Otrolado project's
    ``packages/api/scripts/import-typical-waits.ts``, which read CBP's JS bundle), and the shared
    data agree: correlating the San Ysidro averages with the independent 2025–26 Bordify series
    by weekday × hour gives r = 0.64 (general), 0.71 (Ready), 0.72 (SENTRI) with 0 = Monday
    against 0.39, 0.39, 0.61 with 0 = Sunday (test ``test_bwt_day_zero_is_monday``).
    """
    path = Path(path)
    report = report if report is not None else DropReport()
    check_file(path, what="CBP historical wait-time")
    df = read_source_csv(path, what="CBP historical wait-time")
    df.columns = [snake(c) for c in df.columns]
    require_columns(df, ["bwt_month", "bwt_day", "bwt_hour"], path, "CBP historical wait table")
    lanes = [c for c in HOURLY_LANES if c in df.columns]
    if not lanes:
        raise SchemaError(
            f"{path}: no wait column ({', '.join(HOURLY_LANES)}); found {', '.join(df.columns)}"
        )
    for col, lo, hi in (("bwt_month", 1, 12), ("bwt_day", 0, 6), ("bwt_hour", 0, 23)):
        vals = pd.to_numeric(df[col], errors="coerce")
        bad = vals.isna() | ~vals.between(lo, hi)
        if bad.any():
            raise column_error(
                path, col, f"values outside {lo}-{hi}: {df.loc[bad, col].unique()[:5].tolist()}"
            )
        df[col] = vals.astype(int)
    dup = df.duplicated(["bwt_month", "bwt_day", "bwt_hour"])
    if dup.any():
        raise column_error(path, "bwt_month/bwt_day/bwt_hour", f"{int(dup.sum())} repeated cell(s)")
    registry = registry_table()
    cid = str(crossing_id) if crossing_id is not None else crossing_from_name(path, registry)
    if cid is None:
        raise SchemaError(
            f"{path}: cannot tell which crossing these averages belong to; pass crossing_id= "
            "(e.g. '250401' for San Ysidro)"
        )
    cid = cid[-6:]
    port = port_of(cid, bwt_index(registry), path, report, "waits_hourly")
    if port is None:
        raise SchemaError(f"{path}: crossing id {cid!r} is not a CBP crossing id")
    long = df.melt(
        id_vars=["bwt_month", "bwt_day", "bwt_hour"],
        value_vars=lanes,
        var_name="col",
        value_name="minutes",
    )
    long["minutes"] = pd.to_numeric(long["minutes"], errors="coerce")
    zero = long.groupby(["col", "bwt_month"])["minutes"].transform(
        lambda s: bool((s.fillna(0) == 0).all())
    )
    if zero.any():
        absent = long.loc[zero, ["col", "bwt_month"]].drop_duplicates()
        for col, month in absent.itertuples(index=False):
            report.add(
                "waits_hourly",
                [f"{cid}:{HOURLY_LANES[col]}:month{month}"],
                "lane_absent_all_zero",
                f"{col} is 0 in every cell; {path.name}",
            )
        long = long[~zero]
    long["col"] = pd.Categorical(long["col"], categories=list(HOURLY_LANES))
    long = long.sort_values(["col", "bwt_month", "bwt_day", "bwt_hour"])
    n = len(long)
    return waits_frame(
        {
            "port_code": [port] * n,
            "crossing_id": [cid] * n,
            "lane": long["col"].astype(str).map(HOURLY_LANES).to_numpy(),
            "month": long["bwt_month"].to_numpy(),
            "weekday": long["bwt_day"].to_numpy(),
            "hour": long["bwt_hour"].to_numpy(),
            "minutes": long["minutes"].to_numpy(),
            "source": f"CBP BWT historical averages ({path.name})",
        },
        n,
    )


def _flatten_live_record(rec: dict) -> dict:
    flat = {
        k: rec.get(k)
        for k in ("port_number", "border", "port_name", "crossing_name", "date", "time")
    }
    for (group, sub), (prefix, _lane) in LIVE_LANES.items():
        lanes = rec.get(group) or {}
        cell = lanes.get(sub) or {}
        for field in ("delay_minutes", "lanes_open", "operational_status", "update_time"):
            flat[f"{prefix}_{field}"] = cell.get(field)
    return flat


def _read_live_records(path: Path) -> pd.DataFrame:
    head = check_file(path, what="CBP Border Wait Times snapshot")
    if path.suffix.lower() == ".json" or head.lstrip().startswith((b"[", b"{")):
        try:
            with open_text(path) as fh:
                doc = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError, EOFError, zlib.error) as exc:
            raise DataSourceError(f"{path}: not valid JSON ({exc})") from exc
        if isinstance(doc, dict):
            _plausible.check_api_error(doc, path)
            doc = doc.get("ports", doc.get("data", [doc]))
        if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
            raise SchemaError(f"{path}: expected a JSON array of port records (CBP bwtnew API)")
        df = pd.DataFrame([_flatten_live_record(r) for r in doc])
    else:
        df = read_source_csv(
            path, what="CBP Border Wait Times snapshot", dtype=str, keep_default_na=False
        )
    require_columns(df, ["port_number", "date", "time"], path, "CBP Border Wait Times snapshot")
    if not any(f"{p}_delay_minutes" in df.columns for p, _ in LIVE_LANES.values()):
        raise SchemaError(f"{path}: no lane columns (e.g. pv_standard_lanes_delay_minutes)")
    return df


def _local_instants(df: pd.DataFrame, tzs: pd.Series, path: Path) -> pd.Series:
    stamp = pd.to_datetime(
        df["date"].astype(str) + " " + df["time"].astype(str),
        format="%m/%d/%Y %H:%M:%S",
        errors="coerce",
    )
    bad = stamp.isna()
    if bad.any():
        raise column_error(
            path,
            "date/time",
            f"not 'M/D/YYYY' and 'HH:MM:SS': {df.loc[bad, ['date', 'time']].head(3).values.tolist()}",
        )
    out = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    for tz, idx in tzs.groupby(tzs).groups.items():
        out.loc[idx] = (
            stamp.loc[idx]
            .dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
            .dt.tz_convert("UTC")
        )
    return out


@_plausible.checked_waits("waits_live")
def read_waits_live(
    path: PathLike,
    *,
    border: str | None = "Mexican Border",
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read a CBP Border Wait Times API response (``bwt.cbp.gov/api/bwtnew``) into the wait table.

    Accepts the JSON array the API returns and its flattened CSV (one row per crossing,
    columns ``pv_standard_lanes_delay_minutes`` …). One row per crossing and lane that exists
    there: lane groups ``N/A`` (the crossing has no such lane) give no row.

    Minutes are missing — never 0 — when a lane is ``Lanes Closed`` or ``Update Pending`` or
    its delay is blank; ``lanes_open`` is 0 for ``Lanes Closed`` and missing when blank.

    Time zones: each record's ``date``/``time`` is the response time on the port's local clock,
    so every record of one response is the same instant. The loader reads each wall clock in
    the port's zone (registry ``tz``: America/Los_Angeles, Phoenix, Denver, Chicago), takes the
    instant most records agree on as the snapshot time, and flags records that disagree
    (reason ``feed_time_zone_mismatch``): in the 2022-06-29 file Nogales, Lukeville and San Luis
    are stamped on Mountain daylight time although Arizona keeps MST all year. ``time`` is that
    instant in UTC; ``month``, ``weekday``, ``hour`` are the port's local clock at that instant.
    If one file holds several responses (a port number repeats) each record keeps its own
    instant. Per-lane ``update_time`` strings (``"At Noon CDT"``) are not used.

    Parameters
    ----------
    path
        JSON (or its flattened CSV).
    border
        ``"Mexican Border"`` (default), ``"Canadian Border"``, or None for all.
    report
        Crossing ids not in the registry are kept with the port code from their first four
        digits (reason ``port_not_in_registry``) or, if that is not a number, dropped (reason
        ``unknown_port``).

    Returns
    -------
    pandas.DataFrame
        :data:`binational.schema.WAITS_COLUMNS`, northbound.
    """
    path = Path(path)
    report = report if report is not None else DropReport()
    df = _read_live_records(path).fillna("")
    df["port_number"] = df["port_number"].astype(str).str.strip()
    if border is not None and "border" in df.columns:
        keep = df["border"].str.lower() == border.lower()
        if (~keep).any():
            log.info("%s: %d record(s) of other borders left out", path.name, int((~keep).sum()))
        df = df[keep].reset_index(drop=True)
    registry = registry_table()
    index = bwt_index(registry)
    tz_of = port_timezones(registry)
    ports = [port_of(cid, index, path, report, "waits_live") for cid in df["port_number"]]
    unknown = [cid for cid, p in zip(df["port_number"], ports, strict=True) if p is None]
    if unknown:
        report.add(
            "waits_live", unknown, "unknown_port", f"crossing id is not numeric; {path.name}"
        )
        log.warning("%s: dropped record(s) with unusable crossing ids %s", path.name, unknown)
    df = df.assign(port_code=pd.array(ports, dtype="Int64"))
    df = df[df["port_code"].notna()].reset_index(drop=True)
    known_tz = df["port_code"].map(lambda c: int(c) in tz_of)
    tzs = df["port_code"].map(lambda c: tz_of.get(int(c), "America/Los_Angeles"))
    instants = _local_instants(df, tzs, path)
    if not df["port_number"].duplicated().any() and known_tz.any():
        # one response: every record is the same instant; ports outside the registry (zone
        # unknown) take the instant the others agree on
        snapshot = instants[known_tz].mode().iloc[0]
        off = known_tz & (instants != snapshot)
        if off.any():
            detail = "; ".join(
                f"{cid} {h:+.0f} h"
                for cid, h in zip(
                    df.loc[off, "port_number"],
                    (instants[off] - snapshot).dt.total_seconds() / 3600,
                    strict=True,
                )
            )
            report.add(
                "waits_live",
                df.loc[off, "port_number"],
                "feed_time_zone_mismatch",
                f"wall clock read in the port's zone is off the snapshot instant {snapshot}: {detail}",
            )
            log.info(
                "%s: %d record(s) stamped in another zone: %s", path.name, int(off.sum()), detail
            )
        instants = pd.Series(snapshot, index=df.index, dtype="datetime64[ns, UTC]")
    local = [t.tz_convert(z) for t, z in zip(instants, tzs, strict=True)]
    parts: dict[str, list] = {
        k: []
        for k in (
            "port_code",
            "crossing_id",
            "lane",
            "time",
            "month",
            "weekday",
            "hour",
            "minutes",
            "lanes_open",
        )
    }
    for i, rec in df.iterrows():
        for prefix, lane in LIVE_LANES.values():
            status = str(rec.get(f"{prefix}_operational_status", "")).strip()
            if status in ("", "N/A") and not str(rec.get(f"{prefix}_delay_minutes", "")).strip():
                continue
            delay = pd.to_numeric(
                str(rec.get(f"{prefix}_delay_minutes", "")).strip() or None, errors="coerce"
            )
            lanes = pd.to_numeric(
                str(rec.get(f"{prefix}_lanes_open", "")).strip() or None, errors="coerce"
            )
            if status.lower() in ("lanes closed", "update pending"):
                delay = np.nan
                if status.lower() == "lanes closed" and pd.isna(lanes):
                    lanes = 0
            parts["port_code"].append(rec["port_code"])
            parts["crossing_id"].append(rec["port_number"])
            parts["lane"].append(lane)
            parts["time"].append(instants.iloc[i])
            lt = local[i]
            parts["month"].append(lt.month)
            parts["weekday"].append(lt.day_of_week)
            parts["hour"].append(lt.hour)
            parts["minutes"].append(delay)
            parts["lanes_open"].append(None if pd.isna(lanes) else int(lanes))
    n = len(parts["lane"])
    parts["time"] = pd.Series(parts["time"], dtype="datetime64[ns, UTC]")
    parts["source"] = f"CBP Border Wait Times API snapshot ({path.name})"
    return waits_frame(parts, n)
