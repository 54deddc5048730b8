"""The one GeoPackage writer of every GIS output (catchments, concentration, commuting, export).

:func:`write_layer` writes one layer so that a GIS user gets what the table means:

- **codes as text**: unit ids, ``admin2`` (``"08037"`` stays ``"08037"``), GEOIDs, CVEGEO, port
  and crossing codes, node ids are TEXT fields, never numbers that lose their leading zeros;
- **no SQL-reserved field names**: a column named like an SQL keyword (``group``, ``index``,
  ``order``, ... see :data:`SQL_KEYWORDS`) is renamed (``group`` → ``group_name``), so that a
  query in QGIS, ogr2ogr or SQLite needs no quoting;
- **descriptions**: the layer's ``gpkg_contents.description``, and a title and description per
  field in the ``gpkg_data_columns`` table of the GeoPackage schema extension, in English or
  Spanish (``lang="es"``).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ._gpkg_labels import field_label, layer_label
from .errors import OutputError

__all__ = ["SQL_KEYWORDS", "gis_columns", "write_layer"]

#: SQLite keywords (https://sqlite.org/lang_keywords.html) and a few more SQL-92 reserved words
#: (USER, VALUE, SIZE, ZONE). A field may not be named like one of these.
_KEYWORDS = """ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE
    BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE
    CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE
    DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE
    EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS
    HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS
    ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL
    NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY
    RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING
    RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION
    TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW
    WITH WITHOUT USER VALUE SIZE ZONE"""
SQL_KEYWORDS = frozenset(_KEYWORDS.split())

# preferred new names; any other keyword gets the suffix "_value"
_RENAMES = {
    "group": "group_name",
    "groups": "group_names",
    "index": "index_name",
    "order": "order_rank",
    "key": "key_name",
    "table": "table_name",
    "column": "column_name",
    "from": "from_value",
    "to": "to_value",
}

#: Columns holding codes (always written as text).
CODE_COLUMNS = frozenset(
    {
        "unit_id",
        "admin1",
        "admin2",
        "geoid",
        "cvegeo",
        "port_code",
        "best_port",
        "second_port",
        "crossing_id",
        "node_id",
        "cve_ent",
        "cve_mun",
        "cve_loc",
        "cve_ageb",
        "statefp",
        "countyfp",
        "tractce",
    }
)
_CODE_PATTERN = re.compile(r"(_code|_id|_fips|_geoid|_cvegeo)$|^(cve_|geoid|cvegeo)")
_WIDTHS = {"admin2": 5}  # county FIPS / municipio CVE: 5 digits


def _is_code(column: str) -> bool:
    low = column.lower()
    return low in CODE_COLUMNS or bool(_CODE_PATTERN.search(low))


def _as_text(values: pd.Series, width: int | None = None) -> pd.Series:
    def one(v):
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v)
        return text.zfill(width) if width and text.isdigit() else text

    return values.map(one).astype("string")


def gis_columns(columns) -> dict[str, str]:
    """The renames that keep field names clear of SQL keywords.

    Parameters
    ----------
    columns
        Column names of a table to be written.

    Returns
    -------
    dict
        ``{old: new}`` for every column named like an SQL keyword (``group`` → ``group_name``);
        empty when no column needs a new name.
    """
    taken = {str(c) for c in columns}
    out = {}
    for col in columns:
        if str(col).upper() in SQL_KEYWORDS:
            new = _RENAMES.get(str(col).lower(), f"{str(col).lower()}_value")
            while new in taken:
                new += "_"
            out[col] = new
            taken.add(new)
    return out


def _gis_frame(frame):
    out = frame.copy()
    geometry = out.geometry.name
    for col in out.columns:
        if col == geometry:
            continue
        if _is_code(str(col)):
            out[col] = _as_text(out[col], _WIDTHS.get(str(col).lower()))
        elif out[col].dtype == object:
            out[col] = _as_text(out[col])
    return out.rename(columns=gis_columns(out.columns))


def write_layer(
    frame,
    path: str | os.PathLike,
    *,
    layer: str,
    lang: str = "en",
    description: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Write one layer of a GeoPackage, with text codes, safe names and descriptions.

    Parameters
    ----------
    frame
        GeoDataFrame to write (it is not changed).
    path
        The ``.gpkg`` file; created, or the layer is added to it (a layer of the same name is
        replaced).
    layer
        Layer name.
    lang
        ``"en"`` or ``"es"``: language of the layer and field descriptions.
    description
        Layer description (default: the package's description of ``layer``, if any).
    fields
        Field descriptions that replace or complete the package's own (``{column: text}``,
        by the column's name before any SQL-keyword rename).

    Returns
    -------
    dict
        The renames made (``{"group": "group_name"}``), empty if none.

    Raises
    ------
    OutputError
        If the file cannot be written.
    """
    if lang not in ("en", "es"):
        raise OutputError(f"{path}: lang={lang!r}; use 'en' or 'es'")
    path = Path(path)
    renames = gis_columns(frame.columns)
    out = _gis_frame(frame)
    text = description or layer_label(layer, lang=lang)
    multi = bool(out.geom_type.fillna("").str.startswith("Multi").any())
    try:
        out.to_file(
            path,
            layer=layer,
            driver="GPKG",
            engine="pyogrio",
            promote_to_multi=multi,
            layer_options={"DESCRIPTION": text} if text else None,
        )
    except Exception as exc:  # pyogrio/GDAL raise their own types
        raise OutputError(f"{path}: cannot write layer {layer!r}: {exc}") from exc
    described = {}
    for col in frame.columns:
        if col == frame.geometry.name:
            continue
        given = (fields or {}).get(col)
        label = (str(col), given) if given else field_label(str(col), lang=lang)
        if label is not None:
            described[renames.get(col, str(col))] = label
    try:
        _describe_fields(path, layer, described)
    except sqlite3.Error as exc:
        raise OutputError(f"{path}: cannot write field descriptions of {layer!r}: {exc}") from exc
    return renames


_DATA_COLUMNS_SQL = (
    "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT "
    "NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, "
    "CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), "
    "CONSTRAINT gdc_tn UNIQUE (table_name, name))",
    "CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL, "
    "constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, "
    "max NUMERIC, max_is_inclusive BOOLEAN, description TEXT, "
    "CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))",
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
    "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
)
_SCHEMA_EXT = "http://www.geopackage.org/spec/#extension_schema"


def _describe_fields(path: Path, layer: str, described: Mapping[str, tuple[str, str]]) -> None:
    """Fill ``gpkg_data_columns`` (GeoPackage schema extension) for one layer."""
    if not described:
        return
    con = sqlite3.connect(path)
    try:
        with con:
            for sql in _DATA_COLUMNS_SQL:
                con.execute(sql)
            for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
                con.execute(
                    "INSERT INTO gpkg_extensions SELECT ?, NULL, 'gpkg_schema', ?, 'read-write' "
                    "WHERE NOT EXISTS (SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND "
                    "extension_name = 'gpkg_schema')",
                    (table, _SCHEMA_EXT, table),
                )
            con.execute("DELETE FROM gpkg_data_columns WHERE table_name = ?", (layer,))
            con.executemany(
                "INSERT INTO gpkg_data_columns (table_name, column_name, name, title, "
                "description) VALUES (?, ?, ?, ?, ?)",
                [(layer, col, col, title, text) for col, (title, text) in described.items()],
            )
    finally:
        con.close()
