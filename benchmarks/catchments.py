"""Catchment travel times and isochrones against the osmnx-examples recipe, same graph, same run.

Reference (the osmnx-examples isochrone notebook's approach): one networkx search per port end —
``nx.single_source_dijkstra_path_length`` (times) and ``nx.ego_graph(..., distance=...)`` per
minute band, then polygons from the ego graph (buffered nodes and edges, or a convex hull).
Ours: one ``scipy.sparse.csgraph.dijkstra`` call per direction for all port ends
(:func:`binational.catchments.port_times`) on a CSR matrix built once
(:func:`binational.catchments.sparse_graph`), and incremental buffered-edge polygons.

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
from binational.catchments.isochrones import area_weighted_population, land_by_side

WEIGHT = "travel_time"
BANDS_MIN = (15, 30, 45, 60)


def best_of(fn, repeat: int):
    best, out = np.inf, None
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the travel-time runs")
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
        1,
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
        1,
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
    land = land_by_side(region.units)
    bands = [m * 60.0 for m in BANDS_MIN]
    tt = border.travel_time.to_numpy()
    t_poly = 0.0
    n_poly = 0
    for code in (2504, 2505, 2506):
        for direction in ("northbound", "southbound"):
            r = pt.edges(code, direction)
            for toward, table, col in ((True, pt.to_tail, "u_idx"), (False, pt.from_head, "v_idx")):
                side = graph.country[int(border[col].iloc[r[0]])]
                node_s = np.min(table[r] + tt[r, None], axis=0)
                edges = np.flatnonzero(graph.country[graph.edge_u] == side)
                t1 = time.perf_counter()
                isochrone_polygons(
                    graph, node_s, bands, toward=toward, edges=edges, land=land[side]
                )
                t_poly += time.perf_counter() - t1
                n_poly += len(bands)
    t_rec = 0.0
    t_hull = 0.0
    n_rec = 0
    for ends, Gx in ((tails, G_rev), (heads, G_dom)):
        for e in ends:
            for b in bands:
                t1 = time.perf_counter()
                recipe_polygons(Gx, graph.node_ids[e], b)
                t_rec += time.perf_counter() - t1
                t1 = time.perf_counter()
                recipe_polygons(Gx, graph.node_ids[e], b, hull=True)
                t_hull += time.perf_counter() - t1
                n_rec += 1
    print("\n== isochrone polygons, bands 15/30/45/60 min ==")
    print(
        f"ours (buffered reachable edges, incremental, clipped to land): {n_poly} polygons in {t_poly:.2f} s ({t_poly / n_poly * 1000:.0f} ms each)"
    )
    print(
        f"recipe ego_graph + buffered nodes/edges : {n_rec} polygons in {t_rec:.2f} s ({t_rec / n_rec * 1000:.0f} ms each)"
    )
    print(
        f"recipe ego_graph + convex hull          : {n_rec} polygons in {t_hull:.2f} s ({t_hull / n_rec * 1000:.0f} ms each)"
    )

    # --- which polygon method: population inside vs the unit-level count ----------------------
    print("\n== isochrone method: area-weighted population vs units whose own node is reached ==")
    units = region.units
    snap = snap_points(graph, units, country="country")
    pen = snap.snap_m.to_numpy() / (15 / 3.6)
    variants = [
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
    for label, kw in variants:
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
                t1 = time.perf_counter()
                polys = isochrone_polygons(
                    graph, node_s, bands, toward=toward, edges=edges, land=land[side], **kw
                )
                secs += time.perf_counter() - t1
                side_units = units[on_side]
                for b, poly in zip(bands, polys, strict=True):
                    ref = np.nansum(units.pop_total.to_numpy()[on_side & (ut <= b)])
                    got = area_weighted_population(side_units, poly).iloc[0]
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
