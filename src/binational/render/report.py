"""The regional report: one self-contained HTML file per twin city, read like a regional study.

``binational report tijuana-san-diego --out report/`` (or :func:`write_report`) loads the
region, computes the concentration profile and the catchments, and writes
``report/tijuana-san-diego.html``. The page opens with the key figures of each side (population,
main groups and their dissimilarity with its interval, people crossing per day, the morning-peak
wait by lane, work trips per day from the cross-border survey where there is one), then:

1. both sides (the interactive map with every layer, a density map, population against the
   official 2020 totals);
2. crossings and waits (12-month volumes by port, morning-peak waits by lane, survey trips,
   monthly series with the 2020–21 restrictions shaded, median wait by hour of day);
3. socio-economic context (CONAPO urban marginalisation in Mexico, ACS poverty in the US);
4. ethnic concentration (global indices with bootstrap intervals and permutation p-values per
   side, a map with a variable on each side, local clusters);
5. commuting catchments (isochrone map, population reached by minute band with a reason beside
   every all-zero row, port-sheds), labelled "straight-line model" without a road network;
6. methods, data sources with vintages, a "reproduce this" box (command, package versions,
   SHA-256 of every data file) and the list of what was missing.

Sections are pluggable: each is a function ``section(ctx: ReportContext) -> dict | None``
returning ``{"id", "title", "notes", "blocks"}`` from precomputed results (blocks from
:mod:`binational.render._blocks`). :data:`SECTIONS` is the default order; pass
``sections=[...]`` (e.g. ``insert_section(SECTIONS, commuting_section.section,
after="catchments")``) and precomputed results in ``results={"commuting": ...}`` (reachable as
``ctx.results``) to add one. Every header and label comes from :mod:`~binational.render.labels`
in the report's language.

A step that cannot run (no road network, a group absent on one side, no wait data for a port)
is reported in the "Data not available" section with its reason rather than failing the
report. The page embeds Leaflet, the map data and the figures (palette PNG as ``data:`` URIs):
it opens with no network. It is written atomically (temporary file, then rename).
"""

from __future__ import annotations

import datetime as _dt
import html as html_lib
import os
import platform
import re
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import schema
from .._atomic import file_sha256
from .._log import get_logger
from .._progress import step
from .._version import __version__
from ..errors import BinationalError, RenderError
from . import _keyfigures, _tables, maps, static
from ._blocks import figure_block, fmt_number, table_block, table_html
from ._io import atomic_write_text
from ._report_map import Variable, add_unit_variables
from ._tables import side_local
from .commuting_map import time_tax_variable
from .labels import (
    check_lang,
    column_label,
    header_label,
    index_label,
    lane_label,
    layer_label,
    measure_label,
    note_label,
    param_label,
    purpose_label,
    t,
)

log = get_logger(__name__)

__all__ = [
    "SECTIONS",
    "ReportContext",
    "ReportParts",
    "build_report",
    "insert_section",
    "side_local",
    "write_report",
]

#: Groups that describe deprivation rather than ethnicity: they go to the socio-economic part.
SOCIOECONOMIC_GROUPS = ("high_marginalization", "poverty_below")
#: Zoom of the static maps: units within this distance (km) of a port of entry.
FOCUS_KM = 40.0
#: Packages whose versions the "reproduce this" box lists.
PACKAGES = (
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "scipy",
    "networkx",
    "osmnx",
    "mapclassify",
    "matplotlib",
    "folium",
    "jinja2",
)


@dataclass
class ReportParts:
    """What went into a report: the HTML, the results it used, and every note about gaps."""

    html: str
    concentration: object | None = None
    catchments: object | None = None
    missing: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class ReportContext:
    """Everything a section needs: the region, the language and the precomputed results."""

    region: object
    lang: str
    concentration: object | None = None
    catchments: object | None = None
    border: object | None = None
    local: object | None = None
    survey: pd.DataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    offline: bool = True
    permutations: int = 499
    seed: int = 0
    command: str = ""
    data_files: list[Path] = field(default_factory=list)
    _cache: dict = field(default_factory=dict, repr=False)

    def am_peak_waits(self) -> pd.DataFrame:
        """Morning-peak median waits per port and lane (computed once per report)."""
        if "am_waits" not in self._cache:
            self._cache["am_waits"] = _keyfigures.am_peak_waits(self.region.waits)
        return self._cache["am_waits"]

    @property
    def conc_table(self) -> pd.DataFrame | None:
        conc = self.concentration
        if conc is None:
            return None
        return conc.table

    def side_source(self, side: str) -> str:
        """The vintage line of one side's census units (``ACS 5-year 2020-2024 (file)``)."""
        units = self.region.units
        if schema.SOURCE not in units.columns:
            return ""
        part = units.loc[units[schema.COUNTRY] == side, schema.SOURCE].dropna().astype(str)
        return "; ".join(sorted(part.unique()))

    def both_sources(self) -> str:
        return " · ".join(s for s in (self.side_source("MX"), self.side_source("US")) if s)


Section = Callable[[ReportContext], "dict | None"]


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("binational.render", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


def _section(sid: str, title: str, blocks: list, notes: list | None = None) -> dict:
    return {"id": sid, "title": title, "notes": notes or [], "blocks": [b for b in blocks if b]}


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


def _data_root(region) -> Path | None:
    """The data folder the region was loaded from, found from the files it read (so a report
    of a region loaded with ``data_dir=...`` finds its other files there too)."""
    src = getattr(region, "sources", None)
    files = getattr(region.spec, "files", {}) or {}
    if src is None or "path" not in getattr(src, "columns", []):
        return None
    for value in src["path"].astype(str):
        for path in (Path(p) for p in value.split(";") if p):
            for rel in files.values():
                for r in (rel,) if isinstance(rel, str) else tuple(rel):
                    parts = Path(r).parts
                    if path.parts[-len(parts) :] == parts:
                        return Path(*path.parts[: -len(parts)])
    return None


def _read_survey(region, missing: dict) -> tuple[pd.DataFrame | None, Path | None]:
    from ..io.survey import read_od_survey
    from ..settings import resolve_data_dir

    root = _data_root(region)
    try:
        path = region.spec.file("od_survey", root or resolve_data_dir(None))
    except Exception:  # no data folder configured: no survey
        path = None
    if path is None:
        return None, None
    try:
        return read_od_survey(path), path
    except BinationalError as exc:
        missing["od_survey"] = str(exc)
        return None, path


def _port_names(region) -> dict:
    ports = region.ports
    if ports is None or len(ports) == 0 or "name" not in ports.columns:
        return {}
    return {int(c): str(n) for c, n in zip(ports[schema.PORT_CODE], ports["name"], strict=False)}


# ------------------------------------------------------------------------------------------------
# sections


def _group_line(g: dict, lang: str) -> dict:
    label = column_label(g["group"], lang)
    line = {"label": label, "value": fmt_number(g["share"], "share"), "detail": ""}
    if g["d"] is None:
        return line
    if "by construction" in g["note"]:
        line["detail"] = t("d_by_construction", lang)
    elif g["ci_low"] is not None and g["ci_high"] is not None:
        line["detail"] = t(
            "dissim_ci",
            lang,
            d=f"{g['d']:.3f}",
            lo=f"{g['ci_low']:.3f}",
            hi=f"{g['ci_high']:.3f}",
        )
    else:
        line["detail"] = t("dissim_noci", lang, d=f"{g['d']:.3f}")
    return line


def summary_section(ctx: ReportContext) -> dict:
    """Key figures per side and for the border."""
    region, lang = ctx.region, ctx.lang
    units = region.units
    spec = region.spec
    cards = []
    for side, groups in ((schema.MX, spec.groups_mx), (schema.US, spec.groups_us)):
        part = units[units[schema.COUNTRY] == side]
        if part.empty:
            continue
        pop = float(part[schema.POP_TOTAL].astype("float64").sum())
        lines = [
            {
                "label": t("population_2020", lang),
                "value": fmt_number(pop, "people"),
                "detail": t("units_count", lang, n=fmt_number(len(part), "count")),
            }
        ]
        extra = ("poverty_below",) if side == schema.US and "poverty_below" in part else ()
        for g in _keyfigures.group_figures(units, ctx.conc_table, side, (*groups, *extra)):
            if g["group"] == "poverty_below" and "poverty_base" in part.columns:
                base = float(part["poverty_base"].astype("float64").sum())
                g["share"] = g["count"] / base if base > 0 else np.nan
            lines.append(_group_line(g, lang))
        cards.append(
            {"title": t(f"side_{side}", lang), "lines": lines, "source": ctx.side_source(side)}
        )
    border_lines = []
    sources = []
    per_day = _keyfigures.crossings_per_day(region.crossings)
    if per_day is not None:
        total, _, span = per_day
        border_lines.append(
            {
                "label": header_label("persons_per_day", lang),
                "value": fmt_number(total, "people"),
                "detail": t(
                    "crossings_per_day_detail",
                    lang,
                    start=span[0].strftime("%Y-%m"),
                    end=span[1].strftime("%Y-%m"),
                ),
            }
        )
        sources += sorted(region.crossings[schema.SOURCE].dropna().astype(str).unique())
    survey = _keyfigures.survey_work_trips(ctx.survey)
    if survey is not None:
        border_lines.append(
            {
                "label": t("survey_commuters_label", lang),
                "value": fmt_number(survey["work"], "people"),
                "detail": t("survey_note", lang),
            }
        )
        sources.append(ctx.survey.attrs.get("source", "SANDAG 2017"))
    else:
        border_lines.append(
            {
                "label": t("survey_commuters_label", lang),
                "value": "–",
                "detail": t("no_survey", lang),
            }
        )
    waits = ctx.am_peak_waits()
    wait_html = ""
    if len(waits):
        names = _port_names(region)
        wide = waits.pivot_table(index="port_code", columns="lane", values="median_wait")
        wide = wide[[c for c in _keyfigures.LANES if c in wide.columns]]
        wide.index = [names.get(int(c), str(c)) for c in wide.index]
        headers = {c: lane_label(c, lang) for c in wide.columns}
        wide = wide.reset_index(names="port")
        wait_html = table_html(
            wide,
            lang=lang,
            headers={"port": t("port", lang), **headers},
            kinds=dict.fromkeys(headers, "minutes"),
        )
        sources += sorted({s.split(" (")[0] for s in waits["source"]})
    else:
        border_lines.append(
            {"label": t("am_wait", lang), "value": "–", "detail": t("no_waits_profile", lang)}
        )
    return _section(
        "summary",
        t("key_figures", lang),
        [
            {
                "kind": "keyfigures",
                "cards": cards,
                "border": {
                    "title": t("the_border", lang),
                    "lines": border_lines,
                    "wait_title": t("am_wait", lang) + " (min)",
                    "wait_html": wait_html,
                    "source": "; ".join(dict.fromkeys(sources)),
                },
            }
        ],
    )


def map_variables(ctx: ReportContext) -> list[Variable]:
    """The variables of the report map: density, each group's share, the socio-economic
    measures and the local clusters (those the units have)."""
    units = ctx.region.units
    spec = ctx.region.spec

    def has(col):
        return col in units.columns and units[col].notna().any()

    out = [Variable("pop_density")]
    for group in dict.fromkeys((*spec.groups_us, *spec.groups_mx)):
        if has(group) and group not in SOCIOECONOMIC_GROUPS:
            out.append(Variable(group, schema.POP_TOTAL))
    if has("poverty_below") and has("poverty_base"):
        out.append(Variable("poverty_below", "poverty_base", label=t("poverty_share", ctx.lang)))
    if has("im_2020"):
        out.append(Variable("im_2020", cmap="PuRd_r"))
    if ctx.local is not None and "cluster" in ctx.local.columns:
        out.append(Variable("cluster", clusters=True, label=t("clusters", ctx.lang)))
    return out


#: Isochrone bands drawn on the report's map (the catchment tables give every band).
MAP_BANDS = 3


def map_isochrones(iso):
    """The isochrones the report's map draws: those that include the border wait, at the
    largest band and every other one below it (at most :data:`MAP_BANDS`), so the page stays
    under 1.5 MB with commuter bands up to 180 minutes."""
    flag = "wait_included" if "wait_included" in iso.columns else "with_wait"
    if flag in iso.columns:
        iso = iso[iso[flag].astype(bool)]
    bands = sorted(pd.unique(iso["minutes"]), reverse=True)[: 2 * MAP_BANDS : 2]
    return iso[iso["minutes"].isin(bands)]


def report_map(ctx: ReportContext):
    """One interactive map: the units drawn once with a switch between the variables of
    :func:`map_variables`, the catchments, the border and the ports."""
    region, lang = ctx.region, ctx.lang
    units = maps.with_density(region.units)
    spec = region.spec
    title = (spec.title_es or spec.title) if lang == "es" else spec.title
    m = maps.new_map(units, tiles="auto", offline=ctx.offline, lang=lang, title=title)
    # the border's time tax per unit at 7 am, one more variable of the switch (commuting_map)
    comm = (ctx.results.get("commuting") or {}).get("result")
    units, tax = time_tax_variable(units, comm, lang=lang)
    add_unit_variables(m, units, map_variables(ctx) + tax, local=ctx.local, lang=lang)
    iso = getattr(ctx.catchments, "isochrones", None)
    if iso is not None and len(iso):
        iso = map_isochrones(iso)
        maps.add_isochrones(
            m,
            iso,
            ports=region.ports,
            method=getattr(ctx.catchments, "method", None),
            show_first=False,
            # commuter bands reach 180 min: coarser outlines keep the page under 1.5 MB
            tolerance=300.0,
            min_area=1_000_000.0,
        )
    maps.add_border(m, ctx.border)
    if region.ports is not None and len(region.ports):
        maps.add_ports(m, region.ports, crossings=region.crossings, waits=region.waits)
    return maps.finish_map(m)


def overview_section(ctx: ReportContext) -> dict:
    """Both sides: the interactive map, population density and the official totals."""
    region, lang = ctx.region, ctx.lang
    units = region.units
    blocks: list[dict] = []
    m = report_map(ctx)
    blocks.append(
        {
            "kind": "map",
            "srcdoc": maps.map_html(m, offline=ctx.offline),
            "caption": t("interactive_map", lang),
            "source": t("sources_of_figure", lang, src=ctx.both_sources()),
        }
    )
    fig = static.plot_choropleth(
        maps.with_density(units),
        "pop_density",
        lang=lang,
        border=ctx.border,
        ports=region.ports,
        focus_km=FOCUS_KM,
    )
    blocks.append(
        figure_block(fig, column_label("pop_density", lang), source=ctx.both_sources(), lang=lang)
    )
    try:
        from ..units import population_check

        check = population_check(units)
        check = check.assign(
            country=[t(f"side_{c}", lang) if c in ("US", "MX") else c for c in check["country"]]
        )
        blocks.append({"kind": "heading", "text": t("pop_vs_official", lang)})
        blocks.append(
            table_block(
                check.drop(columns=["source"]),
                lang=lang,
                headers={"country": t("side", lang)},
                source="; ".join(check["source"].dropna().astype(str).unique()),
            )
        )
    except (BinationalError, KeyError, FileNotFoundError) as exc:  # pragma: no cover - manifest
        log.info("no population check: %s", exc)
    return _section("overview", t("overview", lang), blocks)


def crossings_section(ctx: ReportContext, *, months: int = 12) -> dict:
    """Crossings per port over the last year, morning-peak waits, survey trips, charts."""
    region, lang = ctx.region, ctx.lang
    blocks: list[dict] = []
    notes: list[str] = []
    names = _port_names(region)
    vols = _tables.port_volumes(region.crossings, months=months)
    per_day = _keyfigures.crossings_per_day(region.crossings, months=months)
    bts_source = "; ".join(
        sorted(region.crossings[schema.SOURCE].dropna().astype(str).unique())
        if region.crossings is not None and schema.SOURCE in region.crossings.columns
        else []
    )
    if len(vols) and per_day is not None:
        _, port_day, span = per_day
        keep = [
            c
            for c in (
                "Pedestrians",
                "Personal Vehicle Passengers",
                "Bus Passengers",
                "Train Passengers",
                "persons",
                "Personal Vehicles",
                "Trucks",
            )
            if c in vols.columns and (vols[c] != 0).any()
        ]
        table = vols[keep].copy()
        table.insert(table.columns.get_loc("persons") + 1, "persons_per_day", port_day)
        table.index = [names.get(int(c), str(c)) for c in table.index]
        headers = {c: measure_label(c, lang) for c in keep if c != "persons"}
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
            table_block(
                table.reset_index(names="port"),
                lang=lang,
                headers={"port": t("port", lang), **headers},
                kinds=dict.fromkeys(keep, "people"),
                caption=t("persons_note", lang),
                source=bts_source,
            )
        )
    else:
        notes.append(t("no_crossings", lang))
    waits = ctx.am_peak_waits()
    if len(waits):
        table = waits.assign(
            port=[names.get(int(c), str(c)) for c in waits["port_code"]],
            lane=[lane_label(v, lang) for v in waits["lane"]],
            source=[s.split(" (")[0] for s in waits["source"]],
        )[["port", "lane", "median_wait", "source"]]
        blocks.append({"kind": "heading", "text": t("wait_by_lane", lang)})
        blocks.append(
            table_block(
                table,
                lang=lang,
                headers={"port": t("port", lang)},
                caption=t("am_wait", lang),
                source="; ".join(sorted(set(waits["source"]))),
            )
        )
    survey = _keyfigures.survey_work_trips(ctx.survey)
    if survey is not None:
        table = survey["table"].copy()
        table.insert(0, "port", [names.get(int(c), str(c)) for c in table.pop("port_code")])
        table["lane"] = [lane_label(v, lang) for v in table["lane"]]
        purposes = [c for c in ("HBW", "HBS", "HBO") if c in table.columns]
        blocks.append({"kind": "heading", "text": t("survey_table", lang)})
        blocks.append(
            table_block(
                table[["port", "lane", *purposes]],
                lang=lang,
                headers={"port": t("port", lang), **{p: purpose_label(p, lang) for p in purposes}},
                kinds=dict.fromkeys(purposes, "people"),
                caption=t("survey_note", lang),
                source=ctx.survey.attrs.get("source", ""),
            )
        )
    try:
        fig = static.plot_monthly_crossings(region.crossings, ports=region.ports, lang=lang)
        blocks.append(figure_block(fig, t("crossings", lang), source=bts_source, lang=lang))
    except RenderError as exc:
        notes.append(str(exc))
    try:
        fig = static.plot_wait_by_hour(region.waits, ports=region.ports, lang=lang)
        used = _tables.wait_by_hour(region.waits).attrs.get("source", {})
        blocks.append(
            figure_block(
                fig,
                t("median_wait_hour", lang),
                source="; ".join(sorted(set(map(str, used.values())))),
                lang=lang,
            )
        )
    except RenderError as exc:
        log.info("no wait chart: %s", exc)
        notes.append(t("no_waits_profile", lang))
    return _section("crossings", t("crossings_waits", lang), blocks, notes)


def _scope(scope, lang: str) -> str:
    scope = str(scope)
    return t(f"side_{scope}", lang) if scope in ("US", "MX", "binational") else scope


def _index_table(table: pd.DataFrame, groups, lang: str, permutations: int) -> dict | None:
    ok = table[table["status"].astype(str) == "ok"] if "status" in table.columns else table
    ok = ok[ok["group"].astype(str).isin(groups)]
    if ok.empty:
        return None
    lo = ok["ci_low"].astype("float64") if "ci_low" in ok.columns else None
    hi = ok["ci_high"].astype("float64") if "ci_high" in ok.columns else None
    ci = (
        [
            f"{a:.3f} – {b:.3f}" if np.isfinite(a) and np.isfinite(b) else "–"
            for a, b in zip(lo, hi, strict=True)
        ]
        if lo is not None and hi is not None
        else ["–"] * len(ok)
    )
    out = pd.DataFrame(
        {
            "scope": [_scope(s, lang) for s in ok["scope"]],
            "group": [column_label(str(g), lang) for g in ok["group"]],
            "index": [index_label(str(i), lang) for i in ok["index"]],
            "value": ok["value"].astype("float64").to_numpy(),
            "ci": ci,
            "p_value": ok["p_value"].astype("float64").to_numpy()
            if "p_value" in ok.columns
            else np.nan,
            "n_units": ok["n_units"].to_numpy() if "n_units" in ok.columns else np.nan,
            "note": [note_label(str(n), lang) if isinstance(n, str) else "" for n in ok["note"]]
            if "note" in ok.columns
            else "",
        }
    )
    return table_block(out, lang=lang, caption=t("interval_note", lang, n=permutations))


def socioeconomic_section(ctx: ReportContext) -> dict | None:
    """CONAPO urban marginalisation (Mexico) and ACS poverty (US), apart from ethnicity."""
    region, lang = ctx.region, ctx.lang
    units = region.units
    blocks: list[dict] = []
    notes: list[str] = []
    has_mx = "im_2020" in units.columns and units["im_2020"].notna().any()
    has_us = (
        "poverty_below" in units.columns
        and "poverty_base" in units.columns
        and units["poverty_below"].notna().any()
    )
    if not (has_mx or has_us):
        return None
    try:
        fig = static.plot_two_sided(
            units,
            us=("poverty_below", "poverty_base") if has_us else None,
            mx=("im_2020", None) if has_mx else None,
            cmaps=("YlOrRd", "PuRd_r"),
            lang=lang,
            border=ctx.border,
            ports=region.ports,
            focus_km=FOCUS_KM,
        )
        caption = (
            t("socioeconomic", lang)
            + ". "
            + t(
                "two_sided_note",
                lang,
                us=t("poverty_share", lang).lower(),
                mx=column_label("im_2020", lang).split(" (")[0].lower(),
            )
        )
        blocks.append(figure_block(fig, caption, source=ctx.both_sources(), lang=lang))
    except RenderError as exc:
        notes.append(str(exc))
    if "gm_2020" in units.columns and units["gm_2020"].notna().any():
        mx = units[units[schema.COUNTRY] == schema.MX]
        order = ["Muy bajo", "Bajo", "Medio", "Alto", "Muy alto"]
        pop = mx.groupby(mx["gm_2020"].astype(str))[schema.POP_TOTAL].sum().astype("float64")
        pop = pop.reindex(
            [g for g in order if g in pop.index] + [g for g in pop.index if g not in order]
        )
        grades = pd.DataFrame(
            {
                "grade": pop.index,
                "units": mx.groupby(mx["gm_2020"].astype(str)).size().reindex(pop.index).to_numpy(),
                "population": pop.to_numpy(),
                "share": (pop / pop.sum()).to_numpy(),
            }
        )
        blocks.append({"kind": "heading", "text": t("marg_grades", lang)})
        blocks.append(table_block(grades, lang=lang, source=ctx.side_source(schema.MX)))
    table = ctx.conc_table
    if table is not None and len(table):
        block = _index_table(table, SOCIOECONOMIC_GROUPS, lang, ctx.permutations)
        if block:
            blocks.append({"kind": "heading", "text": t("concentration_of", lang)})
            blocks.append(block)
    return _section("socioeconomic", t("socioeconomic", lang), blocks, notes)


def concentration_section(ctx: ReportContext) -> dict:
    """Ethnic concentration: index table, a two-sided share map and the local clusters."""
    region, lang = ctx.region, ctx.lang
    blocks: list[dict] = []
    notes: list[str] = []
    table = ctx.conc_table
    if ctx.concentration is None or table is None:
        notes.append(t("not_available", lang, reason=t("see_missing", lang)))
        return _section("concentration", t("concentration", lang), blocks, notes)
    spec = region.spec
    ethnic = [g for g in (*spec.groups_us, *spec.groups_mx) if g not in SOCIOECONOMIC_GROUPS]
    block = _index_table(table, ethnic, lang, ctx.permutations)
    if block:
        blocks.append(block)
    skipped = (
        table[table["status"].astype(str) != "ok"] if "status" in table.columns else table.iloc[0:0]
    )
    for (scope, note), _ in skipped.groupby(["scope", "note"], dropna=False):
        notes.append(f"{_scope(scope, lang)}: {note_label(str(note), lang)}")
    units = region.units

    def first_with_values(groups, side):
        part = units[units[schema.COUNTRY] == side]
        for g in groups:
            if g in part.columns and part[g].notna().any() and g not in SOCIOECONOMIC_GROUPS:
                return g
        return None

    us_group = first_with_values(spec.groups_us, schema.US)
    mx_group = first_with_values(spec.groups_mx, schema.MX)
    if us_group or mx_group:
        try:
            fig = static.plot_two_sided(
                units,
                us=(us_group, schema.POP_TOTAL) if us_group else None,
                mx=(mx_group, schema.POP_TOTAL) if mx_group else None,
                lang=lang,
                border=ctx.border,
                ports=region.ports,
                missing_note=None if mx_group else t("mx_no_ethnic", lang),
                focus_km=FOCUS_KM,
            )
            label = column_label(us_group or mx_group, lang)
            blocks.append(
                figure_block(
                    fig,
                    t(
                        "share_of",
                        lang,
                        col=label,
                        den=column_label(schema.POP_TOTAL, lang).lower(),
                    ),
                    source=ctx.both_sources(),
                    lang=lang,
                )
            )
        except RenderError as exc:
            notes.append(str(exc))
    loc = ctx.local
    if loc is not None and "cluster" in loc.columns:
        groups = []
        if "group" in loc.columns and schema.COUNTRY in loc.columns:
            for side, g in loc.groupby(schema.COUNTRY)["group"].first().items():
                groups.append(f"{column_label(str(g), lang)} ({t('side_' + str(side), lang)})")
        fig = static.plot_clusters(
            loc, lang=lang, border=ctx.border, ports=region.ports, focus_km=FOCUS_KM
        )
        caption = t("clusters_caption", lang) + (": " + "; ".join(groups) if groups else "")
        blocks.append(figure_block(fig, caption, source=ctx.both_sources(), lang=lang))
    return _section("concentration", t("concentration", lang), blocks, notes)


def _zero_reason(rows: pd.DataFrame, summary, lang: str) -> str:
    """Why a port × side × variant row is all zero (or nearly), or ''."""
    bands = [c for c in rows.index if c.startswith("≤")]
    values = rows[bands].astype("float64")
    if values.max() >= 100:
        return ""
    if rows["wait_included"]:
        wait = None
        if summary is not None and "wait_minutes" in summary.columns:
            sel = summary[summary["port_name"].astype(str) == str(rows["port_name"])]
            if len(sel):
                wait = float(sel["wait_minutes"].iloc[0])
        longest = max(float(b.split()[1]) for b in bands) if bands else float("nan")
        if wait is not None and wait >= longest:
            return t("zero_band_wait", lang, w=f"{wait:.0f}", m=f"{longest:.0f}")
    if values.max() > 0:
        return t("zero_band_tiny", lang)
    return t("zero_band_cut", lang)


def _wait_source(value, lang: str) -> str:
    text = str(value)
    if text.startswith("table"):
        rest = text[len("table") :].replace("nearest hour", t("nearest_hour", lang))
        return t("wait_source_table", lang) + rest
    if text.startswith("none"):
        return t("wait_source_zero", lang)
    return text


def catchments_section(ctx: ReportContext) -> dict:
    """Commuting catchments: isochrones, population reached (with reasons for empty rows),
    port-sheds and the model settings."""
    region, lang, catch = ctx.region, ctx.lang, ctx.catchments
    blocks: list[dict] = []
    notes: list[str] = []
    if catch is None:
        notes.append(t("not_available", lang, reason=t("see_missing", lang)))
        return _section("catchments", t("catchments", lang), blocks, notes)
    method = getattr(catch, "method", "")
    if "straight" in str(method):
        notes.append(t("straight_line", lang) + ": " + str(region.missing.get("network", "")))
    iso = catch.isochrones
    src = ctx.both_sources()
    try:
        blocks.append(
            figure_block(
                static.plot_isochrones(
                    iso,
                    units=region.units,
                    ports=region.ports,
                    border=ctx.border,
                    method=method,
                    lang=lang,
                    focus_km=FOCUS_KM,
                ),
                t("isochrones", lang),
                source=src,
                lang=lang,
            )
        )
        blocks.append(
            figure_block(
                static.plot_population_reached(iso, method=method, lang=lang),
                t("population_reached", lang),
                source=src,
                lang=lang,
            )
        )
    except RenderError as exc:
        notes.append(str(exc))
    reached = static.population_reached(iso)
    wide = reached.pivot_table(
        index=["port_name", "side", "wait_included"], columns="minutes", values="pop", aggfunc="sum"
    ).reset_index()
    wide.columns = [f"≤ {c:g} min" if isinstance(c, float) else str(c) for c in wide.columns]
    summary = getattr(catch, "summary", None)
    reasons = pd.Series([_zero_reason(row, summary, lang) for _, row in wide.iterrows()])
    wide["side"] = [t(f"side_{s}", lang) if s in ("US", "MX") else s for s in wide["side"]]
    blocks.append({"kind": "heading", "text": t("population_reached", lang)})
    blocks.append(
        table_block(
            wide,
            lang=lang,
            row_notes=reasons,
            kinds={c: "people" for c in wide.columns if c.startswith("≤")},
            source=src,
        )
    )
    if summary is not None and len(summary):
        cols = [
            c
            for c in summary.columns
            if c in ("port_name", "wait_minutes", "wait_source", "shed_mean_crossing_minutes")
            or c.startswith(("shed_pop_", "huff_pop_", "shed_units_"))
        ]
        sheds = summary[cols].copy()
        if "wait_source" in sheds.columns:
            sheds["wait_source"] = [_wait_source(v, lang) for v in sheds["wait_source"]]
        notes_col = []
        for _, row in sheds.iterrows():
            empty = [
                t(f"side_{c[-2:]}", lang)
                for c in cols
                if c.startswith("shed_pop_") and c[-2:] in ("US", "MX") and not row[c] > 0
            ]
            notes_col.append(t("zero_shed", lang, sides=", ".join(empty)) if empty else "")
        blocks.append({"kind": "heading", "text": t("port_sheds", lang)})
        blocks.append(table_block(sheds, lang=lang, source=src, row_notes=pd.Series(notes_col)))
    params = getattr(catch, "params", {}) or {}
    shown = [param_label(k, v, lang) for k, v in params.items()]
    shown = [s for s in shown if s]
    if shown:
        blocks.append(
            {"kind": "text", "text": t("catchment_params", lang) + ": " + " · ".join(shown)}
        )
    return _section("catchments", t("catchments", lang), blocks, notes)


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


def methods_section(ctx: ReportContext) -> dict:
    items = _METHODS_ES if ctx.lang == "es" else _METHODS_EN
    return _section("methods", t("methods", ctx.lang), [{"kind": "list", "items": items}])


def sources_section(ctx: ReportContext) -> dict:
    region, lang = ctx.region, ctx.lang
    blocks: list[dict] = []
    src = getattr(region, "sources", None)
    if src is not None and len(src):
        cols = [c for c in ("layer", "path", "bytes") if c in src.columns]
        table = src[cols].copy()
        if "path" in table.columns:
            table["path"] = (
                table["path"]
                .astype(str)
                .map(lambda p: "; ".join(Path(x).name for x in p.split(";")))
            )
        if "layer" in table.columns:
            table["layer"] = [layer_label(v, lang) for v in table["layer"]]
        blocks.append(table_block(table, lang=lang))
    vintages = set()
    for frame in (region.units, region.crossings, region.waits):
        if frame is not None and schema.SOURCE in getattr(frame, "columns", []):
            vintages.update(frame[schema.SOURCE].dropna().astype(str).unique())
    if "source" in region.ports.columns:
        vintages.update(region.ports["source"].dropna().astype(str).unique())
    if ctx.survey is not None:
        vintages.add(ctx.survey.attrs.get("source", ""))
    blocks.append({"kind": "list", "items": sorted(v for v in vintages if v)})
    return _section("sources", t("sources", lang), blocks)


def _versions() -> list[tuple[str, str]]:
    from importlib.metadata import PackageNotFoundError, version

    out = [("binational", __version__), ("python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            continue
    return out


def reproduce_section(ctx: ReportContext) -> dict:
    """The exact command, the package versions and the SHA-256 of every data file read."""
    lang = ctx.lang
    files = []
    for path in dict.fromkeys(ctx.data_files):
        p = Path(path)
        if p.is_file():
            files.append({"file": p.name, "sha256": file_sha256(p)})
    return _section(
        "reproduce",
        t("reproduce", lang),
        [
            {
                "kind": "reproduce",
                "command_title": t("reproduce_cmd", lang),
                "command": ctx.command,
                "versions_title": t("reproduce_versions", lang),
                "versions": [f"{n} {v}" for n, v in _versions()],
                "files_title": t("reproduce_files", lang),
                "files": files,
            }
        ],
    )


def _fragment_section(sid: str, fragment: str) -> dict:
    """A section dict around an HTML fragment that brings its own ``<section><h2>``: the
    heading becomes the section title (for the page's navigation) and the rest one block."""
    m = re.match(r"\s*<section[^>]*>\s*<h2>(.*?)</h2>(.*)</section>\s*$", fragment, flags=re.S)
    if m is None:
        raise RenderError(f"section {sid!r}: fragment does not start with <section><h2>")
    title = html_lib.unescape(m.group(1))  # the template escapes the title again
    return _section(sid, title, [{"kind": "html", "html": m.group(2)}])


def groups_report_section(ctx: ReportContext) -> dict | None:
    """Named migrant and ethnic groups per side (``ctx.results["groups"]``, from
    :func:`binational.pipeline.groups_results`): indices with bootstrap, ACS-MOE and
    bias-corrected MOE intervals, multigroup and multiscalar profiles, ITER composition and
    what is and is not compared across the line. Left out when not computed."""
    res = ctx.results.get("groups")
    if not res:
        return None
    from .groups_section import groups_section

    # the socio-economic context has its own section (socioeconomic_section)
    kwargs = {k: v for k, v in res.items() if k != "context"}
    fragment = groups_section(lang=ctx.lang, region=ctx.region.spec.name, **kwargs)
    return _fragment_section("groups", fragment)


def commuting_report_section(ctx: ReportContext) -> dict | None:
    """Daily cross-border commuting (``ctx.results["commuting"]``, from
    :func:`binational.pipeline.commuting_results`): observed trips, the fitted port-and-lane
    model with its held-out fit table, the time-tax map and the scenario. Left out when not
    computed."""
    res = ctx.results.get("commuting")
    if not res:
        return None
    from .commuting_section import commuting_section

    result = res["result"]
    png = None
    units = getattr(result, "units", None)
    if units is not None and "time_tax_minutes" in units.columns:
        fig = static.plot_two_sided(
            units,
            us=("time_tax_minutes", None),
            mx=("time_tax_minutes", None),
            lang=ctx.lang,
            border=ctx.border,
            ports=ctx.region.ports,
            focus_km=40,
        )
        png = static.figure_bytes(fig, fmt="png", dpi=80, colors=64)
    fragment = commuting_section(
        result,
        lang=ctx.lang,
        scenario=res.get("scenario"),
        scenario_name=res.get("scenario_name"),
        person_hours=res.get("person_hours"),
        pedestrians=res.get("pedestrians"),
        time_tax_png=png,
        port_names=_port_names(ctx.region),
    )
    return _fragment_section("commuting", fragment)


def missing_section(ctx: ReportContext) -> dict:
    region, lang = ctx.region, ctx.lang
    items = [f"{k}: {v}" for k, v in {**getattr(region, "missing", {}), **ctx.missing}.items()]
    blocks = [{"kind": "list", "items": items or ["–"]}]
    drops = getattr(region, "drops", None)
    if drops is not None and len(drops):
        blocks.append({"kind": "heading", "text": t("dropped", lang)})
        blocks.append(table_block(drops.summary(), lang=lang))
    return _section("missing", t("missing", lang), blocks)


#: The report's sections in order. Each takes a :class:`ReportContext` and returns a section
#: dict (or None to leave it out). Add one with ``insert_section``.
SECTIONS: tuple[Section, ...] = (
    summary_section,
    overview_section,
    crossings_section,
    socioeconomic_section,
    concentration_section,
    groups_report_section,
    catchments_section,
    commuting_report_section,
    methods_section,
    sources_section,
    reproduce_section,
    missing_section,
)


def insert_section(
    sections: Sequence[Section], section: Section, *, after: str
) -> tuple[Section, ...]:
    """``sections`` with ``section`` inserted after the one named ``<after>_section``
    (e.g. ``after="catchments"``); at the end if there is none."""
    out = list(sections)
    names = [getattr(s, "__name__", "") for s in out]
    key = f"{after}_section"
    pos = names.index(key) + 1 if key in names else len(out)
    out.insert(pos, section)
    return tuple(out)


# ------------------------------------------------------------------------------------------------
# entry points


def default_command(region, *, lang: str, permutations: int, out: str = "report") -> str:
    """The CLI command that makes this report (for the "reproduce this" box)."""
    args = ["binational", "report", region.spec.name, "--out", str(out)]
    if lang != "en":
        args += ["--lang", lang]
    if permutations != 499:
        args += ["--permutations", str(permutations)]
    return _with_data_dir(shlex.join(args))


def _data_files(region, survey_path) -> list[Path]:
    files: list[Path] = []
    src = getattr(region, "sources", None)
    if src is not None and "path" in getattr(src, "columns", []):
        for value in src["path"].astype(str):
            files += [Path(p) for p in value.split(";") if p]
    if survey_path is not None:
        files.append(Path(survey_path))
    try:  # the package's own tables: region presets and the ports registry
        from .._data import manifest_dir

        files += [manifest_dir() / n for n in ("regions.toml", "ports.csv", "admin_totals.csv")]
    except FileNotFoundError:  # pragma: no cover - broken install
        pass
    return files


def _with_data_dir(command: str) -> str:
    """``command`` prefixed with ``BINATIONAL_DATA_DIR=...`` when it depends on it."""
    data = os.environ.get("BINATIONAL_DATA_DIR")
    if not data or "--data-dir" in command or command.startswith("BINATIONAL_DATA_DIR="):
        return command
    return f"BINATIONAL_DATA_DIR={shlex.quote(data)} {command}"


def build_report(
    region,
    *,
    lang: str = "en",
    concentration="auto",
    catchments="auto",
    permutations: int = 499,
    seed: int = 0,
    offline: bool = True,
    sections: Sequence[Section] | None = None,
    results: Mapping | None = None,
    command: str | None = None,
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
    sections
        Section functions in order (default :data:`SECTIONS`).
    results
        Further precomputed results for added sections (``ctx.results``).
    command
        The command shown in the "reproduce this" box (default: the equivalent CLI call).

    Returns
    -------
    ReportParts
        The HTML, the concentration and catchment results it used, what is missing and why, and
        the time each section took.
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
        conc_local = side_local(conc.local, region.units)
    if region.ports is None or len(region.ports) == 0:
        missing["ports"] = "no ports of entry for this region"
    survey, survey_path = _read_survey(region, missing)
    ctx = ReportContext(
        region=region,
        lang=lang,
        concentration=conc,
        catchments=catch,
        border=border,
        local=conc_local,
        survey=survey,
        missing=missing,
        results=dict(results or {}),
        offline=offline,
        permutations=permutations,
        seed=seed,
        command=_with_data_dir(command)
        if command
        else default_command(region, lang=lang, permutations=permutations),
        data_files=_data_files(region, survey_path),
    )
    built = []
    for fn in SECTIONS if sections is None else sections:
        s0 = time.perf_counter()
        with step(f"report section {getattr(fn, '__name__', 'section')}"):
            section = fn(ctx)
        timings[f"section_{getattr(fn, '__name__', 'section')}"] = time.perf_counter() - s0
        if section:
            built.append(section)
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
            sections=built,
            reproduce_link=t("reproduce", lang),
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
    sections: Sequence[Section] | None = None,
    results: Mapping | None = None,
    command: str | None = None,
) -> Path:
    """Build the report (:func:`build_report`) and write ``out_dir/<region>.html`` atomically.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    out_dir
        Output folder (created).
    lang, concentration, catchments, permutations, seed, offline, sections, results, command
        As in :func:`build_report`.
    name
        File stem (default: the region name, with ``.es`` for Spanish).

    Returns
    -------
    pathlib.Path
        The written HTML file.

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
        sections=sections,
        results=results,
        command=command
        or default_command(region, lang=lang, permutations=permutations, out=str(out_dir)),
    )
    stem = name or region.spec.name + ("" if lang == "en" else f".{lang}")
    return atomic_write_text(out / f"{stem}.html", parts.html)
