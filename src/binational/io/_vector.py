"""Shared helpers of the census loaders: open files by content, read vector layers, check keys.

Private to :mod:`binational.io`. Every error names the file at fault.

* :func:`read_vector` reads shapefiles (plain or zipped), GeoPackages and GeoJSON with pyogrio,
  after checking that the file is what its name says (an HTML page saved as ``.geojson`` or a
  truncated zip gives a :class:`~binational.errors.DataSourceError`, not a GDAL traceback).
* :func:`clean_geometries` drops null/empty geometries, repairs invalid ones with
  :func:`shapely.make_valid` and checks that every geometry is polygonal.
* :func:`read_text` / :func:`read_csv_text` open plain, ``.gz``, ``.bz2`` and ``.zip`` text files
  and detect their encoding (utf-8, utf-8-sig, cp1252, latin-1).
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import _bounded, drops
from .._sniff import markup_kind
from ..drops import DropReport
from ..errors import CRSError, DataQualityWarning, DataSourceError, GeometryError, SchemaError

__all__ = [
    "check_unique",
    "clean_geometries",
    "decode",
    "note",
    "read_csv_text",
    "read_text",
    "read_vector",
]

VECTOR_SUFFIXES = (".shp", ".zip", ".gpkg", ".geojson", ".json", ".geojson.gz", ".json.gz")
POLYGONAL = ("Polygon", "MultiPolygon")

# Reasons that mean a record left (or was changed in) the output; without a report they warn.
_WARN_REASONS = {
    drops.NO_ATTRIBUTES,
    drops.NO_GEOMETRY,
    drops.EMPTY_GEOMETRY,
    drops.INVALID_GEOMETRY,
    drops.DUPLICATE,
    drops.REPAIRED,
}


def note(
    report: DropReport | None, layer: str, ids: Iterable, reason: str, detail: str = ""
) -> None:
    """Record ``ids`` in ``report``; without a report, warn about drops and repairs.

    Nothing is lost silently: a caller that passes no report still gets a
    :class:`~binational.errors.DataQualityWarning` for every dropped or repaired record set.
    """
    ids = [str(i) for i in ids]
    if not ids:
        return
    if report is not None:
        report.add(layer, ids, reason, detail)
    elif reason in _WARN_REASONS:
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        warnings.warn(
            f"{layer}: {len(ids)} record(s) {reason} ({shown}){': ' + detail if detail else ''}; "
            "pass report=DropReport() to collect them",
            DataQualityWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------------------------
# file sniffing
# --------------------------------------------------------------------------------------------


def _require_file(path: Path) -> None:
    if not path.exists():
        raise DataSourceError(f"{path}: file does not exist")
    if path.is_dir():
        raise DataSourceError(f"{path}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise DataSourceError(f"{path}: file is empty")


def _head(path: Path, n: int = 512) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def _zip_infos(path: Path) -> list[zipfile.ZipInfo]:
    """Members of zip ``path`` after a CRC check of every member (catches truncation)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            declared = sum(i.file_size for i in infos)
            if declared > _bounded.limit():  # before the CRC check decompresses every member
                raise _bounded.DecompressionBombError(
                    f"{path}: members expand to {declared:,} bytes, more than the bound of "
                    f"{_bounded.limit():,}; refused. Raise binational.settings."
                    "max_decompressed_bytes if the file is genuine"
                )
            bad = zf.testzip()
    except _bounded.DecompressionBombError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise DataSourceError(f"{path}: not a readable zip archive (truncated?): {exc}") from exc
    if bad is not None:
        raise DataSourceError(f"{path}: corrupt zip archive (bad CRC in member {bad!r})")
    return infos


def _pick_member(
    path: Path,
    infos: list[zipfile.ZipInfo],
    suffixes: Sequence[str],
    *,
    prefer: str | None = None,
) -> str | None:
    """The member with a wanted suffix: the only one, the one whose name contains ``prefer``,
    or the largest (None if there is none)."""
    found = [
        i
        for i in infos
        if not i.is_dir()
        and i.filename.lower().endswith(tuple(suffixes))
        and not Path(i.filename).name.startswith(("._", "."))
    ]
    if len(found) > 1 and prefer:
        found = [i for i in found if prefer.lower() in i.filename.lower()] or found
    if len(found) > 1 and tuple(suffixes) == (".shp",):
        names = ", ".join(i.filename for i in found)
        raise DataSourceError(
            f"{path}: the zip archive holds several shapefiles ({names}); pass layer="
        )
    return max(found, key=lambda i: i.file_size).filename if found else None


def _no_member(path: Path, infos: list[zipfile.ZipInfo], what: str) -> DataSourceError:
    members = ", ".join(i.filename for i in infos[:8]) or "none"
    return DataSourceError(f"{path}: the zip archive holds no {what} (members: {members})")


# --------------------------------------------------------------------------------------------
# vector layers
# --------------------------------------------------------------------------------------------


def _vector_source(path: Path, layer: str | None) -> tuple[str, str | None, str]:
    """Return (GDAL source string, layer, kind) after checking the file's content."""
    name = path.name.lower()
    head = _head(path)
    if name.endswith(".zip"):
        if not head.startswith(b"PK"):
            raise DataSourceError(f"{path}: not a zip archive (content starts {head[:16]!r})")
        infos = _zip_infos(path)
        for suffixes, kind in (
            ((".shp",), "shp"),
            ((".gpkg",), "gpkg"),
            ((".geojson", ".json"), "geojson"),
        ):
            member = _pick_member(path, infos, suffixes, prefer=layer)
            if member is not None:
                return f"/vsizip/{path}/{member}", layer if kind == "gpkg" else None, kind
        raise _no_member(path, infos, "shapefile, GeoPackage or GeoJSON")
    if name.endswith((".geojson", ".json", ".geojson.gz", ".json.gz")):
        if name.endswith(".gz"):
            try:
                with gzip.open(path, "rb") as fh:
                    head = fh.read(512)
            except (OSError, EOFError) as exc:
                raise DataSourceError(f"{path}: not a readable gzip file: {exc}") from exc
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if markup_kind(head) is not None:
            raise DataSourceError(
                f"{path}: not GeoJSON: the file is HTML/XML (a web page saved under a GeoJSON name?)"
            )
        if not start.startswith(b"{"):
            raise DataSourceError(f"{path}: not GeoJSON (content starts {start[:20]!r})")
        if name.endswith(".gz"):
            _bounded.check_size(path)  # GDAL decompresses it whole
        src = f"/vsigzip/{path}" if name.endswith(".gz") else str(path)
        return src, None, "geojson"
    if name.endswith(".gpkg"):
        if not head.startswith(b"SQLite format 3\x00"):
            raise DataSourceError(f"{path}: not a GeoPackage (no SQLite header)")
        return str(path), layer, "gpkg"
    if name.endswith(".shp"):
        if head[:4] != b"\x00\x00\x27\x0a":
            raise DataSourceError(f"{path}: not an ESRI shapefile (bad file code)")
        return str(path), None, "shp"
    raise DataSourceError(
        f"{path}: unsupported vector format; expected one of {', '.join(VECTOR_SUFFIXES)}"
    )


def read_vector(path: str | os.PathLike, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a polygon layer from .shp, .zip (shapefile inside), .gpkg or .geojson/.json(.gz).

    GeoJSON without a ``crs`` member is OGC:CRS84 (EPSG:4326 axis order lon/lat). A shapefile
    or GeoPackage layer without a CRS raises :class:`~binational.errors.CRSError`.

    Returns
    -------
    GeoDataFrame with the source's columns and CRS (``attrs["source_path"]`` set).
    """
    import pyogrio  # here, not at import: a warm load reads no vector file (0.2 s saved)

    path = Path(path)
    _require_file(path)
    src, lyr, kind = _vector_source(path, layer)
    try:
        if lyr is not None and kind == "gpkg":
            layers = [str(n) for n in pyogrio.list_layers(src)[:, 0]]
            if lyr not in layers:
                raise DataSourceError(f"{path}: no layer {lyr!r} (layers: {', '.join(layers)})")
        gdf = gpd.read_file(src, layer=lyr, engine="pyogrio")
    except DataSourceError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise DataSourceError(f"{path}: cannot be read as a {kind} layer: {exc}") from exc
    except (OSError, RuntimeError, ValueError) as exc:
        raise DataSourceError(f"{path}: cannot be read as a {kind} layer: {exc}") from exc
    if gdf.crs is None:
        if kind == "geojson":
            gdf = gdf.set_crs("OGC:CRS84")
        else:
            raise CRSError(
                f"{path}: layer has no CRS (missing .prj?); cannot place it on the map. Set it "
                "with GeoDataFrame.set_crs() or add the .prj file"
            )
    _check_lonlat_bounds(gdf, path)
    gdf.attrs["source_path"] = str(path)
    return gdf


def _check_lonlat_bounds(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """A geographic CRS with coordinates outside ±180/±90 means the declared CRS is wrong
    (typically projected metres in a GeoJSON without a ``crs`` member)."""
    if not gdf.crs.is_geographic or not len(gdf):
        return
    xmin, ymin, xmax, ymax = gdf.total_bounds
    if not np.isfinite([xmin, ymin, xmax, ymax]).all():
        return
    if (
        (ymin < -90.5 or ymax > 90.5)
        and -90.5 <= xmin <= xmax <= 90.5
        and -180.5 <= ymin <= ymax <= 180.5
    ):
        raise CRSError(
            f"{path}: CRS is {gdf.crs.name} (degrees) but coordinates span x {xmin:.1f}..{xmax:.1f}, "
            f"y {ymin:.1f}..{ymax:.1f}: latitude and longitude look swapped (x holds latitudes, "
            "y longitudes); write the file with x = longitude, y = latitude"
        )
    if xmin < -180.5 or xmax > 360.5 or ymin < -90.5 or ymax > 90.5:
        raise CRSError(
            f"{path}: CRS is {gdf.crs.name} (degrees) but coordinates span "
            f"x {xmin:.0f}..{xmax:.0f}, y {ymin:.0f}..{ymax:.0f}: the file is in a projected "
            "CRS that it does not declare (GeoJSON must be lon/lat)"
        )


def clean_geometries(
    gdf: gpd.GeoDataFrame,
    *,
    ids: pd.Series,
    layer: str,
    path: str | os.PathLike,
    report: DropReport | None,
) -> gpd.GeoDataFrame:
    """Drop null/empty geometries, repair invalid ones, and require polygons.

    Parameters
    ----------
    gdf
        Layer to clean (index aligned with ``ids``).
    ids
        Record ids used in the report (e.g. unit ids).
    layer, path
        Names for the report and for error messages.

    Returns
    -------
    GeoDataFrame without the dropped rows; repaired rows are recorded as
    ``geometry_repaired``, dropped ones as ``empty_geometry`` / ``invalid_geometry``.
    """
    geom = gdf.geometry.values
    missing = np.asarray(shapely.is_missing(geom) | shapely.is_empty(geom))
    note(
        report,
        layer,
        ids[missing],
        drops.EMPTY_GEOMETRY,
        f"null or empty geometry in {Path(path).name}",
    )
    gdf = gdf.loc[~missing].copy()
    ids = ids[~missing]
    if not len(gdf):
        raise GeometryError(f"{path}: no non-empty geometries")

    types = gdf.geom_type
    bad = ~types.isin((*POLYGONAL, "GeometryCollection"))
    if bad.any():
        shown = ", ".join(f"{i} ({t})" for i, t in zip(ids[bad][:5], types[bad][:5], strict=True))
        raise GeometryError(
            f"{path}: {int(bad.sum())} geometries are not polygons: {shown}; census units must be "
            "Polygon or MultiPolygon"
        )

    invalid = (
        ~np.asarray(shapely.is_valid(gdf.geometry.values))
        | (types == "GeometryCollection").to_numpy()
    )
    if invalid.any():
        repaired = _polygonal(shapely.make_valid(gdf.geometry.values[invalid]))
        failed = shapely.is_empty(repaired) | shapely.is_missing(repaired)
        inv_ids = ids[invalid]
        note(
            report,
            layer,
            inv_ids[~failed],
            drops.REPAIRED,
            f"invalid polygon repaired with shapely.make_valid ({Path(path).name})",
        )
        note(
            report,
            layer,
            inv_ids[failed],
            drops.INVALID_GEOMETRY,
            f"invalid polygon with no area left after make_valid ({Path(path).name})",
        )
        geoms = gdf.geometry.values.copy()
        geoms[invalid] = repaired
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        keep = np.ones(len(gdf), dtype=bool)
        keep[np.flatnonzero(invalid)[failed]] = False
        gdf = gdf.loc[keep]
    return gdf


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (make_valid may add lines or points)."""
    out = np.empty(len(geoms), dtype=object)
    for k, g in enumerate(geoms):
        if g is None or g.is_empty:
            out[k] = shapely.Polygon()
        elif g.geom_type in POLYGONAL:
            out[k] = g
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type in POLYGONAL and not p.is_empty]
            polys = [q for p in parts for q in shapely.get_parts(p)]
            out[k] = shapely.MultiPolygon(polys) if polys else shapely.Polygon()
    return out


def check_unique(keys: pd.Series, *, key: str, path: str | os.PathLike) -> None:
    """Raise :class:`~binational.errors.SchemaError` listing a few duplicated ``keys``."""
    dup = keys[keys.duplicated(keep=False)]
    if len(dup):
        values = pd.unique(dup)
        shown = ", ".join(str(v) for v in values[:5])
        more = f" and {len(values) - 5} more" if len(values) > 5 else ""
        raise SchemaError(f"{path}: duplicate {key} values: {shown}{more}")


# --------------------------------------------------------------------------------------------
# text tables
# --------------------------------------------------------------------------------------------

TEXT_SUFFIXES = (".csv", ".txt", ".json", ".csv.gz", ".csv.bz2", ".json.gz", ".zip", ".gz", ".bz2")


def read_text(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    member_suffixes: Sequence[str] = (".csv",),
    prefer: str | None = None,
) -> tuple[str, str]:
    """Read a (possibly compressed or zipped) text file and decode it.

    ``.gz`` and ``.bz2`` files are decompressed; from a ``.zip`` the member with one of
    ``member_suffixes`` (preferring a name containing ``prefer``, else the largest) is read.

    Returns
    -------
    (text, encoding)
    """
    path = Path(path)
    _require_file(path)
    raw = read_bytes(path, member_suffixes=member_suffixes, prefer=prefer)
    return decode(raw, encoding=encoding, path=path)


def read_bytes(
    path: Path, *, member_suffixes: Sequence[str] = (".csv",), prefer: str | None = None
) -> bytes:
    """The decompressed bytes of ``path`` (see :func:`read_text`)."""
    name = path.name.lower()
    head = _head(path, 4)
    try:
        if name.endswith(".zip") or head.startswith(b"PK\x03\x04"):
            infos = _zip_infos(path)
            member = _pick_member(path, infos, member_suffixes, prefer=prefer)
            if member is None:
                raise _no_member(path, infos, "/".join(member_suffixes) + " file")
            with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
                return _bounded.read_all(fh, path=f"{path}!{member}")
        if name.endswith(".gz") or head.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as fh:
                return _bounded.read_all(fh, path=path)
        if name.endswith(".bz2") or head.startswith(b"BZh"):
            with bz2.open(path, "rb") as fh:
                return _bounded.read_all(fh, path=path)
        return path.read_bytes()
    except DataSourceError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        raise DataSourceError(f"{path}: corrupt or truncated compressed file: {exc}") from exc


def decode(
    raw: bytes, *, encoding: str | None = None, path: str | os.PathLike = ""
) -> tuple[str, str]:
    """Decode ``raw`` with ``encoding``, or detect utf-8-sig / utf-8 / cp1252 / latin-1.

    INEGI's own CSVs have historically been latin-1 (ISO-8859-1) or Windows-1252; republished
    copies are often utf-8 with or without a BOM. For Spanish text latin-1 and cp1252 agree on
    every accented letter; cp1252 is tried first because it also maps the 0x80–0x9F range
    (curly quotes, €) that Windows exports use.
    """
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataSourceError(f"{path}: cannot decode as {encoding}: {exc}") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise DataSourceError(f"{path}: cannot decode text")  # pragma: no cover - latin-1 never fails


def read_csv_text(text: str, *, path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """``pandas.read_csv`` of decoded text, all columns as strings, with errors naming ``path``."""
    if markup_kind(text[:4096]) is not None:
        raise DataSourceError(f"{path}: not a CSV table: the file is HTML/XML")
    try:
        return pd.read_csv(
            io.StringIO(text), dtype=object, keep_default_na=False, na_values=[], **kwargs
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataSourceError(f"{path}: cannot be parsed as CSV: {exc}") from exc
