"""Commuting catchments: isochrones, population reached (with a reason beside every all-zero
row), port-sheds and the model settings."""

from __future__ import annotations

import pandas as pd

from ..._log import get_logger
from ...errors import RenderError
from ..labels import (
    param_label,
    t,
)
from .context import (
    FOCUS_KM,
    ReportContext,
    section,
)

log = get_logger(__name__)


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
    from .. import static
    from .._blocks import figure_block, table_block

    region, lang, catch = ctx.region, ctx.lang, ctx.catchments
    blocks: list[dict] = []
    notes: list[str] = []
    if catch is None:
        notes.append(t("not_available", lang, reason=t("see_missing", lang)))
        return section("catchments", t("catchments", lang), blocks, notes)
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
    return section("catchments", t("catchments", lang), blocks, notes)
