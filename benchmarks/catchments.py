"""Catchment travel times and isochrones against the osmnx-examples recipe, same graph, same run.

Reference (the osmnx-examples isochrone notebook's approach): one networkx search per port end —
``nx.single_source_dijkstra_path_length`` (times) and ``nx.ego_graph(..., distance=...)`` per
minute band, then polygons from the ego graph (buffered nodes and edges, or a convex hull).
Ours: one ``scipy.sparse.csgraph.dijkstra`` call per direction for all port ends
(:func:`binational.catchments.port_times`) on a CSR matrix built once
(:func:`binational.catchments.sparse_graph`), and isochrones as contours of a travel-time grid.

Like with like (issue #14): every timing on every side is one untimed warm-up call and then the
best of ``--repeat`` calls; the isochrone timings include the shortest-path search on both sides
(once per port end on both: the recipe's ``ego_graph`` would rerun it for every band). The
end-to-end section times ``binational.catchments(region)`` (times, isochrones with and without
the wait, allocation; 3 ports x 4 bands) against the recipe doing the same work with networkx,
buffered subgraphs and a geopandas overlay, and checks the travel times are identical.

Both run on the same Tijuana–San Diego SANDAG network (speeds imputed, port links marked) with
its 13 border links removed (what the sparse matrix holds; searches on the reversed graph for
"time to the port"); every port end (the tail and the head of each border link: all ports, both
directions). Times must be identical (max |difference| printed).

Also printed: the isochrone-method measurement behind the default (buffered edges vs concave
hull: population inside against the unit-level count, area, time) and the circuity the network
implies for unit-to-port trips (for the straight-line model's default).

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/catchments.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np
import shapely

import binational
from binational.catchments import isochrone_polygons, port_times, snap_points, sparse_graph
from binational.catchments.isochrones import (
    DEFAULT_BUFFER_M,
    area_weighted_population,
    land_by_side,
)
from binational.catchments.isogrid import grid_isochrones, side_grid

WEIGHT = "travel_time"
BANDS_MIN = (15, 30, 45, 60)


def best_of(fn, repeat: int):
    """One untimed warm-up call, then the best of ``repeat`` timed calls (every side alike)."""
    best, out = np.inf, fn()
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def reference_times(G_dom, G_rev, tails, heads, cutoff=None):
    to_tail = {
        t: nx.single_source_dijkstra_path_length(G_rev, t, cutoff=cutoff, weight=WEIGHT)
        for t in tails
    }
    from_head = {
        h: nx.single_source_dijkstra_path_length(G_dom, h, cutoff=cutoff, weight=WEIGHT)
        for h in heads
    }
    return to_tail, from_head


def max_diff(graph, ours_rows, ends, ref) -> tuple[float, int]:
    worst, mismatched = 0.0, 0
    for row, end in zip(ours_rows, ends, strict=True):
        want = np.full(len(graph), np.inf)
        d = ref[graph.node_ids[end]]
        want[graph.positions(list(d))] = list(d.values())
        mismatched += int((np.isfinite(row) != np.isfinite(want)).sum())
        ok = np.isfinite(want) & np.isfinite(row)
        if ok.any():
            worst = max(worst, float(np.max(np.abs(row[ok] - want[ok]))))
    return worst, mismatched


def recipe_polygons(G, center, radius_s, *, edge_buff=25.0, node_buff=50.0, hull=False):
    """osmnx-examples style: ego graph, then buffered nodes + edges (or the nodes' convex hull)."""
    sub = nx.ego_graph(G, center, radius=radius_s, distance=WEIGHT)
    pts = shapely.points([G.nodes[n]["x"] for n in sub], [G.nodes[n]["y"] for n in sub])
    if hull:
        return shapely.convex_hull(shapely.multipoints(pts))
    lines = []
    for u, v, d in sub.edges(data=True):
        g = d.get("geometry")
        lines.append(
            g
            if g is not None
            else shapely.LineString(
                [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
            )
        )
    parts = list(shapely.buffer(pts, node_buff)) + list(
        shapely.buffer(np.asarray(lines, dtype=object), edge_buff)
    )
    return shapely.union_all(parts)


def recipe_band(G, dist, radius_s, *, edge_buff=25.0, node_buff=50.0, hull=False, land=None):
    """The recipe's polygon from one search's distances: the subgraph within ``radius_s``."""
    sub = G.subgraph([n for n, d in dist.items() if d <= radius_s])
    if sub.number_of_nodes() == 0:
        return shapely.Polygon()
    pts = shapely.points([G.nodes[n]["x"] for n in sub], [G.nodes[n]["y"] for n in sub])
    if hull:
        poly = shapely.convex_hull(shapely.multipoints(pts))
        return shapely.intersection(poly, land) if land is not None else poly
    lines = []
    for u, v, d in sub.edges(data=True):
        g = d.get("geometry")
        lines.append(
            g
            if g is not None
            else shapely.LineString(
                [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
            )
        )
    parts = list(shapely.buffer(pts, node_buff, quad_segs=4)) + list(
        shapely.buffer(np.asarray(lines, dtype=object), edge_buff, quad_segs=4)
    )
    poly = shapely.union_all(parts)
    return shapely.intersection(poly, land) if land is not None else poly


def recipe_catchments(region, graph, G_dom, G_rev, *, waits, bands_min, buffer_m):
    """The osmnx-examples recipe doing what ``binational.catchments`` does, northbound.

    Per port: one networkx search per border-link end (to the tail on the reversed graph,
    from the head), node times = min over the port's links of (search + link); per side and
    per band, with and without the wait: the subgraph within the drive budget, its nodes and
    edges buffered by ``buffer_m`` and merged, clipped to the side's land; population inside
    by plain geopandas overlay (areal weighting); units snapped to their side's nearest node
    (scipy KD-tree) and allocated to their quickest port.
    """
    import geopandas as gpd
    from scipy.spatial import cKDTree

    units = region.units
    border = graph.border
    north = border[border.direction == "northbound"]
    land = {
        side: shapely.union_all(units.geometry[units.country == side].values)
        for side in ("MX", "US")
    }
    node_times: dict[tuple[int, str], np.ndarray] = {}
    pos = {n: i for i, n in enumerate(graph.node_ids)}
    for code in sorted(north.port_code.unique()):
        rows = north[north.port_code == code]
        for side, Gx, col in (("MX", G_rev, "u_idx"), ("US", G_dom, "v_idx")):
            best = np.full(len(graph), np.inf)
            for end, tt in zip(rows[col], rows.travel_time, strict=True):
                d = nx.single_source_dijkstra_path_length(Gx, graph.node_ids[end], weight=WEIGHT)
                idx = np.fromiter((pos[n] for n in d), dtype=np.int64, count=len(d))
                best[idx] = np.minimum(best[idx], np.fromiter(d.values(), float) + tt)
            node_times[(code, side)] = best
    pops = {}
    for (code, side), t in node_times.items():
        Gx = G_rev if side == "MX" else G_dom
        dist = {graph.node_ids[i]: t[i] for i in np.flatnonzero(np.isfinite(t))}
        side_units = units[units.country == side][["pop_total", "geometry"]].copy()
        side_units["area0"] = side_units.area
        for m in bands_min:
            for with_wait in (True, False):
                budget = m * 60.0 - (waits[code] * 60.0 if with_wait else 0.0)
                if budget <= 0:
                    pops[(code, side, m, with_wait)] = 0.0
                    continue
                poly = recipe_band(
                    Gx, dist, budget, edge_buff=buffer_m, node_buff=buffer_m, land=land[side]
                )
                iso = gpd.GeoDataFrame(geometry=[poly], crs=units.crs)
                inter = gpd.overlay(side_units, iso, how="intersection", keep_geom_type=True)
                pops[(code, side, m, with_wait)] = float(
                    (inter.pop_total * inter.area / inter.area0).sum()
                )
    # allocation: nearest node of the unit's side, quickest port
    rep = units.representative_point()
    best_port = np.full(len(units), -1)
    for side in ("MX", "US"):
        on = np.flatnonzero((units.country == side).to_numpy())
        nodes = np.flatnonzero(graph.country == side)
        _, k = cKDTree(np.c_[graph.x[nodes], graph.y[nodes]]).query(
            np.c_[rep.x.to_numpy()[on], rep.y.to_numpy()[on]]
        )
        codes = sorted({c for c, _ in node_times})
        total = np.stack([node_times[(c, side)][nodes[k]] + waits[c] * 60.0 for c in codes])
        ok = np.isfinite(total).any(axis=0)
        best_port[on[ok]] = np.asarray(codes)[np.argmin(total[:, ok], axis=0)]
    return node_times, pops, best_port


def end_to_end(region, graph, G_dom, G_rev, repeat: int) -> None:
    """``binational.catchments`` against the recipe doing the same, warm-up + best of N each."""
    bands_min = (15, 30, 45, 60)
    ours_fn = lambda: binational.catchments(region, minutes=bands_min)  # noqa: E731
    t_ours, res = best_of(ours_fn, repeat)
    waits = dict(zip(res.summary.port_code, res.summary.wait_minutes, strict=True))
    buffer_m = float(res.params.get("buffer_m", 400.0)) if hasattr(res, "params") else 400.0
    t_ref, (node_times, pops, best_port) = best_of(
        lambda: recipe_catchments(
            region, graph, G_dom, G_rev, waits=waits, bands_min=bands_min, buffer_m=buffer_m
        ),
        repeat,
    )
    # identical travel times? our node times to / from each port against the recipe's
    pt = port_times(graph)
    worst = 0.0
    mism = 0
    for (code, side), want in node_times.items():
        r = pt.edges(code, "northbound")
        tt = pt.border.travel_time.to_numpy()[r]
        table = pt.to_tail if side == "MX" else pt.from_head
        got = np.min(table[r] + tt[:, None], axis=0)
        on = graph.country == side
        mism += int((np.isfinite(got[on]) != np.isfinite(want[on])).sum())
        ok = on & np.isfinite(got) & np.isfinite(want)
        worst = max(worst, float(np.max(np.abs(got[ok] - want[ok]))))
    iso = res.isochrones
    rel = []
    for (code, side, m, with_wait), want in pops.items():
        row = iso[
            (iso.port_code == code)
            & (iso.side == side)
            & (iso.minutes == m)
            & (iso.wait_included == with_wait)
        ]
        if len(row) and want > 0:
            rel.append(abs(float(row["pop"].iloc[0]) - want) / want)
    agree = float(np.mean(best_port == res.units.best_port.to_numpy()))
    print("\n== catchments end to end: 3 ports x 4 bands x (with, without the wait), northbound ==")
    print(f"(warm-up, then best of {repeat} on each side)")
    print(f"ours binational.catchments(region):       {t_ours:8.2f} s")
    print(
        f"recipe (networkx + buffered subgraphs):   {t_ref:8.2f} s  -> ratio {t_ref / t_ours:.1f}x"
    )
    print(f"travel times: max |ours - networkx| {worst:.2e} s, reachability mismatches {mism}")
    print(
        f"population in the isochrones: ours (grid, partial edges) vs recipe (whole edges, "
        f"buffered nodes): median |diff| {np.median(rel):.1%}, max {np.max(rel):.1%}"
    )
    print(f"best port per unit: same in {agree:.1%} of units (snapping differs slightly)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="best of N (after a warm-up), all sides")
    ap.add_argument(
        "--repeat-e2e", type=int, default=1, help="best of N (after a warm-up), end to end"
    )
    ap.add_argument("--skip-methods", action="store_true", help="skip the method comparison")
    ap.add_argument(
        "--only-e2e", action="store_true", help="run only the end-to-end catchments comparison"
    )
    ap.add_argument(
        "--only-methods",
        action="store_true",
        help="run only the method comparison (population against the unit-node check)",
    )
    ap.add_argument(
        "--grid-only",
        action="store_true",
        help="method comparison: only the default grid method (the buffer and hull variants "
        "take minutes)",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    region = binational.load_region("tijuana-san-diego")
    G = region.network
    print(f"loaded {region!r} in {time.perf_counter() - t0:.1f} s (not timed below)")
    G_dom = G.copy()
    G_dom.remove_edges_from(
        [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["crosses_border"]]
    )
    G_rev = G_dom.reverse(copy=True)

    # --- travel times -----------------------------------------------------------------------
    if args.only_e2e:
        end_to_end(region, sparse_graph(G), G_dom, G_rev, args.repeat_e2e)
        return
    if args.only_methods:
        graph = sparse_graph(G)
        methods(region, G, graph, port_times(graph), grid_only=args.grid_only)
        return
    t_build, graph = best_of(lambda: sparse_graph(G), args.repeat)
    border = graph.border
    tails = sorted(set(border.u_idx))
    heads = sorted(set(border.v_idx))
    print(f"\nnetwork: {graph!r}")
    print(
        f"port ends: {len(tails)} departure ends (tails) + {len(heads)} arrival ends (heads) of {len(border)} border links, 3 ports x 2 directions"
    )

    t_ours, pt = best_of(lambda: port_times(graph), args.repeat)
    t_ref, (ref_to, ref_from) = best_of(
        lambda: reference_times(
            G_dom, G_rev, [graph.node_ids[t] for t in tails], [graph.node_ids[h] for h in heads]
        ),
        args.repeat,
    )
    # identical times? (rows of PortTimes for the first link of each end)
    first_tail = [int(np.flatnonzero(border.u_idx.to_numpy() == t)[0]) for t in tails]
    first_head = [int(np.flatnonzero(border.v_idx.to_numpy() == h)[0]) for h in heads]
    d1, m1 = max_diff(graph, pt.to_tail[first_tail], tails, ref_to)
    d2, m2 = max_diff(graph, pt.from_head[first_head], heads, ref_from)

    limit = 3600.0
    t_ours_lim, pt_lim = best_of(lambda: port_times(graph, limit=limit), args.repeat)
    t_ref_lim, (rl_to, rl_from) = best_of(
        lambda: reference_times(
            G_dom,
            G_rev,
            [graph.node_ids[t] for t in tails],
            [graph.node_ids[h] for h in heads],
            cutoff=limit,
        ),
        args.repeat,
    )
    d3, m3 = max_diff(graph, pt_lim.to_tail[first_tail], tails, rl_to)
    d4, m4 = max_diff(graph, pt_lim.from_head[first_head], heads, rl_from)

    print("\n== travel times from/to every port end (all ports, both directions) ==")
    print(f"reference networkx single_source_dijkstra x {len(tails) + len(heads)}: {t_ref:8.3f} s")
    print(f"ours: build sparse graph once                 : {t_build:8.3f} s")
    print(f"ours: 2 multi-source csgraph.dijkstra calls    : {t_ours:8.3f} s")
    print(
        f"speed-up without build: {t_ref / t_ours:7.1f} x   with build: {t_ref / (t_ours + t_build):6.1f} x"
    )
    print(f"identical? max |diff| {max(d1, d2):.2e} s, reachability mismatches {m1 + m2}")
    print(
        f"\nwith a 60-minute cut-off: reference {t_ref_lim:.3f} s, ours {t_ours_lim:.3f} s "
        f"-> {t_ref_lim / t_ours_lim:.1f} x without build, {t_ref_lim / (t_ours_lim + t_build):.1f} x with build; "
        f"max |diff| {max(d3, d4):.2e} s, mismatches {m3 + m4}"
    )

    # --- isochrone polygons -----------------------------------------------------------------
    # Same work on both sides: the search from every port end (once per end, cut off at the
    # largest band) and the polygons of the four bands, for every port end; our side runs
    # port_times + isochrone_polygons per port end, the reference one networkx search per end
    # then, per band, the subgraph of the nodes within the band and its buffered nodes/edges
    # (the recipe's ego_graph would rerun the search for every band).
    land = land_by_side(region.units)
    bands = [m * 60.0 for m in BANDS_MIN]
    ends = [(True, t, int(np.flatnonzero(border.u_idx.to_numpy() == t)[0])) for t in tails] + [
        (False, h, int(np.flatnonzero(border.v_idx.to_numpy() == h)[0])) for h in heads
    ]

    def ours_polygons():
        pt_lim = port_times(graph, limit=max(bands))
        out = []
        for toward, end, row in ends:
            side = graph.country[end]
            node_s = (pt_lim.to_tail if toward else pt_lim.from_head)[row]
            edges = np.flatnonzero(graph.country[graph.edge_u] == side)
            out.append(
                isochrone_polygons(
                    graph, node_s, bands, toward=toward, edges=edges, land=land[side]
                )
            )
        return out

    def recipe_all(hull=False):
        # clipped to the side's land like ours (the same work on both sides)
        out = []
        for toward, end, _ in ends:
            Gx = G_rev if toward else G_dom
            dist = nx.single_source_dijkstra_path_length(
                Gx, graph.node_ids[end], cutoff=max(bands), weight=WEIGHT
            )
            clip = land[graph.country[end]]
            out.append([recipe_band(Gx, dist, b, hull=hull, land=clip) for b in bands])
        return out

    t_poly, _ = best_of(ours_polygons, args.repeat)
    t_rec, _ = best_of(recipe_all, args.repeat)
    t_hull, _ = best_of(lambda: recipe_all(hull=True), args.repeat)
    n_poly = len(ends) * len(bands)
    print(f"\n== isochrone polygons, bands 15/30/45/60 min, {len(ends)} port ends ==")
    print(
        "(search included on both sides, both clipped to land; warm-up, then best of",
        args.repeat,
        "on each side)",
    )
    print(
        f"ours (port_times + grid isochrones, clipped to land): {n_poly} polygons in {t_poly:.2f} s"
    )
    print(
        f"recipe search + buffered nodes/edges : {n_poly} polygons in {t_rec:.2f} s "
        f"-> ratio {t_rec / t_poly:.1f}x"
    )
    print(
        f"recipe search + convex hull          : {n_poly} polygons in {t_hull:.2f} s "
        f"-> ratio {t_hull / t_poly:.1f}x"
    )

    # --- catchments end to end ----------------------------------------------------------------
    end_to_end(region, graph, G_dom, G_rev, args.repeat_e2e)

    if not args.skip_methods:
        methods(region, G, graph, pt, grid_only=args.grid_only)


def methods(region, G, graph, pt, *, grid_only: bool = False) -> None:
    """Which polygon method: population inside against the units whose own node is reached;
    and the circuity the network implies (the straight-line model's default)."""
    border = graph.border
    tt = border.travel_time.to_numpy()
    land = land_by_side(region.units)
    bands = [m * 60.0 for m in BANDS_MIN]
    print("\n== isochrone method: area-weighted population vs units whose own node is reached ==")
    units = region.units
    snap = snap_points(graph, units, country="country")
    pen = snap.snap_m.to_numpy() / (15 / 3.6)
    variants = [
        ("grid 400 m, holes < 1 km2 (default)", {"method": "grid"}),
        ("buffer 200 m, holes kept", {"method": "buffer", "buffer_m": 200, "fill_holes_km2": 0}),
        ("buffer 400 m, holes kept", {"method": "buffer", "buffer_m": 400, "fill_holes_km2": 0}),
        (
            "buffer 400 m, holes < 1 km2 filled",
            {"method": "buffer", "buffer_m": 400, "fill_holes_km2": 1.0},
        ),
        (
            "buffer 400 m, holes < 5 km2 filled",
            {"method": "buffer", "buffer_m": 400, "fill_holes_km2": 5.0},
        ),
        (
            "buffer 600 m, holes < 2 km2 filled",
            {"method": "buffer", "buffer_m": 600, "fill_holes_km2": 2.0},
        ),
        ("buffer 800 m, holes kept", {"method": "buffer", "buffer_m": 800, "fill_holes_km2": 0}),
        ("concave hull (ratio 0.05) + 200 m", {"method": "hull", "buffer_m": 200}),
        ("concave hull (ratio 0.05) + 400 m", {"method": "hull", "buffer_m": 400}),
    ]
    for label, kw in variants[:1] if grid_only else variants:
        errs, area, secs = [], 0.0, 0.0
        by_side = {"MX": [], "US": []}
        for code in (2504, 2506):
            r = pt.edges(code, "northbound")
            for toward, table in ((True, pt.to_tail), (False, pt.from_head)):
                side = "MX" if toward else "US"
                node_s = np.min(table[r] + tt[r, None], axis=0)
                on_side = (units.country == side).to_numpy()
                nodes = snap.node.to_numpy()
                ut = np.where(on_side & (nodes >= 0), node_s[np.maximum(nodes, 0)] + pen, np.inf)
                edges = np.flatnonzero(graph.country[graph.edge_u] == side)
                side_units = units[on_side]
                t1 = time.perf_counter()
                if kw["method"] == "grid":  # polygons and population from one grid, as in the API
                    grid = side_grid(graph, side_units, edges, buffer_m=DEFAULT_BUFFER_M)
                    polys, sums = grid_isochrones(
                        graph,
                        node_s,
                        bands,
                        grid,
                        toward=toward,
                        buffer_m=DEFAULT_BUFFER_M,
                        fill_holes_km2=1.0,
                        values=side_units[["pop_total"]].to_numpy(dtype=float),
                    )
                    pops = sums[:, 0]
                else:
                    polys = isochrone_polygons(
                        graph, node_s, bands, toward=toward, edges=edges, land=land[side], **kw
                    )
                    pops = [area_weighted_population(side_units, p).iloc[0] for p in polys]
                secs += time.perf_counter() - t1
                for b, poly, got in zip(bands, polys, pops, strict=True):
                    ref = np.nansum(units.pop_total.to_numpy()[on_side & (ut <= b)])
                    errs.append(abs(got - ref) / max(ref, 1.0))
                    by_side[side].append((got - ref) / max(ref, 1.0))
                    area += poly.area / 1e6
        print(
            f"{label:36s} mean |rel. pop. error| {np.mean(errs):6.1%}  median {np.median(errs):6.1%}  "
            f"signed MX {np.mean(by_side['MX']):+6.1%} US {np.mean(by_side['US']):+6.1%}  "
            f"area {area:7.0f} km2  {secs:5.2f} s"
        )

    # --- circuity implied by the network (straight-line model default) -----------------------
    glen = sparse_graph(G, weight="length")
    ptl = port_times(glen)
    rows = []
    rep = units.representative_point()
    for e in range(len(border)):
        for side_col, table in (("u_idx", ptl.to_tail), ("v_idx", ptl.from_head)):
            end = int(border[side_col].iloc[e])
            side = graph.country[end]
            on_side = (units.country == side).to_numpy() & (snap.node.to_numpy() >= 0)
            net = table[e][snap.node.to_numpy()[on_side]] + snap.snap_m.to_numpy()[on_side]
            euclid = rep[on_side].distance(shapely.Point(graph.x[end], graph.y[end])).to_numpy()
            ok = np.isfinite(net) & (euclid > 2000) & (euclid < 30000)
            rows.append(net[ok] / euclid[ok])
    circ = np.concatenate(rows)
    print("\n== circuity implied by the network, unit -> port end, 2-30 km ==")
    print(
        f"n={len(circ)} median {np.median(circ):.2f}  IQR {np.percentile(circ, 25):.2f}-{np.percentile(circ, 75):.2f}  (straight-line default 1.3)"
    )


if __name__ == "__main__":
    main()
