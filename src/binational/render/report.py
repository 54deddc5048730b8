"""The regional report: one self-contained HTML file per twin city.

``binational report tijuana-san-diego --out report/`` (or :func:`write_report`) loads the
region, computes the concentration profile and the catchments, and writes
``report/tijuana-san-diego.html`` with:

1. an overview of both sides (units, population against the official 2020 totals, the
   interactive map with every layer, a static density map);
2. crossings and waits (12-month volumes by port and measure, monthly series with the 2020–21
   restrictions shaded, median wait by hour of day);
3. ethnic concentration (global indices with bootstrap intervals and permutation p-values per
   side, share maps, local clusters);
4. commuting catchments (isochrone map, population reached by minute band, port-shed tables),
   labelled "straight-line model" where the region has no road network;
5. methods, data sources with vintages, dropped records, and the list of what was missing.

A step that cannot run (no road network, a group absent on one side, no wait data for a port)
is reported in the "Data not available" section with its reason rather than failing the
report. The page embeds Leaflet, the map data and the figures (PNG as ``data:`` URIs): it opens
with no network. It is written atomically (temporary file, then rename).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import schema
from .._log import get_logger
from .._version import __version__
from ..errors import BinationalError, RenderError
from . import _tables, maps, static
from ._io import atomic_write_text
from ._tables import side_local
from .labels import check_lang, column_label, measure_label, t

log = get_logger(__name__)

__all__ = ["ReportParts", "build_report", "side_local", "write_report"]


@dataclass
class ReportParts:
    """What went into a report: the HTML, the results it used, and every note about gaps."""

    html: str
    concentration: object | None = None
    catchments: object | None = None
    missing: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("binational.render", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


def _fmt(v, column: str = "") -> str:
    if (
        "code" in str(column)
        and isinstance(v, (int, np.integer, float, np.floating))
        and np.isfinite(v)
    ):
        return str(int(v))
    if isinstance(v, (bool, np.bool_)):
        return "✓" if v else "–"
    if v is None or (isinstance(v, float) and not np.isfinite(v)) or v is pd.NA:
        return "–"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if float(v).is_integer() and abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def _table(df: pd.DataFrame, *, max_rows: int = 60) -> str:
    if df is None or df.empty:
        return "<p class='muted'>–</p>"
    df = df.head(max_rows)
    head = "".join(
        f"<th class='{'n' if pd.api.types.is_numeric_dtype(df[c]) else ''}'>{html.escape(str(c))}</th>"
        for c in df.columns
    )
    rows = []
    for _, row in df.iterrows():
        cells = "".join(
            f"<td class='{'n' if pd.api.types.is_numeric_dtype(df[c]) else ''}'>"
            f"{html.escape(_fmt(row[c], c))}</td>"
            for c in df.columns
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(fig, caption: str) -> dict:
    data = base64.b64encode(static.figure_bytes(fig, fmt="png", dpi=100)).decode("ascii")
    return {"kind": "figure", "mime": "image/png", "data": data, "caption": caption}


def _run_concentration(region, missing: dict, *, permutations: int, seed: int = 0):
    from ..concentration import concentration_profile

    try:
        return concentration_profile(region, permutations=permutations, seed=seed)
    except BinationalError as exc:
        missing["concentration"] = f"concentration profile could not be computed: {exc}"
        return None


def _run_catchments(region, missing: dict):
    from ..catchments import catchments

    try:
        return catchments(region)
    except BinationalError as exc:
        if "wait_fallback" not in str(exc):
            missing["catchments"] = f"catchments could not be computed: {exc}"
            return None
        missing["waits_for_catchments"] = (
            f"{exc.args[0].split(';')[0]}: those ports' border wait is taken as 0 minutes"
        )
    try:
        return catchments(region, wait_fallback="zero")
    except BinationalError as exc:
        missing["catchments"] = f"catchments could not be computed: {exc}"
        return None


# ------------------------------------------------------------------------------------------------
# sections


def _overview(region, *, lang, border, concentration, catch, offline) -> dict:
    units = region.units
    blocks: list[dict] = []
    sides = []
    for side, part in units.groupby(schema.COUNTRY):
        pop = part[schema.POP_TOTAL].astype("float64")
        sides.append(
            {
                t("side", lang): t(f"side_{side}", lang),
                t("n_units", lang): len(part),
                t("population", lang): float(pop.sum()),
                "flag_zero_pop": int(part[schema.FLAG_ZERO_POP].astype(bool).sum())
                if schema.FLAG_ZERO_POP in part.columns
                else 0,
                t("sources", lang): "; ".join(sorted(part[schema.SOURCE].astype(str).unique()))
                if schema.SOURCE in part.columns
                else "",
            }
        )
    blocks.append({"kind": "table", "html": _table(pd.DataFrame(sides)), "caption": ""})
    try:
        from ..units import population_check

        check = population_check(units)
        blocks.append(
            {
                "kind": "heading",
                "text": "Population vs official 2020 totals"
                if lang == "en"
                else "Población frente a los totales oficiales de 2020",
            }
        )
        blocks.append({"kind": "table", "html": _table(check), "caption": ""})
    except (BinationalError, KeyError, FileNotFoundError) as exc:  # pragma: no cover - manifest
        log.info("no population check: %s", exc)
    m = maps.region_map(
        region,
        None,
        lang=lang,
        concentration=concentration,
        catchments=catch,
        border=border,
        offline=offline,
    )
    srcdoc = maps.map_html(m, offline=offline)
    blocks.append(
        {
            "kind": "map",
            "srcdoc": srcdoc,
            "caption": t("interactive_map", lang),
        }
    )
    fig = static.plot_choropleth(
        maps.with_density(units), "pop_density", lang=lang, border=border, ports=region.ports
    )
    blocks.append(_figure(fig, column_label("pop_density", lang)))
    return {"id": "overview", "title": t("overview", lang), "notes": [], "blocks": blocks}


def _crossings(region, *, lang, months=12) -> dict:
    blocks: list[dict] = []
    notes = []
    vols = _tables.port_volumes(region.crossings, months=months)
    span = _tables.window(region.crossings, months)
    names = (
        dict(zip(region.ports[schema.PORT_CODE], region.ports["name"], strict=False))
        if len(region.ports)
        else {}
    )
    if len(vols) and span is not None:
        table = vols.copy()
        table.index = [f"{names.get(c, c)} ({c})" for c in table.index]
        table.columns = [
            measure_label(c, lang) if c != "persons" else t("population", lang) + "*"
            for c in table.columns
        ]
        table = table.loc[:, (table != 0).any(axis=0)]
        blocks.append(
            {
                "kind": "heading",
                "text": t(
                    "crossings_12m",
                    lang,
                    start=span[0].strftime("%Y-%m"),
                    end=span[1].strftime("%Y-%m"),
                ),
            }
        )
        blocks.append(
            {
                "kind": "table",
                "html": _table(
                    table.reset_index(names="port").rename(columns={"index": t("port", lang)})
                ),
                "caption": "* pedestrians + vehicle, bus and train passengers",
            }
        )
        try:
            blocks.append(
                _figure(
                    static.plot_monthly_crossings(region.crossings, ports=region.ports, lang=lang),
                    t("crossings", lang),
                )
            )
        except RenderError as exc:
            notes.append(str(exc))
    else:
        notes.append(t("no_crossings", lang))
    try:
        fig = static.plot_wait_by_hour(region.waits, ports=region.ports, lang=lang)
        blocks.append(_figure(fig, t("median_wait_hour", lang)))
    except RenderError as exc:
        notes.append(f"{t('no_waits', lang)}: {exc}")
    return {
        "id": "crossings",
        "title": t("crossings_waits", lang),
        "notes": notes,
        "blocks": blocks,
    }


def _concentration(region, conc, *, lang, border) -> dict:
    blocks: list[dict] = []
    notes: list[str] = []
    if conc is None:
        notes.append(t("not_available", lang, reason="see the list of missing data"))
        return {
            "id": "concentration",
            "title": t("concentration", lang),
            "notes": notes,
            "blocks": blocks,
        }
    table = conc[0] if isinstance(conc, tuple) else getattr(conc, "table", None)
    local = conc[1] if isinstance(conc, tuple) else getattr(conc, "local", None)
    if table is not None and len(table):
        ok = table[table["status"].astype(str) == "ok"] if "status" in table.columns else table
        cols = [
            c
            for c in (
                "scope",
                "group",
                "index",
                "value",
                "ci_low",
                "ci_high",
                "p_value",
                "n_units",
                "note",
            )
            if c in ok.columns
        ]
        blocks.append(
            {
                "kind": "table",
                "html": _table(ok[cols], max_rows=200),
                "caption": t("interval", lang) + ": bootstrap percentile; p: permutation test",
            }
        )
        skipped = (
            table[table["status"].astype(str) != "ok"]
            if "status" in table.columns
            else table.iloc[0:0]
        )
        for (scope, note), _ in skipped.groupby(["scope", "note"], dropna=False):
            notes.append(f"{scope}: {note}")
    units = region.units
    groups = [g for g in (*region.spec.groups_us, *region.spec.groups_mx) if g in units.columns]
    for group in dict.fromkeys(groups):
        if not np.isfinite(units[group].astype("float64").to_numpy(na_value=np.nan)).any():
            continue
        side_units = units[units[group].notna()]
        fig = static.plot_choropleth(
            side_units, group, normalize=schema.POP_TOTAL, lang=lang, border=border
        )
        blocks.append(
            _figure(
                fig,
                t(
                    "share_of",
                    lang,
                    col=column_label(group, lang),
                    den=column_label(schema.POP_TOTAL, lang).lower(),
                ),
            )
        )
    loc = side_local(local, units)
    if loc is not None and "cluster" in loc.columns:
        fig = static.plot_clusters(loc, lang=lang, border=border)
        blocks.append(
            _figure(fig, t("clusters", lang) + " (local Moran, queen contiguity, p < 0.05)")
        )
    return {
        "id": "concentration",
        "title": t("concentration", lang),
        "notes": notes,
        "blocks": blocks,
    }


def _catchments(region, catch, *, lang, border) -> dict:
    blocks: list[dict] = []
    notes: list[str] = []
    if catch is None:
        notes.append(t("not_available", lang, reason="see the list of missing data"))
        return {
            "id": "catchments",
            "title": t("catchments", lang),
            "notes": notes,
            "blocks": blocks,
        }
    method = getattr(catch, "method", "")
    if "straight" in str(method):
        notes.append(t("straight_line", lang) + ": " + str(region.missing.get("network", "")))
    iso = catch.isochrones
    try:
        blocks.append(
            _figure(
                static.plot_isochrones(
                    iso,
                    units=region.units,
                    ports=region.ports,
                    border=border,
                    method=method,
                    lang=lang,
                ),
                t("isochrones", lang),
            )
        )
        blocks.append(
            _figure(
                static.plot_population_reached(iso, method=method, lang=lang),
                t("population_reached", lang),
            )
        )
    except RenderError as exc:
        notes.append(str(exc))
    reached = static.population_reached(iso)
    wide = reached.pivot_table(
        index=["port_name", "side", "wait_included"], columns="minutes", values="pop", aggfunc="sum"
    ).reset_index()
    wide.columns = [f"≤ {c:g} min" if isinstance(c, float) else str(c) for c in wide.columns]
    blocks.append({"kind": "heading", "text": t("population_reached", lang)})
    blocks.append({"kind": "table", "html": _table(wide, max_rows=200), "caption": ""})
    summary = getattr(catch, "summary", None)
    if summary is not None and len(summary):
        cols = [c for c in summary.columns if c.startswith(("port", "wait", "shed_", "huff_"))]
        blocks.append(
            {
                "kind": "heading",
                "text": "Port-sheds" if lang == "en" else "Áreas de influencia por garita",
            }
        )
        blocks.append({"kind": "table", "html": _table(summary[cols]), "caption": ""})
    params = getattr(catch, "params", {}) or {}
    if params:
        blocks.append({"kind": "text", "text": "; ".join(f"{k} = {v}" for k, v in params.items())})
    return {"id": "catchments", "title": t("catchments", lang), "notes": notes, "blocks": blocks}


_METHODS_EN = [
    "Units: US census tracts (ACS 5-year estimates, 95 % margins of error) and Mexican urban AGEBs (INEGI Marco Geoestadístico, CONAPO 2020 attributes), in one projected CRS.",
    "Maps: classes from mapclassify (quantiles unless stated); shares are group ÷ total population with the ACS proportion MOE. Web geometry is simplified topologically (shared edges stay shared; Douglas–Peucker on the topology, 10 m) and quantised to 1e-5°.",
    "Border: the edge of the INEGI municipio polygons that lies within 200 m of the US tracts (where both sides have polygons).",
    "Concentration: aspatial and spatial single-group indices per side and across the border, bootstrap percentile intervals and permutation tests; local Moran clusters with conditional permutation inference.",
    "Catchments: drive time on the road network to and from each port plus the median northbound wait at the chosen hour; where there is no network, distance × circuity ÷ speed (straight-line model).",
    "Crossings: BTS Border Crossing Entry Data (inbound to the US), one source per port (BTS when present).",
]
_METHODS_ES = [
    "Unidades: secciones censales (tracts) de EE. UU. (ACS 5 años, márgenes de error al 95 %) y AGEB urbanas de México (Marco Geoestadístico del INEGI, atributos de CONAPO 2020), en un mismo sistema proyectado.",
    "Mapas: clases de mapclassify (cuantiles salvo indicación); las proporciones son grupo ÷ población total con el MDE de proporción del ACS. La geometría web se simplifica topológicamente (10 m) y se cuantiza a 1e-5°.",
    "Límite: el borde de los polígonos municipales del INEGI a menos de 200 m de los tracts de EE. UU.",
    "Concentración: índices de un grupo, aespaciales y espaciales, por lado y a través del límite, con intervalos bootstrap y pruebas de permutación; agrupamientos locales de Moran con inferencia por permutación condicional.",
    "Áreas de captación: tiempo de manejo en la red vial hacia y desde cada garita más la espera mediana hacia el norte a la hora elegida; sin red vial, distancia × circuidad ÷ velocidad (modelo en línea recta).",
    "Cruces: BTS Border Crossing Entry Data (hacia EE. UU.), una fuente por garita.",
]


def _sources(region, *, lang) -> dict:
    blocks: list[dict] = []
    src = getattr(region, "sources", None)
    if src is not None and len(src):
        cols = [c for c in ("layer", "path", "bytes", "seconds") if c in src.columns]
        table = src[cols].copy()
        if "path" in table.columns:
            table["path"] = (
                table["path"]
                .astype(str)
                .map(lambda p: ";".join(Path(x).name for x in p.split(";")))
            )
        blocks.append({"kind": "table", "html": _table(table), "caption": ""})
    vintages = set()
    for frame in (region.units, region.crossings, region.waits):
        if frame is not None and schema.SOURCE in getattr(frame, "columns", []):
            vintages.update(frame[schema.SOURCE].dropna().astype(str).unique())
    if "source" in region.ports.columns:
        vintages.update(region.ports["source"].dropna().astype(str).unique())
    blocks.append({"kind": "list", "items": sorted(vintages)})
    return {"id": "sources", "title": t("sources", lang), "notes": [], "blocks": blocks}


def _missing(region, missing: dict, *, lang) -> dict:
    items = [f"{k}: {v}" for k, v in {**getattr(region, "missing", {}), **missing}.items()]
    blocks = [{"kind": "list", "items": items or ["–"]}]
    drops = getattr(region, "drops", None)
    if drops is not None and len(drops):
        blocks.append({"kind": "heading", "text": t("dropped", lang)})
        blocks.append({"kind": "table", "html": _table(drops.summary()), "caption": ""})
    return {"id": "missing", "title": t("missing", lang), "notes": [], "blocks": blocks}


# ------------------------------------------------------------------------------------------------
# entry points


def build_report(
    region,
    *,
    lang: str = "en",
    concentration="auto",
    catchments="auto",
    permutations: int = 499,
    seed: int = 0,
    offline: bool = True,
) -> ReportParts:
    """Build the report HTML of a loaded region.

    Parameters
    ----------
    region
        A :class:`binational.Region` (:func:`binational.load_region`).
    lang
        ``"en"`` or ``"es"``.
    concentration, catchments
        Precomputed results, ``"auto"`` to compute them here, or None to leave the section out
        (listed as missing).
    permutations
        Permutations and bootstrap replicates of the concentration profile.
    seed
        Seed of the concentration profile's permutations (same seed, same report).
    offline
        Inline Leaflet in the embedded map (no CDN).
    """
    check_lang(lang)
    if region.units is None or len(region.units) == 0:
        raise RenderError(f"region {region.spec.name!r} has no census units: nothing to report")
    missing: dict[str, str] = {}
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    conc = (
        _run_concentration(region, missing, permutations=permutations, seed=seed)
        if concentration == "auto"
        else concentration
    )
    if conc is None and concentration is None:
        missing["concentration"] = "not requested"
    timings["concentration"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    catch = _run_catchments(region, missing) if catchments == "auto" else catchments
    if catch is None and catchments is None:
        missing["catchments"] = "not requested"
    timings["catchments"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    border = maps.region_border(region)
    if border is None or len(border) == 0:
        missing["border"] = "the border line could not be derived (one side has no polygons)"
    conc_local = None
    if conc is not None:
        local = conc[1] if isinstance(conc, tuple) else getattr(conc, "local", None)
        conc_local = side_local(local, region.units)
    if region.ports is None or len(region.ports) == 0:
        missing["ports"] = "no ports of entry for this region"
    sections = [
        _overview(
            region, lang=lang, border=border, concentration=conc_local, catch=catch, offline=offline
        ),
        _crossings(region, lang=lang),
        _concentration(region, conc, lang=lang, border=border),
        _catchments(region, catch, lang=lang, border=border),
        {
            "id": "methods",
            "title": t("methods", lang),
            "notes": [],
            "blocks": [{"kind": "list", "items": _METHODS_ES if lang == "es" else _METHODS_EN}],
        },
        _sources(region, lang=lang),
        _missing(region, missing, lang=lang),
    ]
    spec = region.spec
    title = t(
        "report_title", lang, title=(spec.title_es or spec.title) if lang == "es" else spec.title
    )
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        _env()
        .get_template("report.html.j2")
        .render(
            lang=lang,
            title=title,
            generated=t("generated", lang, when=when, version=__version__),
            sections=sections,
        )
    )
    timings["render"] = time.perf_counter() - t0
    return ReportParts(
        html=page, concentration=conc, catchments=catch, missing=missing, timings=timings
    )


def write_report(
    region,
    out_dir: str | os.PathLike,
    *,
    lang: str = "en",
    concentration="auto",
    catchments="auto",
    permutations: int = 499,
    seed: int = 0,
    offline: bool = True,
    name: str | None = None,
) -> Path:
    """Build the report (:func:`build_report`) and write ``out_dir/<region>.html`` atomically.

    Raises
    ------
    OutputError
        If ``out_dir`` cannot be created or written. Nothing is left half-written.
    """
    from ._io import check_writable

    out = check_writable(out_dir)  # fail before the (long) computation
    parts = build_report(
        region,
        lang=lang,
        concentration=concentration,
        catchments=catchments,
        permutations=permutations,
        seed=seed,
        offline=offline,
    )
    stem = name or region.spec.name + ("" if lang == "en" else f".{lang}")
    return atomic_write_text(out / f"{stem}.html", parts.html)
