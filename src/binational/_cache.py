"""The on-disk caches: one root, one key rule, and the parsed-table cache.

binational keeps three kinds of cache under ``settings.resolve_cache_dir()``, in three folders
because they hold different things and validate an entry differently:

``downloads/`` (:mod:`binational.sources.download`)
    Official files as received, keyed by their URL, each with a provenance record (URL, size,
    sha256). They are inputs: nothing rebuilds them but a new download.
``tables/`` (:func:`cached_table`, here)
    Parsed tables as Parquet, keyed by the reader and the source file's sha256. Parsing a large
    text source (a 190k-row wait-time series, the BTS file) costs a second or more at every
    load; the parsed table is read back in milliseconds. An edited source is parsed again; an
    unreadable entry is logged and rebuilt.
``networks/`` (:mod:`binational.io.roads`)
    A road graph as two Parquet tables (nodes, edges) with a checksummed record: a graph is not
    one table.

What they share is here and in :mod:`binational._atomic`: the key rule (:func:`cache_key`),
atomic writes and file checksums. No pickle anywhere.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from . import settings
from ._atomic import atomic_path, file_sha256
from ._log import get_logger

log = get_logger(__name__)

#: Bump when a reader's output changes shape: old entries are then ignored.
TABLE_CACHE_VERSION = 1


def cache_key(ident: Mapping[str, object]) -> str:
    """The cache key of an entry: a hash of what identifies it (source checksum, options, format).

    Parameters
    ----------
    ident
        JSON-serialisable description of the entry; key order does not matter.

    Returns
    -------
    str
        32 hex characters.
    """
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:32]


def cached_table(
    path: str | os.PathLike, *, kind: str, build: Callable[[], pd.DataFrame], cache: bool = True
) -> pd.DataFrame:
    """Return ``build()`` for the file at ``path``, from the cache when it holds this file.

    Parameters
    ----------
    path
        Source file the table is parsed from (its checksum keys the cache).
    kind
        Name of the reader and its options, e.g. ``"waits:v1"``.
    build
        Parses the file; called on a miss.
    cache
        Set False to bypass the cache (also bypassed when ``settings.use_cache`` is False).

    Returns
    -------
    pandas.DataFrame
        The parsed table (``attrs`` kept through the cache).
    """
    if not (cache and settings.use_cache):
        return build()
    key = cache_key({"kind": kind, "version": TABLE_CACHE_VERSION, "sha256": file_sha256(path)})
    return _entry(key, build, what=str(path))


def code_fingerprint(*modules: str | Path) -> str:
    """A hash of the source files of binational modules (``"harmonise"``, ``"io"``, ...).

    Part of the key of a cache entry built by those modules, so that an edited reader never
    returns an entry built by the old code (no version number to forget to bump).

    Parameters
    ----------
    modules
        Module or package names relative to ``binational`` (``"harmonise"``, ``"io"``), or
        folders given as a :class:`~pathlib.Path` (the package data); a package or folder
        covers all its files.

    Returns
    -------
    str
        32 hex characters.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in modules:
        path = name if isinstance(name, Path) else root.joinpath(*name.split("."))
        if path.is_dir():
            files = sorted(
                f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts
            )
        else:
            files = [path.with_suffix(".py")]
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:32]


def cached_frame(
    paths: Sequence[str | os.PathLike],
    *,
    kind: str,
    build: Callable[[], pd.DataFrame],
    ident: Mapping[str, object] | None = None,
    code: Sequence[str | Path] = (),
) -> pd.DataFrame:
    """Return ``build()`` built from several source files, from the cache when it holds them.

    Like :func:`cached_table`, for a table built from more than one file (the census units of
    one side: polygons and attributes) and for GeoDataFrames (stored as GeoParquet, CRS kept).

    Parameters
    ----------
    paths
        Source files; their checksums are part of the key.
    kind
        Name of what is built.
    build
        Builds the table; called on a miss.
    ident
        The options of the build (JSON-serialisable, or rendered with ``str``).
    code
        binational modules whose source is part of the key (:func:`code_fingerprint`).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The table (``attrs`` kept through the cache).
    """
    if not settings.use_cache:
        return build()
    key = cache_key(
        {
            "kind": kind,
            "version": TABLE_CACHE_VERSION,
            "sha256": [file_sha256(p) for p in paths],
            "ident": dict(ident or {}),
            "code": code_fingerprint(*code) if code else None,
        }
    )
    return _entry(key, build, what=kind)


def _entry(key: str, build: Callable[[], pd.DataFrame], *, what: str) -> pd.DataFrame:
    """The table cached under ``key``, else ``build()`` (written to the cache when it can be)."""
    target = settings.resolve_cache_dir("tables") / f"{key}.parquet"
    if target.is_file():
        try:
            return _read_frame(target)
        except Exception as exc:  # damaged entry: rebuild
            log.warning("table cache entry %s is unreadable (%s); rebuilding it", target, exc)
    table = build()
    try:
        with atomic_path(target) as tmp:
            table.to_parquet(tmp)
    except Exception as exc:  # an uncacheable table is still returned
        log.warning("%s: table not cached (%s)", what, exc)
    return table


def _read_frame(path: Path) -> pd.DataFrame:
    """A cached table, as a GeoDataFrame when it was written as GeoParquet."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if b"geo" in meta:
        return _read_geoparquet(path, json.loads(meta[b"geo"]))
    return pd.read_parquet(path)


def _read_geoparquet(path: Path, geo: dict):
    """A GeoParquet cache entry as :func:`geopandas.read_parquet` reads it, with each column's
    CRS built once per process (:func:`_crs_of`).

    ``geopandas.read_parquet`` builds a :class:`pyproj.CRS` from the column's PROJJSON at
    every read: about 36 ms, most of reading a census-unit table of 800 rows, three times per
    region load. Entries in another encoding than WKB (not written by this cache) are read by
    geopandas itself.
    """
    import geopandas as gpd
    import numpy as np
    import pyarrow.parquet as pq

    columns = geo.get("columns") or {}
    if not columns or any(str(c.get("encoding", "")).upper() != "WKB" for c in columns.values()):
        return gpd.read_parquet(path)
    table = pq.read_table(path)
    names = list(table.slice(0, 0).to_pandas().columns)
    frame = table.drop([c for c in columns if c in names]).to_pandas()
    for col in sorted((c for c in columns if c in names), key=names.index):
        # GeoParquet: no "crs" key means OGC:CRS84, null an unknown CRS
        crs = _crs_of(json.dumps(columns[col].get("crs", "OGC:CRS84"), sort_keys=True))
        geoms = gpd.GeoSeries.from_wkb(np.asarray(table[col]), index=frame.index, crs=crs)
        frame.insert(names.index(col), col, geoms)
    primary = geo.get("primary_column")
    out = gpd.GeoDataFrame(frame, geometry=primary if primary in frame.columns else None)
    attrs = (table.schema.metadata or {}).get(b"PANDAS_ATTRS")
    if attrs:
        out.attrs = json.loads(attrs)
    return out


@functools.lru_cache(maxsize=32)
def _crs_of(text: str):
    """The :class:`pyproj.CRS` of a GeoParquet column's ``crs`` (JSON text), once per text."""
    value = json.loads(text)
    if value is None:
        return None
    from pyproj import CRS

    return CRS.from_user_input(value)
