"""Ethnic concentration and the socio-economic context: index tables with intervals, two-sided
share maps and the local clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import schema
from ..._log import get_logger
from ...errors import RenderError
from ..labels import (
    column_label,
    index_label,
    note_label,
    t,
)
from .context import (
    FOCUS_KM,
    SOCIOECONOMIC_GROUPS,
    ReportContext,
    section,
)

log = get_logger(__name__)


def _scope(scope, lang: str) -> str:
    scope = str(scope)
    return t(f"side_{scope}", lang) if scope in ("US", "MX", "binational") else scope


def _index_table(table: pd.DataFrame, groups, lang: str, permutations: int) -> dict | None:
    from .._blocks import table_block

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
    from .. import static
    from .._blocks import figure_block, table_block

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
    return section("socioeconomic", t("socioeconomic", lang), blocks, notes)


def concentration_section(ctx: ReportContext) -> dict:
    """Ethnic concentration: index table, a two-sided share map and the local clusters."""
    from .. import static
    from .._blocks import figure_block

    region, lang = ctx.region, ctx.lang
    blocks: list[dict] = []
    notes: list[str] = []
    table = ctx.conc_table
    if ctx.concentration is None or table is None:
        notes.append(t("not_available", lang, reason=t("see_missing", lang)))
        return section("concentration", t("concentration", lang), blocks, notes)
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
    return section("concentration", t("concentration", lang), blocks, notes)
