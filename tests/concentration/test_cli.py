"""``binational concentration``: CSV + GeoPackage outputs on the real data."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from binational.cli import main
from binational.concentration import concentration_profile


def test_cli_on_a_unit_file(jep, tmp_path, capsys):
    src = tmp_path / "jep_units.gpkg"
    jep.to_file(src)
    out = tmp_path / "out"
    code = main(
        [
            "concentration",
            str(src),
            "--group",
            "hispanic",
            "--group-mx",
            "high_marginalization",
            "--permutations",
            "49",
            "--seed",
            "7",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed and "note: binational" in printed
    table = pd.read_csv(
        out / "jep_units_hispanic_concentration.csv", keep_default_na=False, na_values=[""]
    )
    local = gpd.read_file(out / "jep_units_hispanic_local.gpkg", layer="local")
    expected, expected_local = concentration_profile(
        jep, group={"US": "hispanic", "MX": "high_marginalization"}, permutations=49, seed=7
    )
    pd.testing.assert_series_equal(table["value"], expected["value"], check_dtype=False, atol=1e-12)
    pd.testing.assert_series_equal(table["p_value"], expected["p_value"], check_dtype=False)
    assert list(table["scope"].unique()) == ["US", "MX", "binational"]
    assert len(local) == len(expected_local) == len(jep)
    assert list(local["cluster"]) == list(expected_local["cluster"])
    assert local.crs == jep.crs


def test_cli_on_a_region_name(tmp_path, capsys):
    code = main(
        [
            "concentration",
            "juarez-el-paso",
            "--scopes",
            "US",
            "--indices",
            "dissimilarity,spatial_isolation",
            "--permutations",
            "19",
            "--no-local",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    table = pd.read_csv(tmp_path / "juarez-el-paso_default-groups_concentration.csv")
    assert list(table["index"]) == ["dissimilarity", "spatial_isolation"]
    assert (table["group"] == "hispanic").all()
    assert not (tmp_path / "juarez-el-paso_default-groups_local.gpkg").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group", "hispanic", "--scopes", "MX"], "no values for MX units"),
        (["--group", "mexican_born", "--scopes", "US"], "not in the unit table"),
        (["--group", "hispanic", "--weights", "knn", "--border-tolerance", "9"], "queen/rook"),
    ],
)
def test_cli_errors(tmp_path, capsys, args, message):
    code = main(
        ["concentration", "juarez-el-paso", "--permutations", "9", "--out", str(tmp_path), *args]
    )
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "option", "bad"),
    [
        (["--group", "hispanc"], "--group", "hispanc"),
        (["--group", "hispanic", "--group-mx", "marginal"], "--group-mx", "marginal"),
        (["--group", "hispanic", "--total", "pop"], "--total", "pop"),
        (["--multigroups", "hispanic,white,blak_nh"], "--multigroups", "blak_nh"),
    ],
    ids=["group", "group-mx", "total", "multigroups"],
)
def test_cli_a_column_no_side_has_is_an_error_not_a_skipped_table(
    tmp_path, capsys, args, option, bad
):
    """A misspelt column used to give exit 0 and a table of skipped rows; it is an error that
    names the option, the column and the count columns there are, and nothing is written."""
    out = tmp_path / "out"
    code = main(
        ["concentration", "juarez-el-paso", "--permutations", "9", "--out", str(out), *args]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert f"{option} {bad}: not in the unit table" in err
    assert "hispanic" in err.split("count columns:")[1]  # the columns there are
    assert not out.exists()
