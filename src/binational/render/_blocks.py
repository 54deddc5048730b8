"""Building blocks of report sections: formatted numbers, labelled tables, figures with sources.

A report section is a dict ``{"id", "title", "notes", "blocks"}``; each block is a dict with a
``kind`` the template knows (``table``, ``figure``, ``heading``, ``text``, ``list``, ``map``,
``html``, ``keyfigures``). Section modules (``report.py``, and the commuting and groups
sections) build them with :func:`table_block` and :func:`figure_block` so that every table header
is a human label in the report's language, every number is formatted by what it counts, and
every figure carries its source.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import static
from .labels import header_label, t

__all__ = [
    "KINDS",
    "figure_block",
    "fmt_number",
    "kind_of",
    "table_block",
    "table_html",
]

#: How a column's numbers are written, by column name. ``people``: whole numbers with thousands
#: separators; ``share``: per cent; ``p``: p-value; ``index``: three decimals; ``minutes``: whole
#: minutes; ``count``: whole numbers; ``ratio``: three decimals; ``seconds``: two decimals.
KINDS: dict[str, str] = {
    "pop_total": "people",
    "population": "people",
    "pop": "people",
    "pop_units": "people",
    "pop_2020": "people",
    "persons": "people",
    "persons_per_day": "people",
    "trips_per_day": "people",
    "shed_pop": "people",
    "huff_pop": "people",
    "value": "index",
    "ci_low": "index",
    "ci_high": "index",
    "p_value": "p",
    "n_units": "count",
    "units": "count",
    "shed_units": "count",
    "n": "count",
    "bytes": "count",
    "ratio": "ratio",
    "share": "share",
    "group_share": "share",
    "wait_minutes": "minutes",
    "median_wait": "minutes",
    "shed_mean_crossing_minutes": "minutes",
    "seconds": "seconds",
    "port_code": "code",
}


def kind_of(column: str) -> str | None:
    """The number kind of a column (:data:`KINDS`; ``_US``/``_MX`` suffixes ignored)."""
    col = str(column)
    if col in KINDS:
        return KINDS[col]
    for side in ("_US", "_MX"):
        if col.endswith(side) and col[: -len(side)] in KINDS:
            return KINDS[col[: -len(side)]]
    if col.startswith(("pop_", "≤")):
        return "people"
    return None


def _missing(v) -> bool:
    if v is None or v is pd.NA:
        return True
    try:
        return bool(isinstance(v, (float, np.floating)) and not np.isfinite(v))
    except TypeError:  # pragma: no cover - exotic scalars
        return False


def fmt_number(v, kind: str | None = None, *, lang: str = "en") -> str:
    """Format one value for a report table: people as whole numbers (``1,234,567``), shares as
    per cent (``12.3 %``), p-values (``< 0.001``, ``0.004``), indices with three decimals,
    minutes whole, booleans as yes/no; missing values as ``–``."""
    if _missing(v):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return t("yes" if v else "no", lang)
    if not isinstance(v, (int, float, np.integer, np.floating)):
        return str(v)
    x = float(v)
    if kind == "code":
        return str(int(x))
    if kind in ("people", "count", "minutes"):
        return f"{x:,.0f}"
    if kind == "share":
        return f"{100 * x:.1f} %"
    if kind == "p":
        return "< 0.001" if x < 0.001 else f"{x:.3f}"
    if kind in ("index", "ratio"):
        return f"{x:.3f}"
    if kind == "seconds":
        return f"{x:.2f}"
    if isinstance(v, (int, np.integer)) or (x.is_integer() and abs(x) >= 100):
        return f"{x:,.0f}"
    return f"{x:,.3f}" if abs(x) < 100 else f"{x:,.0f}"


def table_html(
    df: pd.DataFrame,
    *,
    lang: str = "en",
    headers: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
    max_rows: int = 200,
    row_notes: pd.Series | None = None,
) -> str:
    """An HTML table of ``df`` with human headers (``headers`` first, else
    :func:`~binational.render.labels.header_label`) and formatted numbers (``kinds`` first,
    else :func:`kind_of`). Every cell is escaped. Wide tables scroll inside their own box so
    the page never gets wider than the window."""
    if df is None or df.empty:
        return "<p class='muted'>–</p>"
    df = df.head(max_rows)
    headers = dict(headers or {})
    kinds = dict(kinds or {})
    numeric = {c: pd.api.types.is_numeric_dtype(df[c]) for c in df.columns}

    def cls(c):
        return " class='n'" if numeric[c] and kinds.get(c, kind_of(c)) != "code" else ""

    head = "".join(
        f"<th{cls(c)}>{html.escape(headers.get(c) or header_label(str(c), lang))}</th>"
        for c in df.columns
    )
    rows = []
    for i, (_, row) in enumerate(df.iterrows()):
        cells = "".join(
            f"<td{cls(c)}>{html.escape(fmt_number(row[c], kinds.get(c, kind_of(c)), lang=lang))}</td>"
            for c in df.columns
        )
        rows.append(f"<tr>{cells}</tr>")
        note = row_notes.iloc[i] if row_notes is not None and i < len(row_notes) else None
        if isinstance(note, str) and note:
            rows.append(
                f"<tr class='rownote'><td colspan='{len(df.columns)}'>↳ {html.escape(note)}</td></tr>"
            )
    return (
        "<div class='tw'><table><thead><tr>"
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def table_block(
    df: pd.DataFrame, *, lang: str = "en", caption: str = "", source: str = "", **kwargs
) -> dict:
    """A ``table`` block: :func:`table_html` plus a caption and a source line."""
    return {
        "kind": "table",
        "html": table_html(df, lang=lang, **kwargs),
        "caption": caption,
        "source": t("sources_of_figure", lang, src=source) if source else "",
    }


def figure_block(
    fig, caption: str, *, source: str, lang: str = "en", colors: int = 64, dpi: int = 90
) -> dict:
    """A ``figure`` block: the figure as a palette PNG (``colors`` colours; a flat-colour map
    compresses about four times better than RGB) with its caption and its source and vintage."""
    data = static.figure_bytes(fig, fmt="png", dpi=dpi, colors=colors)
    return {
        "kind": "figure",
        "mime": "image/png",
        "data": base64.b64encode(data).decode("ascii"),
        "caption": caption,
        "source": t("sources_of_figure", lang, src=source) if source else "",
    }
