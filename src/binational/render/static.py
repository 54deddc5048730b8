"""Static matplotlib maps and charts (PNG/SVG for print), with the same classes as the web maps.

Maps: :func:`plot_choropleth`, :func:`plot_two_sided` (a variable on each side),
:func:`plot_clusters`, :func:`plot_isochrones`; legends sit beside the map, never over the data.
Charts: :func:`plot_monthly_crossings` (with the 2020–2021 restrictions shaded),
:func:`plot_wait_by_hour`, :func:`plot_population_reached`. Each returns the
:class:`matplotlib.figure.Figure`; :func:`save_figure` writes it atomically.

Figures are created with :class:`matplotlib.figure.Figure` directly (no pyplot state), so they
work headless and in threads.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import schema
from ..errors import OutputError, RenderError
from . import _tables
from ._classify import CLUSTER_COLORS, NA_COLOR, classify_column
from ._io import atomic_write_bytes
from ._tables import drawable, wait_flag
from .labels import check_lang, cluster_label, column_label, measure_label, scheme_label, t

__all__ = [
    "CLOSURE_2020",
    "figure_bytes",
    "plot_choropleth",
    "plot_clusters",
    "plot_isochrones",
    "plot_monthly_crossings",
    "plot_population_reached",
    "plot_two_sided",
    "plot_wait_by_hour",
    "save_figure",
]

# US restrictions on non-essential travel across the land border with Mexico (DHS notices):
# in force from 21 March 2020, lifted for vaccinated travellers on 8 November 2021.
CLOSURE_2020 = (pd.Timestamp("2020-03-21"), pd.Timestamp("2021-11-08"))

_PORT_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


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
    county); nothing happens without ports or ``km``."""
    if not km or ports is None or len(ports) == 0:
        return
    pts = ports.to_crs(units.crs).geometry.union_all()
    near = units[units.geometry.centroid.distance(pts) <= km * 1000]
    if near.empty:
        return
    x0, y0, x1, y1 = near.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def _map_axes(figsize=(8, 8)):
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig, ax


def _overlay(ax, *, crs, border=None, ports=None, lang="en") -> list:
    handles = []
    if border is not None and len(border):
        border.to_crs(crs).plot(ax=ax, color="#111", linewidth=1.3, linestyle=(0, (5, 3)))
        handles.append(Line2D([], [], color="#111", linestyle="--", label=t("border", lang)))
    if ports is not None and len(ports):
        pts = ports.to_crs(crs)
        pts.plot(ax=ax, color="#4292c6", edgecolor="#08306b", markersize=40, zorder=5)
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
    units.plot(ax=ax, color=list(colors), edgecolor="#666", linewidth=0.15)
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
            part.plot(ax=ax, color="#eeeeee", edgecolor="#bbb", linewidth=0.15, hatch="///")
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
        part.plot(ax=ax, color=list(classes.color_of()), edgecolor="#666", linewidth=0.12)
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
    local.plot(ax=ax, color=colors, edgecolor="#999", linewidth=0.1)
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
        units.to_crs(isochrones.crs).plot(ax=ax, facecolor="none", edgecolor="#bbb", linewidth=0.1)
    from matplotlib import colormaps

    minutes = sorted(pd.unique(iso["minutes"].astype(float)), reverse=True)
    cm = colormaps["PuBu"].resampled(len(minutes) + 1)
    handles = []
    for i, mn in enumerate(minutes):
        part = iso[iso["minutes"].astype(float) == mn]
        color = cm(i + 1)
        part.plot(ax=ax, color=color, alpha=0.55, edgecolor="none")
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


def plot_monthly_crossings(
    crossings: pd.DataFrame,
    *,
    ports: gpd.GeoDataFrame | pd.DataFrame | None = None,
    measures: tuple[str, ...] | None = ("Pedestrians", "Personal Vehicle Passengers", "Trucks"),
    start: str | None = "2015-01",
    lang: str = "en",
    figsize=(9, 7),
) -> Figure:
    """Monthly inbound crossings by port, one panel per measure; the 2020–2021 restrictions
    on non-essential travel are shaded.

    Parameters
    ----------
    crossings
        Long crossing table (``port_code``, ``month``, ``measure``, ``value``).
    ports
        Ports, for the port names.
    measures
        Measures to draw, one panel each (None or empty: every measure).
    start
        First month shown (``"YYYY-MM"``; None: all).
    lang
        ``"en"`` or ``"es"``.
    figsize
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    RenderError
        If the table has no crossing counts (for the requested measures).
    """
    check_lang(lang)
    table = _tables.monthly(crossings)
    if table.empty:
        raise RenderError("no crossing counts to chart")
    if measures:
        table = table[table["measure"].isin(measures)]
        present = [m for m in measures if m in set(table["measure"])]
    else:
        present = sorted(table["measure"].unique())
    if table.empty or not present:
        raise RenderError(f"no crossing counts for measure(s) {', '.join(measures or [])}")
    if start:
        table = table[table["month"] >= pd.Timestamp(start)]
    names = _port_names(ports)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(len(present), 1, sharex=True, squeeze=False)[:, 0]
    codes = sorted(table["port_code"].unique())
    for ax, measure in zip(axes, present, strict=True):
        part = table[table["measure"] == measure]
        for i, code in enumerate(codes):
            series = part[part["port_code"] == code].sort_values("month")
            if series.empty:
                continue
            ax.plot(
                series["month"],
                series["value"] / 1e3,
                color=_PORT_COLORS[i % 7],
                lw=1.1,
                label=names.get(code, str(code)),
            )
        ax.axvspan(*CLOSURE_2020, color="#999", alpha=0.2, lw=0)
        ax.set_title(measure_label(measure, lang), fontsize=9, loc="left")
        ax.set_ylabel(f"{t('crossings', lang)} (×1000)", fontsize=8)
        ax.grid(alpha=0.3)
    handles, _ = axes[0].get_legend_handles_labels()
    handles.append(Patch(facecolor="#999", alpha=0.2, label=t("closure_2020", lang)))
    axes[0].legend(
        handles=handles,
        fontsize=7,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.12),
        ncols=3,
        frameon=False,
    )
    axes[-1].set_xlabel(t("month", lang))
    return fig


def _port_names(ports) -> dict:
    if ports is None or len(ports) == 0 or "name" not in ports.columns:
        return {}
    return {int(c): str(n) for c, n in zip(ports[schema.PORT_CODE], ports["name"], strict=True)}


def plot_wait_by_hour(
    waits: pd.DataFrame,
    *,
    ports: gpd.GeoDataFrame | pd.DataFrame | None = None,
    lane: str = "general",
    lang: str = "en",
    figsize=(8, 4),
) -> Figure:
    """Median northbound wait by hour of day, one line per port (one source per port).

    Parameters
    ----------
    waits
        Long wait table.
    ports
        Ports, for the port names.
    lane
        Lane to draw.
    lang
        ``"en"`` or ``"es"``.
    figsize
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    table = _tables.wait_by_hour(waits, lane=lane)
    if table.empty:
        raise RenderError(f"no {lane!r} wait times with an hourly profile to chart")
    names = _port_names(ports)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    for i, (code, row) in enumerate(table.iterrows()):
        source = str(table.attrs["source"].get(code, "")).split(" (")[0]
        ax.plot(
            range(24),
            row.to_numpy(dtype=float),
            marker="o",
            ms=3,
            color=_PORT_COLORS[i % 7],
            label=f"{names.get(int(code), code)} — {source}",
        )
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlabel(t("hour", lang))
    ax.set_ylabel(t("wait_minutes", lang))
    ax.set_title(t("median_wait_hour", lang), fontsize=10, loc="left")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def population_reached(isochrones: pd.DataFrame) -> pd.DataFrame:
    """Population inside each isochrone: port × side × minutes × wait variant (tidy)."""
    need = [schema.PORT_CODE, "minutes"]
    missing = [c for c in need if c not in isochrones.columns]
    if missing:
        raise RenderError(f"isochrone table lacks column(s) {', '.join(missing)}")
    pop_col = next((c for c in ("pop", "pop_total", "population") if c in isochrones.columns), None)
    if pop_col is None:
        raise RenderError("isochrone table has no population column (pop)")
    side = (
        isochrones["side"]
        if "side" in isochrones.columns
        else pd.Series("", index=isochrones.index)
    )
    df = pd.DataFrame(
        {
            schema.PORT_CODE: isochrones[schema.PORT_CODE].astype(int),
            "port_name": isochrones.get("port_name", isochrones[schema.PORT_CODE]).astype(str),
            "side": side.astype(str),
            "minutes": isochrones["minutes"].astype(float),
            "wait_included": wait_flag(isochrones),
            "pop": pd.to_numeric(isochrones[pop_col], errors="coerce").fillna(0.0),
        }
    )
    return df.groupby(
        [schema.PORT_CODE, "port_name", "side", "wait_included", "minutes"], as_index=False
    )["pop"].sum()


def plot_population_reached(
    isochrones: pd.DataFrame,
    *,
    lang: str = "en",
    method: str | None = None,
    figsize=(9, 4),
) -> Figure:
    """Population reached by minute band, one panel per side, one line per port; solid lines
    include the border wait, dashed lines do not.

    Parameters
    ----------
    isochrones
        Isochrone table with ``side``, ``port_code``, ``minutes``, ``wait_included`` and ``pop``.
    lang
        ``"en"`` or ``"es"``.
    method
        Catchment method, shown in the title.
    figsize
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    table = population_reached(isochrones)
    if table.empty:
        raise RenderError("no isochrones to chart")
    sides = [s for s in (schema.MX, schema.US) if s in set(table["side"])] or sorted(
        table["side"].unique()
    )
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(sides), sharey=True, squeeze=False)[0]
    codes = sorted(table[schema.PORT_CODE].unique())
    for ax, side in zip(axes, sides, strict=True):
        for i, code in enumerate(codes):
            for wait, style in ((True, "-"), (False, "--")):
                part = table[
                    (table["side"] == side)
                    & (table[schema.PORT_CODE] == code)
                    & (table["wait_included"] == wait)
                ]
                if part.empty:
                    continue
                part = part.sort_values("minutes")
                ax.plot(
                    part["minutes"],
                    part["pop"] / 1e3,
                    style,
                    marker="o",
                    ms=3,
                    color=_PORT_COLORS[i % 7],
                    label=f"{part['port_name'].iloc[0]}"
                    if wait or not (table["wait_included"]).any()
                    else None,
                )
        ax.set_title(
            t(f"side_{side}", lang) if side in (schema.US, schema.MX) else side,
            fontsize=10,
            loc="left",
        )
        ax.set_xlabel(t("minute_band", lang))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{t('population_reached', lang)} (×1000)")
    handles, _ = axes[0].get_legend_handles_labels()
    handles += [
        Line2D([], [], color="#555", ls="-", label=t("with_wait", lang)),
        Line2D([], [], color="#555", ls="--", label=t("without_wait", lang)),
    ]
    axes[-1].legend(
        handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False
    )
    if method and "straight" in str(method):
        fig.suptitle(t("straight_line", lang), fontsize=9)
    return fig


def figure_bytes(
    fig: Figure, *, fmt: str = "png", dpi: int = 110, colors: int | None = None
) -> bytes:
    """The figure encoded as PNG or SVG bytes.

    ``colors`` (PNG only) reduces the image to a palette of that many colours (Pillow's
    median cut, no dithering): maps and charts with flat fills become about four times smaller
    with no visible change.
    """
    if fmt not in ("png", "svg"):
        raise RenderError(f"format {fmt!r} not supported (png, svg)")
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format=fmt,
        dpi=dpi,
        bbox_inches="tight",
        metadata={"Software": None} if fmt == "png" else {"Date": None},
    )
    if fmt != "png" or not colors:
        return buf.getvalue()
    from PIL import Image

    buf.seek(0)
    image = Image.open(buf).convert("RGB")
    palette = image.quantize(
        colors=int(colors), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 150) -> Path:
    """Write the figure to ``path`` (format from the suffix: .png or .svg) atomically.

    Parameters
    ----------
    fig
        The figure.
    path
        Output ``.png`` or ``.svg`` file.
    dpi
        Resolution of a PNG.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise OutputError(f"{path}: use a .png or .svg file name")
    return atomic_write_bytes(path, figure_bytes(fig, fmt=fmt, dpi=dpi))
