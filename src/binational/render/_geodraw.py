"""Shapely geometries drawn as ONE matplotlib collection per layer, built with vectorised
shapely 2 calls (no patch per polygon, unlike ``GeoDataFrame.plot``).

Polygons are normalised first (:func:`shapely.normalize`: exterior rings clockwise, holes
counter-clockwise), as geopandas does, so that matplotlib's non-zero fill leaves the holes
empty. Missing and empty geometries are skipped; geometry collections are drawn by their
polygon (or line) members.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import shapely

from ._shelf import geometry_key, shelved

if TYPE_CHECKING:  # matplotlib is imported when drawing, not when this module is imported
    from matplotlib.axes import Axes
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.path import Path

__all__ = ["add_lines", "add_points", "add_polygons", "line_segments", "polygon_paths"]

_POLYGON, _MULTIPOLYGON, _LINESTRING, _LINEARRING, _MULTILINESTRING = 3, 6, 1, 2, 5
_POINT, _MULTIPOINT = 0, 4


def _values(geoms) -> np.ndarray:
    return np.asarray(getattr(geoms, "values", geoms), dtype=object)


def polygon_paths(geoms) -> tuple[list[Path], np.ndarray]:
    """One compound :class:`matplotlib.path.Path` per drawable (multi)polygon.

    Parameters
    ----------
    geoms
        A GeoSeries or array of shapely geometries.

    Returns
    -------
    paths : list of matplotlib.path.Path
        For each geometry with polygon area: all rings of all its parts (exterior first, then
        holes), each ring a ``MOVETO``, ``LINETO``… and a ``CLOSEPOLY`` on its closing vertex.
    rows : numpy.ndarray
        The positions in ``geoms`` of the geometries drawn (one per path), to pick their
        colours.

    Notes
    -----
    Inside a report (``memo_scope``) the paths of the same geometry objects are built once
    and shared by every figure (the paths are read-only).
    """
    values, key = geometry_key(geoms)
    paths, rows = shelved(("polygon_paths", key), values, lambda: _polygon_paths(values))
    return list(paths), rows.copy()


def _polygon_paths(values: np.ndarray) -> tuple[list[Path], np.ndarray]:
    """:func:`polygon_paths` of an object array of geometries (not shelved)."""
    from matplotlib.path import Path

    arr = shapely.normalize(values)
    parts, part_row = shapely.get_parts(arr, return_index=True)
    # geometry collections: keep their polygons (get_parts again splits a nested multipolygon)
    parts, sub = shapely.get_parts(parts, return_index=True)
    part_row = part_row[sub]
    is_poly = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
    parts, part_row = parts[is_poly], part_row[is_poly]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    if len(coords) == 0:
        return [], np.zeros(0, dtype=np.intp)
    ring_len = np.bincount(coord_ring, minlength=len(rings))
    ring_end = np.cumsum(ring_len)
    ring_start = ring_end - ring_len
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    codes[ring_start] = Path.MOVETO
    codes[ring_end - 1] = Path.CLOSEPOLY
    coord_row = part_row[ring_part[coord_ring]]
    rows, first = np.unique(coord_row, return_index=True)
    bounds = [*first.tolist(), len(coords)]
    paths = [Path(coords[i:j], codes[i:j], readonly=True) for i, j in pairwise(bounds)]
    return paths, rows


def add_polygons(
    ax: Axes,
    geoms,
    *,
    facecolor="none",
    edgecolor="none",
    linewidth: float = 0.15,
    alpha: float | None = None,
    hatch: str | None = None,
    zorder: float = 1,
    merge: bool = False,
) -> PathCollection:
    """Draw the (multi)polygons of ``geoms`` on ``ax`` as one PathCollection (same look as
    ``GeoDataFrame.plot(ax=ax, color=…, edgecolor=…, linewidth=…)``).

    Parameters
    ----------
    ax
        Axes to draw on; its data limits grow to the polygons.
    geoms
        GeoSeries or array of geometries.
    facecolor
        One colour, or a list (or array) of one colour per geometry, aligned with ``geoms``.
    edgecolor, linewidth, alpha, hatch, zorder
        Style of the whole layer.
    merge
        Draw the layer as one compound path (one colour only): the same picture for polygons
        that do not overlap, or are not filled, and the hatching is drawn once rather than
        once per polygon.

    Returns
    -------
    matplotlib.collections.PathCollection
    """
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path

    paths, rows = polygon_paths(geoms)
    if isinstance(facecolor, (list, np.ndarray)):  # one colour per geometry
        facecolor = [facecolor[i] for i in rows]
    elif merge and len(paths) > 1:
        paths = [Path.make_compound_path(*paths)]
    collection = PathCollection(
        paths,
        facecolors=facecolor,
        edgecolors=edgecolor,
        linewidths=linewidth,
        alpha=alpha,
        hatch=hatch,
        zorder=zorder,
    )
    ax.add_collection(collection, autolim=True)
    ax.autoscale_view()
    return collection


def line_segments(geoms) -> list[np.ndarray]:
    """The ``(n, 2)`` vertex arrays of every line part of ``geoms`` (for a LineCollection)."""
    parts = shapely.get_parts(shapely.get_parts(_values(geoms)))
    kind = shapely.get_type_id(parts)
    parts = parts[np.isin(kind, (_LINESTRING, _LINEARRING)) & ~shapely.is_empty(parts)]
    coords, index = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return []
    bounds = [0, *(np.flatnonzero(np.diff(index)) + 1).tolist(), len(coords)]
    return [coords[i:j] for i, j in pairwise(bounds)]


def add_lines(ax: Axes, geoms, *, color, linewidth: float, linestyle="-") -> LineCollection:
    """Draw the lines of ``geoms`` as one LineCollection (as ``GeoDataFrame.plot`` does)."""
    from matplotlib.collections import LineCollection

    collection = LineCollection(
        line_segments(geoms), colors=color, linewidths=linewidth, linestyles=linestyle
    )
    ax.add_collection(collection, autolim=True)
    ax.autoscale_view()
    return collection


def add_points(ax: Axes, geoms, **scatter):
    """Draw the points of ``geoms`` with one ``ax.scatter`` call; returns the collection."""
    parts = shapely.get_parts(_values(geoms))
    parts = parts[(shapely.get_type_id(parts) == _POINT) & ~shapely.is_empty(parts)]
    xy = shapely.get_coordinates(parts)
    return ax.scatter(xy[:, 0], xy[:, 1], **scatter)
