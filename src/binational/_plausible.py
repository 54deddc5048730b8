"""Plausibility checks shared by the loaders: impossible values never reach a table silently.

Every check either raises :class:`PlausibilityError` (naming the file, the column, example rows
and what to do) or removes / blanks the offending values and records each one in the
:class:`~binational.drops.DropReport` the loader was given (and logs a warning), so that
``region.drops`` lists it.

- counts: no negative counts; a population group is never larger than its total;
- waits: 0–600 minutes;
- dates: inside the coverage of the source and not in the future (real clock, UTC);
- units: inside the region (the ports of entry's bounding box plus a margin): catches a
  mislabelled CRS (everything far away: error) and shifted records (dropped, reported).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from ._log import get_logger
from .drops import OUTSIDE_REGION, DropReport
from .errors import SchemaError

log = get_logger(__name__)

MAX_WAIT_MINUTES = 600.0
# First month each source covers (a date before this is a typo or the wrong file).
COVERAGE_START = {
    "bts": "1996-01-01",  # BTS Border Crossing Entry Data starts January 1996
    "bridge_counts": "2008-01-01",  # CBP/TxDOT bridge counts start 2008
    "waits": "2000-01-01",  # CBP Border Wait Times began in the 2000s; no earlier series
}
# A unit farther than this from the region's ports of entry is not in the twin city.
REGION_MARGIN_M = 200_000.0

NEGATIVE_COUNT = "negative_count"
GROUP_EXCEEDS_TOTAL = "group_exceeds_total"
WAIT_OUT_OF_RANGE = "wait_out_of_range"
DATE_OUT_OF_RANGE = "date_out_of_range"

# numeric columns of the unit table that are not counts (indices, grades, flags, margins)
_NOT_COUNTS = re.compile(r"^(im|imn|gm)_\d{4}$|_moe$|^flag_|_suppressed$|^n_suppressed$")


class PlausibilityError(SchemaError):
    """Values that cannot be right (e.g. every unit outside the region: a mislabelled CRS)."""


def today() -> pd.Timestamp:
    """Now on the real clock (UTC, naive)."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def _examples(ids: Iterable, n: int = 5) -> str:
    ids = [str(i) for i in ids]
    more = f" and {len(ids) - n} more" if len(ids) > n else ""
    return ", ".join(ids[:n]) + more


def _record(report: DropReport | None, layer: str, ids, reason: str, detail: str) -> None:
    ids = list(ids)
    if not ids:
        return
    log.warning("%s: %d record(s) %s: %s", layer, len(ids), reason, detail)
    if report is not None:
        report.add(layer, ids, reason, detail)


# ------------------------------------------------------------------------------------------------
# census counts


def count_columns(units: pd.DataFrame) -> list[str]:
    """``pop_total`` and the group count columns of a unit table."""
    cols = []
    for c in units.columns:
        if c in (schema.UNIT_ID, "geometry") or _NOT_COUNTS.search(str(c)):
            continue
        if c == schema.POP_TOTAL or (
            pd.api.types.is_numeric_dtype(units[c]) and not pd.api.types.is_bool_dtype(units[c])
        ):
            cols.append(c)
    return cols


def check_unit_counts(
    units: pd.DataFrame, *, path, layer: str, report: DropReport | None
) -> pd.DataFrame:
    """Blank (set missing) negative counts and groups larger than their total; report each.

    The unit keeps its row (its polygon and other columns are fine); the impossible value is
    never used. Each blanked value is a ``region.drops`` row (reason ``negative_count`` or
    ``group_exceeds_total``) naming the file, the column and the value.
    """
    if len(units) == 0 or schema.POP_TOTAL not in units.columns:
        return units
    name = Path(str(path)).name
    ids = (
        units[schema.UNIT_ID]
        if schema.UNIT_ID in units.columns
        else pd.Series(units.index.astype(str), index=units.index)
    )
    out = units
    for col in count_columns(units):
        vals = pd.to_numeric(out[col], errors="coerce").astype("float64")
        neg = (vals < 0).to_numpy()
        if neg.any():
            for uid, v in zip(ids[neg], vals[neg], strict=True):
                _record(
                    report,
                    layer,
                    [uid],
                    NEGATIVE_COUNT,
                    f"{name}: column {col} = {v:g} < 0 set missing; correct the source row",
                )
            out = out.copy() if out is units else out
            out[col] = out[col].astype("float64").where(~neg, np.nan)
    total = pd.to_numeric(out[schema.POP_TOTAL], errors="coerce").astype("float64")
    for col in count_columns(out):
        if col == schema.POP_TOTAL:
            continue
        vals = pd.to_numeric(out[col], errors="coerce").astype("float64")
        over = (vals > total + 0.5).to_numpy()  # half a person: rounding of published counts
        if over.any():
            for uid, v, tot in zip(ids[over], vals[over], total[over], strict=True):
                _record(
                    report,
                    layer,
                    [uid],
                    GROUP_EXCEEDS_TOTAL,
                    f"{name}: column {col} = {v:g} > {schema.POP_TOTAL} = {tot:g} set missing; "
                    "check that the group and total columns come from the same table",
                )
            out = out.copy() if out is units else out
            out[col] = out[col].astype("float64").where(~over, np.nan)
    return out


# ------------------------------------------------------------------------------------------------
# crossings and waits


class _RowIds:
    """Ids ``a|b|c`` of the rows of ``df`` picked by a mask (built only for those rows)."""

    def __init__(self, df: pd.DataFrame, cols: list[str]):
        self.df = df
        self.cols = [c for c in cols if c in df.columns]

    def __getitem__(self, mask) -> list[str]:
        sub = self.df[mask]
        if not self.cols:
            return [str(i) for i in sub.index]
        vals = sub[self.cols].astype(object).where(sub[self.cols].notna(), "")
        return ["|".join(str(v) for v in row) for row in vals.itertuples(index=False)]


def _date_mask(
    times: pd.Series, *, start: str, name: str, col: str, layer: str, report, ids
) -> np.ndarray:
    """True where ``times`` lies before ``start`` or after now; records each such row."""
    t = pd.to_datetime(times, errors="coerce", utc=True).dt.tz_localize(None)
    now = today()
    lo = pd.Timestamp(start)
    bad = ((t < lo) | (t > now + pd.Timedelta(days=1))).fillna(False).to_numpy()
    if bad.any():
        first, last = t[bad].min(), t[bad].max()
        _record(
            report,
            layer,
            ids[bad],
            DATE_OUT_OF_RANGE,
            f"{name}: {col} {first:%Y-%m-%d}..{last:%Y-%m-%d} outside the source's coverage "
            f"{lo:%Y-%m} to today ({now:%Y-%m-%d}); row dropped — fix the date in the file",
        )
    return bad


def check_volumes(df: pd.DataFrame, *, path, layer: str, report: DropReport | None) -> pd.DataFrame:
    """Drop (and report) crossing-volume rows with a negative count or an impossible month."""
    if len(df) == 0:
        return df
    name = Path(str(path)).name
    ids = _RowIds(df, ["port_code", "crossing", "month", "measure"])
    vals = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    neg = (vals < 0).fillna(False).to_numpy()
    if neg.any():
        _record(
            report,
            layer,
            ids[neg],
            NEGATIVE_COUNT,
            f"{name}: column value < 0 (e.g. {vals[neg].iloc[0]:g}); row dropped — a count "
            "cannot be negative, correct the source row",
        )
    start = COVERAGE_START.get(layer, COVERAGE_START["bts"])
    bad = _date_mask(
        df["month"], start=start, name=name, col="month", layer=layer, report=report, ids=ids
    )
    keep = ~(neg | bad)
    if keep.all():
        return df
    out = df[keep]  # the index keeps the row numbers the drop report refers to
    out.attrs.update(df.attrs)
    return out


def check_waits(df: pd.DataFrame, *, path, layer: str, report: DropReport | None) -> pd.DataFrame:
    """Drop (and report) waits outside 0–600 minutes and rows dated outside the coverage."""
    if len(df) == 0 or "minutes" not in df.columns:
        return df
    name = Path(str(path)).name
    ids = _RowIds(df, ["port_code", "lane", "time", "month", "weekday", "hour"])
    mins = pd.to_numeric(df["minutes"], errors="coerce").astype("float64")
    out_of_range = ((mins < 0) | (mins > MAX_WAIT_MINUTES) | np.isinf(mins)).fillna(False)
    out_of_range = out_of_range.to_numpy()
    if out_of_range.any():
        _record(
            report,
            layer,
            ids[out_of_range],
            WAIT_OUT_OF_RANGE,
            f"{name}: column minutes outside 0–{MAX_WAIT_MINUTES:g} "
            f"(e.g. {mins[out_of_range].iloc[0]:g}); row dropped — correct the source row",
        )
    bad_date = np.zeros(len(df), dtype=bool)
    if "time" in df.columns and df["time"].notna().any():
        bad_date = _date_mask(
            df["time"],
            start=COVERAGE_START["waits"],
            name=name,
            col="time",
            layer=layer,
            report=report,
            ids=ids,
        )
    keep = ~(out_of_range | bad_date)
    if keep.all():
        return df
    out = df[keep]  # the index keeps the row numbers the drop report refers to
    out.attrs.update(df.attrs)
    return out


def _wrap(check, layer: str | None):
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(path, *args, report: DropReport | None = None, **kwargs):
            report = report if report is not None else DropReport()
            out = fn(path, *args, report=report, **kwargs)
            lay = layer or fn.__name__.replace("read_", "")
            return check(out, path=path, layer=lay, report=report)

        return wrapper

    return deco


def checked_volumes(layer: str):
    """Decorator: run :func:`check_volumes` on what a crossing-volume reader returns."""
    return _wrap(check_volumes, layer)


def checked_waits(layer: str | None = None):
    """Decorator: run :func:`check_waits` on what a wait-time reader returns."""
    return _wrap(check_waits, layer)


# ------------------------------------------------------------------------------------------------
# units inside the region


def check_units_in_region(
    units, *, anchors, report: DropReport | None, files: str = "", margin: float = REGION_MARGIN_M
):
    """Drop (and report) units farther than ``margin`` from the bounding box of ``anchors``.

    ``anchors`` are points known to be in the region (its ports of entry), in the CRS of
    ``units`` (projected, metres). When all units of a side lie outside, the side's file is in
    the wrong place altogether (a mislabelled CRS, swapped coordinates): that raises
    :class:`PlausibilityError`.
    """
    if units is None or len(units) == 0 or anchors is None or len(anchors) == 0:
        return units
    if units.crs is None or not units.crs.is_projected:
        return units
    a = anchors.to_crs(units.crs)
    x0, y0, x1, y1 = a.total_bounds
    pts = units.geometry.representative_point()
    good = ~units.geometry.isna() & ~units.geometry.is_empty
    dx = np.maximum(np.maximum(x0 - pts.x, pts.x - x1), 0)
    dy = np.maximum(np.maximum(y0 - pts.y, pts.y - y1), 0)
    dist = np.hypot(dx, dy)
    far = (good & (dist > margin)).to_numpy()
    if not far.any():
        return units
    countries = (
        units[schema.COUNTRY]
        if schema.COUNTRY in units.columns
        else pd.Series("", index=units.index)
    )
    for country in pd.unique(countries):
        side = (countries == country).to_numpy()
        if side.sum() and far[side].mean() > 0.5:
            km = np.nanmedian(dist[side & far]) / 1000
            raise PlausibilityError(
                f"{files or 'unit file'}: {int(far[side].sum())} of {int(side.sum())} "
                f"{country} units lie {km:,.0f} km (median) outside the region around its ports "
                "of entry: the file's CRS is probably mislabelled (e.g. projected metres labelled "
                "as another CRS, or longitude/latitude swapped). Re-project or re-label the file "
                "(e.g. with ogr2ogr -a_srs) and load it again"
            )
    ids = units[schema.UNIT_ID][far] if schema.UNIT_ID in units.columns else units.index[far]
    for uid, d in zip(ids, dist[far], strict=True):
        _record(
            report,
            "units",
            [uid],
            OUTSIDE_REGION,
            f"{files}: unit {d / 1000:,.0f} km outside the region around its ports of entry; "
            "dropped — check the unit's geometry in the source file",
        )
    return units[~far].reset_index(drop=True)


def check_api_error(doc: dict, path) -> None:
    """Raise when a JSON document is an API error body (``{"message": ...}``), not data.

    CBP, Socrata and the Census API answer a bad request or an outage with a small object
    holding ``message`` / ``error``; read as data it would be an empty table.
    """
    from .errors import DataSourceError

    data_keys = {"ports", "data", "records", "features", "port_number"}
    if data_keys & set(doc):
        return
    for key in ("message", "error", "errorMessage", "Message"):
        if key in doc:
            raise DataSourceError(
                f"{path}: is an API error response, not data ({key}: {str(doc[key])[:200]!r}); "
                "download the file again later or check the request"
            )
