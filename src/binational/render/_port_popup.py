"""The popup of a port of entry on the interactive maps: names, volumes over the last months
and the median wait by hour as a small inline SVG bar chart (no JavaScript library)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import schema
from ._leaflet import str_or_none
from .labels import measure_label, t

__all__ = ["port_popup", "wait_svg"]


def wait_svg(hours: np.ndarray, *, lang: str) -> str:
    """A 24-bar inline SVG chart of median wait by hour (no external library)."""
    width, height, pad = 240, 70, 14
    finite = hours[np.isfinite(hours)]
    top = max(float(finite.max()) if finite.size else 0.0, 1.0)
    bar = width / 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + pad}" '
        f'role="img" aria-label="{html.escape(t("median_wait_hour", lang))}">'
    ]
    for h, value in enumerate(hours):
        if not np.isfinite(value):
            continue
        bh = value / top * height
        parts.append(
            f'<rect x="{h * bar + 1:.1f}" y="{height - bh:.1f}" width="{bar - 2:.1f}" '
            f'height="{bh:.1f}" fill="#3182bd"><title>{h}:00 {value:.0f} min</title></rect>'
        )
    for h in (0, 6, 12, 18):
        parts.append(
            f'<text x="{h * bar + 1:.0f}" y="{height + pad - 2}" font-size="9">{h}h</text>'
        )
    parts.append(
        f'<text x="{width - 2}" y="9" font-size="9" text-anchor="end">{top:.0f} min</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def port_popup(
    row: pd.Series,
    volumes: pd.DataFrame,
    waits: pd.DataFrame,
    *,
    span,
    lang: str,
) -> str:
    """The popup HTML of one port: names, 12-month volumes by measure and the wait chart."""
    code = row[schema.PORT_CODE]
    name = html.escape(str(row.get("name", code)))
    garita = str_or_none(row.get("name_mx"))
    out = [f'<div class="bn-popup"><b>{name}</b> ({html.escape(str(code))})']
    if garita:
        out.append(f"<br>{t('garita', lang)}: {html.escape(garita)}")
    if code in volumes.index and span is not None:
        out.append(
            "<br><small>"
            + html.escape(
                t(
                    "crossings_12m",
                    lang,
                    start=span[0].strftime("%Y-%m"),
                    end=span[1].strftime("%Y-%m"),
                )
            )
            + "</small><table>"
        )
        vol = volumes.loc[code].drop(labels=["persons"], errors="ignore")
        for measure, value in vol[vol > 0].sort_values(ascending=False).items():
            out.append(
                f"<tr><td>{html.escape(measure_label(measure, lang))}</td>"
                f'<td class="n">{value:,.0f}</td></tr>'
            )
        out.append("</table>")
    else:
        out.append(f"<br><small>{t('no_crossings', lang)}</small>")
    if code in waits.index and np.isfinite(waits.loc[code].to_numpy(dtype=float)).any():
        out.append(f"<small>{html.escape(t('median_wait_hour', lang))}</small><br>")
        out.append(wait_svg(waits.loc[code].to_numpy(dtype=float), lang=lang))
        source = str(waits.attrs.get("source", {}).get(code, "")).split(" (")[0]
        if source:
            out.append(f"<br><small>{html.escape(source)}</small>")
    else:
        out.append(f"<br><small>{t('no_waits', lang)}</small>")
    out.append("</div>")
    return "".join(out)
