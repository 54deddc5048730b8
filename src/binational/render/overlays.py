"""The layers drawn over the census units of an interactive map: ports of entry (sized by
crossings, with a popup of volumes and waits), catchment isochrones, local clusters and the
border line. Each takes the :class:`folium.Map` of :func:`binational.render.maps.new_map` and
returns it (they are importable from :mod:`binational.render.maps` as well).
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from .._log import get_logger
from .._memo import memoised
from ..errors import RenderError
from . import _tables
from ._classify import CLUSTER_COLORS
from ._leaflet import (
    GeoJsonLayer,
    Legend,
    bind_js,
    check_frame,
    feature_collection,
    lang_of,
    legend_html,
    str_or_none,
    tooltip_js,
)
from ._port_popup import port_popup
from ._simplify import generalize, round_coordinates, web_geometry
from ._tables import drawable, wait_flag
from .labels import cluster_label, t

__all__ = ["PORT_ATTRIBUTION", "add_border", "add_clusters", "add_isochrones", "add_ports"]

log = get_logger(__name__)

PORT_ATTRIBUTION = "BTS Border Crossing Entry Data; CBP Border Wait Times"

#: Months of crossings that size the port markers (:func:`add_ports`).
PORT_MONTHS = 12


# ------------------------------------------------------------------------------------------------
# ports


def add_ports(
    m: folium.Map,
    ports: gpd.GeoDataFrame,
    *,
    crossings: pd.DataFrame | None = None,
    waits: pd.DataFrame | None = None,
    months: int = PORT_MONTHS,
    lang: str | None = None,
    name: str | None = None,
) -> folium.Map:
    """Draw ports of entry as circles sized by inbound persons over the last ``months`` months.

    The popup gives the port and garita names, the volume by measure over the window, and the
    median northbound general-lane wait by hour of day as a small inline SVG bar chart. Circle
    area is proportional to persons (pedestrians + vehicle, bus and train passengers).

    Parameters
    ----------
    m
        The map.
    ports
        Ports of entry (points, ``port_code``).
    crossings
        Long crossing table, for the circle sizes and the popups.
    waits
        Long wait table, for the wait-by-hour chart of the popups.
    months
        Months of crossings to total.
    lang
        ``"en"`` or ``"es"`` (default: the map's language).
    name
        Layer name.

    Returns
    -------
    folium.Map
        The same map, with the layer added.

    Raises
    ------
    RenderError
        If ``ports`` is empty or lacks ``port_code``.
    """
    lang = lang_of(m, lang)
    if ports is None or len(ports) == 0:
        raise RenderError("no ports of entry to draw (the region's port table is empty)")
    if schema.PORT_CODE not in ports.columns:
        raise RenderError(f"port table lacks column {schema.PORT_CODE!r}")
    if ports.crs is None:
        raise RenderError("port table has no CRS")
    volumes = _tables.port_volumes(crossings, months=months)
    span = _tables.window(crossings, months) if crossings is not None else None
    waits_h = _tables.wait_by_hour(waits)
    web = ports.to_crs("EPSG:4326")
    top = (
        float(volumes["persons"].max()) if len(volumes) and volumes["persons"].notna().any() else 0
    )
    props = []
    for _, row in web.iterrows():
        code = row[schema.PORT_CODE]
        persons = float(volumes.loc[code, "persons"]) if code in volumes.index else np.nan
        radius = 5 + 20 * np.sqrt(persons / top) if top > 0 and np.isfinite(persons) else 5
        props.append(
            {
                "r": round(float(radius), 1),
                "n": html.escape(str(row.get("name", code))),  # Leaflet tooltips are HTML
                "p": port_popup(row, volumes, waits_h, span=span, lang=lang),
            }
        )
    gdf = web.copy()
    gdf["geometry"] = shapely.transform(gdf.geometry.to_numpy(), lambda xy: np.round(xy, 5))
    data = feature_collection(gdf, props)
    point_js = (
        "function (f, latlng) { return L.circleMarker(latlng, {radius: f.properties.r,"
        " className: 'bn-port', color: '#08306b', weight: 1.5, fillColor: '#4292c6',"
        " fillOpacity: 0.8}); }"
    )
    each_js = (
        "function (f, layer) { layer.bindPopup(f.properties.p, {maxWidth: 320});"
        " layer.bindTooltip(f.properties.n); }"
    )
    GeoJsonLayer(
        data,
        name=name or t("ports", lang),
        class_name="bn-port",
        style_js="function (f) { return {}; }",
        point_js=point_js,
        each_js=each_js,
        attribution=PORT_ATTRIBUTION,
    ).add_to(m)
    m._bn_ports = getattr(m, "_bn_ports", 0) + len(data["features"])
    return m


# ------------------------------------------------------------------------------------------------
# catchments, clusters, border


def add_isochrones(
    m: folium.Map,
    isochrones: gpd.GeoDataFrame,
    *,
    ports: gpd.GeoDataFrame | None = None,
    method: str | None = None,
    lang: str | None = None,
    tolerance: float = 150.0,
    min_area: float = 250_000.0,
    show_first: bool = True,
) -> folium.Map:
    """Draw catchment isochrones: one layer per port and wait variant, shaded by minutes.

    ``isochrones`` has ``port_code``, ``minutes``, ``wait_included`` (or ``with_wait``) and
    polygons, as :func:`binational.catchments` returns (both sides of the line in one layer).
    Empty polygons (nothing reachable within the band) are left out. ``method`` (e.g.
    ``"straight-line"``) is added to layer names so a straight-line model is never mistaken
    for a network one. Only the first layer is switched on. Polygons are generalised
    (:func:`~binational.render._simplify.generalize`: ``tolerance`` m, parts and holes under
    ``min_area`` m² dropped).

    Parameters
    ----------
    m
        The map.
    isochrones
        Isochrone polygons.
    ports
        Ports of entry, for the port names of the layers.
    method
        Catchment method, added to the layer names.
    lang
        ``"en"`` or ``"es"`` (default: the map's language).
    tolerance
        Simplification tolerance, metres.
    min_area
        Parts and holes smaller than this (m²) are dropped.
    show_first
        Switch the first layer on.

    Returns
    -------
    folium.Map
        The same map, with the layer added.
    """
    lang = lang_of(m, lang)
    if isochrones is None or len(isochrones) == 0:
        raise RenderError("no isochrones to draw")
    for col in (schema.PORT_CODE, "minutes"):
        if col not in isochrones.columns:
            raise RenderError(f"isochrone table lacks column {col!r}")
    iso = _web_isochrones(isochrones, tolerance=tolerance, min_area=min_area)
    names = {}
    if ports is not None and len(ports) and "name" in ports.columns:
        names = dict(zip(ports[schema.PORT_CODE], ports["name"], strict=False))
    if "port_name" in iso.columns:
        names.update(dict(zip(iso[schema.PORT_CODE], iso["port_name"], strict=False)))
    minutes = sorted(pd.unique(isochrones["minutes"].astype(float)))
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cm = colormaps["PuBu"].resampled(max(len(minutes), 2) + 1)
    colors = {mn: to_hex(cm(len(minutes) - i)) for i, mn in enumerate(minutes)}
    suffix = ""
    if method and "straight" in str(method).lower():
        suffix = f" — {t('straight_line', lang)}"
    labels = [t("port", lang), t("isochrones", lang), ""]
    each_js = tooltip_js(labels)
    first = True
    for (code, wait), part in iso.groupby([schema.PORT_CODE, "_wait"], sort=True):
        web = part.sort_values("minutes", ascending=False)
        port = str(names.get(code, code))
        variant = t("with_wait" if wait else "without_wait", lang)
        props = [
            {"col": colors[float(mn)], "t": [port, f"{mn:g} {t('minutes', lang)}", variant]}
            for mn in web["minutes"].astype(float)
        ]
        GeoJsonLayer(
            web,
            props=props,
            name=t("isochrones_port", lang, port=port) + f" ({variant})" + suffix,
            class_name="bn-isochrone",
            style_js=(
                "function (f) { return {color: f.properties.col, weight: 1, opacity: 0.9,"
                " fillColor: f.properties.col, fillOpacity: 0.35}; }"
            ),
            each_js=each_js,
            show=show_first and first,
        ).add_to(m)
        first = False
    legend = legend_html(
        [colors[mn] for mn in minutes],
        [t("within_minutes", lang, m=f"{mn:g}") for mn in minutes],
        t("isochrones", lang) + suffix,
    )
    Legend(legend, position="bottomright").add_to(m)
    return m


@memoised
def _web_isochrones(
    isochrones: gpd.GeoDataFrame, *, tolerance: float, min_area: float
) -> gpd.GeoDataFrame:
    """The drawable rows of ``isochrones`` with their wait flag (``_wait``), generalised
    (:func:`~binational.render._simplify.generalize`, polygon by polygon), in WGS 84 and
    rounded. Memoised in a memo scope: every map of ``binational maps --catchments`` draws the
    same isochrones."""
    iso = isochrones[drawable(isochrones)]
    light = generalize(iso, tolerance=tolerance, min_area=min_area)
    return round_coordinates(light.to_crs("EPSG:4326")).assign(_wait=wait_flag(iso).to_numpy())


def add_clusters(
    m: folium.Map,
    local: gpd.GeoDataFrame,
    *,
    column: str = "cluster",
    lang: str | None = None,
    name: str | None = None,
    tolerance: float = 10.0,
    show: bool = False,
) -> folium.Map:
    """Draw local cluster labels (HH, LL, HL, LH, ns) of a local Moran / Gi* result.

    ``local`` is a polygon GeoDataFrame with a ``column`` of cluster codes (as
    :func:`binational.concentration_profile` returns for local measures).

    Parameters
    ----------
    m
        The map.
    local
        Local measures with polygons.
    column
        Column of cluster labels.
    lang
        ``"en"`` or ``"es"`` (default: the map's language).
    name
        Layer name (default: from ``column``).
    tolerance
        Simplification tolerance of the polygons, metres.
    show
        Switch the layer on.

    Returns
    -------
    folium.Map
        The same map, with the layer added.
    """
    lang = lang_of(m, lang)
    check_frame(local, "local clusters")
    if column not in local.columns:
        raise RenderError(f"cluster column {column!r} is not in the local table")
    codes = local[column].astype("string").fillna("ns").to_numpy()
    web = web_geometry(local, tolerance=tolerance)
    ids = web[schema.UNIT_ID] if schema.UNIT_ID in web.columns else pd.Series(web.index)
    props = [
        {"k": str(code), "t": [str_or_none(uid), cluster_label(code, lang)]}
        for uid, code in zip(ids, codes, strict=True)
    ]
    labels = [t("unit_id", lang), t("clusters", lang)]
    style_js = bind_js(
        "function (f) { var k = f.properties.k;"
        " var ns = !(k in colors) || k === 'ns';"
        " return {color: ns ? '#bbb' : '#333', weight: ns ? 0.3 : 0.6,"
        " fillColor: colors[k] || '#f0f0f0', fillOpacity: ns ? 0.15 : 0.8}; }",
        colors=CLUSTER_COLORS,
    )
    each_js = tooltip_js(labels)
    layer = GeoJsonLayer(
        web,
        props=props,
        name=name or t("clusters", lang),
        class_name="bn-cluster",
        style_js=style_js,
        each_js=each_js,
        show=show,
    )
    layer.add_to(m)
    present = [c for c in CLUSTER_COLORS if c in set(codes)]
    legend = legend_html(
        [CLUSTER_COLORS[c] for c in present],
        [cluster_label(c, lang) for c in present],
        name or t("clusters", lang),
    )
    Legend(legend, layer=layer.get_name()).add_to(m)
    return m


def add_border(
    m: folium.Map,
    border: gpd.GeoDataFrame | None,
    *,
    lang: str | None = None,
) -> folium.Map:
    """Draw the international border line.

    Parameters
    ----------
    m
        The map.
    border
        The border line (``region.border``, see :func:`binational.border.border_line`); None
        draws nothing.
    lang
        ``"en"`` or ``"es"`` (default: the map's language).

    Returns
    -------
    folium.Map
        The same map.
    """
    lang = lang_of(m, lang)
    if border is None or len(border) == 0:
        log.info("no border line to draw")
        return m
    web = border.to_crs("EPSG:4326")
    web = web.set_geometry(
        shapely.transform(web.geometry.to_numpy(), lambda xy: np.round(xy, 5)), crs="EPSG:4326"
    )
    src = str(border["source"].iloc[0]) if "source" in border.columns else ""
    tip = t("border", lang) + (f" ({src})" if src else "")
    GeoJsonLayer(
        web,
        props=[{"t": html.escape(tip)}] * len(web),
        name=t("border", lang),
        class_name="bn-border",
        style_js="function (f) { return {color: '#111', weight: 2.5, dashArray: '6 4', opacity: 0.9}; }",
        each_js="function (f, layer) { layer.bindTooltip(f.properties.t, {sticky: true}); }",
    ).add_to(m)
    return m
