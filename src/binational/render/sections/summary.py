"""The key figures: population and main groups per side, people crossing per day, the
morning-peak wait by lane and the survey's work trips."""

from __future__ import annotations

import numpy as np

from ... import schema
from ..._log import get_logger
from .. import _keyfigures
from ..labels import (
    column_label,
    header_label,
    lane_label,
    t,
)
from .context import (
    ReportContext,
    port_names,
    section,
)

log = get_logger(__name__)


def _group_line(g: dict, lang: str) -> dict:
    from .._blocks import fmt_number

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
    from .._blocks import fmt_number, table_html

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
        names = port_names(region)
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
    return section(
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
