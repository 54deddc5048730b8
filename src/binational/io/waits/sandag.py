"""SANDAG's observed SR-11 / Otay Mesa East waits (2017), summarised by hour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ... import _plausible, schema
from ..._log import get_logger
from ...drops import DropReport
from ...errors import SchemaError
from .._files import (
    PathLike,
    check_file,
    column_error,
    read_source_csv,
    require_columns,
    snake,
)
from ..ports import registry_table
from ._frame import waits_frame

log = get_logger(__name__)

__all__ = ["SANDAG_LANES", "SANDAG_WAIT_COLUMNS", "read_sandag_observed_waits"]

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
    check_file(path, what="SANDAG observed waits")
    df = read_source_csv(path, what="SANDAG observed waits")
    df.columns = [snake(c) for c in df.columns]
    col = SANDAG_WAIT_COLUMNS[wait_source]
    require_columns(
        df,
        ["hour", "port_name", "direction", "vehicle_type", "traveler_type", col],
        path,
        "SANDAG observed waits",
    )
    hour = pd.to_numeric(df["hour"], errors="coerce")
    if hour.isna().any() or not hour.between(1, 24).all():
        raise column_error(path, "hour", "expected hours 1-24")
    registry = registry_table()
    ports = registry[registry["level"] == "port"]
    by_name = {snake(n): int(c) for n, c in zip(ports["name"], ports["port_code"], strict=True)}
    code = df["port_name"].map(lambda n: by_name.get(snake(n)))
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
    return waits_frame(
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
