"""The report's fast drawing paths against the code they replaced (kept here as references), on
the real Juárez–El Paso region: the figure crop, the per-report shelf of unit paths and map
extents, and the page built with and without them."""

from __future__ import annotations

import contextlib
import gc
import re
import subprocess
import sys
from itertools import pairwise

import numpy as np
import pytest
import shapely

from binational import schema
from binational._memo import memo_scope
from binational.render import _geodraw, _shelf, _static_maps, maps, static
from binational.render import report as render_report
from binational.render.report import DRAWING_MODULES, build_report, preload

FOCUS_KM = 12.0


# ------------------------------------------------------------------------------------------------
# references: the code before the fast paths


def _ref_cropped_rgba(fig, dpi: float) -> np.ndarray:
    """static._cropped_rgba before the 32-bit comparison (channel by channel)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    saved = fig.dpi
    fig.dpi = dpi
    try:
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
    finally:
        fig.dpi = saved
    background = rgba[0, 0].copy()
    ink = (rgba != background).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        return rgba.copy()
    pad = round(static.PAD_INCHES * dpi)
    y0, y1, x0, x1 = rows[0] - pad, rows[-1] + 1 + pad, cols[0] - pad, cols[-1] + 1 + pad
    out = np.empty((y1 - y0, x1 - x0, 4), dtype=np.uint8)
    out[...] = background
    sy0, sx0 = max(y0, 0), max(x0, 0)
    sy1, sx1 = min(y1, rgba.shape[0]), min(x1, rgba.shape[1])
    out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = rgba[sy0:sy1, sx0:sx1]
    return out


def _ref_ink(rgba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ink = (rgba != rgba[0, 0]).any(axis=2)
    return np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))


def _ref_polygon_paths(geoms):
    """_geodraw.polygon_paths before the shelf (built at every call)."""
    from matplotlib.path import Path

    arr = shapely.normalize(np.asarray(getattr(geoms, "values", geoms), dtype=object))
    parts, part_row = shapely.get_parts(arr, return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)
    part_row = part_row[sub]
    is_poly = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
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
    return [Path(coords[i:j], codes[i:j], readonly=True) for i, j in pairwise(bounds)], rows


def _ref_focus_limits(units, ports, km):
    """_static_maps.focus before the shelf: the axis limits it sets."""
    pts = ports.to_crs(units.crs).geometry.union_all()
    near = units[units.geometry.centroid.distance(pts) <= km * 1000]
    x0, y0, x1, y1 = near.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    return (x0 - pad, x1 + pad), (y0 - pad, y1 + pad)


def _same_paths(got, want) -> None:
    (paths, rows), (ref_paths, ref_rows) = got, want
    np.testing.assert_array_equal(rows, ref_rows)
    assert len(paths) == len(ref_paths)
    for p, q in zip(paths, ref_paths, strict=True):
        np.testing.assert_array_equal(p.vertices, q.vertices)
        np.testing.assert_array_equal(p.codes, q.codes)


def _page(html: str) -> str:
    """The page without what differs between any two runs: folium's random element ids,
    matplotlib's SVG ids, the minute it was made."""
    html = re.sub(r"[0-9a-f]{32}", "<id>", html)
    html = re.sub(r"\b([pm])[0-9a-f]{10}\b", r"\1<id>", html)
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "<time>", html)


# ------------------------------------------------------------------------------------------------
# figure crop


@pytest.fixture(scope="module")
def jz_figures(jz):
    """Four report figures of Juárez–El Paso: maps (flat fills, a legend) and a chart."""
    units = maps.with_density(jz.units)
    figs = [
        static.plot_choropleth(units, "pop_density", ports=jz.ports, focus_km=FOCUS_KM),
        static.plot_choropleth(units, "pop_density", lang="es"),
        static.plot_monthly_crossings(jz.crossings, ports=jz.ports),
    ]
    if jz.border is not None and len(jz.border):
        figs.append(static.plot_choropleth(units, "pop_density", border=jz.border))
    return figs


def test_crop_is_the_reference_crop_pixel_for_pixel(jz_figures):
    for fig in jz_figures:
        for dpi in (60, 90):
            new = static._cropped_rgba(fig, dpi)
            ref = _ref_cropped_rgba(fig, dpi)
            assert new.shape == ref.shape
            np.testing.assert_array_equal(new, ref)


def test_palette_png_bytes_are_the_reference_bytes(jz_figures, monkeypatch):
    new = [static.figure_bytes(f, dpi=90, colors=64) for f in jz_figures]
    monkeypatch.setattr(static, "_cropped_rgba", _ref_cropped_rgba)
    assert new == [static.figure_bytes(f, dpi=90, colors=64) for f in jz_figures]


@pytest.mark.parametrize(
    "change",
    [
        (0, 0, 0),  # red only
        (0, 0, 3),  # alpha only
        (5, 7, 2),  # blue at the far corner
    ],
)
def test_ink_sees_a_change_in_any_channel(change):
    rng = np.random.default_rng(4)
    rgba = np.full((9, 13, 4), 200, dtype=np.uint8)
    rgba[0, 0] = rng.integers(0, 256, 4, dtype=np.uint8)  # the background is the corner pixel
    rgba[...] = rgba[0, 0]
    y, x, channel = change
    if (y, x) == (0, 0):
        y, x = 4, 6
    rgba[y, x, channel] ^= 1
    rows, cols = static._ink_rows_cols(rgba)
    ref_rows, ref_cols = _ref_ink(rgba)
    assert rows.tolist() == ref_rows.tolist() == [y]
    assert cols.tolist() == ref_cols.tolist() == [x]


def test_ink_of_a_blank_and_of_a_strided_image():
    blank = np.zeros((5, 6, 4), dtype=np.uint8)
    assert [a.size for a in static._ink_rows_cols(blank)] == [0, 0]
    big = np.random.default_rng(1).integers(0, 3, (20, 30, 4), dtype=np.uint8)
    view = big[::2, 1::3]  # not contiguous
    for got, want in zip(static._ink_rows_cols(view), _ref_ink(view), strict=True):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------------------------------------
# the per-report shelf


def test_shelved_unit_paths_are_the_reference_paths(jz):
    units = jz.units
    us = units[units[schema.COUNTRY] == schema.US]
    with memo_scope():
        first = _geodraw.polygon_paths(units.geometry)
        again = _geodraw.polygon_paths(maps.with_density(units).geometry)  # a copy: same shapes
        side = _geodraw.polygon_paths(us.geometry)
    for got in (first, again):
        _same_paths(got, _ref_polygon_paths(units.geometry))
    _same_paths(side, _ref_polygon_paths(us.geometry))
    # built once: the second table shares the first one's paths
    assert all(p is q for p, q in zip(first[0], again[0], strict=True))
    assert first[1] is not again[1]  # (each caller gets its own row array)


def test_no_shelf_outside_a_report(jz):
    a = _geodraw.polygon_paths(jz.units.geometry)
    b = _geodraw.polygon_paths(jz.units.geometry)
    assert not any(p is q for p, q in zip(a[0], b[0], strict=True))
    _same_paths(a, _ref_polygon_paths(jz.units.geometry))


def test_a_freed_geometry_id_is_not_mistaken_for_another(jz):
    """The shelf keeps the geometries of its keys, so a new geometry cannot take the id of
    one already drawn (the key would then find the old paths)."""
    base = jz.units.geometry.to_numpy()[:1]
    with memo_scope():
        for shift in range(1, 30):
            moved = shapely.transform(base, lambda xy, s=shift: xy + s)  # a new object
            want = _ref_polygon_paths(moved)
            _same_paths(_geodraw.polygon_paths(moved), want)
            del moved  # (its id is free for the next one, but for the shelf)


def test_shelved_focus_is_the_reference_focus(jz):
    from matplotlib.figure import Figure

    units = maps.with_density(jz.units)
    want = _ref_focus_limits(units, jz.ports, FOCUS_KM)
    with memo_scope():
        for table in (units, jz.units, units.to_crs(units.crs)):
            ax = Figure().add_subplot()
            _static_maps.focus(ax, table, jz.ports, FOCUS_KM)
            assert (ax.get_xlim(), ax.get_ylim()) == want
        # another distance is another entry
        ax = Figure().add_subplot()
        _static_maps.focus(ax, units, jz.ports, 3.0)
        assert (ax.get_xlim(), ax.get_ylim()) == _ref_focus_limits(units, jz.ports, 3.0)


def test_shelf_keys_differ_by_order_and_content(jz):
    geoms = jz.units.geometry.to_numpy()[:10]
    _, key = _shelf.geometry_key(geoms)
    assert _shelf.geometry_key(geoms[::-1])[1] != key
    assert _shelf.geometry_key(geoms[:9])[1] != key
    assert _shelf.geometry_key(list(geoms))[1] == key


# ------------------------------------------------------------------------------------------------
# the whole page


def test_page_is_the_page_without_the_fast_paths(jz, jz_catch, monkeypatch):
    parts = build_report(jz, catchments=jz_catch, lang="es")
    monkeypatch.setattr(_shelf, "shelved", lambda key, keep, build: build())
    monkeypatch.setattr(_geodraw, "shelved", lambda key, keep, build: build())
    monkeypatch.setattr(_static_maps, "shelved", lambda key, keep, build: build())
    monkeypatch.setattr(static, "_cropped_rgba", _ref_cropped_rgba)
    monkeypatch.setattr(render_report, "older_objects_frozen", contextlib.nullcontext)
    ref = build_report(jz, catchments=jz_catch, lang="es")
    assert parts.html.count("data:image/png;base64,") >= 3
    assert _page(parts.html) == _page(ref.html)


def test_preload_imports_what_the_report_draws_with():
    """In a fresh process, after preload() the report imports no more drawing modules."""
    code = (
        "import sys\n"
        "from binational.render.report import preload, DRAWING_MODULES\n"
        "preload(); preload()\n"
        "missing = [m for m in DRAWING_MODULES if m not in sys.modules]\n"
        "assert not missing, missing\n"
        "print(all(m in sys.modules for m in ('matplotlib.figure', 'folium', 'PIL.PngImagePlugin')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    preload()  # and in this process, again: nothing to do
    assert all(m in sys.modules for m in DRAWING_MODULES)


def test_report_sets_older_objects_aside_and_back(jz):
    if gc.get_freeze_count():
        pytest.skip("this test process froze objects itself")
    seen = []

    def probe(ctx):
        seen.append(gc.get_freeze_count())

    build_report(jz, sections=[probe])
    assert seen[-1] > 0  # the region and everything before were set aside while drawing
    assert gc.get_freeze_count() == 0  # and given back
    gc.freeze()  # a process that froze objects itself keeps them frozen
    try:
        frozen = gc.get_freeze_count()
        build_report(jz, sections=[probe])
        # (nothing more set aside, nothing given back: the count only drops by frozen objects
        # freed on the way)
        assert frozen - 100 < seen[-1] <= frozen
        assert frozen - 100 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


def test_nested_memo_scopes_share_the_outer_memo(jz):
    """A report drawn in parts (draw_sections opens its own scope each time) inside one outer
    scope builds each shelved step once; the outermost scope ends the memo."""
    geoms = jz.units.geometry
    with memo_scope():
        with memo_scope():
            first = _geodraw.polygon_paths(geoms)
        with memo_scope():
            again = _geodraw.polygon_paths(geoms)
    assert all(p is q for p, q in zip(first[0], again[0], strict=True))
    after = _geodraw.polygon_paths(geoms)
    assert not any(p is q for p, q in zip(first[0], after[0], strict=True))


def test_a_report_draws_all_its_parts_in_one_memo(jz, monkeypatch):
    from binational import _memo, settings
    from binational.pipeline import reporting

    seen = []
    draw = render_report.draw_sections

    def spy(ctx, sections, *, only=None):
        seen.append(_memo._SCOPE.get())
        return draw(ctx, sections, only=only)

    monkeypatch.setattr(render_report, "draw_sections", spy)
    monkeypatch.setattr(settings, "workers", 2)
    monkeypatch.setattr(settings, "worker_kind", "thread")
    reporting.report(jz, permutations=19, seed=1)
    assert len(seen) >= 2  # the census-unit part, then the end
    assert seen[0] is not None and all(s is seen[0] for s in seen)
    assert _memo._SCOPE.get() is None  # and gone once the report is built


# ------------------------------------------------------------------------------------------------
# the map's unit outlines, computed ahead


def test_map_with_outlines_prepared_ahead_is_the_map_without(jz):
    from binational.render._report_map import Variable, add_unit_variables, unit_web_geometry

    units = maps.with_density(jz.units)
    variables = [Variable("pop_density"), Variable("im_2020", cmap="PuRd_r")]
    pages = []
    for web in (None, unit_web_geometry(jz.units)):
        m = maps.new_map(units, tiles=None, offline=True)
        add_unit_variables(m, units, variables, web_geoms=web)
        pages.append(_page(maps.map_html(m, offline=True)))
    assert all(uid in pages[0] for uid in units[schema.UNIT_ID])
    same = pages[0] == pages[1]  # (pytest's diff of two 1 MB strings takes minutes)
    assert same, "the map differs with the outlines prepared ahead"
    # outlines of other units are refused, not drawn on the wrong units
    with pytest.raises(Exception, match="one outline per unit"):
        add_unit_variables(
            maps.new_map(units, tiles=None),
            units,
            variables,
            web_geoms=unit_web_geometry(jz.units).iloc[::-1],
        )


def test_the_map_side_prepares_the_outlines_before_it_waits(jz, monkeypatch):
    """The census-unit side computes the map's unit outlines after its own sections; the map
    at the end takes them from the memo (one simplification per report)."""
    from binational import settings
    from binational.pipeline import reporting
    from binational.render import _simplify

    calls = []
    web = _simplify.web_geometry

    def spy(gdf, **kwargs):
        calls.append(len(gdf))
        return web(gdf, **kwargs)

    monkeypatch.setattr(_simplify, "web_geometry", spy)
    monkeypatch.setattr(settings, "workers", 2)
    monkeypatch.setattr(settings, "worker_kind", "thread")
    parts = reporting.report(jz, permutations=19, seed=1)
    assert "prepare_prepare_overview" in parts.timings
    assert calls == [len(jz.units)]


def test_maps_drawn_in_one_memo_scope_share_their_layers_and_are_the_same(jz, monkeypatch):
    """``binational maps`` draws every map of a region in one memo scope: the units' outlines
    and the isochrones' generalisation are computed once for all the maps (not once per map),
    and each map is the one drawn on its own."""
    from binational.catchments import catchments
    from binational.render import _simplify, overlays

    catch = catchments(jz, wait_fallback="zero")
    columns = ["pop_density", "hispanic", "high_marginalization"]

    def pages():
        return [
            _page(maps.map_html(maps.region_map(jz, c, catchments=catch, tiles=None)))
            for c in columns
        ]

    alone = pages()
    calls = {"outlines": 0, "isochrones": 0}
    web, light = _simplify.web_geometry, overlays.generalize

    def count(key, fn):
        def spy(*args, **kwargs):
            calls[key] += 1
            return fn(*args, **kwargs)

        return spy

    monkeypatch.setattr(_simplify, "web_geometry", count("outlines", web))
    monkeypatch.setattr(overlays, "generalize", count("isochrones", light))
    with memo_scope():
        shared = pages()
    assert calls == {"outlines": 1, "isochrones": 1}
    assert all(uid in alone[0] for uid in jz.units[schema.UNIT_ID])
    for c, one, other in zip(columns, alone, shared, strict=True):
        same = one == other  # (pytest's diff of two 1 MB strings takes minutes)
        assert same, f"the {c} map differs when drawn in a memo scope"
    # outlines of other units are refused, not drawn on the wrong units
    with pytest.raises(Exception, match="one outline per unit"):
        maps.add_units(
            maps.new_map(jz.units, tiles=None),
            jz.units,
            "hispanic",
            web_geoms=_simplify.unit_web_geometry(jz.units, tolerance=10.0, decimals=5).iloc[::-1],
        )


def test_the_static_sections_of_the_region_draw_without_folium(data_dir):
    """The sections either side of a report may draw (population, crossings) import no web-map
    library: the side that draws them does not pay folium's import (~0.4 s) for a PNG."""
    code = (
        "import sys, binational\n"
        "from binational.render.report import draw_sections, report_context\n"
        "from binational.render.sections.crossings import crossings_section\n"
        "from binational.render.sections.overview import population_section\n"
        f"region = binational.load_region('juarez-el-paso', data_dir={str(data_dir)!r}, "
        "network=False)\n"
        "drawn, _ = draw_sections(report_context(region), [population_section, crossings_section])\n"
        "assert all(s and s['blocks'] for s in drawn.values()), drawn\n"
        "print('folium' in sys.modules, 'branca' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "False"]
