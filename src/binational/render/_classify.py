"""Values, margins of error and class breaks of a unit column, shared by the folium and matplotlib
renderers so that an interactive map, a static map and their legends always agree."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import schema
from ..errors import RenderError

NA_COLOR = "#d9d9d9"

CLUSTER_COLORS = {
    "HH": "#d7191c",
    "LL": "#2c7bb6",
    "HL": "#fdae61",
    "LH": "#abd9e9",
    "ns": "#f0f0f0",
}


@dataclass(frozen=True)
class Classes:
    """A classified column: values, class of each value (-1 where missing), bins and colours."""

    column: str
    values: np.ndarray
    moe: np.ndarray
    classes: np.ndarray
    bins: np.ndarray
    colors: tuple[str, ...]
    scheme: str
    k: int
    is_share: bool = False

    def interval_labels(self) -> list[str]:
        """One "low – high" label per class, in the value's units (shares as percentages)."""
        finite = self.values[np.isfinite(self.values)]
        lows = [float(finite.min()), *self.bins[:-1]]
        return [
            f"{fmt_value(lo, self.is_share)} – {fmt_value(hi, self.is_share)}"
            for lo, hi in zip(lows, self.bins, strict=True)
        ]

    def color_of(self) -> list[str]:
        """Colour of each unit (``NA_COLOR`` where the value is missing)."""
        return [self.colors[c] if c >= 0 else NA_COLOR for c in self.classes]


def fmt_value(value, is_share: bool = False) -> str:
    """Format a count, a rate or a share for legends and tooltips."""
    if value is None or not np.isfinite(value):
        return "–"
    if is_share:
        return f"{100 * value:.1f} %"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def column_values(
    units: pd.DataFrame, column: str, *, normalize: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``column`` (divided by ``normalize`` if given) and their 95 % MOE.

    The MOE is ``<column>_moe`` when the table has it; for a share ``x / y`` it is the ACS
    proportion formula ``sqrt(MOE_x² − p² MOE_y²) / y`` (the ratio formula with ``+`` when the
    radicand is negative; Census Bureau, *Understanding and Using ACS Data*, 2020, ch. 8).
    Missing MOEs are NaN.

    Raises
    ------
    RenderError
        If a column does not exist, is not numeric, or has no value at all.
    """
    for col in (column, normalize):
        if col is None:
            continue
        if col not in units.columns:
            available = ", ".join(c for c in units.columns if c != "geometry")
            raise RenderError(f"column {col!r} is not in the unit table (columns: {available})")
        if not pd.api.types.is_numeric_dtype(units[col]) and not pd.api.types.is_bool_dtype(
            units[col]
        ):
            raise RenderError(f"column {col!r} is not numeric (dtype {units[col].dtype})")
    x = units[column].astype("float64").to_numpy(na_value=np.nan)
    moe_col = f"{column}{schema.MOE_SUFFIX}"
    mx = (
        units[moe_col].astype("float64").to_numpy(na_value=np.nan)
        if moe_col in units.columns
        else np.full(len(x), np.nan)
    )
    if normalize is not None:
        y = units[normalize].astype("float64").to_numpy(na_value=np.nan)
        my_col = f"{normalize}{schema.MOE_SUFFIX}"
        my = (
            units[my_col].astype("float64").to_numpy(na_value=np.nan)
            if my_col in units.columns
            else np.zeros(len(x))
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(y > 0, x / y, np.nan)
            rad = mx**2 - p**2 * np.nan_to_num(my) ** 2
            rad = np.where(rad < 0, mx**2 + p**2 * np.nan_to_num(my) ** 2, rad)
            moe = np.where(y > 0, np.sqrt(rad) / y, np.nan)
        x, mx = p, moe
    if not np.isfinite(x).any():
        what = f"{column}/{normalize}" if normalize else column
        raise RenderError(f"column {what!r} has no value to map (all {len(x)} rows missing)")
    return x, mx


def _score_at_percentile(sorted_: np.ndarray, per: float) -> float:
    """``scipy.stats.scoreatpercentile`` (linear interpolation), term for term."""
    idx = per / 100.0 * (sorted_.size - 1)
    i = int(idx)
    if i == idx:
        return float(sorted_[i])
    j = i + 1
    w = np.array([j - idx, idx - i], dtype=float)
    return float(np.add.reduce(sorted_[i : i + 2] * w) / w.sum())


def _quantile_bins(y: np.ndarray, k: int) -> np.ndarray:
    """``mapclassify.Quantiles(y, k).bins``."""
    w = 100.0 / k
    p = np.arange(w, 100 + w, w)
    if p[-1] > 100.0:
        p[-1] = 100.0
    s = np.sort(y)
    return np.unique(np.array([_score_at_percentile(s, pct) for pct in p]))


def _equal_interval_bins(y: np.ndarray, k: int) -> np.ndarray:
    """``mapclassify.EqualInterval(y, k).bins``."""
    max_y, min_y = max(y), min(y)
    if min_y == max_y:
        raise ValueError(
            f"Not enough unique values in array to form {k} classes. All values in `y` are equal."
        )
    width = (max_y - min_y) * 1.0 / k
    cuts = np.arange(min_y + width, max_y + width, width)
    if len(cuts) > k:
        cuts = cuts[0:k]
    cuts[-1] = max_y
    return cuts.copy()


def _bin1d(x: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """``mapclassify.classifiers.bin1d``: class ``i`` is ``(bins[i-1], bins[i]]``; a value
    above the last bin gets class 0, as there."""
    ids = np.searchsorted(bins, x, side="left")
    ids[ids >= len(bins)] = 0
    return ids


#: Schemes classified here with numpy, with the same bins and classes as mapclassify (checked
#: in tests/render/test_classify.py); other schemes import mapclassify (numba compiles at its
#: import, several seconds) on first use.
NUMPY_SCHEMES = ("quantiles", "equal_interval", "user_defined")


@dataclass(frozen=True)
class _Bins:
    yb: np.ndarray
    bins: np.ndarray


def _classify_numpy(y: np.ndarray, scheme: str, *, k: int = 5, bins=None) -> _Bins:
    if scheme == "quantiles":
        b = _quantile_bins(y, k)
    elif scheme == "equalinterval":
        b = _equal_interval_bins(y, k)
    else:
        b = np.asarray(bins, dtype=float)
        if b[-1] < max(y):
            b = np.append(b, max(y))
        b = np.array(b)
    return _Bins(yb=_bin1d(y, b), bins=b)


def classify(
    values: np.ndarray,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins=None,
    cmap: str = "YlOrRd",
    column: str = "value",
    moe: np.ndarray | None = None,
    is_share: bool = False,
) -> Classes:
    """Classify ``values`` with a mapclassify scheme; NaN values get class -1.

    ``k`` is lowered to the number of distinct values when there are fewer.
    """
    values = np.asarray(values, dtype="float64")
    ok = np.isfinite(values)
    if not ok.any():
        raise RenderError(f"column {column!r} has no value to classify")
    distinct = np.unique(values[ok]).size
    k = max(1, min(int(k), distinct))
    kwargs = {"k": k}
    if bins is not None:
        scheme = "user_defined"
        kwargs = {"bins": list(bins)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            key = scheme.lower().replace("_", "")
            if key in {n.replace("_", "") for n in NUMPY_SCHEMES}:
                clf = _classify_numpy(values[ok], key, **kwargs)
            else:
                import mapclassify

                clf = mapclassify.classify(values[ok], scheme, **kwargs)
    except (ValueError, TypeError) as exc:
        raise RenderError(f"cannot classify {column!r} with scheme {scheme!r}: {exc}") from exc
    classes = np.full(values.size, -1, dtype=int)
    classes[ok] = np.asarray(clf.yb, dtype=int)
    nbins = len(clf.bins)
    from matplotlib import colormaps  # here: importing render does not load matplotlib
    from matplotlib.colors import to_hex

    cm = colormaps[cmap].resampled(max(nbins, 2))
    colors = tuple(to_hex(cm(i)) for i in range(nbins)) if nbins > 1 else (to_hex(cm(1)),)
    return Classes(
        column=column,
        values=values,
        moe=np.full(values.size, np.nan) if moe is None else np.asarray(moe, dtype="float64"),
        classes=classes,
        bins=np.asarray(clf.bins, dtype="float64"),
        colors=colors,
        scheme=scheme,
        k=nbins,
        is_share=is_share,
    )


def classify_column(
    units: pd.DataFrame,
    column: str,
    *,
    normalize: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins=None,
    cmap: str = "YlOrRd",
) -> Classes:
    """:func:`column_values` then :func:`classify`."""
    x, moe = column_values(units, column, normalize=normalize)
    return classify(
        x,
        scheme=scheme,
        k=k,
        bins=bins,
        cmap=cmap,
        column=column,
        moe=moe,
        is_share=bool(normalize),
    )
