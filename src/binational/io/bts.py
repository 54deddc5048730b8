"""Crossing volumes: BTS Border Crossing Entry Data and CBP counts by bridge.

:func:`read_bts`
    BTS Border Crossing Entry Data (inbound, monthly, by port and measure) → long table
    ``schema.CROSSINGS_COLUMNS``.
:func:`read_bridge_counts`
    CBP northbound counts by Texas bridge (TxDOT/UNT compilation) → the same long table with
    ``crossing`` set.

Nothing is dropped silently: both take ``report=`` (:class:`~binational.drops.DropReport`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .. import _plausible, schema
from .._log import get_logger
from ..drops import DUPLICATE, DropReport
from ..errors import DataSourceError, SchemaError
from ._files import (
    PathLike,
    as_list,
    check_file,
    column_error,
    open_text,
    read_source_csv,
    require_columns,
    snake,
)
from .ports import registry_table

log = get_logger(__name__)

__all__ = ["BRIDGE_MODE_TO_MEASURE", "BTS_MEASURES", "read_bridge_counts", "read_bts"]

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
        raise column_error(path, column, f"{int(values.isna().sum())} empty date(s)")
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
        raise column_error(
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
    head = check_file(path, what="BTS Border Crossing Entry Data")
    if path.suffix.lower() == ".json" or head.lstrip().startswith((b"[", b"{")):
        try:
            with open_text(path) as fh:
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
        df = read_source_csv(
            path,
            what="BTS Border Crossing Entry Data",
            dtype={"Port Code": str, "port_code": str, "Date": str, "date": str},
        )
    df.columns = [snake(c) for c in df.columns]
    return df


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
        raise column_error(
            path, column, f"non-numeric value(s) {values[bad].unique()[:5].tolist()}"
        )
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
    require_columns(df, need, path, "BTS Border Crossing Entry Data")
    raw_cols = list(df.columns)
    if border is not None:
        want = snake(border).replace("_border", "")
        names = {b: snake(b).replace("_border", "") for b in df["border"].dropna().unique()}
        df = df[df["border"].map(names) == want]
    code = pd.to_numeric(df["port_code"], errors="coerce")
    bad = code.isna()
    if bad.any():
        raise column_error(
            path,
            "port_code",
            f"non-numeric code(s) {df.loc[bad, 'port_code'].unique()[:5].tolist()}",
        )
    df = df.assign(port_code=code.astype("Int64"))
    if ports is not None:
        df = df[df["port_code"].isin([int(p) for p in as_list(ports)])]
    if measures is not None:
        wanted = as_list(measures)
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
    if border is not None and "mexico" in snake(border):
        known = set(registry_table()["port_code"].astype(int))
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
    check_file(path, what="CBP bridge counts")
    df = read_source_csv(path, what="CBP bridge counts", dtype=str, keep_default_na=False)
    df.columns = [snake(c) for c in df.columns]
    if "month" not in df.columns and "year" in df.columns:
        raise SchemaError(
            f"{path}: no 'Month' column — this looks like the yearly bridge file; use the monthly "
            "file (cbp_tx_mx_northbound_crossings_monthly_*.csv)"
        )
    require_columns(
        df, ["year", "month", "crossing", "modes", "northbound_crossing"], path, "CBP bridge counts"
    )
    raw_cols = list(df.columns)
    year = pd.to_numeric(df["year"], errors="coerce")
    month = pd.to_numeric(df["month"], errors="coerce")
    bad = year.isna() | month.isna() | ~month.between(1, 12)
    if bad.any():
        raise column_error(
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
    reg = registry_table(registry)
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
        df = df[df["port_code"].isin([int(p) for p in as_list(ports)])]
    if measures is not None:
        df = df[df["measure"].isin(as_list(measures))]
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
