"""Spatial joins and areal weighting of large unit tables, with geopandas or dask-geopandas.

Both engines compute the same thing: the pairs of intersecting geometries (an STRtree query)
and, for areal weighting, the area of each pair's intersection (shapely, vectorised).

``engine="geopandas"``
    One STRtree query and one vectorised intersection over the whole table, in this process.
``engine="dask"``
    The larger table is cut into spatially coherent partitions with dask-geopandas
    (``spatial_shuffle`` along a Hilbert or Morton curve, or geohash) and each partition is
    matched against the smaller table as a separate Dask task — on the threads of this process
    or on a distributed cluster when a Client is active.

Which is faster depends on size: at the sizes of the twin cities (a few thousand census units
against tens of thousands of grid cells) the single STRtree query of geopandas is usually as
fast or faster, because dask adds partitioning and scheduling overhead and shapely already
releases the GIL. ``benchmarks/scale.py`` measures both on the real data.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._log import get_logger
from ..errors import CRSError, CRSMismatchError, GeometryError, SchemaError

__all__ = ["ENGINES", "areal_interpolate", "areal_weights", "intersecting_pairs", "square_grid"]

log = get_logger(__name__)

ENGINES = ("geopandas", "dask")


def square_grid(frame: gpd.GeoDataFrame, *, size: float) -> gpd.GeoDataFrame:
    """Square cells of side ``size`` (CRS units) covering the bounds of ``frame``.

    Cells are aligned on multiples of ``size`` so that grids of neighbouring regions in the same
    CRS line up. Column ``cell_id`` is ``"<col>_<row>"`` of the cell's lower-left corner.
    """
    _check_projected(frame, "grid")
    if not size > 0:
        raise GeometryError(f"grid cell size must be positive, got {size!r}")
    minx, miny, maxx, maxy = frame.total_bounds
    xs = np.arange(np.floor(minx / size), np.ceil(maxx / size)) * size
    ys = np.arange(np.floor(miny / size), np.ceil(maxy / size)) * size
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    cells = shapely.box(gx, gy, gx + size, gy + size)
    ids = [f"{int(x // size)}_{int(y // size)}" for x, y in zip(gx, gy, strict=True)]
    return gpd.GeoDataFrame({"cell_id": ids}, geometry=cells, crs=frame.crs)


def _check_projected(frame: gpd.GeoDataFrame, what: str) -> None:
    if frame.crs is None:
        raise CRSError(f"{what}: layer has no CRS")
    if not frame.crs.is_projected:
        raise CRSError(f"{what}: CRS {frame.crs.to_string()} is geographic; areas need metres")


def _check_pair(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame) -> None:
    _check_projected(left, "source")
    _check_projected(right, "target")
    if left.crs != right.crs:
        raise CRSMismatchError(
            f"source CRS {left.crs.to_string()} differs from target CRS {right.crs.to_string()}"
        )


def _pairs_areas(
    big: np.ndarray, small: np.ndarray, tree: shapely.STRtree | None, area: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(big positions, small positions, intersection areas) of intersecting pairs."""
    tree = tree if tree is not None else shapely.STRtree(small)
    i_big, i_small = tree.query(big, predicate="intersects")
    areas = None
    if area:
        areas = shapely.area(shapely.intersection(big[i_big], small[i_small]))
    return i_big, i_small, areas


def _partition_pairs(part: pd.DataFrame, small: np.ndarray, area: bool) -> pd.DataFrame:
    """dask map_partitions body: pairs of one partition of the larger table."""
    geoms = np.asarray(part.geometry.array) if len(part) else np.empty(0, dtype=object)
    i_big, i_small, areas = _pairs_areas(geoms, small, None, area)
    out = pd.DataFrame(
        {"big": part["_pos"].to_numpy()[i_big].astype(np.int64), "small": i_small.astype(np.int64)}
    )
    if area:
        out["area"] = areas
    return out


def intersecting_pairs(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    area: bool = False,
    engine: str = "geopandas",
    npartitions: int | None = None,
    by: str = "hilbert",
    scheduler: Any = None,
) -> pd.DataFrame:
    """Positions of intersecting (source, target) pairs, optionally with intersection areas.

    Parameters
    ----------
    source, target
        Polygon layers in one projected CRS.
    area
        Add the ``area`` of each pair's intersection.
    engine
        ``"geopandas"`` or ``"dask"`` (see the module notes).
    npartitions
        Partitions of the larger table for the dask engine (default: one per 2,000 rows,
        at least 2).
    by
        Spatial ordering of the partitions: ``"hilbert"``, ``"morton"`` or ``"geohash"``.
    scheduler
        Passed to dask's ``compute`` (default: the active distributed Client, else threads).

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``target`` (row positions) and ``area``, sorted by both positions.
    """
    if engine not in ENGINES:
        raise SchemaError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    _check_pair(source, target)
    src = np.asarray(source.geometry.array)
    tgt = np.asarray(target.geometry.array)
    swap = len(src) < len(tgt)  # partition / iterate the larger table
    big, small = (tgt, src) if swap else (src, tgt)
    if engine == "geopandas":
        i_big, i_small, areas = _pairs_areas(big, small, None, area)
        pairs = pd.DataFrame({"big": i_big.astype(np.int64), "small": i_small.astype(np.int64)})
        if area:
            pairs["area"] = areas
    else:
        pairs = _dask_pairs(
            target if swap else source,
            small,
            area=area,
            npartitions=npartitions,
            by=by,
            scheduler=scheduler,
        )
    pairs = pairs.rename(
        columns={"big": "target", "small": "source"}
        if swap
        else {"big": "source", "small": "target"}
    )
    cols = ["source", "target", *(["area"] if area else [])]
    return pairs[cols].sort_values(["source", "target"], ignore_index=True)


def _dask_pairs(
    big_frame: gpd.GeoDataFrame,
    small: np.ndarray,
    *,
    area: bool,
    npartitions: int | None,
    by: str,
    scheduler: Any,
) -> pd.DataFrame:
    import dask
    import dask_geopandas

    n = npartitions or max(2, len(big_frame) // 2000)
    frame = gpd.GeoDataFrame(
        {"_pos": np.arange(len(big_frame))}, geometry=big_frame.geometry.array, crs=big_frame.crs
    )
    meta = pd.DataFrame(
        {"big": pd.Series(dtype=np.int64), "small": pd.Series(dtype=np.int64)}
        | ({"area": pd.Series(dtype=float)} if area else {})
    )
    # task-based shuffle: runs on any scheduler (p2p needs a distributed one) and suits tables
    # of this size
    with dask.config.set({"dataframe.shuffle.method": "tasks"}):
        ddf = dask_geopandas.from_geopandas(frame, npartitions=n).spatial_shuffle(by=by)
        # the smaller table goes into the graph once, under a fixed key (no hashing of
        # thousands of geometries)
        shared = dask.delayed(small, name=f"binational-small-{uuid.uuid4().hex}")
        result = ddf.map_partitions(_partition_pairs, shared, area, meta=meta)
        return result.compute(scheduler=scheduler)


def areal_weights(
    source: gpd.GeoDataFrame, target: gpd.GeoDataFrame, **kwargs: Any
) -> pd.DataFrame:
    """Share of each source unit's area that falls in each target polygon.

    Returns
    -------
    pandas.DataFrame
        ``source``, ``target`` (row positions), ``area`` of the intersection and ``weight`` =
        area / source area (the areal-weighting factor of extensive variables). Keyword
        arguments as in :func:`intersecting_pairs`.
    """
    pairs = intersecting_pairs(source, target, area=True, **kwargs)
    src_area = shapely.area(np.asarray(source.geometry.array))
    with np.errstate(divide="ignore", invalid="ignore"):
        pairs["weight"] = pairs["area"].to_numpy() / src_area[pairs["source"].to_numpy()]
    pairs = pairs[pairs["area"] > 0].reset_index(drop=True)
    return pairs


def areal_interpolate(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    extensive: Sequence[str],
    **kwargs: Any,
) -> gpd.GeoDataFrame:
    """Area-weighted sums of extensive columns (counts) of ``source`` on ``target`` polygons.

    Each source value is spread over the targets in proportion to the intersected area (the
    usual areal-weighting assumption of uniform density within a unit). Missing values count as
    zero; a target touching no source unit gets 0.

    Parameters
    ----------
    source, target
        Polygon layers in one projected CRS.
    extensive
        Count columns of ``source`` to interpolate.
    **kwargs
        ``engine``, ``npartitions``, ``by``, ``scheduler`` as in :func:`intersecting_pairs`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``target`` with the interpolated columns added (replacing columns of the same name).
    """
    missing = [c for c in extensive if c not in source.columns]
    if missing:
        raise SchemaError(f"areal interpolation: source lacks column(s) {', '.join(missing)}")
    weights = areal_weights(source, target, **kwargs)
    out = target.copy()
    w = weights["weight"].to_numpy()
    s = weights["source"].to_numpy()
    t = weights["target"].to_numpy()
    for col in extensive:
        values = pd.to_numeric(source[col], errors="raise").to_numpy(dtype=float, na_value=0.0)
        values = np.nan_to_num(values)
        out[col] = np.bincount(t, weights=values[s] * w, minlength=len(target))
    return out
