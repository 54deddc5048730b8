"""The report's interactive map: one units layer whose variable the reader switches.

Instead of one polygon layer per variable (each repeating every unit's geometry), the units are
embedded once with a class index per variable; a small control restyles the same layer and swaps
its legend. Density, group shares, the marginalisation index and the local clusters cost a few
bytes per unit each, not a copy of the geometry. Ports, border and catchments are the layers of
:mod:`binational.render.maps`.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from .. import schema
from ._classify import CLUSTER_COLORS, NA_COLOR, classify_column, fmt_value
from ._leaflet import (
    JS,
    TABLE_JS,
    GeoJsonLayer,
    bind_js,
    compact_json,
    fill_style_js,
    legend_html,
    str_or_none,
)
from ._simplify import unit_web_geometry, with_web_outlines
from .labels import cluster_label, column_label, scheme_label, t
from .maps import UNIT_ATTRIBUTION

__all__ = ["Variable", "add_unit_variables", "unit_web_geometry"]


@dataclass(frozen=True)
class Variable:
    """One switchable variable: ``column`` (or ``column / normalize``), or cluster codes when
    ``clusters`` is True (``column`` then names the code column of ``local``)."""

    column: str
    normalize: str | None = None
    cmap: str = "YlOrRd"
    clusters: bool = False
    label: str | None = None


class _Switch(MacroElement):
    """Radio buttons that restyle one GeoJSON layer and swap its legend."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, layer, vars) {
            var ctl = L.control({position: 'bottomleft'});
            var legend = L.control({position: 'bottomright'});
            var box, legendBox;
            legend.onAdd = function () {
                legendBox = L.DomUtil.create('div', 'bn-legend');
                return legendBox;
            };
            ctl.onAdd = function () {
                box = L.DomUtil.create('div', 'bn-legend bn-switch');
                var html = '<h4>' + {{ this.title|tojson }} + '</h4>';
                for (var i = 0; i < vars.length; i++) {
                    html += '<label><input type="radio" name="bnvar" value="' + i + '"'
                        + (i === 0 ? ' checked' : '') + '> ' + vars[i].label + '</label><br>';
                }
                box.innerHTML = html;
                L.DomEvent.disableClickPropagation(box);
                box.addEventListener('change', function (e) { pick(+e.target.value); });
                return box;
            };
            var st = {{ this.state }};
            function pick(i) {
                st.i = i;
                layer.setStyle(layer.options.style);
                legendBox.innerHTML = vars[i].legend;
            }
            ctl.addTo(map);
            legend.addTo(map);
            pick(0);
            map.on('overlayadd overlayremove', function () {
                var on = map.hasLayer(layer);
                box.style.display = on ? '' : 'none';
                legendBox.style.display = on ? '' : 'none';
            });
        })({{ this._parent.get_name() }}, {{ this.layer }}, {{ this.variables }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: str, variables: str, title: str, *, state: str):
        super().__init__()
        self.state = state
        self._name = "BnSwitch"
        self.layer = layer
        self.variables = variables
        self.title = title


def _decimals(values: np.ndarray) -> int:
    """Decimals that keep about three significant digits of the typical value."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return 0
    typical = float(np.median(finite))
    return 0 if typical >= 1000 else 1 if typical >= 10 else 2 if typical >= 1 else 3


def _text(value) -> str | None:
    """A data string for the tooltip (None stays None). The tooltip's table builder
    (``_leaflet.TABLE_JS``) escapes it in the browser, so it is not escaped here as well."""
    return str_or_none(value)


def add_unit_variables(
    m: folium.Map,
    units: gpd.GeoDataFrame,
    variables: list[Variable],
    *,
    local: pd.DataFrame | None = None,
    lang: str = "en",
    k: int = 5,
    tolerance: float = 20.0,
    decimals: int = 4,
    web_geoms: gpd.GeoSeries | None = None,
) -> folium.Map:
    """Draw ``units`` once, with a switch between ``variables`` (first one shown).

    Each variable is classified with the same classes as the static maps (quantiles, ``k``);
    units without a value (e.g. the other side of the border) are grey and say "no data".
    Cluster variables take their codes from ``local`` (``unit_id`` → ``column``).
    ``web_geoms``: the units' outlines already made ready for the web
    (:func:`unit_web_geometry` with the same ``tolerance`` and ``decimals``), one per row of
    ``units`` (same index); by default they are computed here.
    """
    web = with_web_outlines(units, web_geoms, tolerance=tolerance, decimals=decimals)
    n = len(web)
    ids = web[schema.UNIT_ID] if schema.UNIT_ID in web.columns else pd.Series(web.index)
    names = web[schema.NAME] if schema.NAME in web.columns else pd.Series([None] * n)
    pops = web[schema.POP_TOTAL].astype("float64").to_numpy(na_value=np.nan)
    codes_by_var, values_by_var, js_vars = [], [], []
    for var in variables:
        if var.clusters:
            codes = pd.Series("ns", index=web.index, dtype=object)
            if local is not None and var.column in local.columns:
                lookup = dict(zip(local[schema.UNIT_ID], local[var.column], strict=False))
                codes = ids.map(lookup).fillna("ns").astype(str)
            order = list(CLUSTER_COLORS)
            idx = [order.index(c) if c in order else order.index("ns") for c in codes]
            present = [c for c in order if c in set(codes)]
            codes_by_var.append(idx)
            values_by_var.append([None] * n)
            label = var.label or t("clusters", lang)
            js_vars.append(
                {
                    "name": label,
                    "label": html.escape(label),
                    "colors": [CLUSTER_COLORS[c] for c in order],
                    "cats": [cluster_label(c, lang) for c in order],
                    "legend": legend_html(
                        [CLUSTER_COLORS[c] for c in present],
                        [cluster_label(c, lang) for c in present],
                        label,
                    ),
                }
            )
            continue
        classes = classify_column(
            web, var.column, normalize=var.normalize, scheme="quantiles", k=k, cmap=var.cmap
        )
        label = var.label or column_label(var.column, lang)
        if var.normalize and not var.label:
            label = t("share_of", lang, col=label, den=column_label(var.normalize, lang).lower())
        colors = list(classes.colors)
        labels = classes.interval_labels()
        if (classes.classes < 0).any():
            colors, labels = [*colors, NA_COLOR], [*labels, t("no_data", lang)]
        note = t("legend_scheme", lang, scheme=scheme_label(classes.scheme, lang), k=classes.k)
        codes_by_var.append([int(c) for c in classes.classes])
        scale, dec = (100.0, 1) if classes.is_share else (1.0, _decimals(classes.values))
        values_by_var.append(
            [
                (round(float(v) * scale, dec) if dec else round(float(v) * scale))
                if np.isfinite(v)
                else None
                for v in classes.values
            ]
        )
        js_vars.append(
            {
                "name": label,
                "label": html.escape(label),
                "colors": list(classes.colors),
                "dec": dec,
                "pct": bool(classes.is_share),
                "legend": legend_html(colors, labels, label, note),
            }
        )
    texts = zip(
        [_text(v) for v in ids.tolist()],
        [_text(v) for v in names.tolist()],
        [fmt_value(p) if np.isfinite(p) else None for p in pops],
        strict=True,
    )
    props = [
        {"c": list(c), "t": list(tx), "v": list(v)}
        for c, tx, v in zip(
            zip(*codes_by_var, strict=True) if codes_by_var else [()] * n,
            texts,
            zip(*values_by_var, strict=True) if values_by_var else [()] * n,
            strict=True,
        )
    ]
    labels = [t("unit_id", lang), t("name", lang), t("population", lang)]
    key = compact_json(uuid.uuid4().hex)
    state = f"(function () {{ var s = window.bnVarState = window.bnVarState || {{}}; return s[{key}] = s[{key}] || {{i: 0}}; }})()"
    style_js = fill_style_js(js_vars, state=state)
    each_js = bind_js(
        "function (f, layer) {"
        " layer.bindTooltip(function () {"
        " var d = vars[st.i], v = f.properties.v[st.i], c = f.properties.c[st.i], s;"
        " if (d.cats) { s = d.cats[c]; } else if (v === null) { s = na; } else {"
        " s = v.toLocaleString('en-US', {minimumFractionDigits: d.dec,"
        " maximumFractionDigits: d.dec}) + (d.pct ? ' %' : ''); }"
        " return table(labels.concat([names[st.i]]), f.properties.t.concat([s]));"
        " }, {sticky: true}); }",
        labels=labels,
        names=[v["name"] for v in js_vars],
        table=JS(TABLE_JS),
        st=JS(state),
        vars=[{k: v for k, v in d.items() if k != "legend"} for d in js_vars],
        na=t("no_data", lang),
    )
    layer = GeoJsonLayer(
        web,
        props=props,
        name=t("units", lang),
        class_name="bn-unit",
        style_js=style_js,
        each_js=each_js,
        attribution=UNIT_ATTRIBUTION,
        decimals=decimals,
    )
    layer.add_to(m)
    _Switch(layer.get_name(), compact_json(js_vars), t("map_variable", lang), state=state).add_to(m)
    m._bn_units = getattr(m, "_bn_units", 0) + len(props)
    return m
