"""Named groups: RESAGEBURB groups through a preset, denominators, unavailable groups, terms."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

import binational
from binational import groups as named
from binational.concentration.named import (
    binational_comparison,
    named_group_profile,
    socioeconomic_context,
)
from binational.drops import DropReport
from binational.errors import IndexInputError, SchemaError
from binational.io.mx_census import (
    iter_composition,
    read_iter,
    read_resageburb,
    resageburb_named_groups,
)

RES = "mx/format_sample/RESAGEBURB_03CSV20.csv.bz2"
PAIRS = {
    "born_elsewhere": ("PNACOE", "POBTOT"),
    "moved_since_2015": ("PRESOE15", "P_5YMAS"),
    "indigenous_language": ("P3YM_HLI", "P_3YMAS"),
    "afro_mexican": ("POB_AFRO", "POBTOT"),
}


@pytest.fixture(scope="module")
def bcs_raw(data_dir):
    return read_resageburb(data_dir / RES, report=DropReport())


@pytest.fixture(scope="module")
def bcs_region(tmp_path_factory, data_dir, bcs_raw):
    """A test preset: the real BCS RESAGEBURB file with stand-in square AGEB polygons.

    The shared data has no BCS AGEB polygons, so each AGEB gets a 900 m square on a grid (the
    aspatial indices do not depend on them).
    """
    folder = tmp_path_factory.mktemp("bcs-preset")
    keys = bcs_raw.index.to_numpy()
    i = np.arange(len(keys))
    # the grid starts at San Ysidro (the preset's port) so the region-extent check sees it in place
    x0, y0 = pyproj.Transformer.from_crs(4326, 32612, always_xy=True).transform(-117.03, 32.54)
    # whole kilometres: cell distances stay exact, so kernel ties (2 km) fall alike here and in PySAL
    x0, y0 = round(x0, -3), round(y0, -3)
    boxes = shapely.box(
        x0 + i % 40 * 1000.0,
        y0 + i // 40 * 1000.0,
        x0 + i % 40 * 1000.0 + 900,
        y0 + i // 40 * 1000.0 + 900,
    )
    gpd.GeoDataFrame({"CVEGEO": keys}, geometry=boxes, crs="EPSG:32612").to_file(
        folder / "agebs.gpkg"
    )
    munis = sorted({k[:5] for k in keys})
    (folder / "regions.toml").write_text(
        "[bcs-test]\n"
        'title = "La Paz (test preset)"\n'
        'crs = "EPSG:32612"\n'
        "us_counties = []\n"
        f"mx_municipios = {munis!r}\n"
        "ports = [2504]\n"
        "[bcs-test.files]\n"
        f'mx_agebs = "{(folder / "agebs.gpkg").as_posix()}"\n'
        f'mx_resageburb = ["mx_resageburb/not_fetched_yet.csv", "{RES}"]\n',
        encoding="utf-8",
    )
    binational.load_regions_file(folder / "regions.toml")
    return binational.load_region("bcs-test", data_dir=data_dir, network=False, crossings=False)


def test_resageburb_named_groups_maps_columns_and_flags(bcs_raw):
    out = resageburb_named_groups(bcs_raw)
    for group, (var, base) in PAIRS.items():
        np.testing.assert_array_equal(out[group].to_numpy(), bcs_raw[var].to_numpy())
        base_col = out.attrs["denominators"][group]
        np.testing.assert_array_equal(out[base_col].to_numpy(), bcs_raw[base].to_numpy())
        # suppressed cells are missing and flagged, and only those
        np.testing.assert_array_equal(out[f"{group}_suppressed"], bcs_raw[var].isna())
        assert out[f"{group}_suppressed"].sum() > 0
    assert out.attrs["missing"] == {}
    # a table without PRESOE15 says so for that group only
    part = resageburb_named_groups(bcs_raw.drop(columns=["PRESOE15"]))
    assert "moved_since_2015" not in part.columns
    assert "PRESOE15" in part.attrs["missing"]["moved_since_2015"]
    # a count above its denominator is an error naming the AGEB and columns
    bad = bcs_raw.copy()
    key = bad["P_3YMAS"].dropna().index[0]
    bad.loc[key, "P3YM_HLI"] = bad.loc[key, "P_3YMAS"] + 1
    with pytest.raises(SchemaError, match=f"P3YM_HLI above P_3YMAS.*{key}"):
        resageburb_named_groups(bad)


def test_preset_gets_groups_and_indices_equal_pysal(bcs_region, bcs_raw):
    from segregation.singlegroup import Dissim, Isolation

    units = bcs_region.units
    assert len(units) == len(bcs_raw)
    # the unit table carries every named group, its denominator and its suppression flags
    by_key = units.set_index(units["unit_id"].str[3:]).loc[bcs_raw.index]
    for group, (var, _) in PAIRS.items():
        assert by_key[f"{group}_suppressed"].sum() == bcs_raw[var].isna().sum() > 0
        assert by_key[group].isna().sum() == bcs_raw[var].isna().sum()
    assert "mx_resageburb" not in bcs_region.missing
    table = named_group_profile(bcs_region, sides=["MX"], permutations=99, seed=1)
    assert table.attrs["unavailable"]["MX"] == {}
    ok = table[table["status"] == "ok"]
    assert set(ok["group"]) == set(PAIRS)
    for group, (var, base) in PAIRS.items():
        rows = ok[ok["group"] == group].set_index("index")
        data = bcs_raw[[var, base]].dropna()
        assert (rows["denominator"] == named.denominator(group, units.columns)).all()
        assert (rows["n_units"] == len(data)).all()
        assert (rows["n_dropped"] == len(bcs_raw) - len(data)).all()
        assert rows.loc["dissimilarity", "value"] == pytest.approx(
            Dissim(data, var, base).statistic, abs=1e-9
        )
        assert rows.loc["isolation", "value"] == pytest.approx(
            Isolation(data, var, base).statistic, abs=1e-9
        )
        assert rows.loc["dissimilarity", "ci_low"] <= rows.loc["dissimilarity", "value"]
    # the denominator matters: moved_since_2015 over pop_total gives another value
    moved = ok[(ok["group"] == "moved_since_2015") & (ok["index"] == "dissimilarity")]
    wrong = Dissim(bcs_raw[["PRESOE15", "POBTOT"]].dropna(), "PRESOE15", "POBTOT").statistic
    assert abs(moved["value"].iloc[0] - wrong) > 1e-4


def test_preset_without_resageburb_file_says_how_to_fetch(data_dir):
    region = binational.load_region(
        "juarez-el-paso", data_dir=data_dir, network=False, crossings=False
    )
    spec = region.spec
    assert spec.files["mx_resageburb"]  # the preset names where a fetched file would lie
    assert (
        "binational fetch juarez-el-paso --sources mx_resageburb" in region.missing["mx_resageburb"]
    )
    assert "born_elsewhere" not in region.units.columns


def test_shared_data_mx_groups_unavailable_once(tsd):
    table = named_group_profile(tsd, permutations=0, ci=False, moe=False)
    mx = table[table["side"] == "MX"]
    # one row per group with the reason, not one per index, and no 1.000 rows
    assert (mx["status"] == "unavailable").all()
    assert sorted(mx["group"]) == sorted(g for g, v in named.GROUPS.items() if v.country == "MX")
    assert mx["note"].str.contains("RESAGEBURB").all()
    assert "high_marginalization" not in set(table["group"])
    us = table[(table["side"] == "US") & (table["kind"] == "group")]
    assert set(us["group"]) == {"hispanic", "spanish_home", "spanish_limited_english"}
    spanish = us[(us["group"] == "spanish_home") & (us["index"] == "dissimilarity")].iloc[0]
    assert spanish["denominator"] == "lang_base"
    from binational.concentration import dissimilarity

    assert spanish["value"] == pytest.approx(
        dissimilarity(tsd[tsd["country"] == "US"], group="spanish_home", total="lang_base")
    )


def test_multigroup_b03002_equals_pysal(sd):
    from segregation.multigroup import MultiDissim, MultiInfoTheory

    table = named_group_profile(
        sd.assign(country="US"), sides=["US"], permutations=0, ci=False, moe=False
    )
    mg = table[table["kind"] == "multigroup"].set_index("index")
    cats = list(named.MULTIGROUP_US)
    data = sd[cats].astype(float)
    assert mg.loc["multi_dissimilarity", "value"] == pytest.approx(
        MultiDissim(data, cats).statistic, abs=1e-9
    )
    assert mg.loc["information_theory", "value"] == pytest.approx(
        MultiInfoTheory(data, cats).statistic, abs=1e-9
    )


def test_profile_multigroups_b03002(sd):
    from segregation.multigroup import MultiDissim

    from binational.concentration import concentration_profile

    table, _ = concentration_profile(
        sd,
        group="hispanic",
        total="race_base",
        indices=["dissimilarity"],
        multigroups="B03002",
        permutations=9,
        local=False,
    )
    row = table.set_index("index").loc["multi_dissimilarity"]
    cats = list(named.MULTIGROUP_US)
    assert row["group"] == ",".join(cats)  # exhaustive: no "other" remainder
    assert row["value"] == pytest.approx(
        MultiDissim(sd[cats].astype(float), cats).statistic, abs=1e-9
    )
    with pytest.raises(IndexInputError, match="B03002"):
        concentration_profile(sd, group="hispanic", multigroups="B99999", permutations=9)


def test_comparison_terms_and_pooled_only_for_same_variable(tsd, monkeypatch):
    result = binational_comparison(tsd, us_group="hispanic", mx_group="born_elsewhere")
    assert result["same_variable"] is False and result["pooled"] is None
    assert any("different groups" in s for s in result["not_comparable"])
    assert any("grupos distintos" in s for s in result["not_comparable_es"])
    assert "no cross-border" in result["pooled_reason"]
    with pytest.raises(IndexInputError, match="must be a US group"):
        named.comparison_terms("born_elsewhere", "hispanic")
    # a variable defined the same way on both sides gets a pooled index
    units = tsd.assign(
        total_us=np.where(tsd["country"] == "US", tsd["pop_total"], np.nan),
        total_mx=np.where(tsd["country"] == "MX", tsd["pop_total"], np.nan),
        big_us=np.where(tsd["country"] == "US", np.round(tsd["pop_total"] * 0.3), np.nan),
        big_mx=np.where(tsd["country"] == "MX", np.round(tsd["pop_total"] * 0.2), np.nan),
    )
    same = "test concept defined on both sides"
    monkeypatch.setitem(
        named.GROUPS,
        "big_us",
        named.NamedGroup("big_us", "US", ("pop_total",), same, "a", "a", "t"),
    )
    monkeypatch.setitem(
        named.GROUPS,
        "big_mx",
        named.NamedGroup("big_mx", "MX", ("pop_total",), same, "b", "b", "t"),
    )
    result = binational_comparison(
        units, us_group="big_us", mx_group="big_mx", indices=("dissimilarity",), permutations=9
    )
    assert result["same_variable"] is True
    pooled = result["pooled"].set_index("index")
    from binational.concentration import dissimilarity

    combined = units.assign(g=np.where(units["country"] == "US", units["big_us"], units["big_mx"]))
    assert pooled.loc["dissimilarity", "value"] == pytest.approx(dissimilarity(combined, group="g"))
    # and the profile refuses to pool two different variables unless asked
    from binational.concentration import concentration_profile

    with pytest.raises(IndexInputError, match="defined on both sides"):
        concentration_profile(
            tsd, group={"US": "hispanic", "MX": "high_marginalization"}, scopes=["binational"]
        )


def test_iter_composition_real(data_dir):
    path = data_dir / "mx" / "inegi_iter2020_municipio_border.csv"
    comp = iter_composition(read_iter(path, municipios=["02004", "02003", "02005"]))
    raw = pd.read_csv(path, dtype={"ENTIDAD": str, "MUN": str})
    raw.index = raw["ENTIDAD"] + raw["MUN"]
    comp = comp.set_index("municipio")
    assert list(comp.index) == ["02003", "02004", "02005"]
    expected = raw.loc[comp.index, "PNACOE"] / raw.loc[comp.index, "POBTOT"]
    np.testing.assert_allclose(comp["born_elsewhere_share"], expected, rtol=1e-12)
    np.testing.assert_allclose(
        comp["moved_since_2015_share"],
        raw.loc[comp.index, "PRESOE15"] / raw.loc[comp.index, "POBTOT"],
        rtol=1e-12,
    )
    assert (comp["moved_since_2015_base"] == "POBTOT").all()  # no P_5YMAS in this extract
    assert comp["source"].str.contains("inegi_iter2020_municipio_border.csv").all()
    with pytest.raises(SchemaError, match="PRESOE15"):
        iter_composition(read_iter(path).drop(columns=["PRESOE15"]))


def test_socioeconomic_context(tsd):
    ctx = socioeconomic_context(tsd, permutations=19)
    us = ctx[ctx["side"] == "US"].set_index("measure")
    us_units = tsd[tsd["country"] == "US"].dropna(subset=["poverty_below", "poverty_base"])
    assert us.loc["share", "value"] == pytest.approx(
        us_units["poverty_below"].sum() / us_units["poverty_base"].sum()
    )
    from binational.concentration import dissimilarity

    assert us.loc["dissimilarity", "value"] == pytest.approx(
        dissimilarity(us_units, group="poverty_below", total="poverty_base")
    )
    mx = ctx[ctx["side"] == "MX"]
    assert "dissimilarity" not in set(mx["measure"])  # all-or-nothing: no index
    assert mx["note"].str.contains("1 by construction").any()
    grades = mx[mx["measure"].str.startswith("pop_")]
    assert grades["value"].sum() == pytest.approx(
        tsd.loc[tsd["country"] == "MX"].dropna(subset=["gm_2020"])["pop_total"].sum()
    )


def test_multiscalar_on_the_mexican_side_equals_pysal(bcs_region):
    """The MX side of the multiscalar profile, on a named group over its own denominator."""
    import warnings

    from segregation.dynamics import compute_multiscalar_profile
    from segregation.singlegroup import Dissim

    from binational.concentration.multiscalar import multiscalar_profile

    units = bcs_region.units
    prof = multiscalar_profile(
        units,
        group="moved_since_2015",
        total="pop_5plus",
        distances=[2000, 5000],
        indices=["spatial_dissimilarity"],
    )
    assert set(prof["side"]) == {"MX"}
    data = units[["moved_since_2015", "pop_5plus", "geometry"]].dropna().reset_index(drop=True)
    assert (prof["n_units"] == len(data)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = compute_multiscalar_profile(
            data,
            segregation_index=Dissim,
            group_pop_var="moved_since_2015",
            total_pop_var="pop_5plus",
            distances=[2000, 5000],
        )
    mine = prof.set_index("distance")["value"].reindex(ref.index.astype(float))
    np.testing.assert_allclose(mine.to_numpy(), ref.to_numpy(), atol=1e-9)
