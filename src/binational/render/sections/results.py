"""Sections of results computed by :mod:`binational.pipeline` beyond concentration and
catchments: the named groups and the commuting model, each an HTML fragment of its own."""

from __future__ import annotations

from ..._log import get_logger
from .context import (
    ReportContext,
    fragment_section,
    port_names,
)

log = get_logger(__name__)


def groups_report_section(ctx: ReportContext) -> dict | None:
    """Named migrant and ethnic groups per side (``ctx.results["groups"]``, from
    :func:`binational.pipeline.groups_results`): indices with bootstrap, ACS-MOE and
    bias-corrected MOE intervals, multigroup and multiscalar profiles, ITER composition and
    what is and is not compared across the line. Left out when not computed."""
    res = ctx.results.get("groups")
    if not res:
        return None
    from ..groups_section import groups_section

    # the socio-economic context has its own section (socioeconomic_section)
    kwargs = {k: v for k, v in res.items() if k != "context"}
    fragment = groups_section(lang=ctx.lang, region=ctx.region.spec.name, **kwargs)
    return fragment_section("groups", fragment)


def commuting_report_section(ctx: ReportContext) -> dict | None:
    """Daily cross-border commuting (``ctx.results["commuting"]``, from
    :func:`binational.pipeline.commuting_results`): observed trips, the fitted port-and-lane
    model with its held-out fit table, the time-tax map and the scenario. Left out when not
    computed."""
    from .. import static

    res = ctx.results.get("commuting")
    if not res:
        return None
    from ..commuting_section import commuting_section

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
        heldout=res.get("heldout"),
        time_tax_png=png,
        port_names=port_names(ctx.region),
    )
    return fragment_section("commuting", fragment)
