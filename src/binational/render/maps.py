"""Interactive folium maps of both sides of a twin city.

Every function returns the :class:`folium.Map` it drew on, so a notebook shows it inline (as
``GeoDataFrame.explore()`` does) and layers compose::

    m = unit_map(region.units, "hispanic", normalize="pop_total", scheme="fisher_jenks")
    add_ports(m, region.ports, crossings=region.crossings, waits=region.waits)
    add_border(m, region_border(region))
    finish_map(m)
    save_map(m, "maps/tijuana.html")          # self-contained: Leaflet inlined, no CDN

or, all at once, :func:`region_map`. Geometry is simplified topologically and rounded before it
is embedded (see :mod:`binational.render._simplify`). Labels and legends follow ``lang``.

Each drawn unit is an SVG path with the class ``bn-unit`` (ports ``bn-port``, clusters
``bn-cluster``, isochrones ``bn-isochrone``, border ``bn-border``), which is what the browser
test counts.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.map import Layer
from jinja2 import Template

from .. import schema
from .._log import get_logger
from ..errors import RenderError
from . import _tables
from ._classify import CLUSTER_COLORS, NA_COLOR, Classes, classify_column, fmt_value
from ._io import atomic_write_text
from ._offline import inline_assets
from ._simplify import generalize, round_coordinates, web_geometry
from ._tables import drawable, wait_flag
from .labels import check_lang, cluster_label, column_label, measure_label, scheme_label, t

__all__ = [
    "add_border",
    "add_clusters",
    "add_isochrones",
    "add_ports",
    "add_units",
    "border_line",
    "decode_features",
    "encode_features",
    "finish_map",
    "map_html",
    "new_map",
    "region_border",
    "region_map",
    "save_map",
    "unit_map",
    "with_density",
]

log = get_logger(__name__)

DEFAULT_TILES = "OpenStreetMap"
UNIT_ATTRIBUTION = "US Census Bureau (ACS, TIGER/Line); INEGI Marco Geoestadístico; CONAPO"
PORT_ATTRIBUTION = "BTS Border Crossing Entry Data; CBP Border Wait Times"

_CSS = """
<style>
.leaflet-container { background: #eef0f2; font: 12px/1.4 system-ui, sans-serif; }
.bn-legend, .bn-title { background: rgba(255,255,255,.92); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 280px; }
.bn-legend h4, .bn-title h4 { margin: 0 0 4px; font-size: 13px; }
.bn-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px;
  vertical-align: -2px; border: 1px solid #999; }
.bn-legend small, .bn-title small { color: #555; }
.bn-tip td { padding: 0 4px; } .bn-tip td:first-child { color: #555; }
.bn-popup table { border-collapse: collapse; margin: 4px 0; }
.bn-popup td { padding: 0 6px 0 0; } .bn-popup td.n { text-align: right; }
</style>
"""

_TABLE_JS = """function(labels, vals) {
  var map = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return map[c]; }); }
  var rows = '';
  for (var i = 0; i < labels.length; i++) {
    if (vals[i] === null || vals[i] === '') continue;
    rows += '<tr><td>' + esc(labels[i]) + '</td><td><b>' + esc(vals[i]) + '</b></td></tr>';
  }
  return '<table class="bn-tip">' + rows + '</table>';
}"""


_DECODE_JS = """function (d) {
  var s = d.s;
  function dec(a) {
    if (typeof a[0] !== 'number') { return a.map(dec); }
    var out = [], x = 0, y = 0;
    for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out.push([x / s, y / s]); }
    return out;
  }
  return {type: 'FeatureCollection', features: d.f.map(function (f) {
    return {type: 'Feature', properties: f.p, geometry: {type: f.y, coordinates: dec(f.g)}};
  })};
}"""

_ENCODABLE = ("Polygon", "MultiPolygon", "LineString", "MultiLineString")


def encode_features(collection: dict, *, decimals: int = 5) -> dict | None:
    """Quantised, delta-encoded form of a FeatureCollection of (multi)polygons or lines.

    Every ring or line becomes a flat list of integers in units of ``10**-decimals`` degrees:
    the first position absolute, the others as differences from the previous one (the
    TopoJSON idea, without the arcs). Shared vertices map to the same integers, so shared edges
    stay shared. Returns None when a geometry type cannot be encoded (points).
    """
    scale = 10**decimals

    def enc(coords):
        if coords and isinstance(coords[0][0], (int, float)):
            arr = np.rint(np.asarray(coords, dtype="float64") * scale).astype(np.int64)
            arr[1:] = np.diff(arr, axis=0)
            return arr.ravel().tolist()
        return [enc(c) for c in coords]

    features = []
    for f in collection["features"]:
        geom = f["geometry"]
        if geom["type"] not in _ENCODABLE:
            return None
        features.append({"y": geom["type"], "g": enc(geom["coordinates"]), "p": f["properties"]})
    return {"s": scale, "f": features}


def decode_features(encoded: dict) -> dict:
    """Inverse of :func:`encode_features` (what the page's JavaScript does)."""
    scale = encoded["s"]

    def dec(a):
        if a and not isinstance(a[0], (int, float)):
            return [dec(c) for c in a]
        arr = np.cumsum(np.asarray(a, dtype=np.int64).reshape(-1, 2), axis=0) / scale
        return arr.tolist()

    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": f["p"],
                "geometry": {"type": f["y"], "coordinates": dec(f["g"])},
            }
            for f in encoded["f"]
        ],
    }


class _GeoJsonLayer(Layer):
    """A Leaflet GeoJSON layer with compact embedded data and JavaScript style/tooltip code.

    Smaller than :class:`folium.GeoJson` for thousands of polygons: coordinates are quantised
    and delta-encoded (:func:`encode_features`, decoded in the browser), the data are written
    once without whitespace, styles are computed in the browser from a class index, and
    tooltip labels are stored once per layer. ``geojson`` keeps the plain FeatureCollection.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(
            {% if this.encoded %}({{ this.decode_js }})({{ this.data }}){% else %}{{ this.data }}{% endif %}, {
            attribution: {{ this.attribution|tojson }},
            className: {{ this.class_name|tojson }},
            style: {{ this.style_js }},
            {% if this.point_js %}pointToLayer: {{ this.point_js }},{% endif %}
            onEachFeature: {{ this.each_js }}
        });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict,
        *,
        name: str,
        class_name: str,
        style_js: str,
        each_js: str = "function (f, layer) {}",
        point_js: str | None = None,
        attribution: str = "",
        show: bool = True,
        overlay: bool = True,
        decimals: int = 5,
    ):
        # Leaflet's layer control sets the name with innerHTML: names from data are escaped
        super().__init__(name=html.escape(name), overlay=overlay, control=True, show=show)
        self._name = "BnGeoJson"
        self.geojson = data
        encoded = encode_features(data, decimals=decimals) if decimals <= 7 else None
        self.encoded = encoded is not None
        self.decode_js = _DECODE_JS
        self.data = _compact_json(encoded if self.encoded else data)
        self.class_name = class_name
        self.style_js = style_js
        self.each_js = each_js
        self.point_js = point_js
        self.attribution = attribution


class _Legend(MacroElement):
    """A Leaflet control holding legend HTML; hidden while its layer is switched off."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% if this.layer %}
        (function (legend, layer, map) {
            function sync() {
                var box = legend.getContainer();
                if (box) { box.style.display = map.hasLayer(layer) ? '' : 'none'; }
            }
            map.on('overlayadd overlayremove', sync);
            sync();
        })({{ this.get_name() }}, {{ this.layer }}, {{ this._parent.get_name() }});
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html_text: str,
        *,
        position: str = "bottomright",
        layer: str | None = None,
        css_class: str = "bn-legend",
    ):
        super().__init__()
        self._name = "BnLegend"
        self.html = html_text
        self.position = position
        self.layer = layer
        self.css_class = css_class


def _compact_json(data) -> str:
    """JSON without whitespace, safe inside a <script> element."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _feature_collection(gdf: gpd.GeoDataFrame, props: list[dict]) -> dict:
    geoms = gdf.geometry.to_numpy()
    features = []
    for geom, prop in zip(geoms, props, strict=True):
        if geom is None or shapely.is_empty(geom):
            continue
        features.append(
            {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": prop}
        )
    return {"type": "FeatureCollection", "features": features}


def _ensure_css(m: folium.Map) -> None:
    m.get_root().header.add_child(Element(_CSS), name="bn_css")


def _lang_of(m: folium.Map, lang: str | None) -> str:
    return check_lang(lang or getattr(m, "_bn_lang", "en"))


def _check_units(units: gpd.GeoDataFrame, what: str = "units") -> None:
    if not isinstance(units, gpd.GeoDataFrame):
        raise RenderError(f"{what} must be a GeoDataFrame, got {type(units).__name__}")
    if units.empty:
        raise RenderError(f"{what}: no rows to draw")
    if units.crs is None:
        raise RenderError(f"{what}: no CRS set")


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
        _check_units(bounds, "bounds")
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
    _ensure_css(m)
    if title:
        box = f"<h4>{html.escape(title)}</h4>"
        if subtitle:
            box += f"<small>{html.escape(subtitle)}</small>"
        _Legend(box, position="topleft", css_class="bn-title").add_to(m)
    return m


def _legend_html(classes: Classes, *, title: str, lang: str, has_na: bool) -> str:
    rows = [f"<h4>{html.escape(title)}</h4>"]
    for color, label in zip(classes.colors, classes.interval_labels(), strict=True):
        rows.append(f'<div><i style="background:{color}"></i>{html.escape(label)}</div>')
    if has_na:
        rows.append(f'<div><i style="background:{NA_COLOR}"></i>{t("no_data", lang)}</div>')
    scheme = scheme_label(classes.scheme, lang)
    rows.append(
        f"<small>{html.escape(t('legend_scheme', lang, scheme=scheme, k=classes.k))}</small>"
    )
    return "".join(rows)


def _str_or_none(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value)
    return text if text and text.lower() != "nan" else None


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

    Returns
    -------
    folium.Map
        The same map, with the layer added.

    Raises
    ------
    RenderError
        Missing, non-numeric or all-missing column; no rows; no CRS.
    """
    _check_units(units)
    lang = _lang_of(m, lang)
    classes = classify_column(
        units, column, normalize=normalize, scheme=scheme, k=k, bins=bins, cmap=cmap
    )
    title = column_label(column, lang)
    if normalize:
        title = t("share_of", lang, col=title, den=column_label(normalize, lang).lower())
    web = web_geometry(units, tolerance=tolerance, decimals=decimals)
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
                    _str_or_none(ids.iloc[i]),
                    _str_or_none(names.iloc[i]),
                    fmt_value(pops[i]) if np.isfinite(pops[i]) else None,
                    fmt_value(classes.values[i], classes.is_share)
                    if np.isfinite(classes.values[i])
                    else t("no_data", lang),
                    ("± " + fmt_value(moe, classes.is_share)) if np.isfinite(moe) else None,
                ],
            }
        )
    labels = [t("unit_id", lang), t("name", lang), t("population", lang), title, t("moe", lang)]
    data = _feature_collection(web, props)
    style_js = (
        "(function (colors, na) { return function (f) { var c = f.properties.c;"
        " return {color: '#555', weight: 0.4, opacity: 0.7, fillOpacity: 0.75,"
        " fillColor: c < 0 ? na : colors[c]}; }; })("
        + _compact_json(list(classes.colors))
        + ","
        + _compact_json(NA_COLOR)
        + ")"
    )
    each_js = (
        "(function (labels, table) { return function (f, layer) {"
        " layer.bindTooltip(table(labels, f.properties.t), {sticky: true}); }; })("
        + _compact_json(labels)
        + ","
        + _TABLE_JS
        + ")"
    )
    layer = _GeoJsonLayer(
        data,
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
        _Legend(
            _legend_html(classes, title=title, lang=lang, has_na=has_na), layer=layer.get_name()
        ).add_to(m)
    m._bn_units = getattr(m, "_bn_units", 0) + len(data["features"])
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


# ------------------------------------------------------------------------------------------------
# ports


def _wait_svg(hours: np.ndarray, *, lang: str) -> str:
    """A 24-bar inline SVG chart of median wait by hour (no external library)."""
    width, height, pad = 240, 70, 14
    finite = hours[np.isfinite(hours)]
    top = max(float(finite.max()) if finite.size else 0.0, 1.0)
    bar = width / 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + pad}" '
        f'role="img" aria-label="{html.escape(t("median_wait_hour", lang))}">'
    ]
    for h, value in enumerate(hours):
        if not np.isfinite(value):
            continue
        bh = value / top * height
        parts.append(
            f'<rect x="{h * bar + 1:.1f}" y="{height - bh:.1f}" width="{bar - 2:.1f}" '
            f'height="{bh:.1f}" fill="#3182bd"><title>{h}:00 {value:.0f} min</title></rect>'
        )
    for h in (0, 6, 12, 18):
        parts.append(
            f'<text x="{h * bar + 1:.0f}" y="{height + pad - 2}" font-size="9">{h}h</text>'
        )
    parts.append(
        f'<text x="{width - 2}" y="9" font-size="9" text-anchor="end">{top:.0f} min</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _port_popup(
    row: pd.Series,
    volumes: pd.DataFrame,
    waits: pd.DataFrame,
    *,
    span,
    lang: str,
) -> str:
    code = row[schema.PORT_CODE]
    name = html.escape(str(row.get("name", code)))
    garita = _str_or_none(row.get("name_mx"))
    out = [f'<div class="bn-popup"><b>{name}</b> ({html.escape(str(code))})']
    if garita:
        out.append(f"<br>{t('garita', lang)}: {html.escape(garita)}")
    if code in volumes.index and span is not None:
        out.append(
            "<br><small>"
            + html.escape(
                t(
                    "crossings_12m",
                    lang,
                    start=span[0].strftime("%Y-%m"),
                    end=span[1].strftime("%Y-%m"),
                )
            )
            + "</small><table>"
        )
        vol = volumes.loc[code].drop(labels=["persons"], errors="ignore")
        for measure, value in vol[vol > 0].sort_values(ascending=False).items():
            out.append(
                f"<tr><td>{html.escape(measure_label(measure, lang))}</td>"
                f'<td class="n">{value:,.0f}</td></tr>'
            )
        out.append("</table>")
    else:
        out.append(f"<br><small>{t('no_crossings', lang)}</small>")
    if code in waits.index and np.isfinite(waits.loc[code].to_numpy(dtype=float)).any():
        out.append(f"<small>{html.escape(t('median_wait_hour', lang))}</small><br>")
        out.append(_wait_svg(waits.loc[code].to_numpy(dtype=float), lang=lang))
        source = str(waits.attrs.get("source", {}).get(code, "")).split(" (")[0]
        if source:
            out.append(f"<br><small>{html.escape(source)}</small>")
    else:
        out.append(f"<br><small>{t('no_waits', lang)}</small>")
    out.append("</div>")
    return "".join(out)


def add_ports(
    m: folium.Map,
    ports: gpd.GeoDataFrame,
    *,
    crossings: pd.DataFrame | None = None,
    waits: pd.DataFrame | None = None,
    months: int = 12,
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
    lang = _lang_of(m, lang)
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
                "p": _port_popup(row, volumes, waits_h, span=span, lang=lang),
            }
        )
    gdf = web.copy()
    gdf["geometry"] = shapely.transform(gdf.geometry.to_numpy(), lambda xy: np.round(xy, 5))
    data = _feature_collection(gdf, props)
    point_js = (
        "function (f, latlng) { return L.circleMarker(latlng, {radius: f.properties.r,"
        " className: 'bn-port', color: '#08306b', weight: 1.5, fillColor: '#4292c6',"
        " fillOpacity: 0.8}); }"
    )
    each_js = (
        "function (f, layer) { layer.bindPopup(f.properties.p, {maxWidth: 320});"
        " layer.bindTooltip(f.properties.n); }"
    )
    _GeoJsonLayer(
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
    lang = _lang_of(m, lang)
    if isochrones is None or len(isochrones) == 0:
        raise RenderError("no isochrones to draw")
    for col in (schema.PORT_CODE, "minutes"):
        if col not in isochrones.columns:
            raise RenderError(f"isochrone table lacks column {col!r}")
    iso = isochrones[drawable(isochrones)]
    iso = iso.assign(_wait=wait_flag(iso))
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
    each_js = (
        "(function (labels, table) { return function (f, layer) {"
        " layer.bindTooltip(table(labels, f.properties.t), {sticky: true}); }; })("
        + _compact_json(labels)
        + ","
        + _TABLE_JS
        + ")"
    )
    first = True
    for (code, wait), part in iso.groupby([schema.PORT_CODE, "_wait"], sort=True):
        part = part.sort_values("minutes", ascending=False)
        light = generalize(part.drop(columns="_wait"), tolerance=tolerance, min_area=min_area)
        web = round_coordinates(light.to_crs("EPSG:4326"))
        port = str(names.get(code, code))
        variant = t("with_wait" if wait else "without_wait", lang)
        props = [
            {"col": colors[float(mn)], "t": [port, f"{mn:g} {t('minutes', lang)}", variant]}
            for mn in part["minutes"].astype(float)
        ]
        _GeoJsonLayer(
            _feature_collection(web, props),
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
    rows = [f"<h4>{html.escape(t('isochrones', lang))}{html.escape(suffix)}</h4>"]
    for mn in minutes:
        rows.append(
            f'<div><i style="background:{colors[mn]}"></i>'
            f"{html.escape(t('within_minutes', lang, m=f'{mn:g}'))}</div>"
        )
    _Legend("".join(rows), position="bottomright").add_to(m)
    return m


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
    lang = _lang_of(m, lang)
    _check_units(local, "local clusters")
    if column not in local.columns:
        raise RenderError(f"cluster column {column!r} is not in the local table")
    codes = local[column].astype("string").fillna("ns").to_numpy()
    web = web_geometry(local, tolerance=tolerance)
    ids = web[schema.UNIT_ID] if schema.UNIT_ID in web.columns else pd.Series(web.index)
    props = [
        {"k": str(code), "t": [_str_or_none(uid), cluster_label(code, lang)]}
        for uid, code in zip(ids, codes, strict=True)
    ]
    labels = [t("unit_id", lang), t("clusters", lang)]
    style_js = (
        "(function (colors) { return function (f) { var k = f.properties.k;"
        " var ns = !(k in colors) || k === 'ns';"
        " return {color: ns ? '#bbb' : '#333', weight: ns ? 0.3 : 0.6,"
        " fillColor: colors[k] || '#f0f0f0', fillOpacity: ns ? 0.15 : 0.8}; }; })("
        + _compact_json(CLUSTER_COLORS)
        + ")"
    )
    each_js = (
        "(function (labels, table) { return function (f, layer) {"
        " layer.bindTooltip(table(labels, f.properties.t), {sticky: true}); }; })("
        + _compact_json(labels)
        + ","
        + _TABLE_JS
        + ")"
    )
    layer = _GeoJsonLayer(
        _feature_collection(web, props),
        name=name or t("clusters", lang),
        class_name="bn-cluster",
        style_js=style_js,
        each_js=each_js,
        show=show,
    )
    layer.add_to(m)
    present = [c for c in CLUSTER_COLORS if c in set(codes)]
    rows = [f"<h4>{html.escape(name or t('clusters', lang))}</h4>"]
    for code in present:
        rows.append(
            f'<div><i style="background:{CLUSTER_COLORS[code]}"></i>'
            f"{html.escape(cluster_label(code, lang))}</div>"
        )
    _Legend("".join(rows), layer=layer.get_name()).add_to(m)
    return m


def border_line(
    us: gpd.GeoDataFrame,
    mx: gpd.GeoDataFrame,
    *,
    snap: float = 200.0,
    source: str = "",
) -> gpd.GeoDataFrame:
    """The international border: the edge of the Mexican polygons that lies along the US ones.

    The union of ``mx`` polygons (best: INEGI municipio polygons, whose northern edge is the
    border) is cut to the part of its boundary within ``snap`` metres of the union of ``us``
    polygons (census tracts). Both are independently digitised official lines; on the real data
    the two agree to well under 200 m (Tijuana–San Diego: 96.3 km of border at 100 m, 96.5 km at
    200 m, one piece; Juárez–El Paso: 55.7 km at 200 m, one piece). Only the stretch where both
    sides have polygons is drawn (e.g. not the Juárez–New Mexico line when only El Paso County
    tracts are loaded).

    Parameters
    ----------
    us, mx
        Polygons of each side (US tracts; INEGI municipios or AGEBs).
    snap
        Distance (m) within which the Mexican boundary counts as lying along the US polygons.
    source
        Text stored in the ``source`` column of the result.

    Returns
    -------
    geopandas.GeoDataFrame
        One line row in the CRS of ``us`` with a ``source`` column; empty if the sides do not
        meet.
    """
    for gdf, what in ((us, "US polygons"), (mx, "Mexican polygons")):
        _check_units(gdf, what)
    crs = us.crs
    if not crs.is_projected:
        raise RenderError("border_line needs a projected CRS (metres)")
    us_union = shapely.union_all(us.geometry.to_numpy())
    mx_union = shapely.union_all(mx.to_crs(crs).geometry.to_numpy())
    line = shapely.intersection(mx_union.boundary, us_union.buffer(snap))
    line = shapely.line_merge(line) if not line.is_empty else line
    rows = [] if line.is_empty else [line]
    return gpd.GeoDataFrame({"source": [source] * len(rows)}, geometry=rows, crs=crs)


def region_border(region, *, data_dir: str | os.PathLike | None = None) -> gpd.GeoDataFrame | None:
    """The border of a loaded region: INEGI municipio polygons against the US units.

    Uses the region's ``mx_municipio_polygons`` file when the data folder has it, else the
    Mexican census units themselves (then the line follows the edge of the urban AGEBs and is
    labelled as such). None when one side has no units.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    data_dir
        Data folder with the municipio polygons (default: ``settings.data_dir``).

    Returns
    -------
    geopandas.GeoDataFrame or None
        The border line (see :func:`border_line`), or None.
    """
    from ..settings import resolve_data_dir

    units = region.units
    us = units[units[schema.COUNTRY] == schema.US]
    mx = units[units[schema.COUNTRY] == schema.MX]
    if us.empty or mx.empty:
        return None
    path = None
    try:
        path = region.spec.file("mx_municipio_polygons", resolve_data_dir(data_dir))
    except Exception:  # no data folder: fall back to the units
        path = None
    if path is not None and Path(path).is_file():
        mun = gpd.read_file(path)
        codes = set(region.spec.mx_municipios)
        key = next((c for c in ("cvegeo", "CVEGEO") if c in mun.columns), None)
        if key is not None:
            mun = mun[mun[key].astype(str).isin(codes)]
        if len(mun):
            return border_line(us, mun, source="INEGI municipio polygons")
    return border_line(us, mx, snap=500.0, source="edge of the urban AGEBs (approximate)")


def add_border(
    m: folium.Map,
    border: gpd.GeoDataFrame | None,
    *,
    lang: str | None = None,
) -> folium.Map:
    """Draw the international border line (see :func:`border_line`).

    Parameters
    ----------
    m
        The map.
    border
        Border line (e.g. :func:`border_line`); None draws nothing.
    lang
        ``"en"`` or ``"es"`` for the layer name (default: the map's language).

    Returns
    -------
    folium.Map
        The same map, with the layer added.
    """
    lang = _lang_of(m, lang)
    if border is None or len(border) == 0:
        log.info("no border line to draw")
        return m
    web = border.to_crs("EPSG:4326")
    web = web.set_geometry(
        shapely.transform(web.geometry.to_numpy(), lambda xy: np.round(xy, 5)), crs="EPSG:4326"
    )
    src = str(border["source"].iloc[0]) if "source" in border.columns else ""
    tip = t("border", lang) + (f" ({src})" if src else "")
    _GeoJsonLayer(
        _feature_collection(web, [{"t": html.escape(tip)}] * len(web)),
        name=t("border", lang),
        class_name="bn-border",
        style_js="function (f) { return {color: '#111', weight: 2.5, dashArray: '6 4', opacity: 0.9}; }",
        each_js="function (f, layer) { layer.bindTooltip(f.properties.t, {sticky: true}); }",
    ).add_to(m)
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


def with_density(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``units`` with ``pop_density``: persons per km² of the unit's area."""
    if units.crs is None or not units.crs.is_projected:
        raise RenderError("population density needs units in a projected CRS")
    if schema.POP_TOTAL not in units.columns:
        raise RenderError(f"unit table lacks {schema.POP_TOTAL!r}: cannot compute density")
    area = units.geometry.area.to_numpy() / 1e6
    pop = units[schema.POP_TOTAL].astype("float64").to_numpy(na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(area > 0, pop / area, np.nan)
    return units.assign(pop_density=density)


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
    """The full map of a loaded region: choropleth, ports, border, clusters, catchments.

    Parameters
    ----------
    region
        A :class:`binational.Region` (``load_region``).
    column
        Unit column for the choropleth, shown as a share of ``normalize`` (None for raw
        values). Default: population density (``pop_density``, persons per km², computed),
        which both sides have.
    concentration
        Optional local-measure GeoDataFrame (or an object with ``.local``) with a
        ``cluster_column`` of HH/LL/HL/LH/ns labels.
    catchments
        Optional result of :func:`binational.catchments` (``.isochrones``, ``.method``).
    border
        A border line GeoDataFrame, None for none, or ``"auto"`` (:func:`region_border`).

    Returns
    -------
    folium.Map
        The map, with its layer control.
    """
    spec = region.spec
    units = region.units
    if column is None or column == "pop_density":
        column, normalize = "pop_density", None
        units = with_density(units)
    title = (spec.title_es or spec.title) if lang == "es" else spec.title
    m = new_map(units, tiles=tiles, offline=offline, lang=lang, title=title)
    add_units(
        m,
        units,
        column,
        normalize=normalize,
        scheme=scheme,
        k=k,
        tolerance=tolerance,
        decimals=decimals,
    )
    if concentration is not None:
        local = getattr(concentration, "local", concentration)
        local = _tables.side_local(local, region.units)
        if local is not None and cluster_column in local.columns:
            add_clusters(m, local, column=cluster_column, tolerance=tolerance)
    iso = getattr(catchments, "isochrones", None) if catchments is not None else None
    if iso is not None and len(iso):
        add_isochrones(
            m,
            catchments.isochrones,
            ports=region.ports,
            method=getattr(catchments, "method", None),
        )
    if isinstance(border, str) and border == "auto":
        border = region_border(region)
    add_border(m, border)
    if region.ports is not None and len(region.ports):
        add_ports(m, region.ports, crossings=region.crossings, waits=region.waits, months=months)
    return finish_map(m)
