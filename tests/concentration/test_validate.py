"""Bad input: clear IndexInputError naming the column, value and unit (real and synthetic)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from binational.concentration import (
    dissimilarity,
    local_measures,
    singlegroup_indices,
    spatial_dissimilarity,
)
from binational.concentration._validate import counts
from binational.errors import CRSError, GeometryError, IndexInputError


def test_group_above_total_names_the_unit(sd):
    bad = sd.copy()
    bad.loc[3, "hispanic"] = bad.loc[3, "pop_total"] + 1
    uid = bad.loc[3, "unit_id"]
    with pytest.raises(IndexInputError, match=f"exceeds total 'pop_total'.*{uid}"):
        dissimilarity(bad, group="hispanic")


def test_negative_counts(sd):
    bad = sd.copy()
    bad.loc[7, "hispanic"] = -5
    with pytest.raises(
        IndexInputError, match=rf"'hispanic' has 1 negative.*{bad.loc[7, 'unit_id']} = -5"
    ):
        dissimilarity(bad, group="hispanic")


def test_all_zero_totals():
    units = pd.DataFrame({"g": [0.0, 0.0], "t": [0.0, 0.0]})
    with pytest.raises(IndexInputError, match="zero in every unit"):
        dissimilarity(units, group="g", total="t")


def test_missing_column_and_side(tsd):
    with pytest.raises(IndexInputError, match=r"'mexican_born'.*not in the unit table"):
        dissimilarity(tsd, group="mexican_born")
    # the MX side has no Hispanic counts: an explicit error, not NaN
    mx = tsd[tsd["country"] == "MX"]
    with pytest.raises(IndexInputError, match="'hispanic' has 798 missing"):
        dissimilarity(mx, group="hispanic")


def test_missing_values_dropped_on_request(sd, caplog):
    holes = sd.copy()
    holes.loc[[0, 5], "hispanic"] = np.nan
    with pytest.raises(IndexInputError, match="dropna=True"):
        dissimilarity(holes, group="hispanic")
    with caplog.at_level(logging.INFO, logger="binational"):
        value = dissimilarity(holes, group="hispanic", dropna=True)
    assert "2 unit(s) dropped" in caplog.text
    assert value == pytest.approx(dissimilarity(sd.drop(index=[0, 5]), group="hispanic"))
    c = counts(holes, "hispanic", "pop_total", dropna=True)
    assert c.dropped == list(sd.loc[[0, 5], "unit_id"])
    assert c.n == len(sd) - 2


def test_too_few_units_and_degenerate_groups(sd):
    with pytest.raises(IndexInputError, match="1 unit"):
        dissimilarity(sd.head(1), group="hispanic")
    with pytest.raises(IndexInputError, match="no members"):
        dissimilarity(sd.assign(none=0.0), group="none")
    with pytest.raises(IndexInputError, match="whole population"):
        dissimilarity(sd, group="pop_total")
    with pytest.raises(IndexInputError, match="at least 3"):
        local_measures(sd.head(2), group="hispanic")


def test_non_numeric_and_bad_parameters(sd):
    text = sd.assign(label="x")
    with pytest.raises(IndexInputError, match="not numeric"):
        dissimilarity(text, group="label")
    with pytest.raises(IndexInputError, match="between 0 and 1"):
        singlegroup_indices(sd, group="hispanic", indices=["atkinson"], atkinson_b=1.0)
    with pytest.raises(IndexInputError, match="expected a"):
        dissimilarity([1, 2, 3], group="hispanic")


def test_geometry_requirements(sd):
    with pytest.raises(CRSError, match="geographic"):
        spatial_dissimilarity(sd.to_crs(4326), group="hispanic")
    with pytest.raises(IndexInputError, match="GeoDataFrame"):
        spatial_dissimilarity(pd.DataFrame(sd.drop(columns="geometry")), group="hispanic")
    broken = sd.copy()
    broken.loc[2, "geometry"] = None
    with pytest.raises(GeometryError, match=str(sd.loc[2, "unit_id"])):
        spatial_dissimilarity(broken, group="hispanic")
