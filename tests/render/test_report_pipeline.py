"""The report pipeline: named groups and the commuting model run before render, their sections
appear in the report (both languages), and what cannot run is reported with its reason."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from binational import schema
from binational.pipeline import report_results
from binational.render.report import build_report, map_isochrones


@pytest.fixture(scope="module")
def tj_results(tj, data_dir):
    return report_results(tj, permutations=19, seed=0, data_dir=data_dir)


def test_tijuana_results_and_sections(tj, tj_results, data_dir):
    results, missing = tj_results
    assert set(results) == {"groups", "commuting"}, missing
    fit = results["commuting"]["result"].fit_table
    sums = fit.groupby(["purpose", "period"])["predicted_share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)
    # the observed work trips are the survey's northbound HBW weights
    raw = pd.read_csv(data_dir / "crossings/sandag_ome_crossborder_od_survey_2017.csv")
    want = raw.loc[(raw["Dir"] == "NB") & (raw["Purpose"] == "HBW"), "RevWght"].sum()
    work = fit[(fit["purpose"] == "HBW") & (fit["direction"] == "northbound")]
    assert work.groupby("period")["observed_trips"].sum().sum() == pytest.approx(want, rel=1e-9)
    # named groups: the US Hispanic D of the profile is the one the concentration code gives
    profile = results["groups"]["profile"]
    row = profile[
        (profile["side"] == "US")
        & (profile["group"] == "hispanic")
        & (profile["index"] == "dissimilarity")
    ]
    assert len(row) == 1 and row["status"].iloc[0] == "ok"
    from binational.concentration import dissimilarity

    us = tj.units[tj.units[schema.COUNTRY] == "US"]
    from binational.groups import denominator

    want_d = dissimilarity(us, group="hispanic", total=denominator("hispanic", us.columns))
    assert row["value"].iloc[0] == pytest.approx(float(want_d), abs=1e-12)
    for lang, commuting_title in (("en", "commuting"), ("es", "traslados")):
        parts = build_report(
            tj, lang=lang, concentration=None, catchments=None, results=results, permutations=19
        )
        page = parts.html
        assert '<section id="groups">' in page and '<section id="commuting">' in page
        nav = re.search(r"<nav>(.*?)</nav>", page, flags=re.S).group(1)
        assert 'href="#commuting"' in nav and 'href="#groups"' in nav
        title = re.search(r'<section id="commuting">\s*<h2>(.*?)</h2>', page).group(1)
        assert commuting_title in title.lower()
        # one heading per section: the fragment's own <section><h2> was unwrapped
        assert page.count('id="commuting"') == 1
        assert "Otay Mesa East" in page
        # the interactive map switches to the border's time tax per unit at 7 am
        tax = {
            "en": "Border time tax at 07:00",
            "es": "Impuesto de tiempo de la frontera a las 07:00",
        }
        assert tax[lang] in page
        # the pedestrian check (not fitted) and the pivoted observed trips
        assert ("Pedestrians, not fitted" if lang == "en" else "Peatones, no ajustado") in page
        assert ("All day" if lang == "en" else "Todo el día") in page


def test_juarez_commuting_is_reported_missing(jz, data_dir):
    results, missing = report_results(jz, permutations=19, data_dir=data_dir)
    assert "commuting" not in results and "groups" in results
    assert "San Ysidro and Otay Mesa only" in missing["commuting"]
    page = build_report(
        jz, concentration=None, catchments=None, results=results, permutations=19
    ).html
    assert 'id="commuting"' not in page and '<section id="groups">' in page


def test_map_isochrones_keep_the_wait_and_the_outer_band(jz_catch):
    iso = jz_catch.isochrones
    drawn = map_isochrones(iso)
    assert len(drawn) and drawn["wait_included"].astype(bool).all()
    bands = sorted(pd.unique(iso["minutes"]), reverse=True)
    assert sorted(pd.unique(drawn["minutes"]), reverse=True) == bands[:6:2]
    # every port keeps its outer band
    outer = iso[(iso["minutes"] == bands[0]) & iso["wait_included"].astype(bool)]
    assert set(drawn[drawn["minutes"] == bands[0]][schema.PORT_CODE]) == set(
        outer[schema.PORT_CODE]
    )
