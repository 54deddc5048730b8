"""Open the generated map (and report) in headless Chromium with the network off.

Chromium is Debian's ``chromium`` (installed by ``.ci/run``); Playwright drives it through
``executable_path`` (no ``playwright install``). Every request that is not ``file:`` or
``data:`` is aborted and recorded, so the test proves the pages are self-contained.
Screenshots are kept in ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from binational.render import maps

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_offline(browser, path: Path, *, wait_ms: int = 1500):
    """Open ``path`` with every non-file request blocked; return (page, errors, blocked)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    blocked: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri())
    page.wait_for_timeout(wait_ms)
    return page, errors, blocked


def check_map(frame, *, n_units: int, n_ports: int) -> None:
    assert frame.evaluate("typeof L !== 'undefined' && L.version") == "1.9.3"
    assert frame.locator(".leaflet-container").count() == 1
    assert frame.locator("path.bn-unit").count() == n_units
    assert frame.locator("path.bn-port").count() == n_ports
    assert frame.locator(".leaflet-control-layers").count() == 1
    assert frame.locator("path.bn-border").count() == 1


def test_map_offline_in_chromium(browser, tj, tmp_path, artifacts):
    m = maps.region_map(tj, "hispanic", normalize="pop_total", offline=True)
    path = maps.save_map(m, tmp_path / "tijuana-san-diego.html")
    page, errors, blocked = open_offline(browser, path)
    try:
        check_map(page, n_units=len(tj.units), n_ports=len(tj.ports))
        # the popup of a port opens and holds its wait chart
        page.locator("path.bn-port").first.click(force=True)
        page.wait_for_timeout(300)
        assert page.locator(".leaflet-popup-content .bn-popup").count() == 1
        page.screenshot(path=str(artifacts / "map_tijuana_san_diego.png"))
    finally:
        page.close()
    assert errors == []
    assert blocked == []


def test_spanish_map_offline_in_chromium(browser, jz, tmp_path, artifacts):
    m = maps.region_map(jz, "hispanic", normalize="pop_total", lang="es", offline=True)
    path = maps.save_map(m, tmp_path / "juarez-el-paso.html")
    page, errors, blocked = open_offline(browser, path)
    try:
        check_map(page, n_units=len(jz.units), n_ports=len(jz.ports))
        assert "Garitas" in page.locator(".leaflet-control-layers").inner_text()
        page.screenshot(path=str(artifacts / "map_juarez_el_paso_es.png"))
    finally:
        page.close()
    assert errors == []
    assert blocked == []


def test_report_offline_in_chromium(browser, jz, jz_catch, tmp_path, artifacts):
    from binational.pipeline import write_report

    path = write_report(jz, tmp_path, catchments=jz_catch, permutations=19)
    page, errors, blocked = open_offline(browser, path, wait_ms=2500)
    try:
        frames = [f for f in page.frames if f != page.main_frame]
        assert len(frames) == 1  # the interactive map
        check_map(frames[0], n_units=len(jz.units), n_ports=len(jz.ports))
        n_img = page.locator("figure img").count()
        assert n_img >= 6
        widths = page.evaluate("() => Array.from(document.images).map((i) => i.naturalWidth)")
        assert all(w > 0 for w in widths)
        page.screenshot(path=str(artifacts / "report_juarez_el_paso.png"), full_page=True)
    finally:
        page.close()
    assert errors == []
    assert blocked == []


_DRAWN_JS = """(cls) => {
  const out = [];
  for (const k of Object.keys(window)) {
    const v = window[k];
    if (v && v instanceof L.Map) {
      v.eachLayer((l) => {
        if (l.feature && l.options && l.options.className === cls) {
          out.push([l.feature.properties.k || null, ...l.feature.properties.t]);
        }
      });
    }
  }
  return out;
}"""


def test_cluster_and_isochrone_layers_in_chromium(browser, jz, jz_catch, tmp_path, artifacts):
    """What Leaflet draws is local_measures()["cluster"] and result.isochrones."""
    from binational import schema
    from binational.concentration import local_measures

    us = jz.units[jz.units[schema.COUNTRY] == "US"].reset_index(drop=True)
    local = local_measures(us, group="hispanic", permutations=99, seed=4)
    m = maps.new_map(jz.units, tiles=None, offline=True)
    maps.add_clusters(m, local, show=True)
    maps.add_isochrones(m, jz_catch.isochrones, ports=jz.ports, method=jz_catch.method)
    path = maps.save_map(m, tmp_path / "layers.html")
    page, errors, blocked = open_offline(browser, path)
    try:
        drawn = page.evaluate(_DRAWN_JS, "bn-cluster")
        assert page.locator("path.bn-cluster").count() == len(local) == len(drawn)
        want = {
            uid: code
            for uid, code in zip(local[schema.UNIT_ID], local["cluster"].astype(str), strict=True)
        }
        assert {uid: code for code, uid, _ in drawn} == want
        labels = {code: label for code, _, label in drawn}
        assert labels["HH"] == "High–High (hot spot)" and labels["LL"] == "Low–Low (cold spot)"
        # only the first isochrone layer is switched on: its features are on the page
        iso = jz_catch.isochrones
        iso = iso[~(iso.geometry.is_empty | iso.geometry.isna())]
        code, wait = sorted(zip(iso[schema.PORT_CODE], iso["wait_included"], strict=True))[0]
        first = iso[(iso[schema.PORT_CODE] == code) & (iso["wait_included"] == wait)]
        shown = page.evaluate(_DRAWN_JS, "bn-isochrone")
        assert page.locator("path.bn-isochrone").count() == len(first) == len(shown)
        name = jz.ports.set_index(schema.PORT_CODE).loc[code, "name"]
        assert sorted(s[1:] for s in shown) == sorted(
            [
                name,
                f"{mn:g} minutes",
                "including the border wait" if wait else "without the border wait",
            ]
            for mn in first["minutes"]
        )
        page.screenshot(path=str(artifacts / "layers_juarez_el_paso.png"))
    finally:
        page.close()
    assert errors == []
    assert blocked == []


# ------------------------------------------------------------------------------------------------
# the report as a reader sees it (issue 11)

MAX_BYTES = 1_500_000
WINDOW = 1400
#: Proper names and technical terms that are the same in English and Spanish reports.
ALLOW = {
    "sentri",
    "ready",
    "lane",
    "fast",
    "gini",
    "atkinson",
    "general",
    "sha-256",
    "comparable",  # the same word in Spanish ("Qué no es comparable")
    "leaflet",
    "tijuana",
    "diego",
    "juárez",
    "paso",
}
HEADERS_JS = """() => Array.from(document.querySelectorAll(
    'th, h1, h2, h3, h4, nav a, .kf .l, .card h3'))
  .filter((e) => e.offsetParent !== null)
  .map((e) => e.innerText.trim()).filter((x) => x)"""


def _raw_names(region, conc, catch) -> set[str]:
    from binational.units import population_check

    names = set(region.units.columns) | set(population_check(region.units).columns)
    for frame in (
        conc.table,
        conc.local,
        catch.summary,
        catch.isochrones,
        region.sources,
        region.crossings,
        region.waits,
        region.drops.summary(),
    ):
        names |= {str(c) for c in frame.columns}
    return names


@pytest.fixture(scope="module")
def tj_results(tj):
    import binational
    from binational.concentration import concentration_profile

    conc = concentration_profile(tj, permutations=19, seed=0)
    catch = binational.catchments(tj, wait_fallback="zero")
    return conc, catch


@pytest.fixture(scope="module")
def tj_reports(tj, tj_results, tmp_path_factory, data_dir):
    from binational.pipeline import report_results, write_report

    out = tmp_path_factory.mktemp("tj-report")
    conc, catch = tj_results
    # the named groups and the commuting model, as `binational report` adds them
    results, missing = report_results(tj, permutations=19, data_dir=data_dir)
    assert set(results) == {"groups", "commuting"}, missing
    return {
        lang: write_report(
            tj, out, lang=lang, concentration=conc, catchments=catch, results=results
        )
        for lang in ("en", "es")
    }


def _english_words(region) -> set[str]:
    """Words of the English labels that are not also Spanish words, minus proper names."""
    import re

    from binational.render import labels

    english, spanish = set(), set()
    for table in (
        labels._STRINGS,
        labels._COLUMNS,
        labels._MEASURES,
        labels._INDICES,
        labels._LANES,
        labels._PURPOSES,
        labels._CLUSTERS,
    ):
        for en, es in table.values():
            english |= set(re.findall(r"[a-záéíóúñ]{4,}", en.lower()))
            spanish |= set(re.findall(r"[a-záéíóúñ]{4,}", es.lower()))
    proper = set()
    for name in region.ports.get("name", []):
        proper |= set(re.findall(r"[a-záéíóúñ]{4,}", str(name).lower()))
    return english - spanish - ALLOW - proper


@pytest.mark.parametrize("lang", ["en", "es"])
def test_tijuana_report_in_chromium(browser, tj, tj_results, tj_reports, lang, artifacts):
    import re

    path = tj_reports[lang]
    size = path.stat().st_size
    assert size <= MAX_BYTES, f"{path.name}: {size:,} bytes"
    page = browser.new_page(viewport={"width": WINDOW, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(("file:", "data:", "about:"))
            else (blocked.append(r.request.url), r.abort())
        ),
    )
    try:
        page.goto(path.resolve().as_uri())
        page.wait_for_timeout(2500)
        # renders offline: the map iframe draws its units, every image decodes
        frames = [f for f in page.frames if f != page.main_frame]
        assert len(frames) == 1
        check_map(frames[0], n_units=len(tj.units), n_ports=len(tj.ports))
        widths = page.evaluate("() => Array.from(document.images).map((i) => i.naturalWidth)")
        assert len(widths) >= 6 and all(w > 0 for w in widths)
        # nothing wider than the window
        assert page.evaluate("document.documentElement.scrollWidth") <= WINDOW
        wide = page.evaluate(
            """(w) => Array.from(document.querySelectorAll('main *'))
              .filter((e) => e.getBoundingClientRect().right > w).map((e) => e.tagName)""",
            WINDOW,
        )
        assert wide == []
        # no visible header is a raw column name (as written: "Side" is a label, "side" is not)
        headers = page.evaluate(HEADERS_JS)
        assert len(headers) > 40
        raw = _raw_names(tj, *tj_results)
        assert [h for h in headers if h in raw or "_" in h] == []
        if lang == "es":
            english = _english_words(tj)
            left = [h for h in headers if set(re.findall(r"[a-záéíóúñ]{4,}", h.lower())) & english]
            assert left == [], left
        page.screenshot(path=str(artifacts / f"report_tijuana_san_diego_{lang}.png"))
    finally:
        page.close()
    assert errors == []
    assert blocked == []
