"""Issue 14: :func:`resolve_waits` tidies the wait table once (it was tidied again for every lane
of a lane mix, twice per lane). The outputs stay the same because tidying is idempotent: a tidy
table tidied again is the same frame (values, dtypes, index, column order). Checked here on the
real tables of both regions and on the dict and ``time`` forms."""

from __future__ import annotations

import pandas as pd
import pytest

from binational.catchments.waits import COMMUTER_LANE_MIX, resolve_waits, tidy_waits


def _tables(tjsd, jep) -> dict:
    time_rows = pd.DataFrame(
        {
            "port_code": ["2504", "2504", "2506"],
            "time": pd.to_datetime(["2024-03-04 07:10", "2024-03-09 18:00", None]),
            "minutes": [40.0, 25.0, 10.0],
            "hour": [None, None, 7],
        }
    )
    return {
        "tijuana": tjsd.waits,
        "juarez": jep.waits,
        "dict": {2504: 30.0, 2506: 12.0},
        "dict by hour": {(2504, 7): 30.0, (2504, 8): 45.0},
        "time": time_rows,
    }


def test_tidy_waits_is_idempotent(tjsd, jep):
    for name, table in _tables(tjsd, jep).items():
        once = tidy_waits(table)
        pd.testing.assert_frame_equal(tidy_waits(once), once, check_exact=True, obj=name)


@pytest.mark.parametrize("lane", ["general", "commuter", {"sentri": 1.0, "general": 3.0}])
def test_lane_mix_equals_its_lanes(tjsd, lane):
    """A mix's wait is the share-weighted wait of its lanes, each resolved on its own."""
    ports = [2504, 2506]
    mix = COMMUTER_LANE_MIX if lane == "commuter" else lane
    got = resolve_waits(tjsd.waits, port_codes=ports, lane=lane, hour=7, fallback="zero")
    if isinstance(mix, str):
        assert got.wait_source.str.contains("table").all()
        return
    parts = {
        ln: resolve_waits(tjsd.waits, port_codes=ports, lane=ln, hour=7, fallback="zero")
        for ln in mix
    }
    for i, code in enumerate(ports):
        have = [ln for ln in mix if parts[ln].wait_source.iloc[i] != "none (0 minutes)"]
        tot = sum(mix[ln] for ln in have)
        want = sum(mix[ln] * parts[ln].wait_minutes.iloc[i] for ln in have) / tot
        assert got.loc[got.port_code == code, "wait_minutes"].iloc[0] == want
