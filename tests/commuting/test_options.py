"""The commuting options: flat keywords route to their group, a misspelt one is a TypeError."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from binational.commuting import (
    CommutingOptions,
    FitOptions,
    LaneWaitOptions,
    TravelTimeOptions,
    commuting,
)
from binational.commuting.options import FLAT_KEYWORDS


def test_flat_keywords_route_to_their_group():
    opts = CommutingOptions().replace(
        purposes=("HBW",),
        wait_fill="none",
        method="straight-line",
        hour=8,
        direction="southbound",
    )
    assert opts.fit == FitOptions(purposes=("HBW",))
    assert opts.waits == LaneWaitOptions(fill="none")
    assert opts.travel == TravelTimeOptions(method="straight-line")
    assert (opts.hour, opts.direction) == (8, "southbound")
    assert CommutingOptions() == CommutingOptions().replace()


def test_flat_keywords_cover_every_field():
    groups = {"fit": FitOptions, "waits": LaneWaitOptions, "travel": TravelTimeOptions}
    routed = {(g, a) for g, a in FLAT_KEYWORDS.values()}
    for group, cls in groups.items():
        for name in inspect.signature(cls).parameters:
            assert (group, name) in routed
    top = set(inspect.signature(CommutingOptions).parameters) - set(groups)
    assert {(None, name) for name in top} <= routed


def test_old_keywords_keep_their_defaults():
    """The defaults of the flat keywords of earlier releases are those of the groups."""
    opts = CommutingOptions()
    assert opts.fit.purposes == ("HBW", "HBO", "HBS")
    assert (opts.fit.likelihood, opts.fit.wait_sign, opts.fit.separate_wait) == (
        "joint",
        "nonpositive",
        True,
    )
    assert (opts.waits.weekday, opts.waits.fill) == ("weekdays", "nearest")
    assert (opts.travel.method, opts.travel.max_snap_m, opts.travel.access_speed_kph) == (
        "auto",
        2000.0,
        15.0,
    )
    assert (opts.direction, opts.zone_snap_m, opts.hour, opts.unit_purpose) == (
        "northbound",
        5000.0,
        7,
        "HBW",
    )


def test_misspelt_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="purpose"):
        CommutingOptions().replace(purpose=("HBW",))
    with pytest.raises(TypeError, match="'wait_fil'"):
        commuting(survey=pd.DataFrame(), zones=pd.DataFrame(), wait_fil="nearest")


def test_public_signature_is_short():
    assert len(inspect.signature(commuting).parameters) <= 14
