"""A one-pass layout for the static charts (a grid of axes with titles, tick labels, axis
labels, a suptitle and legends above or beside an axes).

Constrained layout measures the tight box of every axes twice per draw, and each measure
recomputes the ticks of every shared axis; this engine measures each decoration once, with the
renderer that then draws it (the text metrics are cached for the drawing), and gives the axes
the rest of the figure.
"""

from __future__ import annotations

from matplotlib.layout_engine import LayoutEngine

__all__ = ["ChartLayout"]

#: Blank margin around the figure and between decorations, inches.
PAD = 0.06
#: Space between an axes and its title (``axes.titlepad``, 6 points), inches.
TITLE_PAD = 6.0 / 72.0


def _height(text, renderer, dpi) -> float:
    if not text.get_visible() or not text.get_text():
        return 0.0
    return text.get_window_extent(renderer).height / dpi


def _width(text, renderer, dpi) -> float:
    if not text.get_visible() or not text.get_text():
        return 0.0
    return text.get_window_extent(renderer).width / dpi


def _ticks(axis, renderer, dpi, measure) -> float:
    """Tick length, pad and the largest visible tick label (``measure``: width or height)."""
    labels = [t for t in axis.get_majorticklabels() if t.get_visible() and t.get_text()]
    if not labels:
        return 0.0
    major = axis.get_major_ticks()[0]
    size = max(measure(t, renderer, dpi) for t in labels)
    return size + (major.get_tick_padding() + major.get_pad()) / 72.0


def _legend_outside(ax, renderer, dpi) -> tuple[float, float, float]:
    """(right, above, gap) of a legend anchored outside its axes: its width if it is beside
    the axes, its height if it is above them (inches), and the gap between them as a share of
    the axes size (the anchor's distance from the axes edge)."""
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return 0.0, 0.0, 0.0
    x, y = ax.transAxes.inverted().transform(legend.get_bbox_to_anchor().p0)
    if x < 1.0 and y < 1.0:
        return 0.0, 0.0, 0.0
    box = legend.get_window_extent(renderer)
    if x >= 1.0:
        return box.width / dpi, 0.0, x - 1.0
    return 0.0, box.height / dpi, y - 1.0


class ChartLayout(LayoutEngine):
    """Places the axes of a figure made with ``fig.subplots`` (one gridspec) so that their
    decorations fit, in one measuring pass."""

    _adjust_compatible = False
    _colorbar_gridspec = False

    def execute(self, fig) -> None:
        """Place the axes of ``fig``."""
        axes = [ax for ax in fig.axes if ax.get_subplotspec() is not None]
        if not axes:
            return
        renderer = fig._get_renderer()
        dpi = fig.dpi
        nrows, ncols = axes[0].get_subplotspec().get_gridspec().get_geometry()
        width, height = fig.get_size_inches()
        left = [0.0] * ncols  # per column: y label + y tick labels
        right = [0.0] * ncols  # per column: legend beside
        top = [0.0] * nrows  # per row: titles + legend above (inches, plus axes share)
        above_share = [0.0] * nrows
        bottom = [0.0] * nrows  # per row: x tick labels + x label
        for ax in axes:
            ss = ax.get_subplotspec()
            row, col = ss.rowspan.start, ss.colspan.start
            left[col] = max(
                left[col],
                _width(ax.yaxis.label, renderer, dpi)
                + (PAD if ax.yaxis.label.get_text() else 0.0)
                + _ticks(ax.yaxis, renderer, dpi, _width),
            )
            bottom[row] = max(
                bottom[row],
                _height(ax.xaxis.label, renderer, dpi)
                + (PAD if ax.xaxis.label.get_text() else 0.0)
                + _ticks(ax.xaxis, renderer, dpi, _height),
            )
            titles = max(
                _height(t, renderer, dpi) for t in (ax.title, ax._left_title, ax._right_title)
            )
            titles += TITLE_PAD if titles else 0.0
            legend_right, legend_above, gap = _legend_outside(ax, renderer, dpi)
            if legend_right:  # (the gap as a share of the figure: at most that much)
                right[col] = max(right[col], legend_right + gap * width / ncols)
            if legend_above:  # the legend sits above the title, at ``gap`` × the axes height
                above_share[row] = max(above_share[row], gap)
            top[row] = max(top[row], legend_above or titles)
        suptitle = _height(fig._suptitle, renderer, dpi) + PAD if fig._suptitle else 0.0
        margin_l = PAD + left[0]
        margin_r = PAD + right[-1]
        margin_t = PAD + suptitle + top[0]
        margin_b = PAD + bottom[-1]
        gaps_w = [right[c] + left[c + 1] + 2 * PAD for c in range(ncols - 1)]
        gaps_h = [bottom[r] + top[r + 1] + 2 * PAD for r in range(nrows - 1)]
        axes_w = (width - margin_l - margin_r - sum(gaps_w)) / ncols
        free_h = height - margin_t - margin_b - sum(gaps_h)
        # a legend anchored above an axes at 1.12 × its height takes that share of it too
        axes_h = free_h / (nrows + sum(above_share))
        axes_w, axes_h = max(axes_w, 0.3), max(axes_h, 0.3)
        x0s, x = [], margin_l
        for c in range(ncols):
            x0s.append(x)
            x += axes_w + (gaps_w[c] if c < ncols - 1 else 0.0)
        tops, y = [], height - margin_t - above_share[0] * axes_h
        for r in range(nrows):
            tops.append(y)
            if r < nrows - 1:
                y -= axes_h + gaps_h[r] + above_share[r + 1] * axes_h
        for ax in axes:
            ss = ax.get_subplotspec()
            row, col = ss.rowspan.start, ss.colspan.start
            x0, y1 = x0s[col], tops[row]
            ax.set_position((x0 / width, (y1 - axes_h) / height, axes_w / width, axes_h / height))
        if fig._suptitle:
            fig._suptitle.set_y(1.0 - PAD / height)
            fig._suptitle.set_verticalalignment("top")
