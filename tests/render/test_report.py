"""The regional report and the CLI, on the real Juárez–El Paso data (no road network there)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from binational import pipeline
from binational.cli import main
from binational.errors import OutputError, RenderError
from binational.pipeline import _files as pipeline_files
from binational.render import report as report_mod
from binational.render.report import build_report, write_report


@pytest.fixture(scope="module")
def jz_report(jz, jz_catch, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    # the pipeline computes the concentration profile, the survey and the checksums
    path = pipeline.write_report(jz, out, catchments=jz_catch, permutations=49)
    return path


def _section(page: str, sid: str) -> str:
    start = page.index(f'<section id="{sid}">')
    return page[start : page.index("</section>", start)]


def test_report_sections_and_honest_degradation(jz_report):
    page = jz_report.read_text()
    for sid in (
        "summary",
        "overview",
        "population",
        "crossings",
        "socioeconomic",
        "concentration",
        "catchments",
        "methods",
        "sources",
        "reproduce",
        "missing",
    ):
        assert f'<section id="{sid}">' in page
    catch = _section(page, "catchments")
    assert "straight-line model (no road network)" in catch
    # the map alone in the overview; the density map and the official totals under population
    overview = _section(page, "overview")
    assert "<iframe" in overview and "<img" not in overview
    population = _section(page, "population")
    assert "Population density" in population and "<img" in population
    assert "Population of the census units against the official 2020 totals" in population
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
        r"<td[^>]*>United States</td><td[^>]*>Hispanic or Latino population</td>"
        r"<td[^>]*>Dissimilarity \(D\)</td><td[^>]*>([0-9.]+)</td>",
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

    from binational.render import static

    monkeypatch.setattr(static, "plot_population_reached", boom)
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
def test_cli_report_and_maps(tmp_path, data_dir, capsys, monkeypatch):
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
    from binational.render import _simplify

    outlines, web = [], _simplify.web_geometry
    monkeypatch.setattr(
        _simplify, "web_geometry", lambda gdf, **kw: outlines.append(len(gdf)) or web(gdf, **kw)
    )
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
    assert len(outlines) == 1  # the units' outlines, once for the three maps
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    assert main(["report", "juarez-el-paso", "--out", str(blocker / "x")]) == 2
    assert "cannot create output folder" in capsys.readouterr().err


def test_report_passes_its_seed_to_the_concentration_profile(region_ep, monkeypatch):
    import binational.concentration as conc

    seen = {}
    real = conc.concentration_profile

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(conc, "concentration_profile", spy)
    pipeline.report(region_ep, catchments=None, permutations=19, seed=7)
    assert seen["seed"] == 7
    assert seen["permutations"] == 19


# ------------------------------------------------------------------------------------------------
# issue 11: a report that reads like a regional study


def test_numbers_are_formatted_by_what_they_count():
    from binational.render._blocks import fmt_number

    assert fmt_number(4.766, "people") == "5"
    assert fmt_number(0.0, "people") == "0"
    assert fmt_number(3288774.0, "people") == "3,288,774"
    assert fmt_number(0.3456, "share") == "34.6 %"
    assert fmt_number(0.0004, "p") == "< 0.001"
    assert fmt_number(0.004, "p") == "0.004"
    assert fmt_number(96.4, "minutes") == "96"
    assert fmt_number(float("nan"), "people") == "–"
    assert fmt_number(True, lang="es") == "sí"


def test_key_figures_match_plain_pandas(jz_report, data_dir):
    import pandas as pd

    raw = pd.read_csv(
        data_dir / "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"
    )
    raw["month"] = pd.to_datetime(raw["Date"], format="%b %Y")
    last = raw["month"].max()
    first = last - pd.DateOffset(months=11)
    sel = raw[
        raw["Port Code"].isin([2402, 2401, 2404, 2408])
        & (raw["month"] >= first)
        & raw["Measure"].isin(
            ["Pedestrians", "Personal Vehicle Passengers", "Bus Passengers", "Train Passengers"]
        )
    ]
    days = (last + pd.offsets.MonthEnd(0) - first).days + 1
    per_day = sel["Value"].sum() / days
    summary = _section(jz_report.read_text(), "summary")
    assert f"{per_day:,.0f}" in summary
    assert "People per day" in summary


def test_survey_work_trips_match_the_csv(tj, data_dir):
    import pandas as pd

    from binational.io.survey import read_od_survey
    from binational.render import _keyfigures
    from binational.render.report import ReportContext, summary_section

    path = data_dir / "crossings/sandag_ome_crossborder_od_survey_2017.csv"
    raw = pd.read_csv(path)
    want = raw.loc[(raw["Dir"] == "NB") & (raw["Purpose"] == "HBW"), "RevWght"].sum()
    survey = read_od_survey(path)
    assert _keyfigures.survey_work_trips(survey)["work"] == pytest.approx(want)
    section = summary_section(ReportContext(region=tj, lang="es", survey=survey))
    border = section["blocks"][0]["border"]
    values = [line["value"] for line in border["lines"]]
    assert f"{want:,.0f}" in values
    assert any("encuesta SANDAG 2017" in line["label"] for line in border["lines"])


def test_survey_reader_names_bad_values(tmp_path):
    from binational.errors import DataSourceError, SchemaError
    from binational.io.survey import read_od_survey

    head = "FromZone,ToZone,ArHour,Purpose,POE,Lane,Dir,RevWght\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(head + "1,2,3,HBW,SY,General,NB,-4\n")
    with pytest.raises(SchemaError, match=r"RevWght.*lines \[2\]"):
        read_od_survey(bad)
    bad.write_text(head + "1,2,3,HBW,XX,General,NB,4\n")
    with pytest.raises(SchemaError, match=r"POE.*XX"):
        read_od_survey(bad)
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(SchemaError, match="RevWght"):
        read_od_survey(bad)
    with pytest.raises(DataSourceError, match="does not exist"):
        read_od_survey(tmp_path / "none.csv")


def test_all_zero_catchment_rows_say_why(jz, jz_catch):
    from binational.render.report import ReportContext, catchments_section

    iso = jz_catch.isochrones.copy()
    flag = iso["wait_included"].astype(bool)
    # as with a wait 36 minutes longer than the longest band
    longest = float(iso["minutes"].max())
    iso.loc[flag, "pop"] = 0.0
    summary = jz_catch.summary.assign(wait_minutes=longest + 36)
    catch = SimpleNamespace(
        method=jz_catch.method, isochrones=iso, summary=summary, params=jz_catch.params
    )
    section = catchments_section(ReportContext(region=jz, lang="en", catchments=catch))
    table = next(b["html"] for b in section["blocks"] if b["kind"] == "table" and "≤" in b["html"])
    rows = re.findall(r"<tr( class='rownote')?>(.*?)</tr>", table)
    zero_rows = 0
    for i, (note, row) in enumerate(rows):
        cells = [
            c for c in re.findall(r"<td class='n'>([^<]*)</td>", row) if re.fullmatch(r"[0-9,]+", c)
        ]
        if not note and cells and all(c == "0" for c in cells):
            zero_rows += 1
            assert rows[i + 1][0], f"all-zero row without a reason: {row}"
            assert "longer than the longest band" in rows[i + 1][1]
    assert zero_rows == int(flag.groupby([iso["port_code"], iso["side"]]).any().sum())


def test_reproduce_box_has_command_versions_and_checksums(jz_report, data_dir):
    import hashlib

    box = _section(jz_report.read_text(), "reproduce")
    assert "binational report juarez-el-paso" in box
    assert "geopandas " in box and "binational " in box
    bts = data_dir / "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"
    assert hashlib.sha256(bts.read_bytes()).hexdigest() in box
    ports = Path(report_mod.__file__).parents[3] / "data" / "ports.csv"
    if ports.is_file():  # the package's ports registry, from a source checkout
        assert hashlib.sha256(ports.read_bytes()).hexdigest() in box


def test_socioeconomic_part_is_apart_from_ethnicity(jz_report):
    page = jz_report.read_text()
    ethnic = _section(page, "concentration")
    socio = _section(page, "socioeconomic")
    assert "marginalisation" not in ethnic.split("<figure>")[0]
    assert "Population in high-marginalisation AGEBs" in socio
    assert "Urban marginalisation index 2020" in socio or "marginalisation grade" in socio
    # every figure carries its source
    for fig in re.findall(r"<figure>.*?</figure>", page, flags=re.S):
        assert 'class="src">Source: ' in fig


def test_sections_are_pluggable(jz, jz_catch):
    from binational.render.report import SECTIONS, build_report, insert_section

    def extra_section(ctx):
        return {
            "id": "extra",
            "title": "Extra " + str(ctx.results["answer"]),
            "notes": [],
            "blocks": [],
        }

    sections = insert_section(SECTIONS, extra_section, after="catchments")
    names = [s.__name__ for s in sections]
    assert names.index("extra_section") == names.index("catchments_section") + 1
    parts = build_report(
        jz,
        catchments=jz_catch,
        concentration=None,
        sections=sections,
        results={"answer": 42},
    )
    page = parts.html
    assert page.index('<section id="catchments">') < page.index('<section id="extra">')
    assert "Extra 42" in page


def test_report_finds_the_survey_beside_the_files_the_region_read(tj, data_dir, monkeypatch):
    from binational import settings

    monkeypatch.setattr(settings, "data_dir", None)  # only the region's own files tell
    assert pipeline_files._data_root(tj) == data_dir
    missing: dict = {}
    survey, path = pipeline.read_region_survey(tj, missing)
    assert path == data_dir / "crossings/sandag_ome_crossborder_od_survey_2017.csv"
    assert len(survey) == 7737 and missing == {}


def test_build_report_only_draws(jz, jz_catch, monkeypatch):
    """Render never loads data or runs an analysis: with every reader and analysis entry point
    made to fail, the report of precomputed results is still drawn."""
    import geopandas as gpd
    import pandas as pd

    import binational.catchments as catchments_mod
    import binational.concentration as concentration_mod
    import binational.io.survey as survey_mod
    from binational import units as units_mod

    def forbidden(*args, **kwargs):
        raise AssertionError("render loaded data or ran an analysis")

    for module, name in (
        (gpd, "read_file"),
        (pd, "read_csv"),
        (pd, "read_parquet"),
        (survey_mod, "read_od_survey"),
        (units_mod, "population_check"),
        (units_mod, "official_totals"),
        (concentration_mod, "concentration_profile"),
        (catchments_mod, "catchments"),
    ):
        monkeypatch.setattr(module, name, forbidden)
    parts = build_report(jz, catchments=jz_catch, concentration=None, permutations=19)
    assert '<section id="catchments">' in parts.html and '<section id="overview">' in parts.html
    assert parts.missing["concentration"] == "not requested"
