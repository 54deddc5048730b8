"""Static matplotlib charts: monthly crossings (2020–2021 restrictions shaded), waits by hour and
population reached (re-exported by :mod:`binational.render.static`)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import schema
from ..errors import RenderError
from . import _tables
from ._chart_layout import ChartLayout
from ._tables import wait_flag
from .labels import check_lang, measure_label, t

# US restrictions on non-essential travel across the land border with Mexico (DHS notices):
# in force from 21 March 2020, lifted for vaccinated travellers on 8 November 2021.
CLOSURE_2020 = (pd.Timestamp("2020-03-21"), pd.Timestamp("2021-11-08"))

_PORT_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def plot_monthly_crossings(
    crossings: pd.DataFrame,
    *,
    ports: gpd.GeoDataFrame | pd.DataFrame | None = None,
    measures: tuple[str, ...] | None = ("Pedestrians", "Personal Vehicle Passengers", "Trucks"),
    start: str | None = "2015-01",
    lang: str = "en",
    figsize=(9, 7),
) -> Figure:
    """Monthly inbound crossings by port, one panel per measure; the 2020–2021 restrictions
    on non-essential travel are shaded.

    Parameters
    ----------
    crossings
        Long crossing table (``port_code``, ``month``, ``measure``, ``value``).
    ports
        Ports, for the port names.
    measures
        Measures to draw, one panel each (None or empty: every measure).
    start
        First month shown (``"YYYY-MM"``; None: all).
    lang
        ``"en"`` or ``"es"``.
    figsize
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    RenderError
        If the table has no crossing counts (for the requested measures).
    """
    check_lang(lang)
    table = _tables.monthly(crossings)
    if table.empty:
        raise RenderError("no crossing counts to chart")
    if measures:
        table = table[table["measure"].isin(measures)]
        present = [m for m in measures if m in set(table["measure"])]
    else:
        present = sorted(table["measure"].unique())
    if table.empty or not present:
        raise RenderError(f"no crossing counts for measure(s) {', '.join(measures or [])}")
    if start:
        table = table[table["month"] >= pd.Timestamp(start)]
    names = _port_names(ports)
    fig = Figure(figsize=figsize)
    fig.set_layout_engine(ChartLayout())
    axes = fig.subplots(len(present), 1, sharex=True, squeeze=False)[:, 0]
    codes = sorted(table["port_code"].unique())
    for ax, measure in zip(axes, present, strict=True):
        part = table[table["measure"] == measure]
        for i, code in enumerate(codes):
            series = part[part["port_code"] == code].sort_values("month")
            if series.empty:
                continue
            ax.plot(
                series["month"],
                series["value"] / 1e3,
                color=_PORT_COLORS[i % 7],
                lw=1.1,
                label=names.get(code, str(code)),
            )
        ax.axvspan(*CLOSURE_2020, color="#999", alpha=0.2, lw=0)
        ax.set_title(measure_label(measure, lang), fontsize=9, loc="left")
        ax.set_ylabel(f"{t('crossings', lang)} (×1000)", fontsize=8)
        ax.grid(alpha=0.3)
    handles, _ = axes[0].get_legend_handles_labels()
    handles.append(Patch(facecolor="#999", alpha=0.2, label=t("closure_2020", lang)))
    axes[0].legend(
        handles=handles,
        fontsize=7,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.12),
        ncols=3,
        frameon=False,
    )
    axes[-1].set_xlabel(t("month", lang))
    return fig


def _port_names(ports) -> dict:
    if ports is None or len(ports) == 0 or "name" not in ports.columns:
        return {}
    return {int(c): str(n) for c, n in zip(ports[schema.PORT_CODE], ports["name"], strict=True)}


def plot_wait_by_hour(
    waits: pd.DataFrame,
    *,
    ports: gpd.GeoDataFrame | pd.DataFrame | None = None,
    lane: str = "general",
    lang: str = "en",
    figsize=(8, 4),
) -> Figure:
    """Median northbound wait by hour of day, one line per port (one source per port).

    Parameters
    ----------
    waits
        Long wait table.
    ports
        Ports, for the port names.
    lane
        Lane to draw.
    lang
        ``"en"`` or ``"es"``.
    figsize
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    table = _tables.wait_by_hour(waits, lane=lane)
    if table.empty:
        raise RenderError(f"no {lane!r} wait times with an hourly profile to chart")
    names = _port_names(ports)
    fig = Figure(figsize=figsize)
    fig.set_layout_engine(ChartLayout())
    ax = fig.add_subplot()
    for i, (code, row) in enumerate(table.iterrows()):
        source = str(table.attrs["source"].get(code, "")).split(" (")[0]
        ax.plot(
            range(24),
            row.to_numpy(dtype=float),
            marker="o",
            ms=3,
            color=_PORT_COLORS[i % 7],
            label=f"{names.get(int(code), code)} — {source}",
        )
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlabel(t("hour", lang))
    ax.set_ylabel(t("wait_minutes", lang))
    ax.set_title(t("median_wait_hour", lang), fontsize=10, loc="left")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def population_reached(isochrones: pd.DataFrame) -> pd.DataFrame:
    """Population inside each isochrone: port × side × minutes × wait variant (tidy)."""
    need = [schema.PORT_CODE, "minutes"]
    missing = [c for c in need if c not in isochrones.columns]
    if missing:
        raise RenderError(f"isochrone table lacks column(s) {', '.join(missing)}")
    pop_col = next((c for c in ("pop", "pop_total", "population") if c in isochrones.columns), None)
    if pop_col is None:
        raise RenderError("isochrone table has no population column (pop)")
    side = (
        isochrones["side"]
        if "side" in isochrones.columns
        else pd.Series("", index=isochrones.index)
    )
    df = pd.DataFrame(
        {
            schema.PORT_CODE: isochrones[schema.PORT_CODE].astype(int),
            "port_name": isochrones.get("port_name", isochrones[schema.PORT_CODE]).astype(str),
            "side": side.astype(str),
            "minutes": isochrones["minutes"].astype(float),
            "wait_included": wait_flag(isochrones),
            "pop": pd.to_numeric(isochrones[pop_col], errors="coerce").fillna(0.0),
        }
    )
    return df.groupby(
        [schema.PORT_CODE, "port_name", "side", "wait_included", "minutes"], as_index=False
    )["pop"].sum()


def plot_population_reached(
    isochrones: pd.DataFrame,
    *,
    lang: str = "en",
    method: str | None = None,
    figsize=(9, 4),
) -> Figure:
    """Population reached by minute band, one panel per side, one line per port; solid lines
    include the border wait, dashed lines do not.

    Parameters
    ----------
    isochrones
        Isochrone table with ``side``, ``port_code``, ``minutes``, ``wait_included`` and ``pop``.
    lang
        ``"en"`` or ``"es"``.
    method
        Catchment method, shown in the title.
    figsize
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    table = population_reached(isochrones)
    if table.empty:
        raise RenderError("no isochrones to chart")
    sides = [s for s in (schema.MX, schema.US) if s in set(table["side"])] or sorted(
        table["side"].unique()
    )
    fig = Figure(figsize=figsize)
    fig.set_layout_engine(ChartLayout())
    axes = fig.subplots(1, len(sides), sharey=True, squeeze=False)[0]
    codes = sorted(table[schema.PORT_CODE].unique())
    for ax, side in zip(axes, sides, strict=True):
        for i, code in enumerate(codes):
            for wait, style in ((True, "-"), (False, "--")):
                part = table[
                    (table["side"] == side)
                    & (table[schema.PORT_CODE] == code)
                    & (table["wait_included"] == wait)
                ]
                if part.empty:
                    continue
                part = part.sort_values("minutes")
                ax.plot(
                    part["minutes"],
                    part["pop"] / 1e3,
                    style,
                    marker="o",
                    ms=3,
                    color=_PORT_COLORS[i % 7],
                    label=f"{part['port_name'].iloc[0]}"
                    if wait or not (table["wait_included"]).any()
                    else None,
                )
        ax.set_title(
            t(f"side_{side}", lang) if side in (schema.US, schema.MX) else side,
            fontsize=10,
            loc="left",
        )
        ax.set_xlabel(t("minute_band", lang))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{t('population_reached', lang)} (×1000)")
    handles, _ = axes[0].get_legend_handles_labels()
    handles += [
        Line2D([], [], color="#555", ls="-", label=t("with_wait", lang)),
        Line2D([], [], color="#555", ls="--", label=t("without_wait", lang)),
    ]
    axes[-1].legend(
        handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False
    )
    if method and "straight" in str(method):
        fig.suptitle(t("straight_line", lang), fontsize=9)
    return fig
