"""The tidy table of a concentration profile: its columns, skipped rows, assembly.

Every step of :mod:`.profile` returns rows of this table; :func:`profile_table` puts them in
one frame with the columns :data:`TABLE_COLUMNS` in order and typed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .scopes import Scope

__all__ = ["TABLE_COLUMNS", "profile_table", "skipped_rows"]

TABLE_COLUMNS = (
    "scope",
    "group",
    "total",
    "index",
    "value",
    "ci_low",
    "ci_high",
    "ci_method",
    "p_value",
    "null",
    "null_mean",
    "null_std",
    "permutations",
    "moe_low",
    "moe_high",
    "moe_bias",
    "moe_corrected",
    "moe_corrected_low",
    "moe_corrected_high",
    "n_units",
    "n_dropped",
    "params",
    "status",
    "note",
)


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def skipped_rows(scope: Scope, names: Sequence[str], reason: str) -> pd.DataFrame:
    """One ``status == "skipped"`` row per index name, with ``reason`` in ``note``.

    Parameters
    ----------
    scope
        The scope (its name, group and total label the rows).
    names
        Index names.
    reason
        Text of ``note``.

    Returns
    -------
    DataFrame
        Columns ``scope, group, total, index, status, note``.
    """
    return pd.DataFrame(
        [
            {
                "scope": scope.name,
                "group": scope.group or "",
                "total": scope.total,
                "index": name,
                "status": "skipped",
                "note": reason,
            }
            for name in names
        ]
    )


def profile_table(parts: Sequence[pd.DataFrame], **attrs) -> pd.DataFrame:
    """One tidy table from the steps' rows: columns :data:`TABLE_COLUMNS`, typed.

    Parameters
    ----------
    parts
        Tables of :func:`scope_indices`, :func:`scope_multigroup`, :func:`skipped_rows`.
    **attrs
        Stored in ``table.attrs`` (``region``, ``seed``...).

    Returns
    -------
    DataFrame
        Text columns as ``str`` ("" for none), counts as ``int``.
    """
    parts = [p for p in parts if len(p)]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    for col in TABLE_COLUMNS:
        if col not in table.columns:
            table[col] = np.nan
    table = table[list(TABLE_COLUMNS)]
    for col in ("scope", "group", "total", "index", "ci_method", "null", "params", "status"):
        table[col] = table[col].fillna("").astype(str)
    table["note"] = table["note"].fillna("").astype(str)
    for col in ("permutations", "n_units", "n_dropped"):
        table[col] = table[col].fillna(0).astype(int)
    table.attrs.update(attrs)
    return table
