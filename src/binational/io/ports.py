"""The ports-of-entry registry shipped with the package (``ports.csv``).

:func:`read_ports` returns it as a GeoDataFrame: one row per US–Mexico land port that BTS
reports, one row per crossing (bridge, gate, pedestrian facility) of ports that have several,
and planned ports (Otay Mesa East). ``port_code`` is the 4-digit BTS/CBP port code as a
nullable integer (``Int64``): 2504 San Ysidro. ``crossing_id`` is CBP's Border Wait Times
crossing id as text (``"250401"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .._data import package_file
from .._log import get_logger
from ..errors import DataSourceError, RegionError, SchemaError
from ._files import PathLike, check_file, column_error

log = get_logger(__name__)

__all__ = ["LEVELS", "MODES", "PORTS_COLUMNS", "STATUSES", "read_ports"]

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
            raise column_error(path, col, f"empty on line(s) {rows}")
    dup = df["poe_id"].duplicated(keep=False)
    if dup.any():
        raise column_error(path, "poe_id", f"duplicate key(s) {sorted(set(df.loc[dup, 'poe_id']))}")
    bad = ~df["level"].isin(LEVELS)
    if bad.any():
        raise column_error(
            path, "level", f"value(s) {sorted(set(df.loc[bad, 'level']))} not in {LEVELS}"
        )
    bad = ~df["status"].isin(STATUSES)
    if bad.any():
        raise column_error(
            path, "status", f"value(s) {sorted(set(df.loc[bad, 'status']))} not in {STATUSES}"
        )
    bad = ~df["port_code"].astype(str).str.fullmatch(r"\d{4}")
    if bad.any():
        raise column_error(
            path, "port_code", f"not a 4-digit code: {sorted(set(df.loc[bad, 'port_code']))}"
        )
    ports = df[df["level"] == "port"]
    dup = ports["port_code"].duplicated(keep=False)
    if dup.any():
        raise column_error(
            path,
            "port_code",
            f"port rows repeat code(s) {sorted(set(ports.loc[dup, 'port_code']))}",
        )
    orphan = ~df["port_code"].isin(ports["port_code"])
    if orphan.any():
        raise column_error(
            path,
            "port_code",
            f"crossing row(s) {df.loc[orphan, 'poe_id'].tolist()} name a port without a port row",
        )
    for col, lo, hi in (("lat", -90, 90), ("lon", -180, 180)):
        vals = pd.to_numeric(df[col], errors="coerce")
        bad = vals.isna() | (vals < lo) | (vals > hi)
        if bad.any():
            raise column_error(
                path, col, f"not a coordinate in [{lo}, {hi}]: {df.loc[bad, col].tolist()[:5]}"
            )
        df[col] = vals.astype(float)
    ids = df["bwt_ids"].dropna().str.split(";").explode()
    bad = ~ids.str.fullmatch(_ID_RE)
    if bad.any():
        raise column_error(
            path, "bwt_ids", f"not 6-character CBP crossing ids: {sorted(set(ids[bad]))}"
        )
    cross = df[df["level"] == "crossing"]["bwt_ids"].dropna().str.split(";").explode()
    dup = cross.duplicated(keep=False)
    if dup.any():
        raise column_error(
            path, "bwt_ids", f"crossing id(s) on several crossing rows: {sorted(set(cross[dup]))}"
        )
    has_id = df["crossing_id"].notna()
    in_list = [
        cid in str(lst).split(";")
        for cid, lst in zip(df.loc[has_id, "crossing_id"], df.loc[has_id, "bwt_ids"], strict=True)
    ]
    if not all(in_list):
        bad_rows = df.loc[has_id, "poe_id"][[not x for x in in_list]].tolist()
        raise column_error(path, "crossing_id", f"not among the row's bwt_ids on row(s) {bad_rows}")
    modes = df["modes"].dropna().str.split(";").explode()
    bad = ~modes.isin(MODES)
    if bad.any():
        raise column_error(path, "modes", f"unknown mode(s) {sorted(set(modes[bad]))}; use {MODES}")
    df["port_code"] = df["port_code"].astype(int).astype("Int64")
    return df


@lru_cache(maxsize=8)
def _registry_cached(path: str, mtime_ns: int) -> pd.DataFrame:
    p = Path(path)
    check_file(p, what="ports registry")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{p}: not a readable ports registry CSV ({exc})") from exc
    return _validate_registry(df, p)


def registry_table(path: PathLike | None = None) -> pd.DataFrame:
    """The validated registry as a plain table (a copy; parsed once per file version)."""
    p = Path(path) if path is not None else package_file("ports.csv")
    if not p.is_file():
        raise DataSourceError(f"{p}: ports registry does not exist")
    return _registry_cached(str(p.resolve()), p.stat().st_mtime_ns).copy()


def _region_mask(df: pd.DataFrame, region, port_codes) -> pd.Series:
    names = [] if region is None else [region] if isinstance(region, str) else list(region)
    codes = [int(c) for c in port_codes] if port_codes is not None else []
    by_code = df["port_code"].isin(codes)
    if not names:
        return by_code
    mask = pd.Series(False, index=df.index)
    for name in names:
        key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
        hit = (df["region"] == key) | by_code
        if not hit.any():
            raise RegionError(
                f"region {name!r} has no ports in the registry; registry regions: "
                f"{', '.join(sorted(df['region'].unique()))}"
            )
        mask |= hit
    return mask


def read_ports(
    *,
    region: str | Sequence[str] | None = None,
    port_codes: Iterable[int] | None = None,
    level: str = "port",
    path: PathLike | None = None,
    planned: bool = False,
) -> gpd.GeoDataFrame:
    """Read the ports-of-entry registry as points (EPSG:4326).

    Parameters
    ----------
    region
        A registry region name (the ``region`` column, e.g. ``"tijuana-san-diego"``) or a list
        of them. None: no selection by region.
    port_codes
        Also (or, without ``region``, only) the rows of these ports. The ports of a region
        preset come from :func:`binational.units.region_ports`, which passes both.
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
        If a ``region`` name matches no row (and no ``port_codes`` row).
    """
    if level not in ("port", "crossing", "finest", "all"):
        raise SchemaError(f"level {level!r} must be 'port', 'crossing', 'finest' or 'all'")
    df = registry_table(path)
    if not planned:
        df = df[df["status"] != "planned"]
    if region is not None or port_codes is not None:
        df = df[_region_mask(df, region, port_codes)]
    if level in ("port", "crossing"):
        df = df[df["level"] == level]
    elif level == "finest":
        with_crossings = set(df.loc[df["level"] == "crossing", "port_code"])
        keep = (df["level"] == "crossing") | ~df["port_code"].isin(with_crossings)
        df = df[keep]
    df = df.reset_index(drop=True)
    geometry = gpd.points_from_xy(df["lon"], df["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(df[list(PORTS_COLUMNS)], geometry=geometry, crs="EPSG:4326")


def bwt_index(registry: pd.DataFrame) -> dict[str, tuple[int, str]]:
    """CBP crossing id → (port code, poe_id); crossing rows win over port rows."""
    out: dict[str, tuple[int, str]] = {}
    for level in ("port", "crossing"):
        rows = registry[(registry["level"] == level) & registry["bwt_ids"].notna()]
        for code, poe, ids in zip(rows["port_code"], rows["poe_id"], rows["bwt_ids"], strict=True):
            for cid in str(ids).split(";"):
                out[cid] = (int(code), poe)
    return out


def port_timezones(registry: pd.DataFrame) -> dict[int, str]:
    ports = registry[registry["level"] == "port"]
    return dict(zip(ports["port_code"].astype(int), ports["tz"], strict=True))
