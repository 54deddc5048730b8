"""Leaflet plumbing shared by every interactive map: compact GeoJSON layers, legends and the
JavaScript that styles features and builds their tooltips.

- :func:`encode_features` / :func:`decode_features` — quantised, delta-encoded geometry (the
  page decodes it with :data:`DECODE_JS`).
- :class:`GeoJsonLayer` and :class:`Legend` — the folium elements the maps add.
- :func:`bind_js` — the one builder of the layers' style and tooltip functions: a JavaScript
  function with JSON constants bound to its parameters. :func:`tooltip_js` and
  :func:`fill_style_js` are the two uses every layer shares.
- :func:`legend_html`, :func:`compact_json`, :func:`feature_collection`, :func:`str_or_none`.

Data strings reach the page as JSON and are escaped in the browser by :data:`TABLE_JS`; names
Leaflet writes with ``innerHTML`` (layer names, legends) are escaped here.
"""

from __future__ import annotations

import html
import itertools
import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.map import Layer
from jinja2 import Template

from ..errors import RenderError
from ._classify import NA_COLOR
from .labels import check_lang

__all__ = [
    "CSS",
    "DECODE_JS",
    "JS",
    "TABLE_JS",
    "GeoJsonLayer",
    "Legend",
    "bind_js",
    "check_frame",
    "compact_json",
    "decode_features",
    "encode_features",
    "encode_frame",
    "ensure_css",
    "feature_collection",
    "fill_style_js",
    "lang_of",
    "legend_html",
    "str_or_none",
    "tooltip_js",
]

CSS = """
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

TABLE_JS = """function(labels, vals) {
  var map = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return map[c]; }); }
  var rows = '';
  for (var i = 0; i < labels.length; i++) {
    if (vals[i] === null || vals[i] === '') continue;
    rows += '<tr><td>' + esc(labels[i]) + '</td><td><b>' + esc(vals[i]) + '</b></td></tr>';
  }
  return '<table class="bn-tip">' + rows + '</table>';
}"""


DECODE_JS = """function (d) {
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


_TYPE_IDS = {1: "LineString", 3: "Polygon", 5: "MultiLineString", 6: "MultiPolygon"}


def encode_frame(gdf: gpd.GeoDataFrame, props: list[dict], *, decimals: int = 5) -> dict | None:
    """:func:`encode_features` of ``feature_collection(gdf, props)``, built from the coordinate
    arrays without a GeoJSON dict per feature (the same result, in one pass of numpy).

    Returns None when a geometry cannot be encoded (points, collections, 3D); empty
    geometries are left out with their props, as :func:`feature_collection` does.
    """
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    if len(geoms) != len(props):
        raise RenderError(f"{len(geoms)} geometries but {len(props)} props")
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(keep)
    geoms = geoms[keep]
    types = shapely.get_type_id(geoms)
    if not np.isin(types, list(_TYPE_IDS)).all() or shapely.has_z(geoms).any():
        return None
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    if shapely.is_empty(parts).any():
        return None
    polygonal = shapely.get_type_id(parts) == 3
    pieces = np.empty(0, dtype=object)  # rings of polygon parts, lines as they are
    piece_part = np.empty(0, dtype=np.int64)
    if polygonal.any():
        rings, ring_part = shapely.get_rings(parts[polygonal], return_index=True)
        pieces, piece_part = rings, np.flatnonzero(polygonal)[ring_part]
    if (~polygonal).any():
        pieces = np.concatenate([pieces, parts[~polygonal]])
        piece_part = np.concatenate([piece_part, np.flatnonzero(~polygonal)])
    order = np.argsort(piece_part, kind="stable")
    pieces, piece_part = pieces[order], piece_part[order]
    xy, xy_piece = shapely.get_coordinates(pieces, return_index=True)
    scale = 10**decimals
    ints = np.rint(xy * scale).astype(np.int64)
    delta = ints.copy()
    delta[1:] -= ints[:-1]
    bounds = np.r_[0, np.cumsum(np.bincount(xy_piece, minlength=len(pieces)))]
    delta[bounds[:-1]] = ints[bounds[:-1]]  # each ring or line starts absolute
    flat = delta.ravel().tolist()
    coded = [
        flat[2 * a : 2 * b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    ]
    piece_bounds = np.searchsorted(piece_part, np.arange(len(parts) + 1)).tolist()
    by_part = [coded[a:b] for a, b in itertools.pairwise(piece_bounds)]
    part_bounds = np.searchsorted(part_of, np.arange(len(geoms) + 1)).tolist()
    features = []
    for j, (i, type_id) in enumerate(zip(idx.tolist(), types.tolist(), strict=True)):
        mine = by_part[part_bounds[j] : part_bounds[j + 1]]
        if type_id == 3:  # Polygon: its rings
            g = mine[0]
        elif type_id == 1:  # LineString: one flat list
            g = mine[0][0]
        elif type_id == 6:  # MultiPolygon: rings by polygon
            g = mine
        else:  # MultiLineString: one flat list by line
            g = [m[0] for m in mine]
        features.append({"y": _TYPE_IDS[type_id], "g": g, "p": props[i]})
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


class GeoJsonLayer(Layer):
    """A Leaflet GeoJSON layer with compact embedded data and JavaScript style/tooltip code.

    Smaller than :class:`folium.GeoJson` for thousands of polygons: coordinates are quantised
    and delta-encoded (:func:`encode_features`, decoded in the browser), the data are written
    once without whitespace, styles are computed in the browser from a class index, and
    tooltip labels are stored once per layer.
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
        data: dict | gpd.GeoDataFrame,
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
        props: list[dict] | None = None,
    ):
        # Leaflet's layer control sets the name with innerHTML: names from data are escaped
        super().__init__(name=html.escape(name), overlay=overlay, control=True, show=show)
        self._name = "BnGeoJson"
        if isinstance(data, gpd.GeoDataFrame):  # geometry and ``props``: encoded directly
            if props is None:
                raise RenderError("GeoJsonLayer: a GeoDataFrame needs its props")
            encoded = encode_frame(data, props, decimals=decimals) if decimals <= 7 else None
            plain = feature_collection(data, props) if encoded is None else None
        else:
            encoded = encode_features(data, decimals=decimals) if decimals <= 7 else None
            plain = data
        self.encoded = encoded is not None
        self.n_features = len(encoded["f"] if encoded is not None else plain["features"])
        self.decode_js = DECODE_JS
        self.data = compact_json(encoded if encoded is not None else plain)
        self.class_name = class_name
        self.style_js = style_js
        self.each_js = each_js
        self.point_js = point_js
        self.attribution = attribution


class Legend(MacroElement):
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


def compact_json(data) -> str:
    """JSON without whitespace, safe inside a <script> element."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def feature_collection(gdf: gpd.GeoDataFrame, props: list[dict]) -> dict:
    """A GeoJSON FeatureCollection of ``gdf``'s geometries with ``props`` as properties
    (empty geometries left out)."""
    geoms = gdf.geometry.to_numpy()
    features = []
    for geom, prop in zip(geoms, props, strict=True):
        if geom is None or shapely.is_empty(geom):
            continue
        features.append(
            {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": prop}
        )
    return {"type": "FeatureCollection", "features": features}


def ensure_css(m: folium.Map) -> None:
    """Add the legend, tooltip and popup stylesheet to the page of ``m`` (once)."""
    m.get_root().header.add_child(Element(CSS), name="bn_css")


def lang_of(m: folium.Map, lang: str | None) -> str:
    """``lang``, else the language :func:`binational.render.maps.new_map` remembered on ``m``."""
    return check_lang(lang or getattr(m, "_bn_lang", "en"))


def check_frame(units: gpd.GeoDataFrame, what: str = "units") -> None:
    """Raise :class:`RenderError` unless ``units`` is a non-empty GeoDataFrame with a CRS."""
    if not isinstance(units, gpd.GeoDataFrame):
        raise RenderError(f"{what} must be a GeoDataFrame, got {type(units).__name__}")
    if units.empty:
        raise RenderError(f"{what}: no rows to draw")
    if units.crs is None:
        raise RenderError(f"{what}: no CRS set")


def str_or_none(value) -> str | None:
    """A data value as tooltip text: None for missing values and empty or "nan" strings."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value)
    return text if text and text.lower() != "nan" else None


class JS(str):
    """Raw JavaScript for :func:`bind_js` (bound as is, not as JSON)."""


def bind_js(body: str, **constants) -> str:
    """``body`` (a JavaScript function) with each of ``constants`` bound to a parameter.

    ``bind_js("function (f) { return colors[0]; }", colors=["#fff"])`` is
    ``(function (colors) { return function (f) {...}; })(["#fff"])``: values are embedded
    once as compact JSON (:class:`JS` values as they are), so a layer of thousands of features
    carries its palette and labels once.
    """
    values = [v if isinstance(v, JS) else compact_json(v) for v in constants.values()]
    return f"(function ({', '.join(constants)}) {{ return {body}; }})(" + ",".join(values) + ")"


def tooltip_js(labels: list[str], *, values: str = "f.properties.t") -> str:
    """The ``onEachFeature`` of a layer whose tooltip is a table of ``labels`` against each
    feature's ``values`` (a JavaScript expression; escaped in the browser by :data:`TABLE_JS`)."""
    return bind_js(
        f"function (f, layer) {{ layer.bindTooltip(table(labels, {values}), {{sticky: true}}); }}",
        labels=labels,
        table=JS(TABLE_JS),
    )


def fill_style_js(colors, *, state: str | None = None) -> str:
    """The style of a class-coloured polygon layer: feature class ``f.properties.c`` picks its
    fill from ``colors`` (grey :data:`~binational.render._classify.NA_COLOR` for class -1).

    With ``state`` (a JavaScript expression of ``{i: ...}``), ``colors`` is a list of variables
    each with its ``colors``, and ``c[st.i]`` / ``vars[st.i].colors`` of the variable shown are
    used (the report map's switch).
    """
    fill = (
        "{color: '#555', weight: 0.4, opacity: 0.7, fillOpacity: 0.75, fillColor: c < 0 ? na : %s}"
    )
    if state is None:
        return bind_js(
            "function (f) { var c = f.properties.c; return " + fill % "colors[c]" + "; }",
            colors=list(colors),
            na=NA_COLOR,
        )
    return bind_js(
        "function (f) { var c = f.properties.c[st.i]; return "
        + fill % "vars[st.i].colors[c]"
        + "; }",
        vars=colors,
        na=NA_COLOR,
        st=JS(state),
    )


def legend_html(colors, labels, title: str, note: str = "") -> str:
    """Legend rows: a swatch per colour with its label, under ``title``, with a small note."""
    rows = [f"<h4>{html.escape(title)}</h4>"]
    for color, label in zip(colors, labels, strict=True):
        rows.append(f'<div><i style="background:{color}"></i>{html.escape(label)}</div>')
    if note:
        rows.append(f"<small>{html.escape(note)}</small>")
    return "".join(rows)
