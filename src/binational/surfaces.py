"""Raster surfaces with rasterio: travel time on a grid, GeoTIFF output, zonal statistics.

A :class:`Surface` is a float32 grid in a projected CRS (NaN = no data). Two builders:

:func:`nearest_node_surface`
    Each cell takes the value of the nearest network node of its own side plus an access
    penalty: ``value(node) + distance(cell centre, node) / access speed``. For travel time to
    the nearest port the node value is that node's crossing time (drive + wait), so the cell
    value is "walk/drive from the cell centre to the network, then on to the port". This is the
    usual nearest-node assignment of accessibility rasters (no interpolation between nodes: a
    value always belongs to a real route); the access penalty keeps cells far from any road
    from looking as close as the road itself.
:func:`function_surface`
    Each cell takes ``fn(x, y, side)`` (e.g. the straight-line model).

Cells are assigned to a side by rasterising each side's land polygon (cell centre inside);
cells on no land are NaN. :func:`zonal_stats` summarises a surface over unit polygons.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import shapely
from affine import Affine
from rasterio import features
from scipy.spatial import cKDTree

from ._crs import is_metric, linear_unit
from ._log import get_logger
from .errors import CRSError, OutputError, SchemaError

__all__ = [
    "Surface",
    "function_surface",
    "nearest_node_surface",
    "raster_grid",
    "read_geotiff",
    "write_geotiff",
    "zonal_stats",
]

log = get_logger(__name__)

DEFAULT_RESOLUTION = 250.0
DEFAULT_ACCESS_SPEED_KPH = 15.0
MAX_CELLS = 50_000_000


@dataclass
class Surface:
    """A single-band float32 raster in a projected CRS (NaN = no data).

    Attributes
    ----------
    values
        ``height × width`` array.
    transform
        Affine transform of the grid (top-left origin, square cells).
    crs
        Projected CRS.
    description
        Band description written to the GeoTIFF.
    tags
        Key → value metadata written to the GeoTIFF (method, units, parameters).
    """

    values: np.ndarray
    transform: Affine
    crs: pyproj.CRS
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def resolution(self) -> float:
        return float(self.transform.a)

    def sample(self, x, y) -> np.ndarray:
        """Values at points (NaN outside the grid)."""
        rows, cols = rasterio.transform.rowcol(self.transform, np.asarray(x), np.asarray(y))
        rows, cols = np.asarray(rows), np.asarray(cols)
        h, w = self.shape
        ok = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        out = np.full(len(rows), np.nan, dtype=float)
        out[ok] = self.values[rows[ok], cols[ok]]
        return out


def _projected(crs) -> pyproj.CRS:
    """The CRS, if projected in metres (:func:`binational._crs.is_metric`), else CRSError."""
    crs = pyproj.CRS.from_user_input(crs)
    if not is_metric(crs):
        unit = linear_unit(crs) if crs.is_projected else "degrees"
        raise CRSError(
            f"surfaces need a projected CRS in metres, got {crs.to_string()} ({unit}); "
            "reproject the inputs first (binational._crs.to_metric)"
        )
    return crs


def raster_grid(bounds: Sequence[float], *, resolution: float) -> tuple[Affine, int, int]:
    """Transform, height and width of a grid of square cells covering ``bounds``.

    The grid is snapped to multiples of ``resolution`` so that grids of one region align.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in a projected CRS.
    resolution
        Cell size in metres.

    Returns
    -------
    (affine.Affine, int, int)
        Transform, height and width.
    """
    if not resolution > 0:
        raise SchemaError(f"resolution must be > 0, got {resolution}")
    xmin, ymin, xmax, ymax = bounds
    xmin = np.floor(xmin / resolution) * resolution
    ymin = np.floor(ymin / resolution) * resolution
    xmax = np.ceil(xmax / resolution) * resolution
    ymax = np.ceil(ymax / resolution) * resolution
    width = max(round(float(xmax - xmin) / resolution), 1)
    height = max(round(float(ymax - ymin) / resolution), 1)
    if width * height > MAX_CELLS:
        raise SchemaError(
            f"a {resolution} m grid over these bounds has {width * height:,} cells; use a "
            "coarser resolution"
        )
    return Affine(resolution, 0.0, xmin, 0.0, -resolution, ymax), height, width


def _cell_centres(transform: Affine, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    xs, ys = rasterio.transform.xy(transform, rows.ravel(), cols.ravel(), offset="center")
    return np.asarray(xs).reshape(height, width), np.asarray(ys).reshape(height, width)


def _side_grid(
    land: Mapping[str, object], *, resolution: float
) -> tuple[Affine, int, int, np.ndarray, list[str]]:
    sides = sorted(land)
    geoms = [land[s] for s in sides]
    bounds = shapely.total_bounds(np.asarray(geoms, dtype=object))
    transform, height, width = raster_grid(bounds, resolution=resolution)
    shapes = [(g, i + 1) for i, g in enumerate(geoms) if g is not None and not g.is_empty]
    side_code = features.rasterize(
        shapes, out_shape=(height, width), transform=transform, fill=0, dtype="int16"
    )
    return transform, height, width, side_code, sides


def nearest_node_surface(
    node_x: np.ndarray,
    node_y: np.ndarray,
    node_minutes: Mapping[str, np.ndarray],
    node_side: np.ndarray,
    *,
    land: Mapping[str, object],
    crs,
    resolution: float = DEFAULT_RESOLUTION,
    access_speed_kph: float | None = DEFAULT_ACCESS_SPEED_KPH,
    description: str = "minutes",
    tags: Mapping[str, str] | None = None,
) -> Surface:
    """Raster of node values carried to each cell from the nearest node of the cell's side.

    Parameters
    ----------
    node_x, node_y
        Node coordinates (``crs``).
    node_minutes
        Side → per-node value in minutes (``inf``/NaN = node not usable).
    node_side
        Side of each node (e.g. ``"US"``/``"MX"``).
    land
        Side → land polygon; cells whose centre lies on no land are NaN.
    crs
        Projected CRS of coordinates and output.
    resolution
        Cell size in metres.
    access_speed_kph
        Speed from the cell centre to its node (the access penalty); None for no penalty.

    Returns
    -------
    Surface
        Minutes per cell (NaN off land or where no node of the cell's side is usable).
    """
    crs = _projected(crs)
    transform, height, width, side_code, sides = _side_grid(land, resolution=resolution)
    xs, ys = _cell_centres(transform, height, width)
    values = np.full((height, width), np.nan, dtype=np.float32)
    node_side = np.asarray(node_side, dtype=object)
    for i, side in enumerate(sides):
        if side not in node_minutes:
            continue
        minutes = np.asarray(node_minutes[side], dtype=float)
        usable = (node_side == side) & np.isfinite(minutes)
        cells = side_code == i + 1
        if not usable.any() or not cells.any():
            continue
        tree = cKDTree(np.column_stack([node_x[usable], node_y[usable]]))
        dist, k = tree.query(np.column_stack([xs[cells], ys[cells]]))
        v = minutes[usable][k]
        if access_speed_kph:
            v = v + dist / (access_speed_kph / 3.6) / 60.0
        values[cells] = v.astype(np.float32)
    all_tags = {
        "units": "minutes",
        "cell_value": "value of the nearest node of the cell's side"
        + (f" + distance to it at {access_speed_kph} km/h" if access_speed_kph else ""),
        "resolution_m": str(resolution),
    }
    all_tags.update(tags or {})
    return Surface(values, transform, crs, description=description, tags=all_tags)


def function_surface(
    fn: Callable[[np.ndarray, np.ndarray, str], np.ndarray],
    *,
    land: Mapping[str, object],
    crs,
    resolution: float = DEFAULT_RESOLUTION,
    description: str = "minutes",
    tags: Mapping[str, str] | None = None,
) -> Surface:
    """Raster whose cells take ``fn(x, y, side)`` at their centres (NaN off land).

    Parameters
    ----------
    fn
        ``fn(x, y, side) -> values`` over arrays of cell centres of one side.
    land
        Side → land polygon; cells whose centre lies on no land are NaN.
    crs
        Projected CRS of the grid.
    resolution
        Cell size in metres.
    description
        Band description.
    tags
        GeoTIFF tags.

    Returns
    -------
    Surface
    """
    crs = _projected(crs)
    transform, height, width, side_code, sides = _side_grid(land, resolution=resolution)
    xs, ys = _cell_centres(transform, height, width)
    values = np.full((height, width), np.nan, dtype=np.float32)
    for i, side in enumerate(sides):
        cells = side_code == i + 1
        if cells.any():
            values[cells] = np.asarray(fn(xs[cells], ys[cells], side), dtype=np.float32)
    all_tags = {"units": "minutes", "resolution_m": str(resolution)}
    all_tags.update(tags or {})
    return Surface(values, transform, crs, description=description, tags=all_tags)


def write_geotiff(surface: Surface, path: str | os.PathLike) -> None:
    """Write a surface as a single-band, deflate-compressed, tiled float32 GeoTIFF.

    Parameters
    ----------
    surface
        The raster.
    path
        Output ``.tif`` file (written atomically).

    Returns
    -------
    None
    """
    h, w = surface.shape
    profile = {
        "driver": "GTiff",
        "height": h,
        "width": w,
        "count": 1,
        "dtype": "float32",
        "crs": surface.crs.to_wkt(),
        "transform": surface.transform,
        "nodata": np.nan,
        "compress": "deflate",
    }
    if h >= 256 and w >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    try:
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(surface.values.astype(np.float32), 1)
            dst.set_band_description(1, surface.description)
            dst.update_tags(**{k: str(v) for k, v in surface.tags.items()})
    except (rasterio.errors.RasterioIOError, OSError) as exc:
        raise OutputError(f"{path}: cannot write GeoTIFF: {exc}") from exc


def read_geotiff(path: str | os.PathLike) -> Surface:
    """Read a single-band GeoTIFF written by :func:`write_geotiff`.

    Parameters
    ----------
    path
        The GeoTIFF.

    Returns
    -------
    Surface
    """
    with rasterio.open(path) as src:
        values = src.read(1).astype(np.float32)
        if src.nodata is not None and not np.isnan(src.nodata):
            values[values == src.nodata] = np.nan
        return Surface(
            values,
            src.transform,
            pyproj.CRS.from_user_input(src.crs.to_wkt()),
            description=src.descriptions[0] or "",
            tags=dict(src.tags()),
        )


def _cells_in(surface: Surface, geom, inv: Affine, h: int, w: int) -> np.ndarray:
    """Finite values of the cells whose centre lies in ``geom`` (rasterio.mask's rule)."""
    if geom is None or geom.is_empty:
        return np.empty(0)
    xmin, ymin, xmax, ymax = geom.bounds
    c0, r0 = inv @ (xmin, ymax)
    c1, r1 = inv @ (xmax, ymin)
    c0, r0 = max(int(np.floor(c0)), 0), max(int(np.floor(r0)), 0)
    c1, r1 = min(int(np.ceil(c1)), w), min(int(np.ceil(r1)), h)
    if c1 <= c0 or r1 <= r0:
        return np.empty(0)
    window_transform = surface.transform @ Affine.translation(c0, r0)
    inside = features.rasterize(
        [(geom, 1)],
        out_shape=(r1 - r0, c1 - c0),
        transform=window_transform,
        fill=0,
        dtype="uint8",
    ).astype(bool)
    vals = surface.values[r0:r1, c0:c1][inside].astype(float)
    return vals[np.isfinite(vals)]


def zonal_stats(
    surface: Surface,
    units: gpd.GeoDataFrame,
    *,
    stats: Sequence[str] = ("mean", "min", "max", "count"),
) -> pd.DataFrame:
    """Statistics of the surface over each unit polygon.

    A cell belongs to a unit when its centre lies inside it (rasterio's rasterize rule, as in
    ``rasterio.mask``); where unit polygons overlap, a cell counts for each. A unit too small to contain a cell centre takes the value of the cell
    under its representative point (``count`` 0, ``point_value`` True).

    Parameters
    ----------
    surface
        The raster.
    units
        Polygons in the surface's CRS.
    stats
        Statistics among ``mean``, ``min``, ``max``, ``median``, ``std``, ``count``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``units``: one column per statistic (``mean``, ``min``, ``max``,
        ``median``, ``std``, ``count``) plus ``point_value``.
    """
    allowed = {"mean", "min", "max", "median", "std", "count"}
    bad = [s for s in stats if s not in allowed]
    if bad:
        raise SchemaError(f"unknown statistic(s) {bad}; choose from {sorted(allowed)}")
    if units.crs is None or pyproj.CRS.from_user_input(units.crs) != surface.crs:
        from .errors import CRSMismatchError

        raise CRSMismatchError(
            f"units are in {units.crs} but the surface is in {surface.crs.to_string()}"
        )
    h, w = surface.shape
    geoms = np.asarray(units.geometry.values)
    inv = ~surface.transform
    values_per_unit: list[np.ndarray] = []
    for g in geoms:
        values_per_unit.append(_cells_in(surface, g, inv, h, w))
    out = pd.DataFrame(index=pd.RangeIndex(len(units)))
    funcs = {
        "mean": np.mean,
        "min": np.min,
        "max": np.max,
        "median": np.median,
        "std": np.std,
    }
    for stat in stats:
        if stat == "count":
            out[stat] = [len(v) for v in values_per_unit]
        else:
            out[stat] = [float(funcs[stat](v)) if len(v) else np.nan for v in values_per_unit]
    point_value = np.array([len(v) == 0 for v in values_per_unit])
    if point_value.any():
        pts = shapely.point_on_surface(geoms[point_value])
        xy = shapely.get_coordinates(pts)
        v = surface.sample(xy[:, 0], xy[:, 1])
        for stat in stats:
            if stat in ("mean", "min", "max", "median"):
                out.loc[point_value, stat] = v
            elif stat == "std":
                out.loc[point_value, stat] = np.where(np.isfinite(v), 0.0, np.nan)
    out["point_value"] = point_value
    out.index = units.index
    return out
