"""Crossings and waits: 12-month volumes by port, morning-peak waits by lane, survey trips and
the monthly and hour-of-day charts."""

from __future__ import annotations

from ... import schema
from ..._log import get_logger
from ...errors import RenderError
from .. import _keyfigures, _tables
from ..labels import (
    lane_label,
    measure_label,
    purpose_label,
    t,
)
from .context import (
    ReportContext,
    port_names,
    section,
)

log = get_logger(__name__)


def crossings_section(ctx: ReportContext, *, months: int = 12) -> dict:
    """Crossings per port over the last year, morning-peak waits, survey trips, charts."""
    from .. import static
    from .._blocks import figure_block, table_block

    region, lang = ctx.region, ctx.lang
    blocks: list[dict] = []
    notes: list[str] = []
    names = port_names(region)
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
    return section("crossings", t("crossings_waits", lang), blocks, notes)
