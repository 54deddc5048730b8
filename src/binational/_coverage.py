"""The union of census-unit polygons, by GEOS's coverage union where the polygons allow it.

Census tracts and AGEBs are meant to tile their area: no overlaps, neighbours sharing their
edges vertex for vertex (a *polygonal coverage*). The union of a valid coverage only has to
drop the shared edges, which :func:`shapely.coverage_union_all` does in one pass, 10–15 times
faster than the general overlay of :func:`shapely.union_all` (the 579 AGEBs of Ciudad Juárez:
0.011 s against 0.169 s; their coverage check takes 0.05 s). The result has the same vertices;
only where its rings start and their direction may differ.

Coverage union does not check its input: on polygons that overlap or whose shared edges do
not match it may return a wrong polygon. So the faster path is taken only after
:func:`shapely.coverage_is_valid` accepted the polygons (San Diego's TIGER tracts, for one,
do not match edge for edge); anything else goes through ``union_all`` as before, invalid
polygons repaired by :func:`shapely.make_valid` first.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["is_coverage", "union_polygons"]


def is_coverage(geoms) -> bool:
    """Whether ``geoms`` (non-missing geometries) are valid polygons forming a valid coverage."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms) or not hasattr(shapely, "coverage_is_valid"):  # GEOS >= 3.12
        return False
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    if not polygonal.all() or not shapely.is_valid(geoms).all():
        return False
    return bool(shapely.coverage_is_valid(geoms))


def union_polygons(geoms) -> shapely.Geometry:
    """The union of the polygons ``geoms`` (missing and empty ones ignored).

    Parameters
    ----------
    geoms
        Array-like of shapely polygons (units' outlines).

    Returns
    -------
    shapely.Geometry
        Their union (an empty geometry collection when none is left): by coverage union when
        they form a valid coverage, else by ``union_all`` of the repaired polygons.
    """
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    geoms = geoms[~shapely.is_empty(geoms)]
    if len(geoms) > 1 and is_coverage(geoms):
        return shapely.coverage_union_all(geoms)
    return shapely.union_all(shapely.make_valid(geoms))
