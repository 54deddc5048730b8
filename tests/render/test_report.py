"""The regional report and the CLI, on the real Juárez–El Paso data (no road network there)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from binational.cli import main
from binational.errors import OutputError, RenderError
from binational.render import report as report_mod
from binational.render.report import build_report, write_report


@pytest.fixture(scope="module")
def jz_report(jz, jz_catch, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    path = write_report(jz, out, catchments=jz_catch, permutations=49)
    return path


def _section(page: str, sid: str) -> str:
    start = page.index(f'<section id="{sid}">')
    return page[start : page.index("</section>", start)]


def test_report_sections_and_honest_degradation(jz_report):
    page = jz_report.read_text()
    for sid in (
        "overview",
        "crossings",
        "concentration",
        "catchments",
        "methods",
        "sources",
        "missing",
    ):
        assert f'<section id="{sid}">' in page
    catch = _section(page, "catchments")
    assert "straight-line model (no road network)" in catch
    missing = _section(page, "missing")
    assert "network: no road network" in missing
    assert "RESAGEBURB" in missing
    # self-contained: no external script or stylesheet anywhere (the map is in an iframe srcdoc)
    assert not re.search(r"script src=(\"|&#34;)https?:", page)
    assert not re.search(r"(<|&lt;)link[^>]*href=(\"|&#34;)https?:", page)
    assert page.count("data:image/png;base64,") >= 6


def test_report_dissimilarity_matches_pysal(jz, jz_report):
    segregation = pytest.importorskip("segregation.singlegroup")
    us = jz.units[jz.units["country"] == "US"][["hispanic", "pop_total", "geometry"]].dropna()
    ref = segregation.Dissim(us, "hispanic", "pop_total").statistic
    section = _section(jz_report.read_text(), "concentration")
    row = re.search(
        r"<td[^>]*>US</td><td[^>]*>hispanic</td><td[^>]*>dissimilarity</td><td[^>]*>([0-9.]+)</td>",
        section,
    )
    assert row is not None
    assert float(row.group(1)) == pytest.approx(ref, abs=6e-4)


def test_report_crossings_table_matches_bts(jz_report, data_dir):
    import pandas as pd

    raw = pd.read_csv(
        data_dir / "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"
    )
    raw["month"] = pd.to_datetime(raw["Date"], format="%b %Y")
    last = raw["month"].max()
    ep = raw[(raw["Port Code"] == 2402) & (raw["month"] > last - pd.DateOffset(months=12))]
    ped = ep.loc[ep["Measure"] == "Pedestrians", "Value"].sum()
    assert f"{ped:,.0f}" in _section(jz_report.read_text(), "crossings")


def test_spanish_report_and_no_ports(jz, jz_catch):
    no_ports = (
        SimpleNamespace(**{**vars(jz), "ports": jz.ports.iloc[0:0]})
        if not hasattr(jz, "__dataclass_fields__")
        else None
    )
    if no_ports is None:
        import dataclasses

        no_ports = dataclasses.replace(jz, ports=jz.ports.iloc[0:0])
    parts = build_report(no_ports, lang="es", catchments=jz_catch, concentration=None)
    assert '<html lang="es">' in parts.html
    assert "Datos no disponibles" in parts.html and "Concentración étnica" in parts.html
    assert "ports" in parts.missing and "concentration" in parts.missing


def test_report_is_atomic(jz, jz_catch, tmp_path, monkeypatch):
    target = tmp_path / "juarez-el-paso.html"
    target.write_text("previous report")

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report_mod.static, "plot_population_reached", boom)
    with pytest.raises(RuntimeError):
        write_report(jz, tmp_path, catchments=jz_catch, concentration=None)
    assert target.read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["juarez-el-paso.html"]


def test_bad_output_and_empty_region(jz, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="file"):
        write_report(jz, blocker / "out")
    import dataclasses

    empty = (
        dataclasses.replace(jz, units=jz.units.iloc[0:0])
        if hasattr(jz, "__dataclass_fields__")
        else SimpleNamespace(**{**vars(jz), "units": jz.units.iloc[0:0]})
    )
    with pytest.raises(RenderError, match="no census units"):
        build_report(empty)


@pytest.mark.slow
def test_cli_report_and_maps(tmp_path, data_dir, capsys):
    rc = main(
        [
            "report",
            "juarez-el-paso",
            "--out",
            str(tmp_path),
            "--data-dir",
            str(data_dir),
            "--permutations",
            "19",
            "--gis",
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "juarez-el-paso.html" in out and "not available: network" in out
    assert (tmp_path / "juarez-el-paso.html").stat().st_size > 100_000
    assert (tmp_path / "juarez-el-paso.gpkg").exists()
    rc = main(
        [
            "maps",
            "juarez-el-paso",
            "--out",
            str(tmp_path / "m"),
            "--data-dir",
            str(data_dir),
            "--lang",
            "es",
        ]
    )
    assert rc == 0
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "binational-run.json",  # the run manifest
        "juarez-el-paso_high_marginalization.es.html",
        "juarez-el-paso_hispanic.es.html",
        "juarez-el-paso_pop_density.es.html",
    ]
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    assert main(["report", "juarez-el-paso", "--out", str(blocker / "x")]) == 2
    assert "cannot create output folder" in capsys.readouterr().err


def test_report_passes_its_seed_to_the_concentration_profile(region_ep, monkeypatch):
    import binational.concentration as conc
    from binational.render.report import build_report

    seen = {}
    real = conc.concentration_profile

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(conc, "concentration_profile", spy)
    build_report(region_ep, catchments=None, permutations=19, seed=7)
    assert seen["seed"] == 7
    assert seen["permutations"] == 19
