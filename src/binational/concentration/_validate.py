"""Shared input checks for every concentration index.

Each check raises :class:`binational.errors.IndexInputError` naming the column, the value and a
unit at fault. Units with missing values are an error unless the caller asks to drop them
(``dropna=True``); dropped units are logged and returned so that callers can report them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._crs import to_metric
from .._log import get_logger
from ..errors import GeometryError, IndexInputError
from ..schema import UNIT_ID

log = get_logger(__name__)

# Float noise allowed when comparing a group with its total (e.g. after MOE simulation).
_TOL = 1e-9


class DegenerateCountsError(IndexInputError):
    """Valid counts from which an index cannot be computed: no group members, the group is the
    whole population, all totals zero, or too few units (the profile skips such a scope)."""


@dataclass(eq=False)
class Counts:
    """Validated counts of one or more groups, aligned with the kept units.

    Attributes
    ----------
    values
        ``(n, k)`` array of group counts (for a single group, ``k == 1``).
    total
        ``(n,)`` array of unit totals.
    names
        Group column names (length ``k``).
    total_name
        Total column name (or ``"sum of groups"``).
    ids
        Unit labels of the kept units.
    keep
        Boolean mask over the input rows: True where the unit was kept.
    dropped
        Labels of the units dropped for missing values.
    """

    values: np.ndarray
    total: np.ndarray
    names: list[str]
    total_name: str
    ids: np.ndarray
    keep: np.ndarray
    dropped: list[str] = field(default_factory=list)

    @property
    def x(self) -> np.ndarray:
        """Counts of the first (or only) group."""
        return self.values[:, 0]

    @property
    def n(self) -> int:
        return len(self.total)


def unit_labels(frame: pd.DataFrame) -> np.ndarray:
    """Labels used in messages and outputs: ``unit_id`` if present, else the index."""
    if UNIT_ID in frame.columns:
        return frame[UNIT_ID].astype(str).to_numpy()
    return frame.index.astype(str).to_numpy()


def _example(labels: np.ndarray, mask: np.ndarray, values: np.ndarray | None = None) -> str:
    idx = np.flatnonzero(mask)
    first = idx[0]
    text = f"unit {labels[first]}"
    if values is not None:
        text += f" = {values[first]:g}"
    return text


def numeric_columns(
    frame: pd.DataFrame, columns: Sequence[str], *, what: str
) -> dict[str, np.ndarray]:
    """Return each column as a float array; raise if a column is absent or not numeric."""
    if not isinstance(frame, pd.DataFrame):
        raise IndexInputError(f"{what}: expected a (Geo)DataFrame of units, got {type(frame)!r}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(map(str, list(frame.columns)[:30]))
        raise IndexInputError(
            f"{what}: column(s) {', '.join(map(repr, missing))} not in the unit table "
            f"(columns: {shown})"
        )
    out = {}
    for col in columns:
        series = frame[col]
        if series.dtype == bool or not (
            pd.api.types.is_numeric_dtype(series) or series.isna().all()
        ):
            coerced = pd.to_numeric(series, errors="coerce")
            bad = coerced.isna() & series.notna()
            if bad.any():
                first = series[bad].iloc[0]
                raise IndexInputError(
                    f"{what}: column {col!r} is not numeric (e.g. {first!r} in {bad.sum()} row(s))"
                )
            series = coerced
        out[col] = series.to_numpy(dtype=float, na_value=np.nan)
    return out


def counts(
    frame: pd.DataFrame,
    groups: str | Sequence[str],
    total: str | None,
    *,
    dropna: bool = False,
    min_units: int = 2,
    what: str = "concentration index",
    require_members: bool = True,
) -> Counts:
    """Validate group and total columns of a unit table.

    Parameters
    ----------
    frame
        Unit table (one row per unit).
    groups
        One group column or several.
    total
        Total column; ``None`` means the groups are exhaustive and the total is their sum.
    dropna
        Drop units with a missing value in any of the columns (logged and listed in
        ``Counts.dropped``) instead of raising.
    min_units
        Fewest units the caller's index needs.
    what
        Name of the calling index, used in messages.
    require_members
        Raise when a group has no members or is the whole population (indices undefined).

    Raises
    ------
    binational.errors.IndexInputError
        Missing or non-numeric column, missing values (unless ``dropna``), negative counts, a
        group larger than its total, all-zero totals, an empty or all-encompassing group, or
        fewer than ``min_units`` units.
    """
    names = [groups] if isinstance(groups, str) else list(groups)
    if not names:
        raise IndexInputError(f"{what}: no group column given")
    if len(set(names)) != len(names):
        raise IndexInputError(f"{what}: group columns repeat: {names}")
    cols = names + ([total] if total is not None else [])
    arrays = numeric_columns(frame, cols, what=what)
    labels = unit_labels(frame)

    stacked = np.column_stack([arrays[c] for c in cols]) if cols else np.empty((len(frame), 0))
    nan_rows = np.isnan(stacked).any(axis=1)
    dropped: list[str] = []
    if nan_rows.any():
        bad_cols = [c for c in cols if np.isnan(arrays[c]).any()]
        if not dropna:
            col = bad_cols[0]
            raise IndexInputError(
                f"{what}: column {col!r} has {int(np.isnan(arrays[col]).sum())} missing "
                f"value(s) (e.g. {_example(labels, np.isnan(arrays[col]))}); pass dropna=True "
                "to drop those units (they are reported)"
            )
        dropped = labels[nan_rows].tolist()
        log.info("%s: %d unit(s) dropped for missing values in %s", what, len(dropped), bad_cols)
    keep = ~nan_rows
    stacked = stacked[keep]
    kept_labels = labels[keep]

    for j, col in enumerate(cols):
        neg = stacked[:, j] < 0
        if neg.any():
            raise IndexInputError(
                f"{what}: column {col!r} has {int(neg.sum())} negative value(s), e.g. "
                f"{_example(kept_labels, neg, stacked[:, j])}"
            )
    values = stacked[:, : len(names)]
    if total is not None:
        tot = stacked[:, len(names)]
        label = total
        if len(names) == 1:
            over = values[:, 0] > tot + _TOL
            if over.any():
                i = np.flatnonzero(over)[0]
                raise IndexInputError(
                    f"{what}: group {names[0]!r} exceeds total {total!r} in {int(over.sum())} "
                    f"unit(s), e.g. unit {kept_labels[i]}: {values[i, 0]:g} > {tot[i]:g}"
                )
        else:
            sums = values.sum(axis=1)
            over = sums > tot + _TOL
            if over.any():
                i = np.flatnonzero(over)[0]
                raise IndexInputError(
                    f"{what}: groups {names} sum to more than total {total!r} in "
                    f"{int(over.sum())} unit(s), e.g. unit {kept_labels[i]}: {sums[i]:g} > "
                    f"{tot[i]:g}"
                )
    else:
        tot = values.sum(axis=1)
        label = "sum of groups"

    n = len(tot)
    if n < min_units:
        raise DegenerateCountsError(
            f"{what}: {n} unit(s) with data; at least {min_units} needed"
            + (f" ({len(dropped)} dropped for missing values)" if dropped else "")
        )
    if not (tot > 0).any():
        raise DegenerateCountsError(f"{what}: total {label!r} is zero in every unit")
    if require_members:
        grand = tot.sum()
        for j, col in enumerate(names):
            s = values[:, j].sum()
            if s <= 0:
                raise DegenerateCountsError(f"{what}: group {col!r} has no members (sum 0)")
            if len(names) == 1 and s >= grand - _TOL * max(1.0, grand):
                raise DegenerateCountsError(
                    f"{what}: group {col!r} is the whole population of {label!r}; "
                    "unevenness is undefined"
                )
    return Counts(
        values=values,
        total=tot,
        names=names,
        total_name=label,
        ids=kept_labels,
        keep=keep,
        dropped=dropped,
    )


def projected_geometry(frame, *, what: str):
    """Return the unit geometries in metres, checking that they are usable.

    A CRS in feet is reprojected to UTM (with a warning) and a geographic or missing CRS raises
    :class:`~binational.errors.CRSError` (:func:`binational._crs.to_metric`).

    Parameters
    ----------
    frame
        Unit table (GeoDataFrame).
    what
        Name of the caller, for messages.

    Returns
    -------
    geopandas.GeoSeries
        The geometries, in a projected CRS in metres.
    """
    if getattr(frame, "geometry", None) is None or not hasattr(frame, "crs"):
        raise IndexInputError(f"{what}: needs a GeoDataFrame with unit geometries")
    # the one rule for units of measure: metres kept, feet reprojected, degrees refused
    geom = to_metric(frame, what=what).geometry
    bad = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    if bad.any():
        labels = unit_labels(frame)
        raise GeometryError(
            f"{what}: {int(bad.sum())} unit(s) have a missing or empty geometry, e.g. "
            f"unit {labels[np.flatnonzero(bad)[0]]}"
        )
    return geom


def check_seed_like(seed) -> None:
    """Accept None, a non-negative integer, a tuple of them, or a numpy Generator."""
    ok = seed is None or isinstance(seed, np.random.Generator)
    parts = seed if isinstance(seed, (tuple, list)) else [seed]
    if not ok:
        ok = all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in parts
        )
    if not ok:
        raise IndexInputError(
            f"seed must be a non-negative integer (or a tuple of them) or a numpy Generator, "
            f"got {seed!r}"
        )
