"""Static maps and charts: the drawn values are the source values (plain pandas reads)."""

from __future__ import annotations

import mapclassify
import numpy as np
import pandas as pd
import pytest

from binational.errors import OutputError, RenderError
from binational.io import waits as io_waits
from binational.render import static
from binational.render._classify import fmt_value

BTS = "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"


def test_choropleth_legend_is_mapclassify_on_raw_values(tj, data_dir, tmp_path):
    acs = pd.read_csv(data_dir / tj.spec.files["us_acs"], usecols=["pop_total_population"])
    us_pop = acs["pop_total_population"].to_numpy(dtype=float)
    us = tj.units[tj.units["country"] == "US"]
    fig = static.plot_choropleth(us, "pop_total", scheme="fisher_jenks", k=4)
    ref = mapclassify.FisherJenks(us_pop, k=4)
    lows = [us_pop.min(), *ref.bins[:-1]]
    want = [f"{fmt_value(lo)} – {fmt_value(hi)}" for lo, hi in zip(lows, ref.bins, strict=True)]
    legend = fig.axes[0].get_legend()
    assert [tx.get_text() for tx in legend.get_texts()][:4] == want
    png = static.save_figure(fig, tmp_path / "pop.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = static.save_figure(fig, tmp_path / "pop.svg")
    assert svg.read_text().lstrip().startswith("<?xml") and "</svg>" in svg.read_text()


def test_monthly_crossings_are_bts_values_and_closure_is_shaded(tj, data_dir):
    fig = static.plot_monthly_crossings(tj.crossings, ports=tj.ports, start="2019-01")
    ax = fig.axes[0]  # pedestrians
    sy = next(line for line in ax.lines if line.get_label() == "San Ysidro")
    raw = pd.read_csv(data_dir / BTS)
    raw = raw[(raw["Port Code"] == 2504) & (raw["Measure"] == "Pedestrians")]
    raw["month"] = pd.to_datetime(raw["Date"], format="%b %Y")
    raw = raw[raw["month"] >= "2019-01-01"].groupby("month")["Value"].sum().sort_index()
    np.testing.assert_allclose(np.asarray(sy.get_ydata()) * 1e3, raw.to_numpy(dtype=float))
    # the April 2020 collapse is inside the shaded span
    spans = [p for p in ax.patches if p.get_alpha() == 0.2]
    assert len(spans) == 1
    low = raw.idxmin()
    assert static.CLOSURE_2020[0] <= low <= static.CLOSURE_2020[1]


def test_wait_by_hour_chart_matches_io_profile(tj):
    fig = static.plot_wait_by_hour(tj.waits, ports=tj.ports)
    line = next(ln for ln in fig.axes[0].lines if ln.get_label().startswith("San Ysidro"))
    source = line.get_label().split(" — ")[1]
    sub = tj.waits[tj.waits["source"].str.startswith(source)]
    ref = io_waits.wait_profile(sub, port_code=2504, by="hour")
    np.testing.assert_allclose(np.asarray(line.get_ydata())[ref.index], ref.to_numpy())


def test_population_reached_sums_isochrone_population(jz_catch):
    iso = jz_catch.isochrones
    table = static.population_reached(iso)
    ref = iso[(iso["port_code"] == 2402) & (iso["side"] == "MX") & ~iso["wait_included"]]
    got = table[(table["port_code"] == 2402) & (table["side"] == "MX") & ~table["wait_included"]]
    np.testing.assert_allclose(
        got.sort_values("minutes")["pop"].to_numpy(), ref.sort_values("minutes")["pop"].to_numpy()
    )
    fig = static.plot_population_reached(iso, method=jz_catch.method, lang="es")
    assert "línea recta" in fig._suptitle.get_text()
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["México", "Estados Unidos"]


def test_isochrone_map_labels_straight_line(jz, jz_catch):
    fig = static.plot_isochrones(
        jz_catch.isochrones, units=jz.units, ports=jz.ports, method=jz_catch.method
    )
    title = fig.axes[0].get_legend().get_title().get_text()
    assert "straight-line" in title


def test_bad_inputs(tj, tmp_path):
    with pytest.raises(RenderError, match="'nope'"):
        static.plot_choropleth(tj.units, "nope")
    with pytest.raises(RenderError, match="no value"):
        static.plot_choropleth(tj.units.assign(x=np.nan), "x")
    with pytest.raises(RenderError, match="no crossing counts"):
        static.plot_monthly_crossings(tj.crossings.iloc[0:0])
    fig = static.plot_choropleth(tj.units.head(20), "pop_total")
    with pytest.raises(OutputError, match=r"\.png or \.svg"):
        static.save_figure(fig, tmp_path / "x.gif")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError):
        static.save_figure(fig, blocker / "x.png")


def _legend_outside(fig) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1  # beside, never over


def test_two_sided_map_classifies_each_side_on_its_own(tj):
    units = tj.units
    us = units[units["country"] == "US"]
    mx = units[units["country"] == "MX"]
    fig = static.plot_two_sided(
        units, us=("poverty_below", "poverty_base"), mx=("im_2020", None), ports=tj.ports
    )
    texts = [tx.get_text() for tx in fig.axes[0].get_legend().get_texts()]
    share = (us["poverty_below"] / us["poverty_base"]).to_numpy(dtype=float)
    share = share[np.isfinite(share)]
    ref_us = mapclassify.Quantiles(share, k=5)
    lows = [share.min(), *ref_us.bins[:-1]]
    want_us = [
        f"{fmt_value(a, True)} – {fmt_value(b, True)}"
        for a, b in zip(lows, ref_us.bins, strict=True)
    ]
    im = pd.to_numeric(mx["im_2020"], errors="coerce").dropna().to_numpy(dtype=float)
    ref_mx = mapclassify.Quantiles(im, k=5)
    lows = [im.min(), *ref_mx.bins[:-1]]
    want_mx = [f"{fmt_value(a)} – {fmt_value(b)}" for a, b in zip(lows, ref_mx.bins, strict=True)]
    us_at = texts.index(next(x for x in texts if x.startswith("United States")))
    mx_at = texts.index(next(x for x in texts if x.startswith("Mexico")))
    assert texts[us_at + 1 : us_at + 6] == want_us
    assert texts[mx_at + 1 : mx_at + 6] == want_mx
    _legend_outside(fig)


def test_two_sided_map_says_when_a_side_has_no_data(jz):
    fig = static.plot_two_sided(
        jz.units, us=("hispanic", "pop_total"), mx=None, missing_note="no RESAGEBURB", lang="es"
    )
    texts = [tx.get_text() for tx in fig.axes[0].get_legend().get_texts()]
    assert "México" in texts and "no RESAGEBURB" in texts
    assert any(x.startswith("Estados Unidos: Población hispana") for x in texts)


def test_map_legends_sit_beside_the_map(tj, jz_catch, jz):
    from binational.render import maps

    _legend_outside(
        static.plot_choropleth(maps.with_density(tj.units), "pop_density", ports=tj.ports)
    )
    _legend_outside(static.plot_isochrones(jz_catch.isochrones, units=jz.units, ports=jz.ports))


def test_palette_png_is_smaller_and_keeps_the_class_colours(tj):
    import io

    from PIL import Image

    fig = static.plot_choropleth(tj.units, "pop_total", k=4)
    rgb = static.figure_bytes(fig, fmt="png", dpi=60)
    pal = static.figure_bytes(fig, fmt="png", dpi=60, colors=64)
    assert len(pal) < len(rgb) / 2
    image = Image.open(io.BytesIO(pal))
    assert image.mode == "P"
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=256)}
    legend = fig.axes[0].get_legend()
    for patch in legend.get_patches()[:4]:
        want = tuple(round(255 * v) for v in patch.get_facecolor()[:3])
        assert min(sum(abs(a - b) for a, b in zip(want, c, strict=True)) for c in colours) <= 12


def _inside(inner, outer, tol=1.0) -> bool:
    return (
        inner.x0 >= outer.x0 - tol
        and inner.y0 >= outer.y0 - tol
        and inner.x1 <= outer.x1 + tol
        and inner.y1 <= outer.y1 + tol
    )


def test_chart_layout_fits_every_label_and_legend(tj, jz_catch):
    """The one-pass chart layout: every text and legend lies inside the figure, and no axes'
    decorations (ticks, labels, titles, legend) reach into another axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from binational.render._chart_layout import ChartLayout
    from binational.render.multiscalar import plot_multiscalar

    profile = pd.DataFrame(
        {
            "side": ["US"] * 3 + ["MX"] * 3,
            "index": ["spatial_dissimilarity", "spatial_isolation", "spatial_isolation"] * 2,
            "distance": [0.0, 500.0, 1000.0] * 2,
            "value": [0.4, 0.3, 0.2, 0.5, 0.4, 0.3],
        }
    )
    figures = [
        static.plot_monthly_crossings(tj.crossings, ports=tj.ports, lang="es"),
        static.plot_wait_by_hour(tj.waits, ports=tj.ports),
        static.plot_population_reached(jz_catch.isochrones, method=jz_catch.method),
        plot_multiscalar(profile, lang="es", group_label="Población hispana"),
    ]
    for fig in figures:
        assert isinstance(fig.get_layout_engine(), ChartLayout)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        frame = fig.bbox
        if fig._suptitle is not None:
            assert _inside(fig._suptitle.get_window_extent(renderer), frame)
        for ax in fig.axes:  # the tight box: drawn ticks, labels, titles and legend
            assert _inside(ax.get_tightbbox(renderer), frame)
            for other in fig.axes:
                if other is not ax:
                    assert not ax.get_tightbbox(renderer).overlaps(other.bbox)
