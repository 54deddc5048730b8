"""Static matplotlib maps: choropleth, two-sided, LISA clusters and isochrones, with legends
beside the map (re-exported by :mod:`binational.render.static`)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import schema
from ..errors import RenderError
from ._classify import CLUSTER_COLORS, NA_COLOR, classify_column
from ._geodraw import add_lines, add_points, add_polygons
from ._shelf import geometry_key, shelved
from ._tables import drawable, wait_flag
from .labels import check_lang, cluster_label, column_label, scheme_label, t

#: Margin around a map and its legend, inches (the PNG is cropped to the drawing anyway).
_MARGIN = 0.1


def _wrap(text: str, width: int = 34) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _outside_legend(ax, handles, title: str, *, y: float = 1.0):
    """A legend to the right of the map axes (never over the data); returns it."""
    legend = ax.legend(
        handles=handles,
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.01, y),
        borderaxespad=0.0,
        fontsize=7,
        title_fontsize=8,
        frameon=False,
        alignment="left",
    )
    return legend


def focus(ax, units: gpd.GeoDataFrame, ports: gpd.GeoDataFrame | None, km: float | None) -> None:
    """Zoom the map to the units within ``km`` of a port (the twin city rather than the whole
    county); nothing happens without ports or ``km``. The extent is found once per report for
    the same units and ports (:func:`~binational.render._shelf.shelved`)."""
    if not km or ports is None or len(ports) == 0:
        return
    values, units_key = geometry_key(units.geometry)
    port_values, ports_key = geometry_key(ports.geometry)
    key = ("focus", units_key, units.crs, ports_key, ports.crs, float(km))
    bounds = shelved(key, (values, port_values), lambda: _focus_bounds(units, ports, km))
    if bounds is None:
        return
    x0, y0, x1, y1 = bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def _focus_bounds(
    units: gpd.GeoDataFrame, ports: gpd.GeoDataFrame, km: float
) -> tuple[float, float, float, float] | None:
    """The bounds of the units whose centroid is within ``km`` of a port (None: no unit)."""
    pts = ports.to_crs(units.crs).geometry.union_all()
    near = units[units.geometry.centroid.distance(pts) <= km * 1000]
    if near.empty:
        return None
    x0, y0, x1, y1 = near.total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def _map_axes(figsize=(8, 8)):
    """A figure laid out by :class:`_MapLayout` (cheaper than constrained layout) and map
    axes: no axis, no ticks, equal aspect."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.set_layout_engine(_MapLayout())
    return fig, ax


class _MapLayout(LayoutEngine):
    """Layout of a map figure: one axes with its legend beside it (``_outside_legend``).

    At each draw it measures the legend and the title with the renderer that draws them (so
    the text metrics are computed once, at the drawing's resolution) and gives the axes the
    rest of the figure; the map keeps its equal aspect inside.
    """

    _adjust_compatible = False
    _colorbar_gridspec = False

    def execute(self, fig) -> None:
        """Place the axes of ``fig``."""
        ax = fig.axes[0]
        renderer = fig._get_renderer()
        width, height = fig.get_size_inches()
        dpi = fig.dpi
        legend = ax.get_legend()
        legend_w = legend.get_window_extent(renderer).width / dpi if legend else 0.0
        title_h = 0.0
        if ax.get_title():
            title_h = ax.title.get_window_extent(renderer).height / dpi + _MARGIN
        # the legend is anchored at 1.01 × the axes width: leave that gap and the margins
        axes_w = max(0.5, (width - legend_w - 3 * _MARGIN) / 1.01)
        axes_h = max(0.5, height - 2 * _MARGIN - title_h)
        ax.set_position((_MARGIN / width, _MARGIN / height, axes_w / width, axes_h / height))


def _overlay(ax, *, crs, border=None, ports=None, lang="en") -> list:
    handles = []
    if border is not None and len(border):
        add_lines(
            ax, border.to_crs(crs).geometry, color="#111", linewidth=1.3, linestyle=(0, (5, 3))
        )
        handles.append(Line2D([], [], color="#111", linestyle="--", label=t("border", lang)))
    if ports is not None and len(ports):
        pts = ports.to_crs(crs)
        add_points(ax, pts.geometry, color="#4292c6", edgecolor="#08306b", s=40, zorder=5)
        from matplotlib import patheffects

        labels = pts.get("name", pts[schema.PORT_CODE])
        order = np.argsort(pts.geometry.x.to_numpy())
        for rank, i in enumerate(order):
            geom = pts.geometry.iloc[i]
            # neighbouring ports (San Ysidro, Cross Border Xpress, Otay Mesa) take turns above
            # and below their marker so their names do not overprint
            ax.annotate(
                str(labels.iloc[i]),
                (geom.x, geom.y),
                xytext=(4, 5) if rank % 2 == 0 else (4, -12),
                textcoords="offset points",
                fontsize=7,
                path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
                zorder=6,
            )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color="w",
                markerfacecolor="#4292c6",
                markeredgecolor="#08306b",
                label=t("ports", lang),
            )
        )
    return handles


def plot_choropleth(
    units: gpd.GeoDataFrame,
    column: str,
    *,
    normalize: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins=None,
    cmap: str = "YlOrRd",
    lang: str = "en",
    border: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    focus_km: float | None = None,
    figsize=(8.5, 6.5),
) -> Figure:
    """Choropleth of ``column`` (or ``column / normalize``) with the same classes, colours and
    legend as :func:`binational.render.maps.add_units`.

    Parameters
    ----------
    units
        Polygons with ``column``.
    column, normalize, scheme, k, bins, cmap
        As in :func:`binational.render.maps.add_units`.
    lang
        ``"en"`` or ``"es"``.
    border, ports
        Optional border line and ports drawn on top.
    title
        Figure title.
    focus_km
        Zoom to the units within this distance (km) of a port; None shows everything.
    figsize
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    RenderError
        Missing, non-numeric or all-missing column; empty table.
    """
    check_lang(lang)
    if units is None or len(units) == 0:
        raise RenderError("units: no rows to draw")
    classes = classify_column(
        units, column, normalize=normalize, scheme=scheme, k=k, bins=bins, cmap=cmap
    )
    fig, ax = _map_axes(figsize)
    colors = np.array(classes.color_of(), dtype=object)
    add_polygons(ax, units.geometry, facecolor=list(colors), edgecolor="#666", linewidth=0.15)
    label = column_label(column, lang)
    if normalize:
        label = t("share_of", lang, col=label, den=column_label(normalize, lang).lower())
    handles = [
        Patch(facecolor=c, edgecolor="#999", label=lab)
        for c, lab in zip(classes.colors, classes.interval_labels(), strict=True)
    ]
    if (classes.classes < 0).any():
        handles.append(Patch(facecolor=NA_COLOR, edgecolor="#999", label=t("no_data", lang)))
    handles += _overlay(ax, crs=units.crs, border=border, ports=ports, lang=lang)
    focus(ax, units, ports, focus_km)
    _outside_legend(
        ax,
        handles,
        f"{_wrap(label)}\n{t('legend_scheme', lang, scheme=scheme_label(classes.scheme, lang), k=classes.k)}",
    )
    if title:
        ax.set_title(title)
    return fig


def plot_two_sided(
    units: gpd.GeoDataFrame,
    *,
    us: tuple[str, str | None] | None,
    mx: tuple[str, str | None] | None,
    scheme: str = "quantiles",
    k: int = 5,
    cmaps: tuple[str, str] = ("YlOrRd", "PuBu"),
    lang: str = "en",
    border: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    missing_note: str | None = None,
    focus_km: float | None = None,
    figsize=(9.5, 6.5),
) -> Figure:
    """One map of both sides with a variable on each: ``us`` and ``mx`` are ``(column,
    normalize)`` pairs (``normalize`` None for raw values), each side classified on its own
    with its own colours and its own legend beside the map. A side given as None is drawn in
    grey and labelled ``missing_note`` (default "not collected for this side"). ``focus_km``
    zooms to the units within that distance of a port.

    Raises
    ------
    RenderError
        No units, or a side's column missing or without values.
    """
    check_lang(lang)
    if units is None or len(units) == 0:
        raise RenderError("units: no rows to draw")
    fig, ax = _map_axes(figsize)
    legends = []
    for side, spec, cmap in ((schema.US, us, cmaps[0]), (schema.MX, mx, cmaps[1])):
        part = units[units[schema.COUNTRY] == side]
        if part.empty:
            continue
        side_name = t(f"side_{side}", lang)
        if spec is None:
            add_polygons(
                ax,
                part.geometry,
                facecolor="#eeeeee",
                edgecolor="#bbb",
                linewidth=0.15,
                hatch="///",
                merge=True,
            )
            legends.append(
                (
                    [
                        Patch(
                            facecolor="#eeeeee",
                            edgecolor="#999",
                            hatch="///",
                            label=_wrap(missing_note or t("not_collected", lang), 40),
                        )
                    ],
                    side_name,
                )
            )
            continue
        column, normalize = spec
        classes = classify_column(part, column, normalize=normalize, scheme=scheme, k=k, cmap=cmap)
        add_polygons(
            ax,
            part.geometry,
            facecolor=list(classes.color_of()),
            edgecolor="#666",
            linewidth=0.12,
        )
        label = column_label(column, lang)
        if normalize:
            label = t("share_of", lang, col=label, den=column_label(normalize, lang).lower())
        handles = [
            Patch(facecolor=c, edgecolor="#999", label=lab)
            for c, lab in zip(classes.colors, classes.interval_labels(), strict=True)
        ]
        if (classes.classes < 0).any():
            handles.append(Patch(facecolor=NA_COLOR, edgecolor="#999", label=t("no_data", lang)))
        legends.append((handles, f"{side_name}: {_wrap(label, 30)}"))
    extra = _overlay(ax, crs=units.crs, border=border, ports=ports, lang=lang)
    focus(ax, units, ports, focus_km)
    if extra:
        legends.append((extra, ""))
    merged: list = []
    for handles, title in legends:
        if title:
            merged.append(Patch(facecolor="none", edgecolor="none", label=title))
        merged.extend(handles)
    legend = _outside_legend(ax, merged, "")
    for text in legend.get_texts():
        if text.get_text() in {title for _, title in legends if title}:
            text.set_fontweight("bold")
    return fig


def plot_clusters(
    local: gpd.GeoDataFrame,
    *,
    column: str = "cluster",
    lang: str = "en",
    border: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    focus_km: float | None = None,
    figsize=(8.5, 6.5),
) -> Figure:
    """Map of local cluster labels (HH, LL, HL, LH, ns); ``focus_km`` zooms to the units within
    that distance of a port."""
    check_lang(lang)
    if local is None or len(local) == 0:
        raise RenderError("local clusters: no rows to draw")
    if column not in local.columns:
        raise RenderError(f"cluster column {column!r} is not in the local table")
    codes = local[column].astype("string").fillna("ns")
    fig, ax = _map_axes(figsize)
    colors = [CLUSTER_COLORS.get(c, CLUSTER_COLORS["ns"]) for c in codes]
    add_polygons(ax, local.geometry, facecolor=colors, edgecolor="#999", linewidth=0.1)
    handles = [
        Patch(facecolor=CLUSTER_COLORS[c], edgecolor="#999", label=cluster_label(c, lang))
        for c in CLUSTER_COLORS
        if (codes == c).any()
    ]
    handles += _overlay(ax, crs=local.crs, border=border, lang=lang)
    focus(ax, local, ports, focus_km)
    _outside_legend(ax, handles, t("clusters", lang))
    if title:
        ax.set_title(title)
    return fig


def plot_isochrones(
    isochrones: gpd.GeoDataFrame,
    *,
    units: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    border: gpd.GeoDataFrame | None = None,
    wait_included: bool | None = None,
    method: str | None = None,
    lang: str = "en",
    title: str | None = None,
    focus_km: float | None = None,
    figsize=(8.5, 6.5),
) -> Figure:
    """Isochrones of every port, shaded by minute band, over the unit outlines.

    ``wait_included`` picks one variant (default: with the wait when any such polygon is
    non-empty, else without).

    Parameters
    ----------
    isochrones
        Isochrone polygons (``port_code``, ``minutes``, ``wait_included``).
    units
        Unit outlines drawn underneath.
    ports, border
        Ports and border line drawn on top.
    wait_included
        The variant to draw.
    method
        Catchment method, shown in the title.
    lang
        ``"en"`` or ``"es"``.
    title
        Figure title.
    focus_km
        Zoom to the units within this distance (km) of a port; None shows everything.
    figsize
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    if isochrones is None or len(isochrones) == 0:
        raise RenderError("no isochrones to draw")
    iso = isochrones[drawable(isochrones)]
    flag = wait_flag(iso)
    if wait_included is None:
        wait_included = bool(flag.any())
    iso = iso[flag == wait_included]
    fig, ax = _map_axes(figsize)
    if units is not None and len(units):
        add_polygons(
            ax,
            units.to_crs(isochrones.crs).geometry,
            facecolor="none",
            edgecolor="#bbb",
            linewidth=0.1,
            merge=True,
        )
    from matplotlib import colormaps

    minutes = sorted(pd.unique(iso["minutes"].astype(float)), reverse=True)
    cm = colormaps["PuBu"].resampled(len(minutes) + 1)
    handles = []
    for i, mn in enumerate(minutes):
        part = iso[iso["minutes"].astype(float) == mn]
        color = cm(i + 1)
        add_polygons(ax, part.geometry, facecolor=color, alpha=0.55, edgecolor="none")
        handles.append(Patch(facecolor=color, label=t("within_minutes", lang, m=f"{mn:g}")))
    handles = handles[::-1]
    handles += _overlay(ax, crs=isochrones.crs, border=border, ports=ports, lang=lang)
    if units is not None and len(units):
        focus(ax, units.to_crs(isochrones.crs), ports, focus_km)
    heading = (
        t("isochrones", lang) + ", " + t("with_wait" if wait_included else "without_wait", lang)
    )
    if method and "straight" in str(method):
        heading += "\n" + t("straight_line", lang)
    _outside_legend(ax, handles, heading)
    if title:
        ax.set_title(title)
    return fig
