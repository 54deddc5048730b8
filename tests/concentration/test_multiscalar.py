"""Multiscalar profile against PySAL segregation's compute_multiscalar_profile."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from binational.concentration.multiscalar import DEFAULT_DISTANCES, multiscalar_profile
from binational.errors import IndexInputError


def test_equals_pysal_on_san_diego_tracts(tsd, sd):
    from segregation.dynamics import compute_multiscalar_profile
    from segregation.singlegroup import Dissim, Isolation

    assert DEFAULT_DISTANCES[0] == 500 and DEFAULT_DISTANCES[-1] == 10_000
    prof = multiscalar_profile(tsd, group="hispanic")
    assert set(prof["side"]) == {"US"}  # no Hispanic counts on the Mexican side
    data = sd[["hispanic", "pop_total", "geometry"]].dropna()
    for cls, name in ((Dissim, "spatial_dissimilarity"), (Isolation, "spatial_isolation")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = compute_multiscalar_profile(
                data,
                segregation_index=cls,
                group_pop_var="hispanic",
                total_pop_var="pop_total",
                distances=list(DEFAULT_DISTANCES),
            )
        mine = prof[prof["index"] == name].set_index("distance")["value"]
        assert list(mine.index) == [0.0, *DEFAULT_DISTANCES]
        diff = np.abs(mine.reindex(ref.index.astype(float)).to_numpy() - ref.to_numpy())
        assert diff.max() < 1e-9, (name, diff.max())
    # the profile changes with scale (not a constant carried across distances)
    d = prof[prof["index"] == "spatial_dissimilarity"]["value"].to_numpy()
    assert d[1] > d[-1] + 0.05


def test_per_side_and_bad_input(tsd):
    units = tsd.assign(half=tsd["pop_total"] / 2)  # an even half of every unit
    prof = multiscalar_profile(
        units, group="half", distances=[1000], indices=["spatial_dissimilarity"]
    )
    assert set(prof["side"]) == {"US", "MX"}
    assert (prof["value"] < 0.01).all()  # evenly spread at every scale (up to rounding)
    with pytest.raises(IndexInputError, match="distances"):
        multiscalar_profile(tsd, group="hispanic", distances=[0])
    with pytest.raises(IndexInputError, match="unknown index"):
        multiscalar_profile(tsd, group="hispanic", indices=["gini"])
