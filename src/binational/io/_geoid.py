"""US tract GEOIDs: 11-digit keys from GEOID columns or state/county/tract parts, checks, tract
names and county filters."""

from __future__ import annotations

import os
from collections.abc import Iterable

import pandas as pd

from .. import schema
from ..errors import SchemaError

_GEOID_COLUMNS = ("GEOID", "GEOID20", "GEOID10", "GEO_ID", "GEOIDFQ", "AFFGEOID", "AFFGEOID20")
_GEOID_PARTS = (
    ("STATEFP", "COUNTYFP", "TRACTCE"),
    ("STATEFP20", "COUNTYFP20", "TRACTCE20"),
    ("STATEFP10", "COUNTYFP10", "TRACTCE10"),
    ("STATE", "COUNTY", "TRACT"),
)


def _upper_lookup(columns: Iterable[str]) -> dict[str, str]:
    return {str(c).strip().upper(): c for c in columns}


def _digits(values: pd.Series, width: int) -> pd.Series:
    """Component codes as zero-padded strings ('6' → '06', '73' → '073', '6.0' → '06')."""
    s = values.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    return s.where(~s.str.fullmatch(r"\d+").fillna(False), s.str.zfill(width))


def _full_key(values: pd.Series, width: int) -> pd.Series:
    """Full keys whose single leading zero a numeric read lost ('6073000100' → '06073000100').

    Only a key one character short is padded: anything shorter is left to fail validation.
    """
    s = values.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    short = (s.str.len() == width - 1) & s.str.fullmatch(r"\d+").fillna(False)
    return s.where(~short, "0" + s)


def _geoids_from(df: pd.DataFrame, path: str | os.PathLike) -> pd.Series:
    """11-digit tract GEOIDs from GEOID / GEO_ID ("1400000US…") / state+county+tract columns."""
    cols = _upper_lookup(df.columns)
    for key in _GEOID_COLUMNS:
        if key in cols:
            s = df[cols[key]].astype("string").str.strip()
            s = s.str.replace(r"^.*US", "", regex=True)
            return _full_key(s, 11)
    for parts in _GEOID_PARTS:
        if all(p in cols for p in parts):
            st, co, tr = (df[cols[p]] for p in parts)
            tr = tr.astype("string").str.strip()
            # Census 2000 boundary files write tracts without a suffix as 4 digits ("0005")
            tr = tr.where(tr.str.len() != 4, tr + "00")
            return _digits(st, 2) + _digits(co, 3) + _digits(tr, 6)
    raise SchemaError(
        f"{path}: no tract key column: expected GEOID, GEO_ID/AFFGEOID/GEOIDFQ ('1400000US…'), "
        "STATEFP+COUNTYFP+TRACTCE or state+county+tract"
    )


def _validate_geoids(geoid: pd.Series, path: str | os.PathLike) -> pd.Series:
    ok = geoid.str.fullmatch(r"\d{11}").fillna(False)
    if not ok.all():
        bad = geoid[~ok].astype(object).head(5).tolist()
        raise SchemaError(
            f"{path}: {int((~ok).sum())} tract GEOID(s) are not 11 digits (state 2 + county 3 "
            f"+ tract 6), e.g. {bad}"
        )
    return geoid.astype(str)


def tract_name(geoid: str) -> str:
    """Census name of a tract from its GEOID: ``"48141010346"`` → ``"Census Tract 103.46"``."""
    code = geoid[-6:]
    base, suffix = str(int(code[:4])), code[4:]
    return f"Census Tract {base}" + (f".{suffix}" if suffix != "00" else "")


def _tract_code_from_name(names: pd.Series) -> pd.Series:
    """'1.06' → '000106', '14' → '001400', '9800' → '980000' (Census tract naming)."""
    s = names.astype("string").str.strip().str.replace(r"^Census Tract\s+", "", regex=True)
    parts = s.str.split(".", n=1, expand=True)
    base = parts[0].str.zfill(4)
    suffix = parts[1].fillna("00").str.ljust(2, "0") if 1 in parts.columns else "00"
    return base + suffix


def normalise_counties(counties: Iterable[str] | None) -> tuple[str, ...] | None:
    if counties is None:
        return None
    if isinstance(counties, str):
        counties = [counties]
    out = tuple(str(c).strip().zfill(5) for c in counties)
    bad = [c for c in out if not (len(c) == 5 and c.isdigit())]
    if bad:
        raise SchemaError(f"counties must be 5-digit FIPS codes (state + county), got {bad}")
    return out


def _uids(geoids: Iterable[str]) -> list[str]:
    return [schema.unit_id(schema.US, g) for g in geoids]
