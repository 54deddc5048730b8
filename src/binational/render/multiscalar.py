"""Chart of a multiscalar segregation profile (spatial D and isolation over bandwidths).

:func:`plot_multiscalar` draws what
:func:`binational.concentration.multiscalar.multiscalar_profile` returns: one panel per index,
one line per side, the bandwidth in kilometres on the x axis (distance 0, the aspatial value,
as a marker at the left edge). :func:`multiscalar_svg` returns the same chart as an SVG string
ready to inline in HTML (text drawn as paths, so no data string reaches the markup).
"""

from __future__ import annotations

import re

import pandas as pd
from matplotlib.figure import Figure

from ..errors import RenderError
from ._chart_layout import ChartLayout
from .labels import check_lang
from .static import figure_bytes

__all__ = ["multiscalar_svg", "plot_multiscalar"]

_SIDE_COLORS = {"US": "#1f77b4", "MX": "#d62728", "all": "#2ca02c"}
_TEXT = {
    "spatial_dissimilarity": ("Spatial dissimilarity D", "Disimilitud espacial D"),
    "spatial_isolation": ("Spatial isolation", "Aislamiento espacial"),
    "bandwidth": ("Kernel bandwidth (km)", "Ancho de banda del kernel (km)"),
    "aspatial": ("0 = aspatial index", "0 = índice no espacial"),
    "US": ("United States", "Estados Unidos"),
    "MX": ("Mexico", "México"),
    "all": ("Both sides", "Ambos lados"),
    "title": ("Segregation by scale: {group}", "Segregación por escala: {group}"),
}


def _t(key: str, lang: str) -> str:
    pair = _TEXT.get(key)
    return pair[0 if lang == "en" else 1] if pair else key


def plot_multiscalar(
    profile: pd.DataFrame,
    *,
    lang: str = "en",
    group_label: str | None = None,
    figsize: tuple[float, float] = (8.0, 3.4),
) -> Figure:
    """Line chart of a multiscalar profile.

    Parameters
    ----------
    profile
        ``side, index, distance, value`` rows (from ``multiscalar_profile``).
    lang
        ``"en"`` or ``"es"``.
    group_label
        Name of the group for the title (default: the ``group`` column).
    figsize
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    need = {"side", "index", "distance", "value"}
    if not need <= set(profile.columns):
        raise RenderError(f"multiscalar chart: profile lacks {sorted(need - set(profile.columns))}")
    if profile.empty:
        raise RenderError("multiscalar chart: the profile has no rows")
    names = list(dict.fromkeys(profile["index"]))
    fig = Figure(figsize=figsize)
    fig.set_layout_engine(ChartLayout())
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        part = profile[profile["index"] == name]
        for side, rows in part.groupby("side", sort=False):
            rows = rows.sort_values("distance")
            km = rows["distance"].to_numpy(float) / 1000.0
            color = _SIDE_COLORS.get(str(side), "#555555")
            ax.plot(
                km[km > 0],
                rows["value"].to_numpy(float)[km > 0],
                "-o",
                ms=3,
                color=color,
                label=_t(str(side), lang),
            )
            if (km == 0).any():
                ax.plot([0.0], rows["value"].to_numpy(float)[km == 0], "s", color=color, ms=4)
        ax.set_title(_t(name, lang), fontsize=9)
        ax.set_xlabel(_t("bandwidth", lang) + " — " + _t("aspatial", lang), fontsize=8)
        ax.set_ylim(0, max(1e-6, float(part["value"].max())) * 1.1)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    group = group_label or (str(profile["group"].iloc[0]) if "group" in profile.columns else "")
    fig.suptitle(_t("title", lang).format(group=group), fontsize=10)
    return fig


def multiscalar_svg(profile: pd.DataFrame, *, lang: str = "en", **kwargs) -> str:
    """The chart of :func:`plot_multiscalar` as an inline SVG string (no XML prolog)."""
    svg = figure_bytes(plot_multiscalar(profile, lang=lang, **kwargs), fmt="svg").decode("utf-8")
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    return re.sub(r"^<!DOCTYPE[^>]*>\s*", "", svg)
