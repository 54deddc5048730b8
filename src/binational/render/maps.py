"""Interactive folium maps of both sides of a twin city.

Every function returns the :class:`folium.Map` it drew on, so a notebook shows it inline (as
``GeoDataFrame.explore()`` does) and layers compose::

    m = unit_map(region.units, "hispanic", normalize="pop_total", scheme="fisher_jenks")
    add_ports(m, region.ports, crossings=region.crossings, waits=region.waits)
    add_border(m, region.border)
    finish_map(m)
    save_map(m, "maps/tijuana.html")          # self-contained: Leaflet inlined, no CDN

or, all at once, :func:`region_map`. The layers over the units (ports, catchments, clusters,
border) are drawn by :mod:`binational.render.overlays` and importable from here too. Geometry is simplified topologically and rounded before it
is embedded (see :mod:`binational.render._simplify`). Labels and legends follow ``lang``.

Each drawn unit is an SVG path with the class ``bn-unit`` (ports ``bn-port``, clusters
``bn-cluster``, isochrones ``bn-isochrone``, border ``bn-border``), which is what the browser
test counts.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.map import Layer

from .. import schema
from .._log import get_logger
from ..errors import RenderError
from . import _tables
from ._classify import NA_COLOR, Classes, classify_column, fmt_value
from ._io import atomic_write_text
from ._leaflet import (
    GeoJsonLayer,
    Legend,
    check_frame,
    ensure_css,
    fill_style_js,
    lang_of,
    legend_html,
    str_or_none,
    tooltip_js,
)
from ._offline import inline_assets
from ._simplify import unit_web_geometry, with_web_outlines
from ._tables import with_density  # (kept here: binational.render.maps.with_density)
from .labels import check_lang, column_label, scheme_label, t
from .overlays import add_border, add_clusters, add_isochrones, add_ports

__all__ = [
    "add_border",
    "add_clusters",
    "add_isochrones",
    "add_ports",
    "add_units",
    "finish_map",
    "map_html",
    "new_map",
    "region_map",
    "save_map",
    "unit_map",
    "with_density",
]

log = get_logger(__name__)

DEFAULT_TILES = "OpenStreetMap"
UNIT_ATTRIBUTION = "US Census Bureau (ACS, TIGER/Line); INEGI Marco Geoestadístico; CONAPO"


# ------------------------------------------------------------------------------------------------
# the map


def new_map(
    bounds: gpd.GeoDataFrame | tuple[float, float, float, float],
    *,
    tiles: str | None = "auto",
    offline: bool = False,
    lang: str = "en",
    title: str | None = None,
    subtitle: str | None = None,
) -> folium.Map:
    """An empty map fitted to ``bounds`` (a layer, or lon/lat ``(minx, miny, maxx, maxy)``).

    Parameters
    ----------
    tiles
        A folium/xyzservices tile name, None for no base map, or ``"auto"``: OpenStreetMap
        online, none when ``offline`` (tiles always need the network).
    offline
        Only decides the ``"auto"`` tiles here; :func:`save_map` does the inlining.
    lang
        ``"en"`` or ``"es"``: remembered on the map for the layers added later.
    title, subtitle
        Shown in a box at the bottom left.

    Returns
    -------
    folium.Map
        The empty map.
    """
    check_lang(lang)
    if isinstance(bounds, gpd.GeoDataFrame):
        check_frame(bounds, "bounds")
        minx, miny, maxx, maxy = bounds.to_crs("EPSG:4326").total_bounds
    else:
        minx, miny, maxx, maxy = map(float, bounds)
    if tiles == "auto":
        tiles = None if offline else DEFAULT_TILES
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=10,
        tiles=tiles,
        control_scale=True,
    )
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    m._bn_lang = lang
    m._bn_bounds = (minx, miny, maxx, maxy)
    ensure_css(m)
    if title:
        box = f"<h4>{html.escape(title)}</h4>"
        if subtitle:
            box += f"<small>{html.escape(subtitle)}</small>"
        Legend(box, position="topleft", css_class="bn-title").add_to(m)
    return m


def _classes_legend(classes: Classes, *, title: str, lang: str, has_na: bool) -> str:
    """The legend of a classified layer: its classes, "no data" and the scheme."""
    colors, labels = list(classes.colors), classes.interval_labels()
    if has_na:
        colors, labels = [*colors, NA_COLOR], [*labels, t("no_data", lang)]
    scheme = scheme_label(classes.scheme, lang)
    return legend_html(colors, labels, title, t("legend_scheme", lang, scheme=scheme, k=classes.k))


def add_units(
    m: folium.Map,
    units: gpd.GeoDataFrame,
    column: str,
    *,
    normalize: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins=None,
    cmap: str = "YlOrRd",
    lang: str | None = None,
    name: str | None = None,
    tolerance: float = 10.0,
    decimals: int = 5,
    show: bool = True,
    legend: bool = True,
    web_geoms: gpd.GeoSeries | None = None,
) -> folium.Map:
    """Draw a choropleth of ``column`` (or ``column / normalize``) for the units of both sides.

    Parameters
    ----------
    units
        The binational unit table (``schema``: ``unit_id``, ``name``, ``pop_total``, ...) in a
        projected CRS, or any polygon GeoDataFrame with ``column``.
    column
        Column to map. Its ``<column>_moe`` is shown in the tooltip when present.
    normalize
        Denominator column: maps the share ``column / normalize`` (MOE derived with the ACS
        proportion formula).
    scheme, k, bins
        mapclassify scheme (``quantiles``, ``natural_breaks``, ``fisher_jenks``,
        ``equal_interval``, ``headtail_breaks``, ...), number of classes, or explicit upper
        bounds (``bins``, scheme ``user_defined``).
    tolerance, decimals
        Topological simplification in metres and rounding of WGS 84 coordinates; 0 and a large
        ``decimals`` keep the geometry as is.
    web_geoms
        The units' outlines already made ready for the web
        (:func:`~binational.render._simplify.unit_web_geometry` with the same ``tolerance`` and
        ``decimals``), one per row of ``units`` (same index); by default computed here.

    Returns
    -------
    folium.Map
        The same map, with the layer added.

    Raises
    ------
    RenderError
        Missing, non-numeric or all-missing column; no rows; no CRS; ``web_geoms`` not one
        per unit.
    """
    check_frame(units)
    lang = lang_of(m, lang)
    classes = classify_column(
        units, column, normalize=normalize, scheme=scheme, k=k, bins=bins, cmap=cmap
    )
    title = column_label(column, lang)
    if normalize:
        title = t("share_of", lang, col=title, den=column_label(normalize, lang).lower())
    web = with_web_outlines(units, web_geoms, tolerance=tolerance, decimals=decimals)
    ids = (
        web[schema.UNIT_ID]
        if schema.UNIT_ID in web.columns
        else pd.Series(web.index, index=web.index)
    )
    names = web[schema.NAME] if schema.NAME in web.columns else pd.Series(None, index=web.index)
    pops = (
        web[schema.POP_TOTAL].astype("float64").to_numpy(na_value=np.nan)
        if schema.POP_TOTAL in web.columns
        else np.full(len(web), np.nan)
    )
    props = []
    for i in range(len(web)):
        moe = classes.moe[i]
        props.append(
            {
                "c": int(classes.classes[i]),
                "t": [
                    str_or_none(ids.iloc[i]),
                    str_or_none(names.iloc[i]),
                    fmt_value(pops[i]) if np.isfinite(pops[i]) else None,
                    fmt_value(classes.values[i], classes.is_share)
                    if np.isfinite(classes.values[i])
                    else t("no_data", lang),
                    ("± " + fmt_value(moe, classes.is_share)) if np.isfinite(moe) else None,
                ],
            }
        )
    labels = [t("unit_id", lang), t("name", lang), t("population", lang), title, t("moe", lang)]
    style_js = fill_style_js(classes.colors)
    each_js = tooltip_js(labels)
    layer = GeoJsonLayer(
        web,
        props=props,
        name=name or title,
        class_name="bn-unit",
        style_js=style_js,
        each_js=each_js,
        attribution=UNIT_ATTRIBUTION,
        show=show,
        decimals=decimals,
    )
    layer.add_to(m)
    if legend:
        has_na = bool((classes.classes < 0).any())
        Legend(
            _classes_legend(classes, title=title, lang=lang, has_na=has_na),
            layer=layer.get_name(),
        ).add_to(m)
    m._bn_units = getattr(m, "_bn_units", 0) + layer.n_features
    return m


def unit_map(
    units: gpd.GeoDataFrame,
    column: str,
    *,
    normalize: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins=None,
    cmap: str = "YlOrRd",
    lang: str = "en",
    tiles: str | None = "auto",
    offline: bool = False,
    title: str | None = None,
    tolerance: float = 10.0,
    decimals: int = 5,
) -> folium.Map:
    """A new map with one choropleth layer, like ``units.explore(column)``, and a layer control.

    See :func:`add_units` for the parameters. Add more layers with the ``add_*`` functions
    before :func:`finish_map` if you want them in the layer control.

    Parameters
    ----------
    units, column, normalize, scheme, k, bins, cmap, tolerance, decimals
        As in :func:`add_units`.
    lang
        ``"en"`` or ``"es"``.
    tiles, offline, title
        As in :func:`new_map`.

    Returns
    -------
    folium.Map
        The map, with its layer control.
    """
    m = new_map(units, tiles=tiles, offline=offline, lang=lang, title=title)
    add_units(
        m,
        units,
        column,
        normalize=normalize,
        scheme=scheme,
        k=k,
        bins=bins,
        cmap=cmap,
        tolerance=tolerance,
        decimals=decimals,
    )
    return m


def finish_map(m: folium.Map, *, collapsed: bool | None = None) -> folium.Map:
    """Add the layer control (call after the last layer); collapsed by default when the map has
    more than six layers.

    Parameters
    ----------
    m
        The map.
    collapsed
        Collapse the layer control (default: when the map has more than six layers).

    Returns
    -------
    folium.Map
        The same map.
    """
    if collapsed is None:
        n = sum(isinstance(c, Layer) and c.control for c in m._children.values())
        collapsed = n > 6
    folium.LayerControl(collapsed=collapsed).add_to(m)
    return m


# ------------------------------------------------------------------------------------------------
# output


def map_html(m: folium.Map, *, offline: bool = True) -> str:
    """The map as one HTML page; ``offline`` inlines Leaflet so it opens without a network.

    Parameters
    ----------
    m
        The map.
    offline
        Inline Leaflet (no CDN).

    Returns
    -------
    str
        The HTML page.
    """
    page = m.get_root().render()
    if offline:
        page = inline_assets(page)
    return page


def save_map(m: folium.Map, path: str | os.PathLike, *, offline: bool = True) -> Path:
    """Write the map to ``path`` atomically (temp file + rename) and return the path.

    Parameters
    ----------
    m
        The map.
    path
        Output ``.html`` file.
    offline
        Inline Leaflet so the page opens without a network.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    OutputError
        If the folder cannot be created or written.
    """
    return atomic_write_text(path, map_html(m, offline=offline))


def _map_parts(region, *, lang: str) -> dict:
    """What :func:`region_map` draws of a Region, or of a plain GeoDataFrame (units only)."""
    if isinstance(region, gpd.GeoDataFrame):
        check_frame(region)
        return dict.fromkeys(("title", "ports", "crossings", "waits", "border")) | {"units": region}
    spec = getattr(region, "spec", None)
    if spec is None or not isinstance(getattr(region, "units", None), gpd.GeoDataFrame):
        raise RenderError(
            f"region_map needs a binational Region or a GeoDataFrame, got {type(region).__name__}"
        )
    return {
        "units": region.units,
        "title": (spec.title_es or spec.title) if lang == "es" else spec.title,
        "ports": region.ports,
        "crossings": region.crossings,
        "waits": region.waits,
        "border": getattr(region, "border", None),
    }


def region_map(
    region,
    column: str | None = None,
    *,
    normalize: str | None = "pop_total",
    scheme: str = "quantiles",
    k: int = 5,
    lang: str = "en",
    concentration=None,
    cluster_column: str = "cluster",
    catchments=None,
    border: gpd.GeoDataFrame | str | None = "auto",
    tiles: str | None = "auto",
    offline: bool = False,
    tolerance: float = 10.0,
    decimals: int = 5,
    months: int = 12,
) -> folium.Map:
    """The full map of a loaded region, or of any polygon GeoDataFrame: choropleth, and for a
    region its ports, border, clusters and catchments.

    Parameters
    ----------
    region
        A :class:`binational.Region` (``load_region``), or a polygon GeoDataFrame with a CRS
        and columns of any names (then there are no ports and no border unless given, and
        ``column`` names one of its columns).
    column
        Unit column for the choropleth, shown as a share of ``normalize`` (None for raw
        values). Default: population density (``pop_density``, persons per km², computed
        from ``pop_total``), which both sides of a region have.
    normalize
        Denominator column of ``column`` (default ``pop_total``; None maps raw values).
    scheme, k
        mapclassify scheme and number of classes (see :func:`add_units`).
    lang
        ``"en"`` or ``"es"``.
    concentration
        Optional local-measure GeoDataFrame (or an object with ``.local``) with a
        ``cluster_column`` of HH/LL/HL/LH/ns labels.
    cluster_column
        Column of the cluster codes in ``concentration``.
    catchments
        Optional result of :func:`binational.catchments` (``.isochrones``, ``.method``).
    border
        A border line GeoDataFrame, None for none, or ``"auto"`` (the region's ``border``,
        built by :func:`binational.load_region`; none for a GeoDataFrame).
    tiles, offline
        Base map (see :func:`new_map`).
    tolerance, decimals
        Simplification (m) and rounding of the embedded geometry.
    months
        Window of the ports' crossing volumes.

    Returns
    -------
    folium.Map
        The map, with its layer control.

    Raises
    ------
    RenderError
        ``region`` is neither a Region nor a GeoDataFrame, or ``column`` / ``normalize`` is
        not one of its columns.
    """
    parts = _map_parts(region, lang=lang)
    units = parts["units"]
    if column is None or column == "pop_density":
        column, normalize = "pop_density", None
        units = with_density(units)
    elif normalize is not None and normalize not in units.columns:
        raise RenderError(
            f"column {normalize!r} (the denominator) is not in the layer; pass normalize=None "
            "for raw values or the name of your denominator column"
        )
    m = new_map(units, tiles=tiles, offline=offline, lang=lang, title=parts["title"])
    add_units(
        m,
        units,
        column,
        normalize=normalize,
        scheme=scheme,
        k=k,
        tolerance=tolerance,
        decimals=decimals,
        # the outlines of the region's units (the density column's copy has the same rows):
        # one computation for all the maps drawn in a memo scope (``binational maps``)
        web_geoms=unit_web_geometry(parts["units"], tolerance=tolerance, decimals=decimals),
    )
    ports = parts["ports"]
    if concentration is not None:
        local = getattr(concentration, "local", concentration)
        local = _tables.side_local(local, parts["units"])
        if local is not None and cluster_column in local.columns:
            add_clusters(m, local, column=cluster_column, tolerance=tolerance)
    iso = getattr(catchments, "isochrones", None) if catchments is not None else None
    if iso is not None and len(iso):
        add_isochrones(
            m,
            catchments.isochrones,
            ports=ports,
            method=getattr(catchments, "method", None),
        )
    if isinstance(border, str) and border == "auto":
        border = parts["border"]
    add_border(m, border)
    if ports is not None and len(ports):
        add_ports(m, ports, crossings=parts["crossings"], waits=parts["waits"], months=months)
    return finish_map(m)
