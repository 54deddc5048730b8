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

import geopandas as gpd
import numpy as np
import shapely

from .. import schema
from .._log import get_logger
from .._memo import memoised
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


def _ring_cuts(vid, ring_of, starts, n_r, junction, ux, uy):
    """Where each ring is cut into arcs: ``(ring, offset)`` pairs sorted by ring then offset,
    offsets counted from the ring's first cut ``p0`` (its first junction; without one, its
    lowest vertex, the second cut being the vertex farthest from it)."""
    valid = n_r >= 3
    jpos = np.flatnonzero(junction[vid])
    jring = ring_of[jpos]
    keep = valid[jring]
    jpos, jring = jpos[keep], jring[keep]
    has_j = np.zeros(len(n_r), dtype=bool)
    has_j[jring] = True
    p0 = np.zeros(len(n_r), dtype=np.int64)
    first_j = np.r_[True, jring[1:] != jring[:-1]] if len(jring) else np.zeros(0, dtype=bool)
    p0[jring[first_j]] = jpos[first_j] - starts[jring[first_j]]
    rings_j, offs_j = jring, jpos - starts[jring] - p0[jring]
    # rings without a junction: the lowest vertex and the (first) farthest one from it
    plain = np.flatnonzero(valid & ~has_j)
    in_plain = np.zeros(len(n_r), dtype=bool)
    in_plain[plain] = True
    pos = np.flatnonzero(in_plain[ring_of])
    rings_p, offs_p = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(pos):
        r_of = ring_of[pos]
        order = np.lexsort((pos, vid[pos], r_of))  # per ring: lowest id, first occurrence
        firsts = order[np.r_[True, r_of[order][1:] != r_of[order][:-1]]]
        low = np.zeros(len(n_r), dtype=np.int64)
        low[r_of[firsts]] = pos[firsts]
        lv = vid[low[r_of]]
        dist = np.hypot(ux[vid[pos]] - ux[lv], uy[vid[pos]] - uy[lv])
        order = np.lexsort((pos, -dist, r_of))  # per ring: largest distance, first occurrence
        fars = order[np.r_[True, r_of[order][1:] != r_of[order][:-1]]]
        far = np.zeros(len(n_r), dtype=np.int64)
        far[r_of[fars]] = pos[fars]
        p0[plain] = low[plain] - starts[plain]
        off_far = (far[plain] - low[plain]) % n_r[plain]
        two = off_far != 0
        rings_p = np.r_[plain, plain[two]]
        offs_p = np.r_[np.zeros(len(plain), dtype=np.int64), off_far[two]]
    rings = np.r_[rings_j, rings_p].astype(np.int64)
    offs = np.r_[offs_j, offs_p].astype(np.int64)
    order = np.lexsort((offs, rings))
    return rings[order], offs[order], p0


def _ragged(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For pieces of ``lengths``: each element's piece and its position within the piece."""
    piece = np.repeat(np.arange(len(lengths)), lengths)
    first = np.cumsum(lengths) - lengths
    return piece, np.arange(int(lengths.sum())) - first[piece]


def _simplify_arcs(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Topology-preserving Douglas–Peucker, as topojson does it, in numpy.

    Rings are cut into arcs at junctions (vertices with other than two distinct neighbours
    across all rings); an arc shared by two units is stored once (canonical direction) and
    simplified once with fixed end points, so neighbours keep a common edge. A ring without a
    junction is cut at its lowest vertex and at the vertex farthest from it. A ring that would
    collapse (fewer than four points) is kept as it was. Vectorised over rings and arcs.
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    all_xy, all_ring = shapely.get_coordinates(rings, return_index=True)
    # drop each ring's closing vertex: a ring is a cycle of vertex ids
    last = np.r_[all_ring[1:] != all_ring[:-1], True]
    coords, ring_of = all_xy[~last], all_ring[~last]
    # vertex ids in (x, y) order, as np.unique of x + iy numbers them (a lexsort is faster)
    order = np.lexsort((coords[:, 1], coords[:, 0]))
    sorted_xy = coords[order]
    new = (
        np.r_[True, (sorted_xy[1:] != sorted_xy[:-1]).any(axis=1)]
        if len(sorted_xy)
        else np.zeros(0, bool)
    )
    vid = np.empty(len(coords), dtype=np.int64)
    vid[order] = np.cumsum(new) - 1
    ux, uy = sorted_xy[new, 0], sorted_xy[new, 1]
    nxt = np.arange(len(vid)) + 1
    starts = np.searchsorted(ring_of, np.arange(len(rings)))
    ends = np.r_[starts[1:], len(vid)]
    n_r = ends - starts
    nonempty = n_r > 0
    nxt[ends[nonempty] - 1] = starts[nonempty]  # wrap around
    a, b = vid, vid[nxt]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    n_v = len(ux)
    pairs = np.unique(lo * n_v + hi)  # distinct edges
    degree = np.bincount(np.r_[pairs // n_v, pairs % n_v], minlength=n_v)
    junction = degree != 2

    # arcs: from each cut to the next one of its ring (the last one back to the first)
    cut_ring, cut_off, p0 = _ring_cuts(vid, ring_of, starts, n_r, junction, ux, uy)
    nxt_off = np.r_[cut_off[1:], 0]
    ring_last = np.r_[cut_ring[1:] != cut_ring[:-1], True]
    nxt_off[ring_last] = n_r[cut_ring[ring_last]]
    seg = nxt_off - cut_off  # segments per arc; vertices: seg + 1
    arc_of, t = _ragged(seg + 1)
    r = cut_ring[arc_of]
    arc_vid = vid[starts[r] + (p0[r] + cut_off[arc_of] + t) % n_r[r]]
    a0 = np.cumsum(seg + 1) - (seg + 1)  # first vertex of each arc in arc_vid
    f, l_, s, p = arc_vid[a0], arc_vid[a0 + seg], arc_vid[a0 + 1], arc_vid[a0 + seg - 1]
    fwd = (f < l_) | ((f == l_) & (s <= p))
    canon = arc_vid[np.where(fwd[arc_of], a0[arc_of] + t, a0[arc_of] + seg[arc_of] - t)]
    arc_ids: dict[bytes, int] = {}
    arc_k = np.empty(len(seg), dtype=np.int64)
    firsts = []
    for i, (s0, s1) in enumerate(zip(a0.tolist(), (a0 + seg + 1).tolist(), strict=True)):
        k = arc_ids.setdefault(canon[s0:s1].tobytes(), len(arc_ids))
        if k == len(firsts):
            firsts.append(i)
        arc_k[i] = k
    firsts = np.asarray(firsts, dtype=np.int64)
    piece, tt = _ragged(seg[firsts] + 1)
    uv = canon[a0[firsts][piece] + tt]
    lines = shapely.linestrings(np.stack([ux[uv], uy[uv]], axis=1), indices=piece)
    simple = shapely.simplify(lines, tolerance, preserve_topology=False)
    sxy, s_of = shapely.get_coordinates(simple, return_index=True)
    slen = np.bincount(s_of, minlength=len(simple))
    soff = np.cumsum(slen) - slen

    # rings again: each arc's simplified points (reversed where the ring runs against the arc)
    # without its last point, then the ring's closing point
    k, rev = arc_k, ~fwd
    e_of, tt = _ragged(slen[k] - 1)
    idx = soff[k][e_of] + np.where(rev[e_of], slen[k][e_of] - 1 - tt, tt)
    ring_end = np.flatnonzero(ring_last)  # last arc of each ring
    close = np.where(rev[ring_end], soff[k[ring_end]], soff[k[ring_end]] + slen[k[ring_end]] - 1)
    ends_in_idx = np.cumsum(slen[k] - 1)[ring_end]
    idx = np.insert(idx, ends_in_idx, close)
    got = cut_ring[ring_end]  # rings that have arcs, in order
    n_new = np.zeros(len(rings), dtype=np.int64)
    n_new[got] = np.diff(np.r_[0, ends_in_idx + np.arange(1, len(got) + 1)])
    new_xy = sxy[idx]
    # a ring thinner than the tolerance collapses: keep it as it was
    has = n_new > 0
    keep_old = has & (n_new < 4)
    src_new = np.repeat(has & ~keep_old, n_new)
    new_ring_of = np.repeat(np.arange(len(rings)), n_new)[src_new]
    new_xy = new_xy[src_new]
    old_sel = keep_old[all_ring]
    ring_xy = np.concatenate([new_xy, all_xy[old_sel]])
    ring_ix = np.concatenate([new_ring_of, all_ring[old_sel]])
    order = np.argsort(ring_ix, kind="stable")
    ring_xy, ring_ix = ring_xy[order], ring_ix[order]
    # rebuild polygons (rings are in part order: exterior, then holes); a part whose exterior
    # collapsed is dropped, and so is a hole that did
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(rings) else np.zeros(0, bool)
    part_ok = np.zeros(len(parts), dtype=bool)
    part_ok[ring_part[exterior & has]] = True
    use = has & part_ok[ring_part]
    ring_geoms = np.full(len(rings), None, dtype=object)
    if has.any():
        ring_geoms[has] = shapely.linearrings(
            ring_xy, indices=np.unique(ring_ix, return_inverse=True)[1]
        )
    new_parts = np.full(len(parts), None, dtype=object)
    if use.any():
        ok_parts = np.flatnonzero(part_ok)
        new_parts[ok_parts] = shapely.polygons(
            ring_geoms[use], indices=np.searchsorted(ok_parts, ring_part[use])
        )
    result = np.empty(len(geoms), dtype=object)
    n_parts = np.bincount(part_of[part_ok], minlength=len(geoms))
    result[n_parts == 0] = shapely.Polygon()
    one = np.flatnonzero(n_parts == 1)
    if len(one):
        result[one] = new_parts[part_ok][np.searchsorted(part_of[part_ok], one)]
    many = n_parts > 1
    if many.any():
        in_many = part_ok & many[part_of]
        result[many] = shapely.multipolygons(
            new_parts[in_many], indices=np.unique(part_of[in_many], return_inverse=True)[1]
        )
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


@memoised
def unit_web_geometry(
    units: gpd.GeoDataFrame, *, tolerance: float = 20.0, decimals: int = 4
) -> gpd.GeoSeries:
    """The outlines of ``units`` as a web map draws them: simplified one side at a time,
    reprojected to WGS 84 and rounded (:func:`web_geometry`), one per row (same index).

    Memoised inside a memo scope (:mod:`binational._memo`): a report computes them while it
    waits for its other side and its map takes them from the memo; ``binational maps`` draws
    every map of a region from one computation."""
    cols = [c for c in (schema.COUNTRY,) if c in units.columns]
    return web_geometry(
        units[[*cols, units.geometry.name]], tolerance=tolerance, decimals=decimals
    ).geometry


def with_web_outlines(
    units: gpd.GeoDataFrame,
    web_geoms: gpd.GeoSeries | None = None,
    *,
    tolerance: float = 20.0,
    decimals: int = 4,
) -> gpd.GeoDataFrame:
    """``units`` with their outlines made ready for the web: ``web_geoms`` when given (one per
    unit, the units' index), else :func:`unit_web_geometry` with ``tolerance`` and ``decimals``.

    Raises
    ------
    RenderError
        ``web_geoms`` is not one outline per unit.
    """
    if web_geoms is None:
        web_geoms = unit_web_geometry(units, tolerance=tolerance, decimals=decimals)
    elif not web_geoms.index.equals(units.index):
        raise RenderError("web_geoms must have one outline per unit (the units' index)")
    return gpd.GeoDataFrame(
        units.drop(columns=units.geometry.name), geometry=web_geoms.to_numpy(), crs=web_geoms.crs
    )


def _drop_small(geoms: np.ndarray, min_area: float) -> np.ndarray:
    """Each of ``geoms`` without its parts and holes smaller than ``min_area`` (an empty
    polygon when no part is left); vectorised over all parts and rings."""
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    big = shapely.area(parts) >= min_area
    parts, part_of = parts[big], part_of[big]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(rings) else np.zeros(0, bool)
    keep = exterior | (shapely.area(shapely.polygons(rings)) >= min_area)
    kept = np.full(len(parts), shapely.Polygon(), dtype=object)  # an empty part stays empty
    if keep.any():
        shapely.polygons(rings[keep], indices=ring_part[keep], out=kept)
    result = np.empty(len(geoms), dtype=object)
    n_parts = np.bincount(part_of, minlength=len(geoms))
    result[n_parts == 0] = shapely.Polygon()
    first = np.searchsorted(part_of, np.arange(len(geoms)))
    one = np.flatnonzero(n_parts == 1)
    result[one] = kept[first[one]]
    many = n_parts > 1
    if many.any():
        sel = many[part_of]
        result[many] = shapely.multipolygons(
            kept[sel], indices=np.unique(part_of[sel], return_inverse=True)[1]
        )
    return result


def generalize(
    gdf: gpd.GeoDataFrame, *, tolerance: float = 150.0, min_area: float = 250_000.0
) -> gpd.GeoDataFrame:
    """Generalise overlapping polygons (isochrones) for display: Douglas–Peucker per polygon,
    then drop parts and holes smaller than ``min_area`` m².

    For layers that are not a coverage (nested isochrone bands overlap), so there is no
    topology to keep. Plain Douglas–Peucker is used; a polygon it makes invalid (a ring
    crossing itself) is simplified again with GEOS's topology-preserving variant. Measured on
    the report map's Tijuana–San Diego isochrones (18 polygons, 223,255 vertices; 300 m): plain
    Douglas–Peucker takes 0.05 s and leaves 8,014 vertices, all polygons valid; the
    topology-preserving variant takes 1.3 s and keeps 34,648 (it keeps small rings and holes
    that the ``min_area`` step then drops), four of them invalid. The two differ by 0.6 % of
    the area (symmetric difference), well under the catchment model's own 50 m grid and 400 m
    road buffer.
    """
    if gdf.crs is None or not gdf.crs.is_projected:
        raise RenderError("generalize needs polygons in a projected CRS (metres)")
    source = gdf.geometry.to_numpy()
    geoms = shapely.simplify(source, tolerance, preserve_topology=False)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.simplify(source[bad], tolerance, preserve_topology=True)
    geoms = _drop_small(geoms, min_area)
    out = gdf.copy()
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
