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

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import drops, schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import SchemaError
from ._acs_columns import (
    TARGET_MOE_LEVEL,
    Z_SCORES,
    ColumnMap,
    _detect_map,
    _resolve_year,
    column_maps,
    get_column_map,
)
from ._acs_formats import (  # noqa: F401  (LAYER_ACS and MISSING_TOKENS re-exported)
    LAYER_ACS,
    MISSING_TOKENS,
    _acs_geoids,
    _read_acs_table,
    _to_float,
    _vintage,
)
from ._geoid import _geoids_from, _uids, _validate_geoids, normalise_counties, tract_name
from ._vector import check_unique, clean_geometries, note, read_vector

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
LAYER_UNITS = "us_units"


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
