"""Ports of entry, crossing volumes and border wait times.

Readers
-------
:func:`read_ports`
    The ports-of-entry registry shipped with the package (``ports.csv``) as a GeoDataFrame:
    one row per US–Mexico land port that BTS reports, one row per crossing (bridge, gate,
    pedestrian facility) of ports that have several, and planned ports (Otay Mesa East).
:func:`read_bts`
    BTS Border Crossing Entry Data (inbound, monthly, by port and measure) → long table
    ``schema.CROSSINGS_COLUMNS``.
:func:`read_bridge_counts`
    CBP northbound counts by Texas bridge (TxDOT/UNT compilation) → the same long table with
    ``crossing`` set.
:func:`read_waits_hourly`, :func:`read_waits_live`, :func:`read_waits_series`,
:func:`read_sandag_observed_waits`
    Wait times in four source shapes → one long table ``schema.WAITS_COLUMNS``;
    :func:`read_waits` sniffs the shape of a file and dispatches.
:func:`wait_profile`
    Minutes by hour of day (and weekday, month) for one port and lane, from any wait table.
:func:`combine_waits`
    Concatenate wait tables whose ``time`` columns are in different time zones.

Conventions
-----------
- ``port_code`` is the 4-digit BTS/CBP port code as a nullable integer (``Int64``): 2504 San
  Ysidro. ``crossing_id`` is CBP's Border Wait Times crossing id as text (``"250401"``).
- ``weekday`` is 0 = Monday … 6 = Sunday everywhere (pandas' ``day_of_week``). CBP's historical
  wait API numbers its ``bwt_day`` the same way; see :func:`read_waits_hourly`.
- ``hour`` is the hour of day 0–23 in the port's local clock; ``month`` is the month of year.
- Wait times are northbound (into the US) unless the source says otherwise.
- Nothing is dropped silently: every loader takes ``report=`` (:class:`~binational.drops.DropReport`)
  and records dropped or flagged records there, and logs a summary.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import _bounded, _plausible, schema
from .._data import manifest
from .._log import get_logger
from ..drops import DUPLICATE, DropReport
from ..errors import DataSourceError, RegionError, SchemaError

log = get_logger(__name__)

__all__ = [
    "BRIDGE_MODE_TO_MEASURE",
    "BTS_MEASURES",
    "PORTS_COLUMNS",
    "combine_waits",
    "read_bridge_counts",
    "read_bts",
    "read_ports",
    "read_sandag_observed_waits",
    "read_waits",
    "read_waits_hourly",
    "read_waits_live",
    "read_waits_series",
    "wait_profile",
]

PathLike = str | os.PathLike

# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------

PORTS_COLUMNS = (
    "poe_id",
    "level",
    "status",
    "port_code",
    "crossing_id",
    "bwt_ids",
    "name",
    "crossing_name",
    "name_mx",
    "us_city",
    "state",
    "mx_city",
    "mx_state",
    "region",
    "lat",
    "lon",
    "coord_source",
    "tz",
    "modes",
    "opened",
    "first_data",
    "bridge_names",
    "source",
    "notes",
)
LEVELS = ("port", "crossing")
STATUSES = ("open", "planned", "closed")
MODES = ("pv", "ped", "cv", "bus", "rail")
_ID_RE = re.compile(r"^[0-9A-Za-z]{6}$")


def _fail(path, column, message) -> SchemaError:
    return SchemaError(f"{path}: column {column!r}: {message}")


def _validate_registry(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    missing = [c for c in PORTS_COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{path}: ports registry lacks column(s) {', '.join(missing)} "
            f"(expected {', '.join(PORTS_COLUMNS)})"
        )
    df = df.replace({"": pd.NA})
    for col in ("poe_id", "level", "status", "port_code", "name", "region", "lat", "lon", "tz"):
        empty = df[col].isna()
        if empty.any():
            rows = (df.index[empty] + 2).tolist()[:5]
            raise _fail(path, col, f"empty on line(s) {rows}")
    dup = df["poe_id"].duplicated(keep=False)
    if dup.any():
        raise _fail(path, "poe_id", f"duplicate key(s) {sorted(set(df.loc[dup, 'poe_id']))}")
    bad = ~df["level"].isin(LEVELS)
    if bad.any():
        raise _fail(path, "level", f"value(s) {sorted(set(df.loc[bad, 'level']))} not in {LEVELS}")
    bad = ~df["status"].isin(STATUSES)
    if bad.any():
        raise _fail(
            path, "status", f"value(s) {sorted(set(df.loc[bad, 'status']))} not in {STATUSES}"
        )
    bad = ~df["port_code"].astype(str).str.fullmatch(r"\d{4}")
    if bad.any():
        raise _fail(
            path, "port_code", f"not a 4-digit code: {sorted(set(df.loc[bad, 'port_code']))}"
        )
    ports = df[df["level"] == "port"]
    dup = ports["port_code"].duplicated(keep=False)
    if dup.any():
        raise _fail(
            path,
            "port_code",
            f"port rows repeat code(s) {sorted(set(ports.loc[dup, 'port_code']))}",
        )
    orphan = ~df["port_code"].isin(ports["port_code"])
    if orphan.any():
        raise _fail(
            path,
            "port_code",
            f"crossing row(s) {df.loc[orphan, 'poe_id'].tolist()} name a port without a port row",
        )
    for col, lo, hi in (("lat", -90, 90), ("lon", -180, 180)):
        vals = pd.to_numeric(df[col], errors="coerce")
        bad = vals.isna() | (vals < lo) | (vals > hi)
        if bad.any():
            raise _fail(
                path, col, f"not a coordinate in [{lo}, {hi}]: {df.loc[bad, col].tolist()[:5]}"
            )
        df[col] = vals.astype(float)
    ids = df["bwt_ids"].dropna().str.split(";").explode()
    bad = ~ids.str.fullmatch(_ID_RE)
    if bad.any():
        raise _fail(path, "bwt_ids", f"not 6-character CBP crossing ids: {sorted(set(ids[bad]))}")
    cross = df[df["level"] == "crossing"]["bwt_ids"].dropna().str.split(";").explode()
    dup = cross.duplicated(keep=False)
    if dup.any():
        raise _fail(
            path, "bwt_ids", f"crossing id(s) on several crossing rows: {sorted(set(cross[dup]))}"
        )
    has_id = df["crossing_id"].notna()
    in_list = [
        cid in str(lst).split(";")
        for cid, lst in zip(df.loc[has_id, "crossing_id"], df.loc[has_id, "bwt_ids"], strict=True)
    ]
    if not all(in_list):
        bad_rows = df.loc[has_id, "poe_id"][[not x for x in in_list]].tolist()
        raise _fail(path, "crossing_id", f"not among the row's bwt_ids on row(s) {bad_rows}")
    modes = df["modes"].dropna().str.split(";").explode()
    bad = ~modes.isin(MODES)
    if bad.any():
        raise _fail(path, "modes", f"unknown mode(s) {sorted(set(modes[bad]))}; use {MODES}")
    df["port_code"] = df["port_code"].astype(int).astype("Int64")
    return df


@lru_cache(maxsize=8)
def _registry_cached(path: str, mtime_ns: int) -> pd.DataFrame:
    p = Path(path)
    _check_file(p, what="ports registry")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{p}: not a readable ports registry CSV ({exc})") from exc
    return _validate_registry(df, p)


def _registry(path: PathLike | None = None) -> pd.DataFrame:
    p = Path(path) if path is not None else manifest("ports.csv")
    if not p.is_file():
        raise DataSourceError(f"{p}: ports registry does not exist")
    return _registry_cached(str(p.resolve()), p.stat().st_mtime_ns).copy()


def _region_mask(df: pd.DataFrame, region) -> pd.Series:
    from ..regions import RegionSpec, get_region

    names = [region] if isinstance(region, (str, RegionSpec)) else list(region)
    mask = pd.Series(False, index=df.index)
    for name in names:
        spec = None
        if isinstance(name, RegionSpec):
            spec = name
        else:
            try:
                spec = get_region(name)
            except RegionError:
                spec = None
        key = spec.name if spec is not None else str(name).strip().lower().replace(" ", "-")
        hit = df["region"] == key
        if spec is not None:
            hit |= df["port_code"].isin(list(spec.ports))
        if not hit.any():
            raise RegionError(
                f"region {name!r} has no ports in the registry; registry regions: "
                f"{', '.join(sorted(df['region'].unique()))}"
            )
        mask |= hit
    return mask


def read_ports(
    *,
    region=None,
    level: str = "port",
    path: PathLike | None = None,
    planned: bool = False,
) -> gpd.GeoDataFrame:
    """Read the ports-of-entry registry as points (EPSG:4326).

    Parameters
    ----------
    region
        A region name (``"tijuana-san-diego"``), a :class:`~binational.regions.RegionSpec`, or a
        list of them. Selects rows whose ``region`` is that name, plus — for a known preset —
        rows whose ``port_code`` is one of the preset's ports. None: all rows.
    level
        ``"port"`` (one row per port; default), ``"crossing"`` (crossing rows only: bridges,
        gates, pedestrian facilities), ``"finest"`` (the crossing rows of ports that have them
        and the port row of ports that do not) or ``"all"``.
    path
        Another registry file of the same layout (default: the package's ``ports.csv``).
    planned
        Also return ports with ``status == "planned"`` (Otay Mesa East, code 2599, which has no
        CBP code yet; used as a catchment scenario).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`PORTS_COLUMNS` + ``geometry``. ``port_code`` is ``Int64``; ``crossing_id``
        the CBP Border Wait Times id of the row where it has exactly one, ``bwt_ids`` all of
        them (``;``-separated).

    Raises
    ------
    binational.errors.SchemaError
        If the registry lacks columns, repeats keys or holds malformed values (naming file and
        column).
    binational.errors.RegionError
        If ``region`` matches no row.
    """
    if level not in ("port", "crossing", "finest", "all"):
        raise SchemaError(f"level {level!r} must be 'port', 'crossing', 'finest' or 'all'")
    df = _registry(path)
    if not planned:
        df = df[df["status"] != "planned"]
    if region is not None:
        df = df[_region_mask(df, region)]
    if level in ("port", "crossing"):
        df = df[df["level"] == level]
    elif level == "finest":
        with_crossings = set(df.loc[df["level"] == "crossing", "port_code"])
        keep = (df["level"] == "crossing") | ~df["port_code"].isin(with_crossings)
        df = df[keep]
    df = df.reset_index(drop=True)
    geometry = gpd.points_from_xy(df["lon"], df["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(df[list(PORTS_COLUMNS)], geometry=geometry, crs="EPSG:4326")


def _bwt_index(registry: pd.DataFrame) -> dict[str, tuple[int, str]]:
    """CBP crossing id → (port code, poe_id); crossing rows win over port rows."""
    out: dict[str, tuple[int, str]] = {}
    for level in ("port", "crossing"):
        rows = registry[(registry["level"] == level) & registry["bwt_ids"].notna()]
        for code, poe, ids in zip(rows["port_code"], rows["poe_id"], rows["bwt_ids"], strict=True):
            for cid in str(ids).split(";"):
                out[cid] = (int(code), poe)
    return out


def _port_tz(registry: pd.DataFrame) -> dict[int, str]:
    ports = registry[registry["level"] == "port"]
    return dict(zip(ports["port_code"].astype(int), ports["tz"], strict=True))


# --------------------------------------------------------------------------------------------
# file checks
# --------------------------------------------------------------------------------------------

_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")


def _head_bytes(path: Path, n: int = 4096) -> bytes:
    with path.open("rb") as fh:
        raw = fh.read(n)
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(n)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataSourceError(f"{path}: damaged or truncated gzip file ({exc})") from exc
    return raw


def _check_file(path: Path, *, what: str) -> bytes:
    """Raise DataSourceError unless ``path`` is a non-empty file that is not an HTML page."""
    if not path.is_file():
        raise DataSourceError(f"{path}: {what} file does not exist")
    if path.stat().st_size == 0:
        raise DataSourceError(f"{path}: {what} file is empty")
    head = _head_bytes(path)
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if probe.startswith(_HTML_MARKERS) or (probe.startswith(b"<") and b"<html" in probe):
        raise DataSourceError(
            f"{path}: is an HTML page, not a {what} file (a download that returned an error or "
            "login page?)"
        )
    if not head.strip():
        raise DataSourceError(f"{path}: {what} file has no content")
    return head


def _read_csv(path: Path, *, what: str, **kwargs) -> pd.DataFrame:
    try:
        if _bounded.compression_of(path) is not None:  # streamed, within the bound
            with _bounded.open_binary(path) as fh:
                return pd.read_csv(fh, **kwargs)
        return pd.read_csv(path, **kwargs)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataSourceError(f"{path}: damaged or truncated compressed file ({exc})") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"{path}: not a readable {what} CSV ({exc})") from exc


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _require(df: pd.DataFrame, columns: Iterable[str], path: Path, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{path}: {what} lacks column(s) {', '.join(missing)}; found: "
            f"{', '.join(map(str, df.columns))}"
        )


def _as_list(values) -> list | None:
    if values is None:
        return None
    if isinstance(values, (str, int, np.integer)):
        return [values]
    return list(values)


# --------------------------------------------------------------------------------------------
# crossing volumes
# --------------------------------------------------------------------------------------------

BTS_MEASURES = (
    "Bus Passengers",
    "Buses",
    "Pedestrians",
    "Personal Vehicle Passengers",
    "Personal Vehicles",
    "Rail Containers Empty",
    "Rail Containers Loaded",
    "Train Passengers",
    "Trains",
    "Truck Containers Empty",
    "Truck Containers Loaded",
    "Trucks",
)

# CBP bridge-count "Modes" → the BTS measure counting the same thing. Verified on the shared
# data: for Hidalgo (2305), Laredo (2304), Ysleta (2401) and El Paso (2402, from 2020-03) the
# bridge sums equal the BTS port values month by month (median ratio 1.000).
BRIDGE_MODE_TO_MEASURE = {
    "Passenger Vehicles": "Personal Vehicles",
    "Commercial Trucks": "Trucks",
    "Pedestrians/ Bicyclists": "Pedestrians",
    "Buses": "Buses",
    "Railcars": "Railcars",  # no BTS equivalent (BTS counts trains and rail containers)
}

_DATE_FORMATS = ("%b %Y", "%B %Y", "ISO8601", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y")


def _parse_months(values: pd.Series, path: Path, column: str) -> pd.Series:
    """Parse BTS-style dates ('Jan 1996', ISO, Socrata) to month-start Timestamps."""
    uniq = pd.Series(values.dropna().astype(str).str.strip().unique())
    if values.isna().any():
        raise _fail(path, column, f"{int(values.isna().sum())} empty date(s)")
    parsed = None
    for fmt in _DATE_FORMATS:
        try:
            parsed = pd.to_datetime(uniq, format=fmt)
            break
        except (ValueError, TypeError):
            continue
    if parsed is None:
        ok = pd.Series(False, index=uniq.index)
        for fmt in _DATE_FORMATS:
            ok |= pd.to_datetime(uniq, format=fmt, errors="coerce").notna()
        bad = uniq[~ok]
        rows = values.index[values.astype(str).str.strip().isin(set(bad))][:5].tolist()
        raise _fail(
            path,
            column,
            f"{len(bad)} date(s) not understood (expected 'Mon YYYY' or ISO), e.g. "
            f"{bad.head(3).tolist()} in row(s) {rows}; fix them in the file",
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    month = parsed.dt.to_period("M").dt.to_timestamp()
    lookup = dict(zip(uniq, month, strict=True))
    return values.astype(str).str.strip().map(lookup).astype("datetime64[ns]")


def _read_bts_frame(path: Path) -> pd.DataFrame:
    head = _check_file(path, what="BTS Border Crossing Entry Data")
    if path.suffix.lower() == ".json" or head.lstrip().startswith((b"[", b"{")):
        try:
            with _open_text(path) as fh:
                doc = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError, EOFError, zlib.error) as exc:
            raise DataSourceError(f"{path}: not valid JSON ({exc})") from exc
        if isinstance(doc, dict):
            _plausible.check_api_error(doc, path)
            doc = doc.get("data", doc.get("records", []))
        if not isinstance(doc, list):
            raise SchemaError(f"{path}: expected a JSON array of records (Socrata API shape)")
        df = pd.DataFrame.from_records(doc)
    else:
        df = _read_csv(
            path,
            what="BTS Border Crossing Entry Data",
            dtype={"Port Code": str, "port_code": str, "Date": str, "date": str},
        )
    df.columns = [_snake(c) for c in df.columns]
    return df


def _open_text(path: Path):
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    if gz:
        return io.TextIOWrapper(_bounded.open_binary(path), encoding="utf-8-sig")
    return path.open("r", encoding="utf-8-sig")


def _drop_duplicates(
    df: pd.DataFrame,
    *,
    key: list[str],
    raw_cols: list[str],
    conflicts: str,
    layer: str,
    path: Path,
    report: DropReport,
) -> tuple[pd.DataFrame, int, int]:
    """Drop exact duplicate rows; handle rows sharing a key with different values."""
    exact = df.duplicated(subset=raw_cols, keep="first")
    n_exact = int(exact.sum())
    if n_exact:
        ids = df.loc[exact, key].astype(str).agg("|".join, axis=1)
        report.add(layer, ids, DUPLICATE, f"exact duplicate row in {path.name}")
        log.info("%s: dropped %d exact duplicate row(s)", path.name, n_exact)
        df = df[~exact]
    same = df.duplicated(subset=[*key, "value"], keep="first")
    if same.any():
        ids = df.loc[same, key].astype(str).agg("|".join, axis=1)
        report.add(layer, ids, DUPLICATE, "same key and value, other columns differ")
        n_exact += int(same.sum())
        df = df[~same]
    clash = df.duplicated(subset=key, keep=False)
    n_clash = int(clash.sum())
    if n_clash:
        ids = df.loc[clash, key].astype(str).agg("|".join, axis=1)
        examples = sorted(set(ids))[:3]
        if conflicts == "raise":
            raise SchemaError(
                f"{path}: {n_clash} rows share a {'/'.join(key)} key with different values, "
                f"e.g. {examples}"
            )
        if conflicts == "drop":
            report.add(layer, ids, "conflicting_duplicate_dropped", "same key, different values")
            df = df[~clash]
        elif conflicts == "first":
            later = df.duplicated(subset=key, keep="first")
            report.add(
                layer,
                df.loc[later, key].astype(str).agg("|".join, axis=1),
                "conflicting_duplicate_dropped",
                "same key, different values; first row kept",
            )
            df = df[~later]
        else:
            report.add(layer, ids, "conflicting_duplicate_kept", "same key, different values")
        log.warning(
            "%s: %d row(s) share a key with different values (conflicts=%r), e.g. %s",
            path.name,
            n_clash,
            conflicts,
            examples,
        )
    return df, n_exact, n_clash


def _time_filter(df: pd.DataFrame, start, end) -> pd.DataFrame:
    if start is not None:
        df = df[df["month"] >= pd.Timestamp(start).to_period("M").to_timestamp()]
    if end is not None:
        df = df[df["month"] <= pd.Timestamp(end).to_period("M").to_timestamp()]
    return df


def _finish_volumes(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "port_code": df["port_code"].astype("Int64"),
            "crossing": df["crossing"].astype("string"),
            "month": df["month"].astype("datetime64[ns]"),
            "measure": df["measure"].astype("string"),
            "value": df["value"],
            "source": df["source"].astype("string"),
        }
    )
    return out.sort_values(["port_code", "crossing", "month", "measure"], na_position="first")[
        list(schema.CROSSINGS_COLUMNS)
    ].reset_index(drop=True)


def _numeric_values(values: pd.Series, path: Path, column: str) -> pd.Series:
    num = pd.to_numeric(values.replace({"": None}), errors="coerce")
    bad = num.isna() & values.notna() & (values.astype(str).str.strip() != "")
    if bad.any():
        raise _fail(path, column, f"non-numeric value(s) {values[bad].unique()[:5].tolist()}")
    if num.notna().all() and (num % 1 == 0).all():
        return num.astype("Int64")
    return num.astype("Float64")


@_plausible.checked_volumes("bts")
def read_bts(
    path: PathLike,
    *,
    ports: Sequence[int] | None = None,
    measures: Sequence[str] | None = None,
    start=None,
    end=None,
    border: str | None = "US-Mexico Border",
    conflicts: str = "keep",
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read BTS Border Crossing Entry Data into the long crossing-volume table.

    Accepts the BTS download (``Port Name, State, Port Code, Border, Date, Measure, Value, ...``;
    dates like ``"Jan 1996"``), its gzip, the full national file (filtered to ``border``), and
    the data.bts.gov / Socrata API export (CSV or JSON array with lower-case snake_case columns
    ``port_name, state, port_code, border, date, measure, value, ...``; ISO dates).

    Parameters
    ----------
    path
        CSV, CSV.GZ or JSON file.
    ports
        Keep only these port codes (e.g. ``[2504, 2506]``).
    measures
        Keep only these measures (``"Personal Vehicles"``, ``"Pedestrians"``, ... see
        :data:`BTS_MEASURES`).
    start, end
        First and last month kept (inclusive; anything ``pandas.Timestamp`` accepts).
    border
        Keep rows of this border (``"US-Mexico Border"``); None keeps every row.
    conflicts
        Rows with the same port, month and measure but different values (the national file has
        one: Sasabe, Feb 2021, Bus Passengers 0 and 2,175): ``"keep"`` (default) keeps both and
        flags them in ``report`` (reason ``conflicting_duplicate_kept``) — we cannot tell which
        is right, so none is hidden; ``"first"`` keeps the first; ``"drop"`` drops both;
        ``"raise"`` raises SchemaError. Exact duplicate rows are always dropped (one kept).
    report
        Receives dropped and flagged rows.

    Returns
    -------
    pandas.DataFrame
        ``port_code`` (Int64), ``crossing`` (always missing: BTS reports ports), ``month``
        (month start), ``measure``, ``value``, ``source``. ``df.attrs`` holds
        ``duplicates_dropped``, ``conflicting_duplicates`` (rows) and ``source_file``.

    Notes
    -----
    Counts are inbound (into the US). BTS reported Ysleta (2401) inside El Paso (2402) until
    February 2020: Ysleta rows start in March 2020.
    """
    if conflicts not in ("keep", "first", "drop", "raise"):
        raise SchemaError(f"conflicts={conflicts!r} must be 'keep', 'first', 'drop' or 'raise'")
    path = Path(path)
    report = report if report is not None else DropReport()
    df = _read_bts_frame(path)
    need = ["port_code", "date", "measure", "value"] + (["border"] if border is not None else [])
    _require(df, need, path, "BTS Border Crossing Entry Data")
    raw_cols = list(df.columns)
    if border is not None:
        want = _snake(border).replace("_border", "")
        names = {b: _snake(b).replace("_border", "") for b in df["border"].dropna().unique()}
        df = df[df["border"].map(names) == want]
    code = pd.to_numeric(df["port_code"], errors="coerce")
    bad = code.isna()
    if bad.any():
        raise _fail(
            path,
            "port_code",
            f"non-numeric code(s) {df.loc[bad, 'port_code'].unique()[:5].tolist()}",
        )
    df = df.assign(port_code=code.astype("Int64"))
    if ports is not None:
        df = df[df["port_code"].isin([int(p) for p in _as_list(ports)])]
    if measures is not None:
        wanted = _as_list(measures)
        unknown = sorted(set(wanted) - set(df["measure"].unique()) - set(BTS_MEASURES))
        if unknown:
            raise SchemaError(f"{path}: unknown measure(s) {unknown}; BTS measures: {BTS_MEASURES}")
        df = df[df["measure"].isin(wanted)]
    df = df.assign(month=_parse_months(df["date"], path, "date"))
    df = _time_filter(df, start, end)
    df = df.assign(value=_numeric_values(df["value"], path, "value"))
    empty = df["value"].isna()
    if empty.any():
        ids = df.loc[empty, ["port_code", "month", "measure"]].astype(str).agg("|".join, axis=1)
        report.add("bts", ids, "missing_value", f"empty Value in {path.name}")
        log.warning("%s: dropped %d row(s) with an empty value", path.name, int(empty.sum()))
        df = df[~empty]
    df, n_dup, n_clash = _drop_duplicates(
        df,
        key=["port_code", "month", "measure"],
        raw_cols=raw_cols,
        conflicts=conflicts,
        layer="bts",
        path=path,
        report=report,
    )
    if border is not None and "mexico" in _snake(border):
        known = set(_registry()["port_code"].astype(int))
        unknown_codes = sorted(set(df["port_code"].dropna().astype(int)) - known)
        if unknown_codes:
            report.add("bts", unknown_codes, "port_not_in_registry", f"kept; {path.name}")
    df = df.assign(crossing=pd.NA, source=f"BTS Border Crossing Entry Data ({path.name})")
    out = _finish_volumes(df)
    out.attrs.update(
        duplicates_dropped=n_dup, conflicting_duplicates=n_clash, source_file=str(path)
    )
    log.info(
        "%s: %d rows, %d ports, %s..%s",
        path.name,
        len(out),
        out["port_code"].nunique(),
        out["month"].min(),
        out["month"].max(),
    )
    return out


@_plausible.checked_volumes("bridge_counts")
def read_bridge_counts(
    path: PathLike,
    *,
    ports: Sequence[int] | None = None,
    measures: Sequence[str] | None = None,
    start=None,
    end=None,
    registry: PathLike | None = None,
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read CBP northbound crossings by Texas bridge (monthly) into the long volume table.

    The file is the TxDOT/UNT compilation of CBP counts (``ID, Year, Month, Region, POE,
    Crossing, Modes, Northbound Crossing``). ``crossing`` is the file's bridge name;
    ``port_code`` comes from the registry (its ``bridge_names`` column); ``Modes`` are renamed
    to the BTS measure that counts the same thing (:data:`BRIDGE_MODE_TO_MEASURE`).

    Parameters
    ----------
    path
        The monthly CSV (the yearly file has no month and is refused).
    ports, measures, start, end
        Filters as in :func:`read_bts` (``measures`` use the BTS names).
    registry
        Another ports registry (default: the package's).
    report
        Crossings missing from the registry are kept with ``port_code`` missing and recorded
        (reason ``crossing_not_in_registry``); duplicates are dropped and recorded.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`binational.schema.CROSSINGS_COLUMNS`.
    """
    path = Path(path)
    report = report if report is not None else DropReport()
    _check_file(path, what="CBP bridge counts")
    df = _read_csv(path, what="CBP bridge counts", dtype=str, keep_default_na=False)
    df.columns = [_snake(c) for c in df.columns]
    if "month" not in df.columns and "year" in df.columns:
        raise SchemaError(
            f"{path}: no 'Month' column — this looks like the yearly bridge file; use the monthly "
            "file (cbp_tx_mx_northbound_crossings_monthly_*.csv)"
        )
    _require(
        df, ["year", "month", "crossing", "modes", "northbound_crossing"], path, "CBP bridge counts"
    )
    raw_cols = list(df.columns)
    year = pd.to_numeric(df["year"], errors="coerce")
    month = pd.to_numeric(df["month"], errors="coerce")
    bad = year.isna() | month.isna() | ~month.between(1, 12)
    if bad.any():
        raise _fail(
            path,
            "Month",
            f"bad year/month on {int(bad.sum())} row(s), e.g. {df.loc[bad, ['year', 'month']].head(3).values.tolist()}",
        )
    df = df.assign(
        month=pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1})),
        value=_numeric_values(df["northbound_crossing"], path, "Northbound Crossing"),
        measure=df["modes"].map(BRIDGE_MODE_TO_MEASURE).fillna(df["modes"]),
        crossing=df["crossing"].str.strip(),
    )
    reg = _registry(registry)
    names = reg[["port_code", "bridge_names"]].dropna()
    lookup: dict[str, set[int]] = {}
    for code, bnames in zip(names["port_code"], names["bridge_names"], strict=True):
        for n in str(bnames).split(";"):
            lookup.setdefault(n.strip(), set()).add(int(code))
    codes = df["crossing"].map(
        lambda n: next(iter(lookup[n])) if len(lookup.get(n, ())) == 1 else None
    )
    df = df.assign(port_code=pd.array(codes, dtype="Int64"))
    unmapped = sorted(df.loc[df["port_code"].isna(), "crossing"].unique())
    if unmapped:
        report.add(
            "bridge_counts",
            unmapped,
            "crossing_not_in_registry",
            f"kept with port_code missing; {path.name}",
        )
        log.warning("%s: crossing(s) not in the ports registry: %s", path.name, unmapped)
    if ports is not None:
        df = df[df["port_code"].isin([int(p) for p in _as_list(ports)])]
    if measures is not None:
        df = df[df["measure"].isin(_as_list(measures))]
    df = _time_filter(df, start, end)
    df, n_dup, n_clash = _drop_duplicates(
        df,
        key=["crossing", "month", "measure"],
        raw_cols=raw_cols,
        conflicts="keep",
        layer="bridge_counts",
        path=path,
        report=report,
    )
    df = df.assign(
        source=f"CBP northbound crossings by bridge, TxDOT/UNT compilation ({path.name})"
    )
    out = _finish_volumes(df)
    out.attrs.update(
        duplicates_dropped=n_dup,
        conflicting_duplicates=n_clash,
        unmapped_crossings=unmapped,
        source_file=str(path),
    )
    return out


# --------------------------------------------------------------------------------------------
# wait times
# --------------------------------------------------------------------------------------------

NORTHBOUND, SOUTHBOUND = schema.DIRECTIONS

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

# Bordify garita → (port code, CBP crossing id)
GARITAS = {
    "garita san ysidro": (2504, "250401"),
    "garita otay mesa": (2506, "250601"),
    "garita chaparral": (2504, "250407"),  # PedWest, pedestrians only
    "garita tecate": (2505, "250501"),
}
_PEDESTRIAN_ONLY_GARITAS = {"garita chaparral"}
SERIES_LANES = {
    ("vehicular", "general"): "general",
    ("vehicular", "sentri"): "sentri",
    ("vehicular", "readylane"): "ready",
    ("peatonal", "general"): "pedestrian",
    ("peatonal", "readylane"): "pedestrian_ready",
}


def _waits_frame(data: dict, n: int, *, time_dtype: str = "datetime64[ns, UTC]") -> pd.DataFrame:
    """Assemble a wait table with the schema's columns and dtypes."""
    out = pd.DataFrame(index=range(n))
    out["port_code"] = pd.array(data.get("port_code", [pd.NA] * n), dtype="Int64")
    out["crossing_id"] = pd.array(data.get("crossing_id", [pd.NA] * n), dtype="string")
    out["lane"] = pd.array(data["lane"], dtype="string")
    out["direction"] = pd.array(data.get("direction", [NORTHBOUND] * n), dtype="string")
    t = data.get("time")
    out["time"] = pd.Series(pd.NaT, index=out.index, dtype=time_dtype) if t is None else t
    for col in ("month", "weekday", "hour"):
        out[col] = pd.array(data.get(col, [pd.NA] * n), dtype="Int64")
    out["minutes"] = pd.to_numeric(pd.Series(data["minutes"]), errors="coerce").astype(float).values
    out["lanes_open"] = pd.array(data.get("lanes_open", [pd.NA] * n), dtype="Int64")
    out["source"] = pd.array(
        data["source"] if not isinstance(data["source"], str) else [data["source"]] * n,
        dtype="string",
    )
    return out[list(schema.WAITS_COLUMNS)]


def _crossing_from_name(path: Path, registry: pd.DataFrame) -> str | None:
    """Guess the CBP crossing id of a historical file from its name (an id, or a port name)."""
    stem = path.name.lower()
    m = re.search(r"(?<!\d)(?:\d{2})?(\d{6})(?!\d)", stem)
    index = _bwt_index(registry)
    if m and m.group(1) in index:
        return m.group(1)
    ports = registry[(registry["level"] == "port") & registry["bwt_ids"].notna()]
    best = None
    for name, ids in zip(ports["name"], ports["bwt_ids"], strict=True):
        slug = _snake(name)
        if slug and slug in _snake(stem) and (best is None or len(slug) > len(best[0])):
            best = (slug, str(ids).split(";")[0])
    return best[1] if best else None


def _port_of(cid: str, index: dict, path: Path, report: DropReport, layer: str) -> int | None:
    if cid in index:
        return index[cid][0]
    head = str(cid)[:4]
    if head.isdigit():
        report.add(
            layer,
            [cid],
            "port_not_in_registry",
            f"port code {head} from the id's first 4 digits; {path.name}",
        )
        return int(head)
    return None


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
    _check_file(path, what="CBP historical wait-time")
    df = _read_csv(path, what="CBP historical wait-time")
    df.columns = [_snake(c) for c in df.columns]
    _require(df, ["bwt_month", "bwt_day", "bwt_hour"], path, "CBP historical wait table")
    lanes = [c for c in HOURLY_LANES if c in df.columns]
    if not lanes:
        raise SchemaError(
            f"{path}: no wait column ({', '.join(HOURLY_LANES)}); found {', '.join(df.columns)}"
        )
    for col, lo, hi in (("bwt_month", 1, 12), ("bwt_day", 0, 6), ("bwt_hour", 0, 23)):
        vals = pd.to_numeric(df[col], errors="coerce")
        bad = vals.isna() | ~vals.between(lo, hi)
        if bad.any():
            raise _fail(
                path, col, f"values outside {lo}-{hi}: {df.loc[bad, col].unique()[:5].tolist()}"
            )
        df[col] = vals.astype(int)
    dup = df.duplicated(["bwt_month", "bwt_day", "bwt_hour"])
    if dup.any():
        raise _fail(path, "bwt_month/bwt_day/bwt_hour", f"{int(dup.sum())} repeated cell(s)")
    registry = _registry()
    cid = str(crossing_id) if crossing_id is not None else _crossing_from_name(path, registry)
    if cid is None:
        raise SchemaError(
            f"{path}: cannot tell which crossing these averages belong to; pass crossing_id= "
            "(e.g. '250401' for San Ysidro)"
        )
    cid = cid[-6:]
    port = _port_of(cid, _bwt_index(registry), path, report, "waits_hourly")
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
    return _waits_frame(
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
    head = _check_file(path, what="CBP Border Wait Times snapshot")
    if path.suffix.lower() == ".json" or head.lstrip().startswith((b"[", b"{")):
        try:
            with _open_text(path) as fh:
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
        df = _read_csv(
            path, what="CBP Border Wait Times snapshot", dtype=str, keep_default_na=False
        )
    _require(df, ["port_number", "date", "time"], path, "CBP Border Wait Times snapshot")
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
        raise _fail(
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
    registry = _registry()
    index = _bwt_index(registry)
    tz_of = _port_tz(registry)
    ports = [_port_of(cid, index, path, report, "waits_live") for cid in df["port_number"]]
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
    return _waits_frame(parts, n)


def _infer_modo(df: pd.DataFrame) -> pd.Series:
    """Infer Bordify ``modo`` from the row order within each snapshot and garita.

    Each snapshot lists a garita's vehicle lanes first (General, Sentri, ReadyLane), then its
    pedestrian lanes (General, ReadyLane): a row is pedestrian from the block's second
    ``General`` row on. Garita Chaparral (PedWest) is pedestrian only. On the shared files this
    rule reproduces the ``modo`` of every labelled snapshot.
    """
    block = (
        df["ultima_actualizacion_local"].astype(str) + "|" + df["garita"].astype(str)
    ).to_numpy()
    is_general = (df["tipo_carril"].str.strip().str.lower() == "general").astype(int)
    generals_so_far = is_general.groupby(block, sort=False).cumsum()
    modo = np.where(generals_so_far >= 2, "peatonal", "vehicular")
    chaparral = df["garita"].str.strip().str.lower().isin(_PEDESTRIAN_ONLY_GARITAS)
    return pd.Series(np.where(chaparral, "peatonal", modo), index=df.index)


def _localize_series(
    local: pd.Series, commit: pd.Series | None, tz: str
) -> tuple[pd.Series, pd.Series]:
    """Local wall clock → tz-aware; the hour repeated when DST ends is resolved by commit time.

    A page update cannot be later than the commit that recorded it (10 minutes' tolerance), so
    of the two readings of a repeated hour the later one that is not after the commit is kept.
    """
    n = len(local)
    dst = local.dt.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    std = local.dt.tz_localize(tz, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    ambiguous = dst.notna() & std.notna() & (dst != std)
    out = dst.copy()
    if ambiguous.any():
        if commit is None:
            out[ambiguous] = pd.NaT
        else:
            limit = commit[ambiguous] + pd.Timedelta(minutes=10)
            use_std = std[ambiguous].dt.tz_convert("UTC") <= limit
            out[ambiguous] = std[ambiguous].where(use_std, dst[ambiguous])
    return out, ambiguous


@_plausible.checked_waits("waits_series")
def read_waits_series(
    path: PathLike,
    *,
    tz: str = "America/Tijuana",
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read the Bordify 10-minute wait series for Tijuana/Tecate garitas into the wait table.

    Columns used: ``ultima_actualizacion_local`` (update time, Tijuana local time), ``garita``,
    ``modo`` (``vehicular`` / ``peatonal``), ``tipo_carril`` (``General``, ``Sentri``,
    ``ReadyLane``), ``wait_minutes``, ``lanes_open`` and, to resolve the repeated hour when
    daylight saving ends, ``commit_time_utc``.

    - Garitas map to ports and CBP crossings (:data:`GARITAS`): San Ysidro 2504/250401,
      Otay Mesa 2506/250601, Chaparral = San Ysidro PedWest 2504/250407 (pedestrian), Tecate
      2505/250501. Rows of other garitas are dropped (reason ``unknown_garita``, logged as a
      warning).
    - ``modo`` is empty in the first snapshots (before 2025-03-14 09:43): it is inferred from the
      row order (:func:`_infer_modo`, which reproduces every labelled snapshot) and the rows are
      flagged (reason ``mode_inferred``).
    - Missing minutes (``"En espera..."`` or a closed lane) stay missing.

    Parameters
    ----------
    path
        The ``.csv.gz`` (or ``.csv``).
    tz
        Time zone of ``ultima_actualizacion_local`` (the page shows Tijuana time); ``time`` is
        returned in it.
    report
        Receives dropped and flagged rows.

    Returns
    -------
    pandas.DataFrame
        :data:`binational.schema.WAITS_COLUMNS`, northbound; ``month``, ``weekday``, ``hour``
        are the local clock.
    """
    path = Path(path)
    report = report if report is not None else DropReport()
    _check_file(path, what="Bordify wait-time series")
    df = _read_csv(path, what="Bordify wait-time series", dtype=str, keep_default_na=False)
    _require(
        df,
        ["ultima_actualizacion_local", "garita", "tipo_carril", "wait_minutes", "lanes_open"],
        path,
        "Bordify wait-time series",
    )
    if "modo" not in df.columns:
        df["modo"] = ""
    garita = df["garita"].str.strip().str.lower()
    known = garita.isin(GARITAS)
    if (~known).any():
        bad = sorted(df.loc[~known, "garita"].unique())
        report.add("waits_series", df.index[~known], "unknown_garita", f"{bad}; {path.name}")
        log.warning(
            "%s: dropped %d row(s) of unknown garita(s) %s", path.name, int((~known).sum()), bad
        )
    modo = df["modo"].str.strip().str.lower()
    blank = modo == ""
    if blank.any():
        blocks = df["ultima_actualizacion_local"].isin(df.loc[blank, "ultima_actualizacion_local"])
        modo = modo.where(~blank, _infer_modo(df[blocks]).reindex(df.index))
        report.add(
            "waits_series",
            df.index[blank & known],
            "mode_inferred",
            "modo empty in the file; inferred from row order",
        )
    lane_keys = {f"{m}|{t}": lane for (m, t), lane in SERIES_LANES.items()}
    lane = (modo + "|" + df["tipo_carril"].str.strip().str.lower()).map(lane_keys)
    bad_lane = lane.isna() & known
    if bad_lane.any():
        combos = sorted(
            {
                f"{m}/{t}"
                for m, t in zip(modo[bad_lane], df.loc[bad_lane, "tipo_carril"], strict=True)
            }
        )
        report.add("waits_series", df.index[bad_lane], "unknown_lane", f"{combos}; {path.name}")
        log.warning(
            "%s: dropped %d row(s) with unknown lane(s) %s", path.name, int(bad_lane.sum()), combos
        )
    keep = known & lane.notna()
    local = pd.to_datetime(
        df["ultima_actualizacion_local"].str.strip(), format="ISO8601", errors="coerce"
    )
    bad_t = local.isna() & keep
    if bad_t.any():
        raise _fail(
            path,
            "ultima_actualizacion_local",
            f"unreadable time(s) {df.loc[bad_t, 'ultima_actualizacion_local'].head(3).tolist()}",
        )
    commit = None
    if "commit_time_utc" in df.columns:
        commit = pd.to_datetime(
            df["commit_time_utc"].replace({"": None}), utc=True, errors="coerce"
        )
    when, ambiguous = _localize_series(local, commit, tz)
    if (ambiguous & keep).any():
        report.add(
            "waits_series",
            df.index[ambiguous & keep],
            "dst_ambiguous_resolved",
            "repeated hour at the end of daylight saving, resolved with commit_time_utc",
        )
    gap = when.isna() & keep
    if gap.any():
        report.add(
            "waits_series",
            df.index[gap],
            "nonexistent_local_time",
            "inside the spring-forward gap; dropped",
        )
        keep &= ~gap
    sel = df[keep]
    codes = garita[keep].map({g: v[0] for g, v in GARITAS.items()})
    cids = garita[keep].map({g: v[1] for g, v in GARITAS.items()})
    t = when[keep]
    out = _waits_frame(
        {
            "port_code": codes.to_numpy(),
            "crossing_id": cids.to_numpy(),
            "lane": lane[keep].to_numpy(),
            "time": t.reset_index(drop=True),
            "month": t.dt.month.to_numpy(),
            "weekday": t.dt.day_of_week.to_numpy(),
            "hour": t.dt.hour.to_numpy(),
            "minutes": pd.to_numeric(
                sel["wait_minutes"].replace({"": None}), errors="coerce"
            ).to_numpy(),
            "lanes_open": pd.to_numeric(sel["lanes_open"].replace({"": None}), errors="coerce")
            .astype("Int64")
            .to_numpy(),
            "source": f"Bordify scrape, Brian-MadMath/border-wait-times ({path.name})",
        },
        int(keep.sum()),
        time_dtype=f"datetime64[ns, {tz}]",
    )
    dup = out.duplicated(subset=["crossing_id", "lane", "time"], keep="first")
    if dup.any():
        report.add(
            "waits_series", out.index[dup], DUPLICATE, f"same garita, lane and time; {path.name}"
        )
        out = out[~dup].reset_index(drop=True)
    out.attrs["duplicates_dropped"] = int(dup.sum())
    return out


SANDAG_LANES = {
    ("passenger", "general"): "general",
    ("passenger", "ready"): "ready",
    ("passenger", "sentri"): "sentri",
    ("passenger", "_all_"): "general",
    ("commercial", "general"): "commercial",
    ("commercial", "fast"): "fast",
    ("commercial", "_all_"): "commercial",
}
SANDAG_WAIT_COLUMNS = {
    "cbp": "wait_time",
    "caltrans": "wait_time_caltrans",
    "survey": "wait_time_survey",
}


@_plausible.checked_waits("waits_sandag")
def read_sandag_observed_waits(
    path: PathLike,
    *,
    wait_source: str = "cbp",
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read SANDAG's 2017 observed hourly waits (SR-11/Otay Mesa East model calibration).

    ``OME_Observed_Data.csv``: one row per hour 1–24, port (San Ysidro, Otay Mesa), direction,
    vehicle type and traveler type with volume, open lanes and three wait figures.

    Parameters
    ----------
    path
        The CSV.
    wait_source
        ``"cbp"`` (``wait_time``: CBP data for Tuesday–Thursday summarised by SANDAG; default),
        ``"caltrans"`` (``wait_time_caltrans``) or ``"survey"`` (``wait_time_survey``).
    report
        Rows without a wait in the chosen column are dropped (reason ``no_wait_value``). **Every
        southbound row is such a row**: the file gives southbound volumes only, no southbound
        wait.

    Returns
    -------
    pandas.DataFrame
        :data:`binational.schema.WAITS_COLUMNS`. ``hour`` = file hour − 1 (SANDAG's hour 1 is
        00:00–01:00, per the model's ``data_in/ReadMe.md``); ``weekday`` and ``month`` missing
        (a Tue–Thu average of 2017); ``time`` NaT.
    """
    if wait_source not in SANDAG_WAIT_COLUMNS:
        raise SchemaError(
            f"wait_source={wait_source!r} must be one of {sorted(SANDAG_WAIT_COLUMNS)}"
        )
    path = Path(path)
    report = report if report is not None else DropReport()
    _check_file(path, what="SANDAG observed waits")
    df = _read_csv(path, what="SANDAG observed waits")
    df.columns = [_snake(c) for c in df.columns]
    col = SANDAG_WAIT_COLUMNS[wait_source]
    _require(
        df,
        ["hour", "port_name", "direction", "vehicle_type", "traveler_type", col],
        path,
        "SANDAG observed waits",
    )
    hour = pd.to_numeric(df["hour"], errors="coerce")
    if hour.isna().any() or not hour.between(1, 24).all():
        raise _fail(path, "hour", "expected hours 1-24")
    registry = _registry()
    ports = registry[registry["level"] == "port"]
    by_name = {_snake(n): int(c) for n, c in zip(ports["name"], ports["port_code"], strict=True)}
    code = df["port_name"].map(lambda n: by_name.get(_snake(n)))
    lane = [
        SANDAG_LANES.get((str(v).lower(), str(t).lower()))
        for v, t in zip(df["vehicle_type"], df["traveler_type"], strict=True)
    ]
    direction = df["direction"].str.strip().str.lower()
    bad = code.isna() | pd.Series([x is None for x in lane]) | ~direction.isin(schema.DIRECTIONS)
    if bad.any():
        report.add("waits_sandag", df.index[bad], "unknown_port_or_lane", f"{path.name}")
        log.warning(
            "%s: dropped %d row(s) with unknown port, lane or direction", path.name, int(bad.sum())
        )
    minutes = pd.to_numeric(df[col], errors="coerce")
    empty = minutes.isna() & ~bad
    if empty.any():
        groups = df.loc[
            empty, ["port_name", "direction", "vehicle_type", "traveler_type"]
        ].drop_duplicates()
        report.add(
            "waits_sandag",
            df.index[empty],
            "no_wait_value",
            f"no {col}: {groups.astype(str).agg('/'.join, axis=1).tolist()}",
        )
    keep = ~bad & ~empty
    crossing = [
        ("250602" if ln in ("commercial", "fast") else "250601")
        if c == 2506
        else ("250401" if c == 2504 else None)
        for c, ln in zip(code[keep], np.asarray(lane, dtype=object)[keep.to_numpy()], strict=True)
    ]
    n = int(keep.sum())
    lanes_open = (
        pd.to_numeric(df.loc[keep, "open_lanes"], errors="coerce")
        if "open_lanes" in df.columns
        else pd.Series([np.nan] * n)
    )
    return _waits_frame(
        {
            "port_code": code[keep].astype(int).to_numpy(),
            "crossing_id": crossing,
            "lane": np.asarray(lane, dtype=object)[keep.to_numpy()],
            "direction": direction[keep].to_numpy(),
            "hour": (hour[keep] - 1).astype(int).to_numpy(),
            "minutes": minutes[keep].to_numpy(),
            "lanes_open": lanes_open.round().astype("Int64").to_numpy(),
            "source": f"SANDAG SR-11/OME observed 2017, {col} ({'CBP Tue-Thu summarised by SANDAG' if wait_source == 'cbp' else wait_source}) ({path.name})",
        },
        n,
    )


@_plausible.checked_waits("waits")
def read_waits(path: PathLike, *, report: DropReport | None = None, **kwargs) -> pd.DataFrame:
    """Read any supported wait-time file, telling its shape from its content.

    JSON → :func:`read_waits_live`; CSV with ``bwt_day`` → :func:`read_waits_hourly`; with
    ``garita`` and ``tipo_carril`` → :func:`read_waits_series`; with ``port_number`` and lane
    columns → :func:`read_waits_live`; with ``traveler_type`` and ``wait_time`` →
    :func:`read_sandag_observed_waits`. Extra keywords go to that reader.

    Raises
    ------
    binational.errors.DataSourceError
        If the file is missing, empty, an HTML page or a damaged gzip.
    binational.errors.SchemaError
        If the shape is none of these (naming the columns found).
    """
    path = Path(path)
    head = _check_file(path, what="wait-time")
    if path.suffix.lower() == ".json" or head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(
        (b"[", b"{")
    ):
        return read_waits_live(path, report=report, **kwargs)
    first = head.decode("utf-8-sig", errors="replace").splitlines()[0] if head else ""
    cols = {_snake(c) for c in first.split(",")}
    if "bwt_day" in cols:
        return read_waits_hourly(path, report=report, **kwargs)
    if {"garita", "tipo_carril"} <= cols:
        return read_waits_series(path, report=report, **kwargs)
    if "port_number" in cols and any(c.endswith("_delay_minutes") for c in cols):
        return read_waits_live(path, report=report, **kwargs)
    if {"traveler_type", "wait_time"} <= cols:
        return read_sandag_observed_waits(path, report=report, **kwargs)
    raise SchemaError(
        f"{path}: not a known wait-time shape (CBP historical, CBP live, Bordify series, SANDAG "
        f"observed); header: {first[:200]!r}"
    )


def combine_waits(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate wait tables, converting every ``time`` to UTC first.

    pandas cannot hold two time zones in one column (it falls back to objects), so tables from
    :func:`read_waits_series` (America/Tijuana) and :func:`read_waits_live` (UTC) are put on UTC;
    the local clock stays in ``month``, ``weekday`` and ``hour``.
    """
    parts = []
    for t in tables:
        t = t.copy()
        times = t["time"]
        if isinstance(times.dtype, pd.DatetimeTZDtype):
            t["time"] = times.dt.tz_convert("UTC")
        else:
            t["time"] = pd.to_datetime(times, utc=True)
        parts.append(t)
    if not parts:
        return _waits_frame({"lane": [], "minutes": [], "source": []}, 0)
    return pd.concat(parts, ignore_index=True)[list(schema.WAITS_COLUMNS)]


# --------------------------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------------------------

_PROFILE_KEYS = ("month", "weekday", "hour")


def _clock(times: pd.Series, key: str) -> pd.Series:
    """Month, weekday or hour of each timestamp on its own clock (works on mixed-zone objects)."""
    attr = {"month": "month", "weekday": "day_of_week", "hour": "hour"}[key]
    return pd.Series(
        [getattr(pd.Timestamp(t), attr) for t in times], index=times.index, dtype=float
    )


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
    if not by or any(k not in _PROFILE_KEYS for k in by):
        raise SchemaError(f"by={by!r}: use one or more of {_PROFILE_KEYS}")
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
    rows = rows.assign(minutes=pd.to_numeric(rows["minutes"], errors="coerce"))
    if "time" in rows.columns:
        for key in by:
            rows[key] = pd.to_numeric(rows[key], errors="coerce")
            gap = rows[key].isna() & rows["time"].notna()
            if gap.any():
                rows.loc[gap, key] = _clock(rows.loc[gap, "time"], key)
    rows = rows.dropna(subset=[*by, "minutes"])
    if rows.empty:
        have = waits.groupby(["port_code", "lane", "direction"], dropna=False).size()
        raise SchemaError(
            f"no {direction} {lane!r} waits for port {port_code}"
            + (f" crossing {crossing_id}" if crossing_id else "")
            + f" with {', '.join(by)} set; the table has (port, lane, direction): "
            + ", ".join(f"{k}" for k in have.index[:20])
        )
    for key in by:
        rows[key] = rows[key].astype(int)
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
