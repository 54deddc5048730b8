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


def figure_bytes(
    fig: Figure, *, fmt: str = "png", dpi: int = 110, colors: int | None = None
) -> bytes:
    """The figure encoded as PNG or SVG bytes.

    ``colors`` (PNG only) reduces the image to a palette of that many colours (Pillow's
    median cut, no dithering): maps and charts with flat fills become about four times smaller
    with no visible change.
    """
    if fmt not in ("png", "svg"):
        raise RenderError(f"format {fmt!r} not supported (png, svg)")
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format=fmt,
        dpi=dpi,
        bbox_inches="tight",
        metadata={"Software": None} if fmt == "png" else {"Date": None},
    )
    if fmt != "png" or not colors:
        return buf.getvalue()
    from PIL import Image

    buf.seek(0)
    image = Image.open(buf).convert("RGB")
    palette = image.quantize(
        colors=int(colors), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


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
