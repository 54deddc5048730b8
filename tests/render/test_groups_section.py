"""Report fragment on named groups: content from precomputed results, escaped, bilingual."""

from __future__ import annotations

import re

import pytest

import binational
from binational.concentration.multiscalar import multiscalar_profile
from binational.concentration.named import (
    binational_comparison,
    named_group_profile,
    socioeconomic_context,
)
from binational.io.mx_census import iter_composition, read_iter
from binational.render.groups_section import groups_section


@pytest.fixture(scope="module")
def results(data_dir):
    old = binational.settings.progress
    binational.settings.progress = False
    region = binational.load_region(
        "tijuana-san-diego", data_dir=data_dir, network=False, crossings=False
    )
    units = region.units
    profile = named_group_profile(region, permutations=49, seed=0)
    out = {
        "profile": profile,
        "multiscalar": multiscalar_profile(units, group="hispanic", distances=[500, 2000, 10000]),
        "iter_composition": iter_composition(
            read_iter(region.spec.file("mx_iter", data_dir), municipios=region.spec.mx_municipios)
        ),
        "context": socioeconomic_context(units, permutations=19),
        "comparison": binational_comparison(
            units, us_group="hispanic", mx_group="born_elsewhere", profile=profile
        ),
    }
    binational.settings.progress = old
    return out


def test_section_content_en(results):
    html = groups_section(**results, lang="en", region="tijuana-san-diego")
    assert html.startswith("<section") and html.endswith("</section>")
    us = results["profile"]
    row = us[(us["group"] == "spanish_home") & (us["index"] == "dissimilarity")].iloc[0]
    # value, bootstrap interval, simulated and corrected MOE intervals are all shown
    assert f"{row['value']:.3f}" in html
    assert f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]" in html
    assert f"[{row['moe_low']:.3f}, {row['moe_high']:.3f}]" in html
    assert f"[{row['moe_corrected_low']:.3f}, {row['moe_corrected_high']:.3f}]" in html
    # MX groups: one reason each and how to fetch RESAGEBURB; no 1.000 rows
    assert html.count("needs INEGI Censo 2020 RESAGEBURB") == 4
    assert "binational fetch tijuana-san-diego --sources mx_resageburb" in html
    assert "1.000" not in html
    assert "Multigroup dissimilarity" in html and "<svg" in html
    assert "Tijuana (02004)" in html and "inegi_iter2020_municipio_border.csv" in html
    assert "Socio-economic context (not ethnicity)" in html
    assert "Below the poverty level" in html and "1 by construction" in html
    assert "are different groups" in html and "What is not comparable" in html


def test_section_spanish_and_escaped(results):
    profile = results["profile"].copy()
    profile.loc[profile.index[0], "label_es"] = "<script>alert(1)</script>"
    comparison = dict(results["comparison"])
    comparison["not_comparable_es"] = ["<b>x</b> & y"]
    html = groups_section(
        profile=profile,
        lang="es",
        comparison=comparison,
        iter_composition=results["iter_composition"].assign(name="<i>Tijuana</i>"),
    )
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html
    assert "&lt;i&gt;Tijuana&lt;/i&gt;" in html
    assert "Grupos de población en cada lado" in html and "Qué no es comparable" in html
    assert "Estados Unidos" in html
    # no data-borne tag survived
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {
        "section",
        "h2",
        "h3",
        "h4",
        "p",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "li",
        "code",
    }


def test_bad_lang(results):
    from binational.errors import RenderError

    with pytest.raises(RenderError):
        groups_section(profile=results["profile"], lang="fr")
