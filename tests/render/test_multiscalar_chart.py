"""Multiscalar chart: a figure per index, one line per side, inline SVG."""

from __future__ import annotations

import pandas as pd
import pytest

from binational.errors import RenderError
from binational.render.multiscalar import multiscalar_svg, plot_multiscalar


def _profile():
    rows = []
    for side, base in (("US", 0.4), ("MX", 0.3)):
        for index in ("spatial_dissimilarity", "spatial_isolation"):
            for d in (0.0, 500.0, 1000.0, 5000.0):
                rows.append(
                    {
                        "side": side,
                        "group": "g",
                        "index": index,
                        "distance": d,
                        "value": base - d / 1e5,
                    }
                )
    return pd.DataFrame(rows)


def test_figure_lines_and_svg():
    fig = plot_multiscalar(_profile(), lang="es")
    axes = fig.get_axes()
    assert len(axes) == 2
    # each panel: two sides, a line (distances > 0) and an aspatial marker each
    line = axes[0].get_lines()[0]
    assert list(line.get_xdata()) == [0.5, 1.0, 5.0]
    assert list(line.get_ydata()) == pytest.approx([0.395, 0.39, 0.35])
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["Estados Unidos", "México"]
    svg = multiscalar_svg(_profile(), group_label="<script>x</script>")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script" not in svg  # text is drawn as paths


def test_bad_profile():
    with pytest.raises(RenderError, match="lacks"):
        plot_multiscalar(pd.DataFrame({"side": ["US"]}))
    with pytest.raises(RenderError, match="no rows"):
        plot_multiscalar(_profile().iloc[:0])
