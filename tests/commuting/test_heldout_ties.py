"""With two ports, their held-out share errors are equal and opposite: the worst port is then
the first in order, not whichever rounding makes larger."""

from __future__ import annotations

import pandas as pd

from binational.commuting import heldout_errors


def test_a_tie_between_two_ports_goes_to_the_first():
    obs, pred = [0.1, 0.9], [0.1 + 0.03, 0.9 - 0.03]
    # the tie is broken by rounding in the raw errors: 2506's comes out larger
    assert abs(pred[1] - obs[1]) > abs(pred[0] - obs[0])
    ft = pd.DataFrame(
        {
            "purpose": "HBW",
            "period": "am_peak",
            "port_code": [2504, 2506],
            "lane": ["general", "general"],
            "observed_share": obs,
            "predicted_share": pred,
        }
    )
    row = heldout_errors(ft).iloc[0]
    assert row["port_worst"] == 2504
    assert row["port_max_pp"] == 100 * abs(pred[1] - obs[1])  # the value itself is not rounded
