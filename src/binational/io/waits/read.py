"""Read a wait file of any supported shape; put tables of several time zones together."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ... import _plausible, schema
from ..._log import get_logger
from ...drops import DropReport
from ...errors import SchemaError
from .._files import (
    PathLike,
    check_file,
    snake,
)
from ._frame import waits_frame
from .bordify import read_waits_series
from .cbp import read_waits_hourly, read_waits_live
from .sandag import read_sandag_observed_waits

log = get_logger(__name__)

__all__ = ["combine_waits", "read_waits"]


@_plausible.checked_waits("waits")
def read_waits(path: PathLike, *, report: DropReport | None = None, **kwargs) -> pd.DataFrame:
    """Read any supported wait-time file, telling its shape from its content.

    JSON → :func:`read_waits_live`; CSV with ``bwt_day`` → :func:`read_waits_hourly`; with
    ``garita`` and ``tipo_carril`` → :func:`read_waits_series`; with ``port_number`` and lane
    columns → :func:`read_waits_live`; with ``traveler_type`` and ``wait_time`` →
    :func:`read_sandag_observed_waits`.

    Parameters
    ----------
    path
        The wait-time file (CSV, JSON, optionally gzipped).
    report
        Receives dropped and flagged records.
    **kwargs
        Passed to the reader chosen.

    Returns
    -------
    pandas.DataFrame
        :data:`binational.schema.WAITS_COLUMNS`.

    Raises
    ------
    binational.errors.DataSourceError
        If the file is missing, empty, an HTML page or a damaged gzip.
    binational.errors.SchemaError
        If the shape is none of these (naming the columns found).
    """
    path = Path(path)
    head = check_file(path, what="wait-time")
    if path.suffix.lower() == ".json" or head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(
        (b"[", b"{")
    ):
        return read_waits_live(path, report=report, **kwargs)
    first = head.decode("utf-8-sig", errors="replace").splitlines()[0] if head else ""
    cols = {snake(c) for c in first.split(",")}
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

    Parameters
    ----------
    tables
        Wait tables (:data:`binational.schema.WAITS_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        One table, ``time`` in UTC (empty with the schema's columns when no table is given).
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
        return waits_frame({"lane": [], "minutes": [], "source": []}, 0)
    return pd.concat(parts, ignore_index=True)[list(schema.WAITS_COLUMNS)]
