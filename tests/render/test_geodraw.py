"""Polygons drawn as one PathCollection: every path is its geometry's rings, holes included."""

from __future__ import annotations

import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.path import Path
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

from binational.render import _geodraw

SQUARE = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(2, 2), (2, 4), (4, 4), (4, 2)]])
TRIANGLES = MultiPolygon(
    [Polygon([(20, 0), (30, 0), (25, 5)]), Polygon([(40, 0), (50, 0), (45, 5)])]
)


def _rings(geom) -> list[np.ndarray]:
    """The normalised rings of a (multi)polygon, each as an (n, 2) array (shapely reads)."""
    polys = shapely.get_parts(shapely.normalize(geom))
    return [shapely.get_coordinates(r) for r in shapely.get_rings(polys)]


def test_paths_are_the_rings_of_each_geometry_holes_included(tj):
    geoms = np.array(
        [
            SQUARE,
            None,
            Polygon(),
            TRIANGLES,
            GeometryCollection([SQUARE, LineString([(0, 0), (1, 1)])]),
        ],
        dtype=object,
    )
    paths, rows = _geodraw.polygon_paths(geoms)
    assert rows.tolist() == [0, 3, 4]  # missing and empty geometries are not drawn
    for path, row in zip(paths, rows, strict=True):
        rings = _rings(geoms[row]) if row != 4 else _rings(SQUARE)
        np.testing.assert_array_equal(path.vertices, np.concatenate(rings))
        starts = np.cumsum([0, *map(len, rings)])[:-1]
        np.testing.assert_array_equal(np.flatnonzero(path.codes == Path.MOVETO), starts)
        ends = np.cumsum([len(r) for r in rings]) - 1
        np.testing.assert_array_equal(np.flatnonzero(path.codes == Path.CLOSEPOLY), ends)
    assert len(_rings(SQUARE)) == 2  # the hole is its own ring of the path
    # drawn, the hole is left empty (rings normalised for the non-zero fill rule)
    fig = Figure(figsize=(1, 1), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    _geodraw.add_polygons(ax, [SQUARE], facecolor="k")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())  # row 0 is y = 10
    assert pixels[70, 30, :3].tolist() == [255, 255, 255]  # (3, 3): in the hole
    assert pixels[30, 70, :3].tolist() == [0, 0, 0]  # (7, 7): filled
    # real census units: each path holds exactly its unit's coordinates
    units = tj.units.geometry
    paths, rows = _geodraw.polygon_paths(units)
    assert rows.tolist() == list(range(len(units)))
    holes = shapely.get_num_interior_rings(shapely.get_parts(units.values)).sum()
    assert holes > 0
    moves = sum(int((p.codes == Path.MOVETO).sum()) for p in paths)
    assert moves == len(shapely.get_parts(units.values)) + holes
    for path, geom in zip(paths, units.values, strict=True):
        np.testing.assert_array_equal(path.vertices, np.concatenate(_rings(geom)))


def test_one_collection_per_layer_with_each_units_colour():
    fig = Figure()
    ax = fig.add_subplot()
    geoms = np.array([SQUARE, None, TRIANGLES], dtype=object)
    coll = _geodraw.add_polygons(ax, geoms, facecolor=["#ff0000", "#00ff00", "#0000ff"])
    assert list(ax.collections) == [coll] and len(coll.get_paths()) == 2
    np.testing.assert_allclose(coll.get_facecolor()[:, :3], [[1, 0, 0], [0, 0, 1]])
    assert ax.get_xlim()[0] <= 0 and ax.get_xlim()[1] >= 50  # data limits follow the polygons
    lines = _geodraw.add_lines(
        ax, [LineString([(0, 0), (5, 5), (9, 1)])], color="#111", linewidth=1
    )
    np.testing.assert_array_equal(lines.get_segments()[0], [[0, 0], [5, 5], [9, 1]])
    pts = _geodraw.add_points(ax, [Point(1, 2), Point(3, 4)], color="b", s=4)
    np.testing.assert_array_equal(pts.get_offsets(), [[1, 2], [3, 4]])


def test_a_merged_layer_is_one_path_of_all_the_rings(tj):
    fig = Figure()
    ax = fig.add_subplot()
    units = tj.units.geometry
    coll = _geodraw.add_polygons(ax, units, facecolor="#eee", hatch="///", merge=True)
    (path,) = coll.get_paths()
    want = np.concatenate([np.concatenate(_rings(g)) for g in units.values])
    np.testing.assert_array_equal(path.vertices, want)
    rings = len(shapely.get_rings(shapely.get_parts(units.values)))
    assert int((path.codes == Path.MOVETO).sum()) == rings
