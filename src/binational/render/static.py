"""Static matplotlib maps and charts (PNG/SVG for print), with the same classes as the web maps.

Maps: :func:`plot_choropleth`, :func:`plot_two_sided` (a variable on each side),
:func:`plot_clusters`, :func:`plot_isochrones`; legends sit beside the map, never over the data.
Charts: :func:`plot_monthly_crossings` (with the 2020–2021 restrictions shaded),
:func:`plot_wait_by_hour`, :func:`plot_population_reached`. Each returns the
:class:`matplotlib.figure.Figure`; :func:`save_figure` writes it atomically.

Figures are created with :class:`matplotlib.figure.Figure` directly (no pyplot state), so they
work headless and in threads.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..errors import OutputError, RenderError
from ._io import atomic_write_bytes
from ._static_charts import (
    CLOSURE_2020,
    plot_monthly_crossings,
    plot_population_reached,
    plot_wait_by_hour,
    population_reached,  # noqa: F401  (re-exported: used as static.population_reached)
)
from ._static_maps import (
    focus,  # noqa: F401  (re-exported)
    plot_choropleth,
    plot_clusters,
    plot_isochrones,
    plot_two_sided,
)

__all__ = [
    "CLOSURE_2020",
    "figure_bytes",
    "plot_choropleth",
    "plot_clusters",
    "plot_isochrones",
    "plot_monthly_crossings",
    "plot_population_reached",
    "plot_two_sided",
    "plot_wait_by_hour",
    "save_figure",
]


#: Blank border kept around the drawing of a PNG, inches (as ``bbox_inches="tight"``).
PAD_INCHES = 0.1


def figure_bytes(
    fig: Figure, *, fmt: str = "png", dpi: int = 110, colors: int | None = None
) -> bytes:
    """The figure encoded as PNG or SVG bytes.

    A PNG is drawn once with Agg and cropped to its drawing plus :data:`PAD_INCHES` (what
    ``bbox_inches="tight"`` gives, without its second drawing pass). An SVG is cropped with
    ``bbox_inches="tight"`` unless its layout (charts) already made it fill its canvas.

    ``colors`` (PNG only) reduces the image to a palette of that many colours (Pillow's fast
    octree, no dithering): maps and charts with flat fills become about four times smaller
    with no visible change. (Median cut, measured on a 688 × 592 choropleth of Ciudad Juárez–El
    Paso with 64 colours: 58 ms, 27 kB, mean error 0.6 of 255 per channel; fast octree: 7 ms,
    23 kB, 1.3 of 255.)
    """
    if fmt not in ("png", "svg"):
        raise RenderError(f"format {fmt!r} not supported (png, svg)")
    if fmt == "svg":
        from matplotlib.layout_engine import ConstrainedLayoutEngine

        from ._chart_layout import ChartLayout

        filled = isinstance(fig.get_layout_engine(), (ChartLayout, ConstrainedLayoutEngine))
        buf = io.BytesIO()
        fig.savefig(
            buf,
            format="svg",
            dpi=dpi,
            bbox_inches=None if filled else "tight",
            metadata={"Date": None},
        )
        return buf.getvalue()
    from PIL import Image

    image = Image.fromarray(_cropped_rgba(fig, dpi), "RGBA")
    out = io.BytesIO()
    if not colors:
        image.save(out, format="PNG", dpi=(dpi, dpi))
        return out.getvalue()
    palette = image.convert("RGB").quantize(
        colors=int(colors), method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    palette.save(out, format="PNG")
    return out.getvalue()


def _cropped_rgba(fig: Figure, dpi: float) -> np.ndarray:
    """The figure drawn once by Agg at ``dpi``, cropped to the pixels that differ from the
    background plus :data:`PAD_INCHES` (blank-padded where the drawing touches the edge)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    saved = fig.dpi
    fig.dpi = dpi
    try:
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
    finally:
        fig.dpi = saved
    background = rgba[0, 0].copy()
    rows, cols = _ink_rows_cols(rgba)
    if len(rows) == 0:
        return rgba.copy()
    pad = round(PAD_INCHES * dpi)
    y0, y1, x0, x1 = rows[0] - pad, rows[-1] + 1 + pad, cols[0] - pad, cols[-1] + 1 + pad
    out = np.empty((y1 - y0, x1 - x0, 4), dtype=np.uint8)
    out[...] = background
    sy0, sx0 = max(y0, 0), max(x0, 0)
    sy1, sx1 = min(y1, rgba.shape[0]), min(x1, rgba.shape[1])
    out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = rgba[sy0:sy1, sx0:sx1]
    return out


def _ink_rows_cols(rgba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows and the columns of ``rgba`` (h × w × 4, uint8) with a pixel that differs from
    the top-left one: each RGBA pixel compared as one 32-bit word (four times fewer
    comparisons than channel by channel, and no h × w × 4 boolean array)."""
    words = np.ascontiguousarray(rgba).view(np.uint32)[..., 0]
    ink = words != words[0, 0]
    return np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 150) -> Path:
    """Write the figure to ``path`` (format from the suffix: .png or .svg) atomically.

    Parameters
    ----------
    fig
        The figure.
    path
        Output ``.png`` or ``.svg`` file.
    dpi
        Resolution of a PNG.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise OutputError(f"{path}: use a .png or .svg file name")
    return atomic_write_bytes(path, figure_bytes(fig, fmt=fmt, dpi=dpi))
