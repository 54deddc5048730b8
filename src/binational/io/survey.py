"""Cross-border travel surveys: the SANDAG 2017 passenger origin–destination survey.

:func:`read_od_survey` reads ``crossings/sandag_ome_crossborder_od_survey_2017.csv`` (SANDAG
SR-11 / Otay Mesa East model inputs: one row per expanded survey record with ``FromZone, ToZone,
ArHour, Purpose (HBW/HBO/HBS), POE (SY/OM), Lane (General/Ready/SENTRI), Dir (NB/SB),
RevWght``). ``RevWght`` is the expansion weight: the number of private-vehicle trips per
weekday the record stands for. :func:`survey_trips` sums the weights by any of the columns.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataSourceError, SchemaError

__all__ = ["SURVEY_PORTS", "read_od_survey", "survey_trips"]

#: SANDAG port abbreviations → BTS/CBP port codes.
SURVEY_PORTS = {"SY": 2504, "OM": 2506}

_COLUMNS = {
    "FromZone": "from_zone",
    "ToZone": "to_zone",
    "ArHour": "hour",
    "Purpose": "purpose",
    "POE": "poe",
    "Lane": "lane",
    "Dir": "direction",
    "RevWght": "trips",
}
_DIRECTIONS = {"NB": "northbound", "SB": "southbound"}


def read_od_survey(path: str | os.PathLike) -> pd.DataFrame:
    """Read the SANDAG cross-border OD survey into a tidy table.

    Returns
    -------
    pandas.DataFrame
        ``from_zone, to_zone, hour`` (SANDAG's 1–24), ``purpose`` (HBW, HBO, HBS), ``poe``
        (SY, OM), ``port_code``, ``lane`` (general, ready, sentri), ``direction``
        (northbound/southbound) and ``trips`` (expansion weight, trips per weekday).

    Raises
    ------
    DataSourceError
        The file does not exist or cannot be parsed.
    SchemaError
        A column is missing, a weight is negative or not a number, or a port or direction code
        is unknown (the offending values are named).
    """
    path = Path(path)
    if not path.is_file():
        raise DataSourceError(f"{path}: OD survey file does not exist")
    try:
        raw = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"{path}: not a readable OD survey CSV ({exc})") from exc
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise SchemaError(f"{path}: OD survey lacks column(s) {', '.join(missing)}")
    df = raw[list(_COLUMNS)].rename(columns=_COLUMNS)
    trips = pd.to_numeric(df["trips"], errors="coerce")
    bad = ~np.isfinite(trips) | (trips < 0)
    if bad.any():
        rows = ", ".join(str(i + 2) for i in df.index[bad][:5])
        raise SchemaError(f"{path}: column RevWght has missing or negative weights (lines {rows})")
    df["trips"] = trips.astype("float64")
    poe = df["poe"].astype(str).str.upper()
    unknown = sorted(set(poe) - set(SURVEY_PORTS))
    if unknown:
        raise SchemaError(f"{path}: column POE has unknown port code(s) {', '.join(unknown)}")
    direction = df["direction"].astype(str).str.upper()
    unknown = sorted(set(direction) - set(_DIRECTIONS))
    if unknown:
        raise SchemaError(f"{path}: column Dir has unknown direction(s) {', '.join(unknown)}")
    df["poe"] = poe
    df["port_code"] = poe.map(SURVEY_PORTS).astype("Int64")
    df["direction"] = direction.map(_DIRECTIONS)
    df["lane"] = df["lane"].astype(str).str.lower()
    df["purpose"] = df["purpose"].astype(str).str.upper()
    df.attrs["source"] = f"SANDAG SR-11/OME cross-border OD survey 2017 ({path.name})"
    return df


def survey_trips(
    survey: pd.DataFrame, *, by: list[str] | tuple[str, ...] = (), **where
) -> pd.DataFrame | float:
    """Trips per weekday in ``survey`` (:func:`read_od_survey`), summed by the columns ``by``
    after keeping the rows that match ``where`` (e.g. ``direction="northbound"``,
    ``purpose="HBW"``). With no ``by`` the total is returned as a float."""
    df = survey
    for col, value in where.items():
        if col not in df.columns:
            raise SchemaError(f"OD survey has no column {col!r}")
        df = df[df[col] == value]
    if not by:
        return float(df["trips"].sum())
    return df.groupby(list(by), as_index=False)["trips"].sum()
