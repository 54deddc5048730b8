"""US census units: TIGER/Line or cartographic-boundary tracts joined to ACS tables.

Public readers (the unit table's US side is built by :func:`binational.harmonise.load_us_units`):

* :func:`read_tracts` — tract polygons (shp, zipped shp, gpkg, GeoJSON) with an 11-digit
  ``GEOID``.
* :func:`read_acs` — an ACS table (Census Data API JSON, data.census.gov CSV export, or a
  renamed CSV/JSON with a column map) as canonical columns (``pop_total``, ``hispanic``,
  ``spanish_home``, ...) with 95 % margins of error in ``<col>_moe``.

Column maps (which source column holds which canonical column, and the confidence level of its
MOE) live in the package data file ``column_maps.toml``; see :func:`column_maps`.

Margins of error
----------------
The ACS publishes 90 % MOEs. binational stores 95 % MOEs: a source MOE at level L is multiplied
by ``1.96 / z_L`` (z_90 = 1.645, z_99 = 2.576), the scaling the Census Bureau recommends
("Understanding and Using ACS Data", 2020, ch. 8). Files that already carry 95 % MOEs (the San
Diego dashboard tables) are kept as they are.

Annotations
-----------
ACS "jam values" (negative numbers such as -666666666 for "estimate cannot be computed" or
-222222222 for "MOE not applicable") and data.census.gov annotation strings (``*****`` —
controlled estimate, no sampling error published; ``(X)`` not applicable; ``N`` not available;
``-``, ``**``, ``***``) become NaN, and each is recorded as ``suppressed_values_flagged`` in the
drop report with the column and the original value.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import drops, schema
from .._data import package_file, read_toml
from .._log import get_logger
from ..drops import DropReport
from ..errors import DataSourceError, SchemaError
from ._vector import check_unique, clean_geometries, note, read_csv_text, read_text, read_vector

__all__ = [
    "ColumnMap",
    "column_maps",
    "get_column_map",
    "read_acs",
    "read_tracts",
    "tract_name",
]

log = get_logger(__name__)

LAYER_TRACTS = "us_tracts"
LAYER_ACS = "us_acs"
LAYER_UNITS = "us_units"

#: Two-sided normal quantiles of the MOE confidence levels the ACS uses.
Z_SCORES = {90: 1.645, 95: 1.96, 99: 2.576}
TARGET_MOE_LEVEL = 95

#: Annotation strings of data.census.gov / the Census API that mean "no value".
MISSING_TOKENS = frozenset(
    {"", "null", "none", "nan", "na", "n", "n/a", "(x)", "-", "**", "***", "*****", "x"}
)

_GEOID_COLUMNS = ("GEOID", "GEOID20", "GEOID10", "GEO_ID", "GEOIDFQ", "AFFGEOID", "AFFGEOID20")
_GEOID_PARTS = (
    ("STATEFP", "COUNTYFP", "TRACTCE"),
    ("STATEFP20", "COUNTYFP20", "TRACTCE20"),
    ("STATEFP10", "COUNTYFP10", "TRACTCE10"),
    ("STATE", "COUNTY", "TRACT"),
)


# --------------------------------------------------------------------------------------------
# GEOIDs
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# tracts
# --------------------------------------------------------------------------------------------


def read_tracts(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    counties: Iterable[str] | None = None,
    report: DropReport | None = None,
) -> gpd.GeoDataFrame:
    """Read census-tract polygons with an 11-digit ``GEOID``.

    Parameters
    ----------
    path
        TIGER/Line or cartographic-boundary tracts: ``.shp``, ``.zip`` (shapefile inside, e.g.
        ``tl_2024_06_tract.zip``), ``.gpkg`` or ``.geojson``/``.json``.
    layer
        Layer of a GeoPackage (default: the first) or shapefile name inside a zip.
    counties
        5-digit county FIPS codes to keep; other tracts are recorded as ``outside_region``.
    report
        Drop report receiving every dropped, repaired or filtered record (ids ``"US:<GEOID>"``).

    Returns
    -------
    GeoDataFrame
        ``GEOID`` first, then the source columns, in the source CRS (GeoJSON without a ``crs``
        member is OGC:CRS84; NAD83 files stay EPSG:4269). The GEOID comes from ``GEOID``
        (``GEOID20``/``GEOID10``), else ``STATEFP+COUNTYFP+TRACTCE`` (2000-era files:
        ``STATE+COUNTY+TRACT``), else ``AFFGEOID``/``GEOIDFQ`` (``"1400000US…"``).

    Raises
    ------
    DataSourceError
        The file is missing, unreadable, or not what its name says.
    CRSError
        A shapefile or GeoPackage without a CRS.
    SchemaError
        No tract key column, malformed or duplicate GEOIDs.
    GeometryError
        Non-polygon geometries.
    """
    counties = normalise_counties(counties)
    gdf = read_vector(path, layer=layer)
    geoid = _validate_geoids(_geoids_from(gdf, path), path)
    check_unique(geoid, key="GEOID", path=path)
    existing = [c for c in gdf.columns if str(c).upper() == "GEOID"]
    gdf = gdf.drop(columns=existing)
    gdf.insert(0, "GEOID", geoid.to_numpy())
    if counties is not None:
        inside = gdf["GEOID"].str[:5].isin(counties)
        note(
            report,
            LAYER_TRACTS,
            _uids(gdf.loc[~inside, "GEOID"]),
            drops.OUTSIDE_REGION,
            f"county not in {', '.join(counties)} ({Path(path).name})",
        )
        gdf = gdf.loc[inside]
    gdf = clean_geometries(
        gdf,
        ids=pd.Series(_uids(gdf["GEOID"]), index=gdf.index),
        layer=LAYER_TRACTS,
        path=path,
        report=report,
    )
    gdf = gdf.reset_index(drop=True)
    gdf.attrs["source_path"] = str(path)
    return gdf


# --------------------------------------------------------------------------------------------
# column maps
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    """Where each canonical column of an ACS table lies in a source file.

    Attributes
    ----------
    name
        Map name (``column_maps.toml`` table) or ``"custom"``.
    columns
        Canonical column → ``{"column": [alternatives], "moe": [alternatives] | None,
        "moe_level": float | None, "acs": str}``.
    moe_level
        Default confidence level (percent) of the source MOEs.
    partial
        Skip canonical columns whose source column is absent instead of raising.
    geoid, tract_name, county
        How rows are keyed (see ``column_maps.toml``).
    """

    name: str
    columns: Mapping[str, Mapping]
    moe_level: float | None = 90
    partial: bool = False
    geoid: str | None = None
    tract_name: str | None = None
    county: str | None = None
    title: str = ""

    def __post_init__(self) -> None:
        if schema.POP_TOTAL not in self.columns:
            raise SchemaError(f"column map {self.name!r} has no entry for {schema.POP_TOTAL!r}")
        if self.tract_name and not self.county:
            raise SchemaError(f"column map {self.name!r}: tract_name keys need a county")


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _entry(name: str, canonical: str, spec) -> dict:
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, Mapping) or "column" not in spec:
        raise SchemaError(
            f"column map {name!r}: entry {canonical!r} must be a column name or a table with "
            "'column' (and optional 'moe', 'moe_level')"
        )
    cols = _as_list(spec["column"])
    moes = _as_list(spec.get("moe"))
    if moes and len(moes) != len(cols):
        raise SchemaError(
            f"column map {name!r}: entry {canonical!r} lists {len(cols)} column(s) but "
            f"{len(moes)} moe column(s)"
        )
    return {
        "column": cols,
        "moe": moes or None,
        "moe_level": spec.get("moe_level"),
        "acs": spec.get("acs", ""),
    }


def _map_from_table(name: str, table: Mapping) -> ColumnMap:
    if "columns" in table:
        columns = table["columns"]
        meta = table
    else:
        columns, meta = table, {}
    return ColumnMap(
        name=name,
        columns={k: _entry(name, k, v) for k, v in dict(columns).items()},
        moe_level=meta.get("moe_level", 90),
        partial=bool(meta.get("partial", False)),
        geoid=meta.get("geoid"),
        tract_name=meta.get("tract_name"),
        county=meta.get("county"),
        title=meta.get("title", ""),
    )


@cache
def column_maps() -> dict[str, ColumnMap]:
    """The named column maps of the package manifest ``column_maps.toml``."""
    doc = read_toml(package_file("column_maps.toml"), what="column maps")
    return {name: _map_from_table(name, table) for name, table in doc.items()}


def get_column_map(column_map: str | Mapping | ColumnMap) -> ColumnMap:
    """A :class:`ColumnMap` from a manifest name, a dict, or a ColumnMap.

    A dict is either ``{canonical: source column or {"column", "moe", "moe_level"}}`` (MOEs
    taken as 90 %) or a table laid out like one map of ``column_maps.toml`` (with
    ``"columns"``, ``"moe_level"``, ``"geoid"``, ...).
    """
    if isinstance(column_map, ColumnMap):
        return column_map
    if isinstance(column_map, str):
        maps = column_maps()
        if column_map not in maps:
            raise SchemaError(
                f"unknown column map {column_map!r}; known maps: {', '.join(maps)} (or pass a dict)"
            )
        return maps[column_map]
    if isinstance(column_map, Mapping):
        return _map_from_table("custom", column_map)
    raise SchemaError(f"column_map must be a name, a dict or a ColumnMap, not {column_map!r}")


def _template_regex(template: str) -> re.Pattern:
    return re.compile(re.escape(template).replace(re.escape("{year}"), r"(\d{4})") + "$")


def _present(template: str, columns: Iterable[str]) -> bool:
    if "{year}" not in template:
        return template in set(columns)
    rx = _template_regex(template)
    return any(rx.match(str(c)) for c in columns)


def _detect_map(columns: list[str], path) -> ColumnMap:
    """The first manifest map whose key and pop_total columns the table has."""
    upper = _upper_lookup(columns)
    maps = sorted(column_maps().values(), key=lambda m: m.partial)  # specific maps first
    for cmap in maps:
        key = cmap.geoid or cmap.tract_name
        if key and key not in columns:
            continue
        if not key and not any(k in upper for k in ("GEOID", "GEO_ID", "TRACT")):
            continue
        if any(_present(c, columns) for c in cmap.columns[schema.POP_TOTAL]["column"]):
            log.info("%s: using column map %r", path, cmap.name)
            return cmap
    raise SchemaError(
        f"{path}: cannot tell which column map fits this table (columns: "
        f"{', '.join(map(str, columns[:8]))}, ...); pass column_map= one of "
        f"{', '.join(column_maps())} or a dict"
    )


def _resolve_year(cmap: ColumnMap, columns: list[str], year: int | None, path) -> int | None:
    templates = [c for e in cmap.columns.values() for c in e["column"] + (e["moe"] or [])]
    templates = [t for t in templates if "{year}" in t]
    if year is not None or not templates:
        return year
    found: set[int] = set()
    for t in templates:
        rx = _template_regex(t)
        found.update(int(m.group(1)) for c in columns if (m := rx.match(str(c))))
    if len(found) > 1:
        raise SchemaError(
            f"{path}: columns for several ACS vintages ({', '.join(map(str, sorted(found)))}); "
            "pass year="
        )
    return found.pop() if found else None


# --------------------------------------------------------------------------------------------
# ACS tables
# --------------------------------------------------------------------------------------------


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


def read_acs(
    path: str | os.PathLike,
    *,
    column_map: str | Mapping | ColumnMap | None = None,
    year: int | None = None,
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read an ACS tract table as canonical columns with 95 % margins of error.

    Parameters
    ----------
    path
        One of

        * a Census Data API response saved as JSON (list of lists, header row first; ACS codes
          such as ``B03002_012E``/``B03002_012M``; ``state``/``county``/``tract`` or ``GEO_ID``
          columns),
        * a data.census.gov CSV export (two header rows: codes then labels; ``GEO_ID`` like
          ``1400000US06073000100``), or its download zip,
        * a renamed CSV or JSON (``.gz`` allowed; JSON may be ``{GEOID: {field: value}}``) read
          with a column map.
    column_map
        Name of a map in ``column_maps.toml`` (``"sd-dashboard"``, ``"tidycensus-jtrummler"``,
        ``"acs-codes"``, ``"ep-b01003"``, ``"ep-b01003-tract-name"``), a dict, or a
        :class:`ColumnMap`. Default: the first manifest map whose key and population columns the
        table has (``acs-codes`` for raw ACS codes).
    year
        End year of the ACS vintage, for maps whose column names contain ``{year}`` (inferred
        from the header when there is one vintage).
    report
        Drop report receiving annotation values turned into NaN.

    Returns
    -------
    DataFrame
        Indexed by ``GEOID``; the map's canonical columns (float; ``pop_total`` first) and
        ``<col>_moe`` (95 % MOE) where the source has one. ``attrs`` holds ``column_map``,
        ``vintage`` (e.g. ``"2020-2024"``), ``source_moe_level`` and ``acs_codes``.

    Raises
    ------
    SchemaError
        A mapped source column is missing (named), no population column, non-numeric values,
        malformed or duplicate GEOIDs.
    DataSourceError
        The file is unreadable or not what its name says.
    """
    path = Path(path)
    raw = _read_acs_table(path)
    raw.columns = [str(c).strip() for c in raw.columns]
    columns = list(raw.columns)
    cmap = get_column_map(column_map) if column_map is not None else _detect_map(columns, path)
    geoids = _acs_geoids(raw, cmap, path)
    check_unique(geoids, key="GEOID", path=path)
    year = _resolve_year(cmap, columns, year, path)

    estimates: dict[str, np.ndarray] = {}
    moes: dict[str, np.ndarray] = {}
    source_levels: dict[str, float | None] = {}
    codes: dict[str, str] = {}
    present = set(columns)
    for canonical, entry in cmap.columns.items():
        alts = [c.format(year=year) if year is not None else c for c in entry["column"]]
        moe_alts = [c.format(year=year) if year is not None else c for c in (entry["moe"] or [])]
        pos = next((k for k, c in enumerate(alts) if c in present), None)
        if pos is None:
            if cmap.partial and canonical != schema.POP_TOTAL:
                continue
            raise SchemaError(
                f"{path}: column {' or '.join(map(repr, alts))} for {canonical!r} "
                f"(column map {cmap.name!r}) is missing"
            )
        col = alts[pos]
        estimates[canonical] = _to_float(
            raw[col], column=col, path=path, report=report, canonical=canonical, geoids=geoids
        )
        codes[canonical] = entry["acs"]
        if not moe_alts:
            continue
        moe_col = moe_alts[pos]
        if moe_col not in present:
            if cmap.partial:
                log.info("%s: no MOE column %r for %s", path, moe_col, canonical)
                continue
            raise SchemaError(
                f"{path}: MOE column {moe_col!r} for {canonical!r} (column map {cmap.name!r}) "
                "is missing"
            )
        level = entry["moe_level"] or cmap.moe_level
        if level not in Z_SCORES:
            raise SchemaError(
                f"column map {cmap.name!r}: unsupported MOE level {level!r} for {canonical!r} "
                f"(known: {sorted(Z_SCORES)})"
            )
        moe = _to_float(
            raw[moe_col],
            column=moe_col,
            path=path,
            report=report,
            canonical=canonical + schema.MOE_SUFFIX,
            geoids=geoids,
        )
        moes[canonical + schema.MOE_SUFFIX] = moe * (Z_SCORES[TARGET_MOE_LEVEL] / Z_SCORES[level])
        source_levels[canonical] = level

    out = pd.DataFrame({**estimates, **moes}, index=pd.Index(geoids.to_numpy(), name="GEOID"))
    out.attrs.update(
        source_path=str(path),
        column_map=cmap.name,
        vintage=_vintage(path, year),
        year=year,
        source_moe_level=source_levels,
        moe_level=TARGET_MOE_LEVEL,
        acs_codes=codes,
    )
    return out
