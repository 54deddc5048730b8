"""SANDAG's 2017 cross-border passenger survey (expanded records), the commuting model's target.

``OD_Survey_2017.csv`` of the SR-11/Otay Mesa East investment-grade model (SANDAG with CDM
Smith): one row per surveyed trip with ``FromZone, ToZone, ArHour, Purpose, POE, Lane, Dir,
RevWght``. Codes, as the model's trip-table scripts use them:

=========  =================================================================================
column     codes
=========  =================================================================================
``POE``    ``SY`` San Ysidro (port 2504), ``OM`` Otay Mesa (2506)
``Lane``   ``General``, ``Ready`` (Ready Lane), ``SENTRI``
``Dir``    ``NB`` northbound, ``SB`` southbound
``Purpose````HBW`` home-based work, ``HBO`` home-based other, ``HBS`` home-based shopping
``ArHour`` 1–24: arrival hour at the border, hour 1 = 00:00–01:00 (as in the model's hourly
           files), so ``hour = ArHour − 1``
``RevWght``expansion weight (trips per day the record stands for), must be > 0
=========  =================================================================================

The zone ids belong to the model's merged US–Mexico zone system, whose geometries are not
public here; the commuting model therefore uses the survey only through its aggregates
(port × lane × purpose × hour).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema
from ..drops import DropReport
from ..errors import SchemaError
from ._files import check_file, read_source_csv

__all__ = [
    "SURVEY_COLUMNS",
    "SURVEY_LANES",
    "SURVEY_PORTS",
    "read_od_survey",
    "read_zone_centroids",
]

SURVEY_PORTS = {"SY": 2504, "OM": 2506}
SURVEY_LANES = {"general": "general", "ready": "ready", "sentri": "sentri"}
SURVEY_DIRECTIONS = {"NB": "northbound", "SB": "southbound"}
SURVEY_PURPOSES = ("HBW", "HBO", "HBS")
SURVEY_COLUMNS = (
    "from_zone",
    "to_zone",
    "hour",
    "purpose",
    "port_code",
    "lane",
    "direction",
    "weight",
    "source",
)
_RAW = ("FromZone", "ToZone", "ArHour", "Purpose", "POE", "Lane", "Dir", "RevWght")


def _bad(path: Path, col: str, mask: pd.Series, values: pd.Series, what: str) -> str:
    rows = (np.flatnonzero(mask.to_numpy())[:5] + 2).tolist()  # file line numbers (header = 1)
    vals = sorted({str(v) for v in values[mask]})[:8]
    return f"{path}: column {col}: {int(mask.sum())} row(s) with {what} {vals} (lines {rows}...)"


def read_od_survey(
    path: str | os.PathLike,
    *,
    on_bad: str = "raise",
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read and check the expanded 2017 SANDAG cross-border OD survey.

    Parameters
    ----------
    path
        The CSV.
    on_bad
        ``"raise"`` (default): a row with an unknown port, lane, direction or purpose code, an
        hour outside 1–24, or a weight that is missing, zero or negative raises
        :class:`~binational.errors.SchemaError` naming the column, the values and the lines.
        ``"drop"``: such rows are dropped and recorded in ``report`` (reason
        ``bad_survey_row``).
    report
        Receives dropped rows with ``on_bad="drop"``.

    Returns
    -------
    pandas.DataFrame
        ``from_zone, to_zone, hour (0-23), purpose, port_code, lane, direction, weight,
        source``.
    """
    if on_bad not in ("raise", "drop"):
        raise SchemaError(f"on_bad={on_bad!r}: use 'raise' or 'drop'")
    path = Path(path)
    report = report if report is not None else DropReport()
    check_file(path, what="SANDAG OD survey")
    df = read_source_csv(path, what="SANDAG OD survey", dtype=str, keep_default_na=False)
    missing = [c for c in _RAW if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{path}: SANDAG OD survey lacks column(s) {missing}; found {list(df.columns)}"
        )
    poe = df["POE"].str.strip().str.upper()
    lane = df["Lane"].str.strip().str.lower()
    direction = df["Dir"].str.strip().str.upper()
    purpose = df["Purpose"].str.strip().str.upper()
    hour = pd.to_numeric(df["ArHour"], errors="coerce")
    weight = pd.to_numeric(df["RevWght"], errors="coerce")
    checks = [
        (
            "POE",
            ~poe.isin(SURVEY_PORTS),
            df["POE"],
            f"unknown port code (known {list(SURVEY_PORTS)})",
        ),
        (
            "Lane",
            ~lane.isin(SURVEY_LANES),
            df["Lane"],
            "unknown lane code (known General, Ready, SENTRI)",
        ),
        ("Dir", ~direction.isin(SURVEY_DIRECTIONS), df["Dir"], "unknown direction (known NB, SB)"),
        (
            "Purpose",
            ~purpose.isin(SURVEY_PURPOSES),
            df["Purpose"],
            f"unknown purpose (known {list(SURVEY_PURPOSES)})",
        ),
        ("ArHour", hour.isna() | ~hour.between(1, 24), df["ArHour"], "hour outside 1-24"),
        (
            "RevWght",
            weight.isna() | ~(weight > 0),
            df["RevWght"],
            "missing, zero or negative weight",
        ),
    ]
    bad_any = pd.Series(False, index=df.index)
    for col, mask, values, what in checks:
        if mask.any():
            msg = _bad(path, col, mask, values, what)
            if on_bad == "raise":
                raise SchemaError(msg)
            report.add("od_survey", df.index[mask], "bad_survey_row", msg)
            bad_any |= mask
    keep = ~bad_any
    out = pd.DataFrame(
        {
            "from_zone": pd.to_numeric(df.loc[keep, "FromZone"], errors="coerce").astype("Int64"),
            "to_zone": pd.to_numeric(df.loc[keep, "ToZone"], errors="coerce").astype("Int64"),
            "hour": (hour[keep] - 1).astype(int),
            "purpose": purpose[keep],
            schema.PORT_CODE: poe[keep].map(SURVEY_PORTS).astype(int),
            "lane": lane[keep].map(SURVEY_LANES),
            "direction": direction[keep].map(SURVEY_DIRECTIONS),
            "weight": weight[keep].astype(float),
        }
    ).reset_index(drop=True)
    out["source"] = f"SANDAG 2017 cross-border OD survey, SR-11/OME model ({path.name})"
    return out


def read_zone_centroids(path: str | os.PathLike, *, layer: str = "nodes") -> gpd.GeoDataFrame:
    """Centroids of the SANDAG SR-11/OME model zones (the survey's ``FromZone``/``ToZone``).

    The model network GeoPackage (``osm/tijuana_sandiego_sr11_2017_network.gpkg`` in the
    shared data) has one node per zone with ``is_centroid`` true and its zone id in ``taz``
    (4,682 US zones, 638 Mexican zones).

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone`` (int), ``country``, ``geometry`` (the file's CRS).
    """
    path = Path(path)
    check_file(path, what="SANDAG zone centroids")
    try:
        nodes = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises several error types for a bad file or layer
        raise SchemaError(f"{path}: cannot read layer {layer!r}: {exc}") from exc
    missing = [c for c in ("is_centroid", "taz") if c not in nodes.columns]
    if missing:
        raise SchemaError(f"{path}: layer {layer!r} lacks column(s) {missing}")
    flag = nodes["is_centroid"].astype(str).str.lower().isin(("1", "true"))
    cent = nodes[flag & nodes["taz"].notna()]
    if cent.empty:
        raise SchemaError(f"{path}: no zone centroid (is_centroid true with a taz)")
    dup = cent["taz"].duplicated()
    if dup.any():
        raise SchemaError(
            f"{path}: column taz repeats zone(s) {cent.loc[dup, 'taz'].head().tolist()}"
        )
    return gpd.GeoDataFrame(
        {
            "zone": cent["taz"].astype(int).to_numpy(),
            "country": cent["country"].astype(str).to_numpy() if "country" in cent else None,
        },
        geometry=cent.geometry.to_numpy(),
        crs=nodes.crs,
    )
