"""Multigroup indices against PySAL segregation on the real tracts."""

from __future__ import annotations

import pandas as pd
import pytest

from binational.concentration import multigroup_indices
from binational.errors import IndexInputError

pytestmark = pytest.mark.slow  # uses the session's PySAL reference run


@pytest.mark.parametrize("frame", ["sd", "ep"])
def test_multigroup_equals_segregation(request, reference, frame):
    units = request.getfixturevalue(frame)
    groups = ["hispanic", "white_nh"] if frame == "sd" else ["hispanic"]
    ref = reference[f"{frame}_multi"]
    values = multigroup_indices(units, groups=groups, total="pop_total")
    for name, value in values.items():
        assert value == pytest.approx(ref[name], abs=1e-9), name
    norm = multigroup_indices(
        units, groups=groups, total="pop_total", indices=["diversity"], normalized_diversity=True
    )
    assert norm["diversity"] == pytest.approx(ref["diversity_normalized"], abs=1e-9)


def test_exhaustive_groups_without_total(sd, reference):
    units = sd.assign(other=sd["pop_total"] - sd["hispanic"] - sd["white_nh"])
    values = multigroup_indices(units, groups=["hispanic", "white_nh", "other"])
    assert values["multi_dissimilarity"] == pytest.approx(
        reference["sd_multi"]["multi_dissimilarity"], abs=1e-9
    )


def test_two_groups_reduce_to_single_group_indices():
    units = pd.DataFrame({"a": [10.0, 0.0, 5.0, 30.0], "t": [20.0, 10.0, 50.0, 40.0]})
    from binational.concentration import dissimilarity, gini

    multi = multigroup_indices(units, groups=["a"], total="t")
    assert multi["multi_dissimilarity"] == pytest.approx(dissimilarity(units, group="a", total="t"))
    assert multi["multi_gini"] == pytest.approx(gini(units, group="a", total="t"))


def test_multigroup_bad_input(sd):
    with pytest.raises(IndexInputError, match="at least two"):
        multigroup_indices(sd, groups=["hispanic"])
    with pytest.raises(IndexInputError, match="sum to more than"):
        multigroup_indices(sd, groups=["hispanic", "pop_total"], total="pop_total")
    with pytest.raises(IndexInputError, match="unknown multigroup"):
        multigroup_indices(sd, groups=["hispanic", "white_nh"], indices=["theil_t"])
    with pytest.raises(IndexInputError, match="no members"):
        multigroup_indices(sd.assign(none=0.0), groups=["hispanic", "none"])
