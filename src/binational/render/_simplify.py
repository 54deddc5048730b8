"""Light geometry for web maps: topological simplification and coordinate rounding.

Simplification runs in the layer's projected CRS (metres), one side at a time (US tracts and
Mexican AGEBs come from different sources and share no edges), and keeps shared edges shared:
neighbouring units are simplified along the same arc, so no gaps or slivers open between them.

Three methods:

``"arcs"`` (default)
    Builds the topology (shared arcs between junctions) and simplifies each arc once with
    Douglas–Peucker, so no vertex moves more than ``tolerance`` metres (Hausdorff distance
    ≤ ``tolerance``). What the ``topojson`` package does, in numpy: on Tijuana–San Diego
    (798 AGEBs + 736 tracts) it keeps 19,690 + 22,083 vertices where topojson keeps 19,689 +
    22,088, in 0.4–0.5 s per side where topojson takes 2–3.5 s (``benchmarks/main_job.py``).
``"topojson"``
    The same with the ``topojson`` package (when installed).
``"coverage"``
    :func:`shapely.coverage_simplify` (GEOS ≥ 3.12, shapely ≥ 2.1): Visvalingam–Whyatt on
    the coverage edges; ``tolerance`` is the square root of the triangle area removed, so the
    largest displacement can be several times ``tolerance``.

Measured on Tijuana–Rosarito–Tecate AGEBs (888 polygons, 84,709 vertices; 2.05 MB of GeoJSON
at 5 decimals): topojson 10 m → 540 kB, max displacement 10.0 m; coverage 10 m → 919 kB, max
displacement 27 m; coverage 20 m → 642 kB, max 70 m. Both keep a valid coverage. At city zoom
(Leaflet zoom 12, ≈ 32 m per pixel at 32.5° N) 10 m is a third of a pixel.

Coordinates are then rounded to ``decimals`` places in WGS 84 (5 places ≈ 1.1 m); a vertex shared
by two units is rounded the same way in both, so shared edges stay shared.
"""

from __future__ import annotations

import importlib.util
import itertools

import geopandas as gpd
import numpy as np
import shapely

from .._log import get_logger
from ..errors import RenderError

log = get_logger(__name__)

__all__ = ["generalize", "round_coordinates", "simplify_coverage", "web_geometry"]

WEB_CRS = "EPSG:4326"


def _has_topojson() -> bool:
    return importlib.util.find_spec("topojson") is not None


def _simplify_topojson(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    import topojson

    frame = gpd.GeoDataFrame({"i": np.arange(len(geoms))}, geometry=list(geoms))
    topo = topojson.Topology(frame, toposimplify=float(tolerance), prequantize=False)
    out = topo.to_gdf()
    order = np.asarray(out["i"], dtype=int)
    result = np.empty(len(geoms), dtype=object)
    result[order] = out.geometry.values
    return result


def _simplify_arcs(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Topology-preserving Douglas–Peucker, as topojson does it, in numpy.

    Rings are cut into arcs at junctions (vertices with other than two distinct neighbours
    across all rings); an arc shared by two units is stored once (canonical direction) and
    simplified once with fixed end points, so neighbours keep a common edge. A ring without a
    junction is cut at its lowest vertex and at the vertex farthest from it. A ring that would
    collapse (fewer than four points) is kept as it was.
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings = []
    n_int = shapely.get_num_interior_rings(parts)
    for i, p in enumerate(parts):
        rings.append(shapely.get_exterior_ring(p))
        rings.extend(shapely.get_interior_ring(p, j) for j in range(int(n_int[i])))
    rings = np.asarray(rings, dtype=object)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    # drop each ring's closing vertex: a ring is a cycle of vertex ids
    last = np.r_[ring_of[1:] != ring_of[:-1], True]
    coords, ring_of = coords[~last], ring_of[~last]
    key = coords[:, 0] + 1j * coords[:, 1]
    uniq, vid = np.unique(key, return_inverse=True)
    vid = vid.ravel()
    nxt = np.arange(len(vid)) + 1
    starts = np.searchsorted(ring_of, np.arange(len(rings)))
    ends = np.r_[starts[1:], len(vid)]
    nxt[ends - 1] = starts  # wrap around
    a, b = vid, vid[nxt]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.stack([lo, hi], axis=1), axis=0)
    degree = np.bincount(pairs.ravel(), minlength=len(uniq))
    junction = degree != 2
    ux, uy = uniq.real, uniq.imag

    arc_ids: dict[tuple, int] = {}
    arcs: list[np.ndarray] = []
    ring_arcs: list[list[tuple[int, bool]]] = []
    for r in range(len(rings)):
        ids = vid[starts[r] : ends[r]]
        if len(ids) < 3:
            ring_arcs.append([])
            continue
        cut = np.flatnonzero(junction[ids])
        if len(cut) == 0:  # two arcs: from the lowest vertex to the farthest one and back
            i0 = int(np.argmin(ids))
            far = int(np.argmax(np.hypot(ux[ids] - ux[ids[i0]], uy[ids] - uy[ids[i0]])))
            cut = np.array(sorted({i0, far}))
            if cut[0] != i0:
                cut = cut[::-1]
        ids = np.roll(ids, -cut[0])
        cut = np.sort((cut - cut[0]) % len(ids))
        bounds = [*cut.tolist(), len(ids)]
        seq = []
        for s0, s1 in itertools.pairwise(bounds):
            arc = np.r_[ids[s0:s1], ids[s1 % len(ids)]]
            fwd = (arc[0], arc[-1], arc[1]) <= (arc[-1], arc[0], arc[-2])
            canon = arc if fwd else arc[::-1]
            k = arc_ids.setdefault(canon.tobytes(), len(arcs))
            if k == len(arcs):
                arcs.append(canon)
            seq.append((k, not fwd))
        ring_arcs.append(seq)
    lines = shapely.linestrings(
        np.concatenate([np.stack([ux[c], uy[c]], axis=1) for c in arcs]),
        indices=np.repeat(np.arange(len(arcs)), [len(c) for c in arcs]),
    )
    simple = shapely.simplify(lines, tolerance, preserve_topology=False)
    simple_xy = [shapely.get_coordinates(g) for g in simple]

    new_rings = []
    for r, seq in enumerate(ring_arcs):
        if not seq:
            new_rings.append(None)
            continue
        pieces = [simple_xy[k][::-1] if rev else simple_xy[k] for k, rev in seq]
        xy = np.concatenate([p[:-1] for p in pieces] + [pieces[-1][-1:]])
        # a ring thinner than the tolerance collapses: keep it as it was
        new_rings.append(xy if len(xy) >= 4 else shapely.get_coordinates(rings[r]))
    # rebuild polygons part by part (rings are in part order: exterior, then holes)
    new_parts = []
    r = 0
    for i in range(len(parts)):
        k = 1 + int(n_int[i])
        ext, holes = new_rings[r], [h for h in new_rings[r + 1 : r + k] if h is not None]
        r += k
        new_parts.append(shapely.Polygon(ext, holes) if ext is not None else None)
    result = np.empty(len(geoms), dtype=object)
    first_part = np.searchsorted(part_of, np.arange(len(geoms) + 1))
    for g in range(len(geoms)):
        mine = new_parts[first_part[g] : first_part[g + 1]]
        mine = [p for p in mine if p is not None]  # collapsed parts (islands < tolerance)
        if not mine:
            result[g] = shapely.Polygon()
        else:
            result[g] = mine[0] if len(mine) == 1 else shapely.MultiPolygon(mine)
    return result


def simplify_coverage(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance: float = 10.0,
    method: str = "auto",
    by: str | None = "country",
) -> gpd.GeoDataFrame:
    """Simplify polygons topologically, one group (``by``, e.g. one side) at a time.

    Parameters
    ----------
    gdf
        Polygons in a projected CRS (metres).
    tolerance
        Metres; see the module notes for what it means for each method. 0 returns a copy.
    method
        ``"arcs"``, ``"topojson"``, ``"coverage"`` or ``"auto"`` (``"arcs"``).
    by
        Column whose groups are simplified separately (None: all together).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with simplified geometry. Rows whose simplified geometry came out empty or
        invalid keep a plainly simplified version of their own geometry.
    """
    if gdf.crs is None or not gdf.crs.is_projected:
        raise RenderError("simplify_coverage needs polygons in a projected CRS (metres)")
    if method == "auto":
        method = "arcs"
    if method == "topojson" and not _has_topojson():
        raise RenderError("simplification method 'topojson' needs the topojson package")
    if method not in ("arcs", "topojson", "coverage"):
        raise RenderError(f"unknown simplification method {method!r} (arcs, topojson, coverage)")
    out = gdf.copy()
    if tolerance <= 0 or out.empty:
        return out
    groups = [np.arange(len(out))]
    if by is not None and by in out.columns:
        keys = out[by].astype(str).to_numpy()
        groups = [np.flatnonzero(keys == key) for key in np.unique(keys)]
    geoms = out.geometry.to_numpy().copy()
    for idx in groups:
        part = geoms[idx]
        if method == "arcs":
            simple = _simplify_arcs(part, tolerance)
        elif method == "topojson":
            simple = _simplify_topojson(part, tolerance)
        else:
            simple = shapely.coverage_simplify(part, tolerance)
        bad = shapely.is_empty(simple) | ~shapely.is_valid(simple) | shapely.is_missing(simple)
        if bad.any():
            log.info("%d unit(s) fell back to per-polygon simplification", int(bad.sum()))
            simple[bad] = shapely.simplify(part[bad], tolerance, preserve_topology=True)
        geoms[idx] = simple
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    return out


def round_coordinates(gdf: gpd.GeoDataFrame, *, decimals: int = 5) -> gpd.GeoDataFrame:
    """Round every coordinate to ``decimals`` places (a copy)."""
    out = gdf.copy()
    geoms = shapely.transform(out.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))


def web_geometry(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance: float = 10.0,
    decimals: int = 5,
    method: str = "auto",
    by: str | None = "country",
) -> gpd.GeoDataFrame:
    """Simplify (in the projected CRS), reproject to WGS 84 and round: ready for a web map.

    Points and lines are only reprojected and rounded. A layer already in a geographic CRS is
    reprojected without simplification.
    """
    if gdf.crs is None:
        raise RenderError("layer has no CRS; set one before mapping it")
    polygonal = len(gdf) > 0 and gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    if polygonal and gdf.crs.is_projected and tolerance > 0:
        gdf = simplify_coverage(gdf, tolerance=tolerance, method=method, by=by)
    return round_coordinates(gdf.to_crs(WEB_CRS), decimals=decimals)


def _drop_small(geom, min_area: float):
    parts = []
    for part in shapely.get_parts(geom):
        if part.area < min_area:
            continue
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= min_area]
        parts.append(shapely.Polygon(part.exterior, holes))
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def generalize(
    gdf: gpd.GeoDataFrame, *, tolerance: float = 150.0, min_area: float = 250_000.0
) -> gpd.GeoDataFrame:
    """Generalise overlapping polygons (isochrones) for display: Douglas–Peucker per polygon,
    then drop parts and holes smaller than ``min_area`` m².

    For layers that are not a coverage (nested isochrone bands overlap), so there is no
    topology to keep. Measured on the Tijuana–San Diego network isochrones (24 non-empty
    polygons, 607,693 vertices, built with a 200 m buffer around reachable streets): 150 m and
    0.25 km² leave 24,404 vertices (536 kB of GeoJSON) and change the area by +2.3 %; at
    tolerances below the 200 m street buffer the result stays within the catchment model's own
    resolution.
    """
    if gdf.crs is None or not gdf.crs.is_projected:
        raise RenderError("generalize needs polygons in a projected CRS (metres)")
    geoms = shapely.simplify(gdf.geometry.to_numpy(), tolerance, preserve_topology=True)
    geoms = np.array([_drop_small(g, min_area) for g in geoms], dtype=object)
    out = gdf.copy()
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
