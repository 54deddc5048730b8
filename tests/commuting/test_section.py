"""The "Daily cross-border commuting" report section: escaping, both languages, real figures."""

from __future__ import annotations

import numpy as np
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


def _caption_table(html: str, caption: str) -> str:
    start = html.index(f"<caption>{caption}")
    return html[html.rindex("<table", 0, start) : html.index("</table>", start)]


def test_observed_trips_are_pivoted(work_result):
    obs = work_result.observed
    en = commuting_section(work_result, lang="en")
    table = _caption_table(en, "Observed trips per day by purpose, port and lane")
    n_opts = obs.groupby(["purpose", "port_code", "lane"]).ngroups
    # one row per purpose x port x lane and one 'all lanes' row per purpose (+ the header)
    assert table.count("<tr>") == 1 + n_opts + obs["purpose"].nunique()
    assert "<th>AM peak (05–09)</th>" in table and "<th>All day</th>" in table
    sel = obs[(obs.purpose == "HBW") & (obs.port_code == 2504) & (obs.lane == "ready")]
    row = next(
        r for r in table.split("<tr>") if "Work" in r and "San Ysidro" in r and "Ready Lane" in r
    )
    by_period = sel.groupby("period")["trips"].sum()
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[3] == f"{by_period['am_peak']:,.0f}"
    assert cells[-1] == f"{sel['trips'].sum():,.0f}"
    es = commuting_section(work_result, lang="es")
    t_es = _caption_table(es, "Viajes observados por día según propósito, garita y carril")
    assert "<th>Todo el día</th>" in t_es and "Hora pico matutina" in t_es
    assert f"{sel['trips'].sum():,.0f}".replace(",", " ") in t_es
    assert "Trabajo" in t_es and "HBW" not in t_es


def test_heldout_table_and_what_is_fitted(work_result):
    from binational.commuting import heldout_errors
    from binational.pipeline import heldout_table

    en = commuting_section(work_result, lang="en", heldout=heldout_table(work_result))
    table = _caption_table(en, "Held-out error by period")
    e = heldout_errors(work_result.fit_table).set_index("period")
    assert f"<td>{e.loc['pm_peak', 'lane_max_pp']:.1f}</td>" in table
    assert "Not fitted: pedestrian lanes" in en


def test_scenario_waits_table(work_result):
    scen = run_scenario(work_result, CommutingScenario(name="x", closed_lanes=((2504, "ready"),)))
    en = commuting_section(work_result, scenario=scen)
    table = _caption_table(en, "Scenario waits at 07:00")
    w = scen["waits"]
    r = w[(w.port_code == 2504) & (w.lane == "sentri") & (w.hour == 7)].iloc[0]
    assert f"<td>{r.base_wait:.1f}</td><td>{r.scenario_wait:.1f}</td>" in table


def test_time_tax_map_layer(work_result):
    from binational.render import maps
    from binational.render.commuting_map import add_time_tax, time_tax_variable

    units, tax = time_tax_variable(work_result.units, work_result, lang="es")
    assert len(tax) == 1 and tax[0].label.startswith(
        "Impuesto de tiempo de la frontera a las 07:00"
    )
    np.testing.assert_array_equal(units["time_tax_minutes"], work_result.units["time_tax_minutes"])
    assert time_tax_variable(work_result.units, None) == (work_result.units, [])
    m = maps.new_map(work_result.units, tiles=None, lang="en")
    add_time_tax(m, work_result, show=True)
    html = maps.map_html(m, offline=False)
    assert "Border time tax at 07:00" in html and "bn-legend" in html
