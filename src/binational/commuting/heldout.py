"""Held-out errors of the fitted shares: the check the commuting target is stated in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..errors import SchemaError

__all__ = ["heldout_errors"]


def heldout_errors(fit_table: pd.DataFrame, *, purpose: str = "HBW") -> pd.DataFrame:
    """Largest held-out error of the port shares and of the lane shares, per period.

    Parameters
    ----------
    fit_table
        :attr:`binational.commuting.CommutingResult.fit_table` (``purpose, period, port_code,
        lane, observed_share, predicted_share``; ``observed_share_se`` when present).
    purpose
        Survey purpose.

    Returns
    -------
    pandas.DataFrame
        ``purpose, period, port_max_pp, lane_max_pp, port_worst, lane_worst, lane_se_pp``: the
        largest absolute difference between held-out predicted and observed shares, in
        percentage points, over the ports (shares summed over lanes) and over the lanes
        (summed over ports), which port and lane it is (the first in order on a tie to
        1e-9 pp), and the largest sampling SE of an observed option share in the period.
    """
    need = ["purpose", "period", schema.PORT_CODE, "lane", "observed_share", "predicted_share"]
    missing = [c for c in need if c not in fit_table.columns]
    if missing:
        raise SchemaError(f"fit table lacks column(s) {missing}")
    ft = fit_table[fit_table["purpose"] == purpose]
    if ft.empty:
        raise SchemaError(f"no rows of purpose {purpose!r} in the fit table")
    rows = []
    for period, g in ft.groupby("period", sort=False):
        out = {"purpose": purpose, "period": period}
        for what, col in (("port", schema.PORT_CODE), ("lane", "lane")):
            s = g.groupby(col)[["observed_share", "predicted_share"]].sum()
            err = 100 * (s["predicted_share"] - s["observed_share"]).abs()
            out[f"{what}_max_pp"] = float(err.max())
            # ties (two ports: their errors are equal and opposite) go to the first in order,
            # not to whichever rounding makes larger
            out[f"{what}_worst"] = err.round(9).idxmax()
        if "observed_share_se" in g.columns:
            out["lane_se_pp"] = float(100 * np.nanmax(g["observed_share_se"]))
        rows.append(out)
    return pd.DataFrame(rows)
