"""ACS table formats: Census Data API JSON and data.census.gov CSV exports read raw, their
annotation strings and negative jam values turned into NaN (recorded in the drop report), row
GEOIDs and the survey vintage."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .. import drops
from ..errors import DataSourceError, SchemaError
from ._acs_columns import ColumnMap
from ._geoid import (
    _full_key,
    _geoids_from,
    _tract_code_from_name,
    _uids,
    _upper_lookup,
    _validate_geoids,
)
from ._vector import note, read_csv_text, read_text

LAYER_ACS = "us_acs"

#: Annotation strings of data.census.gov / the Census API that mean "no value".
MISSING_TOKENS = frozenset(
    {"", "null", "none", "nan", "na", "n", "n/a", "(x)", "-", "**", "***", "*****", "x"}
)


def _frame_from_json(doc, path) -> pd.DataFrame:
    if isinstance(doc, list) and doc and all(isinstance(r, list) for r in doc):
        header, rows = doc[0], doc[1:]
        bad = [k for k, r in enumerate(rows, start=2) if len(r) != len(header)]
        if bad:
            raise SchemaError(
                f"{path}: Census API JSON rows {bad[:5]} do not have the {len(header)} fields "
                "of the header row"
            )
        return pd.DataFrame(rows, columns=[str(h) for h in header], dtype=object)
    if isinstance(doc, list) and doc and all(isinstance(r, Mapping) for r in doc):
        return pd.DataFrame.from_records(doc)
    if isinstance(doc, Mapping) and doc and all(isinstance(v, Mapping) for v in doc.values()):
        df = pd.DataFrame.from_dict(doc, orient="index")
        df.index = df.index.astype(str)
        return df.rename_axis("GEOID").reset_index()
    raise SchemaError(
        f"{path}: unrecognised JSON layout; expected a Census API list of lists (header row "
        "first), a list of records, or {GEOID: {field: value}}"
    )


def _read_acs_table(path: Path) -> pd.DataFrame:
    """The raw table (source column names, values as read) of an ACS CSV/JSON file."""
    text, _ = read_text(path, member_suffixes=(".csv", ".json"), prefer="-data.csv")
    start = text.lstrip()[:1]
    if start in ("[", "{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataSourceError(f"{path}: invalid JSON: {exc}") from exc
        return _frame_from_json(doc, path)
    df = read_csv_text(text, path=path)
    if len(df):
        first = df.iloc[0].astype(str)
        geo = _upper_lookup(df.columns).get("GEO_ID")
        if first.str.contains("!!", regex=False).any() or (
            geo is not None and first[geo].strip().lower() in ("geography", "id")
        ):
            df = df.iloc[1:].reset_index(drop=True)  # data.census.gov label row
    return df


def _to_float(
    values: pd.Series, *, column: str, path, report, canonical: str, geoids: pd.Series
) -> np.ndarray:
    """Numbers from a source column; annotations and negative jam values → NaN (recorded)."""
    num = pd.to_numeric(values, errors="coerce").astype("float64")
    out = num.to_numpy(copy=True)
    failed = np.isnan(out) & values.notna().to_numpy()
    if failed.any():
        text = values[failed].astype(str).str.strip()
        token = text.str.lower().isin(MISSING_TOKENS)
        cleaned = pd.to_numeric(
            text[~token].str.replace(",", "", regex=False).str.rstrip("+-"), errors="coerce"
        )
        if cleaned.isna().any():
            bad = text[~token][cleaned.isna()]
            raise SchemaError(
                f"{path}: column {column!r} has non-numeric value(s) {bad.head(3).tolist()} "
                f"(row GEOIDs {geoids[bad.index[:3]].tolist()})"
            )
        idx = np.flatnonzero(failed)
        out[idx[~token.to_numpy()]] = cleaned.to_numpy(dtype=float)
        for tok, rows in text[token].groupby(text[token]).groups.items():
            note(
                report,
                LAYER_ACS,
                _uids(geoids[rows]),
                drops.SUPPRESSED,
                f"{column} ({canonical}): annotation {tok!r} → missing",
            )
    neg = out < 0
    if neg.any():
        for val in np.unique(out[neg]):
            rows = np.flatnonzero(out == val)
            jam = val <= -100_000_000  # ACS jam values: -666666666, -999999999, ...
            note(
                report,
                LAYER_ACS,
                _uids(geoids.iloc[rows]),
                drops.SUPPRESSED if jam else "negative_count",
                f"{column} ({canonical}): ACS annotation value {val:.0f} → missing"
                if jam
                else f"{Path(str(path)).name}: column {column} = {val:g} < 0 (not an ACS "
                "annotation) set missing; correct the source row",
            )
        out[neg] = np.nan
    return out


def _acs_geoids(raw: pd.DataFrame, cmap: ColumnMap, path) -> pd.Series:
    if cmap.tract_name:
        if cmap.tract_name not in raw.columns:
            raise SchemaError(f"{path}: tract-name column {cmap.tract_name!r} is missing")
        code = _tract_code_from_name(raw[cmap.tract_name])
        return _validate_geoids(cmap.county + code, path)
    if cmap.geoid:
        if cmap.geoid not in raw.columns:
            raise SchemaError(
                f"{path}: GEOID column {cmap.geoid!r} (column map {cmap.name!r}) is missing"
            )
        s = raw[cmap.geoid].astype("string").str.strip().str.replace(r"^.*US", "", regex=True)
        return _validate_geoids(_full_key(s, 11), path)
    return _validate_geoids(_geoids_from(raw, path), path)


def _vintage(path: Path, year: int | None) -> str | None:
    m = re.search(r"(?<!\d)((?:19|20)\d{2})[_-]((?:19|20)\d{2})(?!\d)", path.name)
    if m and int(m.group(2)) - int(m.group(1)) == 4:
        return f"{m.group(1)}-{m.group(2)}"
    if year is not None:
        return f"{year - 4}-{year}"
    return None
