"""The "Daily cross-border commuting" report section: escaping, both languages, real figures."""

from __future__ import annotations

import pandas as pd
import pytest

from binational.commuting import CommutingScenario
from binational.commuting.scenario import run_scenario
from binational.errors import RenderError
from binational.render.commuting_section import commuting_section


def test_section_en_and_es(work_result):
    en = commuting_section(work_result, lang="en")
    es = commuting_section(work_result, lang="es")
    assert "Daily cross-border commuting" in en and "Traslados transfronterizos diarios" in es
    assert "Hora pico matutina" in es and "AM peak" in en
    # a figure from the data, formatted: total observed work trips of the AM peak at San Ysidro
    obs = work_result.observed
    v = obs[
        (obs.purpose == "HBW")
        & (obs.period == "am_peak")
        & (obs.port_code == 2504)
        & (obs.lane == "ready")
    ]["trips"].sum()
    assert f"{v:,.0f}" in en
    assert f"{v:,.0f}".replace(",", " ") in es
    with pytest.raises(RenderError):
        commuting_section(work_result, lang="fr")


def test_data_strings_are_escaped(work_result):
    evil = "<script>alert(1)</script>"
    ft = work_result.fit_table.assign(port_name=evil)
    fake = type("R", (), {})()
    for attr in ("observed", "parameters", "units", "params", "method", "waits"):
        setattr(fake, attr, getattr(work_result, attr))
    fake.fit_table = ft
    fake.waits = work_result.waits.assign(source=evil)
    html = commuting_section(fake, person_hours=pd.DataFrame(), lang="en")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_scenario_table(work_result):
    from binational.catchments import OTAY_MESA_EAST

    scen = run_scenario(
        work_result, CommutingScenario(name="Otay Mesa East <opens>", new_ports=(OTAY_MESA_EAST,))
    )
    html = commuting_section(work_result, scenario=scen, port_names={2599: "Otay Mesa East"})
    assert "Otay Mesa East &lt;opens&gt;" in html and "Otay Mesa East" in html
