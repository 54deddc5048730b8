"""Both sides: the interactive map (every variable on one units layer, catchments, border,
ports); then population: a density map and the population against the official totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ... import schema
from ..._log import get_logger
from ..labels import (
    column_label,
    t,
)
from .context import (
    FOCUS_KM,
    SOCIOECONOMIC_GROUPS,
    ReportContext,
    section,
)

if TYPE_CHECKING:
    from .._report_map import Variable

log = get_logger(__name__)


def map_variables(ctx: ReportContext) -> list[Variable]:
    """The variables of the report map: density, each group's share, the socio-economic
    measures and the local clusters (those the units have)."""
    from .._report_map import Variable

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
    from .. import maps, overlays
    from .._report_map import add_unit_variables, unit_web_geometry
    from ..commuting_map import time_tax_variable

    region, lang = ctx.region, ctx.lang
    units = maps.with_density(region.units)
    spec = region.spec
    title = (spec.title_es or spec.title) if lang == "es" else spec.title
    m = maps.new_map(units, tiles="auto", offline=ctx.offline, lang=lang, title=title)
    # the border's time tax per unit at 7 am, one more variable of the switch (commuting_map)
    comm = (ctx.results.get("commuting") or {}).get("result")
    units, tax = time_tax_variable(units, comm, lang=lang)
    add_unit_variables(
        m,
        units,
        map_variables(ctx) + tax,
        local=ctx.local,
        lang=lang,
        web_geoms=unit_web_geometry(region.units),
    )
    iso = getattr(ctx.catchments, "isochrones", None)
    if iso is not None and len(iso):
        iso = map_isochrones(iso)
        overlays.add_isochrones(
            m,
            iso,
            ports=region.ports,
            method=getattr(ctx.catchments, "method", None),
            show_first=False,
            # commuter bands reach 180 min: coarser outlines keep the page under 1.5 MB
            tolerance=300.0,
            min_area=1_000_000.0,
        )
    overlays.add_border(m, ctx.border)
    if region.ports is not None and len(region.ports):
        overlays.add_ports(m, region.ports, crossings=region.crossings, waits=region.waits)
    return maps.finish_map(m)


def overview_section(ctx: ReportContext) -> dict:
    """Both sides: the interactive map (the census units with every variable, the catchments,
    the border and the ports)."""
    from .. import maps

    blocks = [
        {
            "kind": "map",
            "srcdoc": maps.map_html(report_map(ctx), offline=ctx.offline),
            "caption": t("interactive_map", ctx.lang),
            "source": t("sources_of_figure", ctx.lang, src=ctx.both_sources()),
        }
    ]
    return section("overview", t("overview", ctx.lang), blocks)


def prepare_overview(ctx: ReportContext) -> None:
    """Compute ahead, into the report's memo, what the map reads of the region alone: the
    units' outlines for the web and the ports' volumes and hourly waits. A report runs it on
    the side that draws the map while the other side finishes (``overview_section.prepare``)."""
    from .. import _tables
    from .._report_map import unit_web_geometry
    from ..overlays import PORT_MONTHS

    region = ctx.region
    unit_web_geometry(region.units)
    if region.ports is not None and len(region.ports):
        _tables.port_volumes(region.crossings, months=PORT_MONTHS)  # as add_ports asks
        _tables.wait_by_hour(region.waits)


overview_section.prepare = prepare_overview  # type: ignore[attr-defined]


def population_section(ctx: ReportContext) -> dict:
    """Population density on both sides and the population of the census units against the
    official totals (``ctx.results["population_check"]``, when the pipeline computed it).

    It reads only the region, so a report can draw it beside its analyses."""
    from .. import static
    from .._blocks import figure_block, table_block
    from .._tables import with_density  # not through maps: no folium for a static figure

    region, lang = ctx.region, ctx.lang
    blocks: list[dict] = []
    fig = static.plot_choropleth(
        with_density(region.units),
        "pop_density",
        lang=lang,
        border=ctx.border,
        ports=region.ports,
        focus_km=FOCUS_KM,
    )
    blocks.append(
        figure_block(fig, column_label("pop_density", lang), source=ctx.both_sources(), lang=lang)
    )
    check = ctx.results.get("population_check")  # binational.units.population_check
    if check is not None and len(check):
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
    return section("population", t("population_section", lang), blocks)
