"""Script injection through every text field of every map layer, checked in headless Chromium.

The payloads go into the unit id, name and municipio (admin2) of the census units, the port
name and garita name, the local-cluster code, the isochrones' port names and the region title.
The map (and the report embedding it) is opened in Chromium with the network off; every
feature is hovered and clicked and every tooltip and popup opened; no payload may run, and the
payload text must be visible as text (so the test cannot pass by not rendering it).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import binational
from binational import schema
from binational.render import maps

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUN = "window.__xss=(window.__xss||0)+1"
PAYLOADS = [
    f'<img src=x onerror="{RUN}">',
    f"</script><script>{RUN}</script>",
    f'"><svg onload="{RUN}">',
    f"'><img src=x onerror={RUN}>",
]


def payload(i: int, field: str) -> str:
    return f"{field}{PAYLOADS[i % len(PAYLOADS)]}"


@pytest.fixture(scope="module")
def hostile(data_dir):
    """Juárez–El Paso (30 units per side) with payloads in every text field."""
    region = binational.load_region("juarez-el-paso", data_dir=data_dir, network=False)
    units = region.units
    us = units[units[schema.COUNTRY] == schema.US].head(30)
    mx = units[units[schema.COUNTRY] == schema.MX].head(30)
    units = pd.concat([us, mx]).reset_index(drop=True)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=region.units.crs)
    units[schema.UNIT_ID] = [payload(i, f"uid{i}") for i in range(len(units))]
    units[schema.NAME] = [payload(i + 1, f"name{i}") for i in range(len(units))]
    units[schema.ADMIN2] = [payload(i + 2, "mun") for i in range(len(units))]
    units[schema.SOURCE] = payload(3, "src")
    ports = region.ports.copy()
    ports["name"] = [payload(i, f"port{i}") for i in range(len(ports))]
    if "name_mx" in ports.columns:
        ports["name_mx"] = [payload(i + 1, f"garita{i}") for i in range(len(ports))]
    spec = dataclasses.replace(
        region.spec, title=payload(0, "title"), title_es=payload(1, "titulo")
    )
    return dataclasses.replace(region, spec=spec, units=units, ports=ports)


def _local(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    codes = np.array(["HH", "LL", "HL", "LH", "ns", payload(0, "cluster")], dtype=object)
    return units[[schema.UNIT_ID, schema.COUNTRY, "geometry"]].assign(
        cluster=codes[np.arange(len(units)) % len(codes)]
    )


_ACTIVATE_JS = """() => {
  let n = 0;
  for (const key of Object.keys(window)) {
    let m = null;
    try { m = window[key]; } catch (e) { continue; }  // e.g. localStorage in a sandbox
    if (!(m && window.L && m instanceof L.Map)) continue;
    m.eachLayer((layer) => {
      if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); n++; layer.closeTooltip(); }
      if (layer.getPopup && layer.getPopup()) { layer.openPopup(); n++; layer.closePopup(); }
    });
  }
  return n;
}"""


def _attack(frame) -> tuple[int, str]:
    """Hover and click every feature, open every tooltip/popup, expand the layer control."""
    paths = frame.locator(".leaflet-interactive")
    for i in range(paths.count()):
        el = paths.nth(i)
        for ev in ("mouseover", "mousemove", "click", "mouseout"):
            el.dispatch_event(ev)
    control = frame.locator(".leaflet-control-layers")
    if control.count():
        control.first.dispatch_event("mouseover")
    opened = frame.evaluate(_ACTIVATE_JS)
    # the last popup stays open so its text can be read
    frame.locator("path.bn-port").first.dispatch_event("click")
    text = frame.evaluate("() => document.body.innerText")
    return opened, text


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route(
        "**/*",
        lambda r: (
            r.continue_() if r.request.url.startswith(("file:", "data:", "about:")) else r.abort()
        ),
    )
    page.goto(path.resolve().as_uri())
    page.wait_for_timeout(1500)
    return page, dialogs


def _ran(page) -> list:
    return [f.evaluate("() => window.__xss || 0") for f in page.frames]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_payload_runs_in_map(browser, hostile, tmp_path, lang):
    catch = binational.catchments(hostile, minutes=[30, 60], wait_fallback="zero")
    m = maps.region_map(
        hostile,
        "hispanic",
        normalize="pop_total",
        lang=lang,
        concentration=_local(hostile.units),
        catchments=catch,
        offline=True,
    )
    path = maps.save_map(m, tmp_path / "hostile.html")
    page, dialogs = _open(browser, path)
    try:
        n_paths = page.locator(".leaflet-interactive").count()
        assert n_paths >= len(hostile.units) + len(hostile.ports)
        opened, text = _attack(page)
        layers_text = page.locator(".leaflet-control-layers").inner_text()
        ran = _ran(page)
    finally:
        page.close()
    assert opened >= len(hostile.units) + len(hostile.ports)
    assert ran == [0] * len(ran), f"injected script ran: {ran}"
    assert dialogs == []
    # payloads are shown as text: the title box, the open port popup, the layer names
    title = "title" if lang == "en" else "titulo"
    assert f"{title}<img src=x onerror" in text or f"{title}</script>" in text
    assert "port0" in text and "<img src=x onerror" in text
    assert "port" in layers_text and ("<img" in layers_text or "</script>" in layers_text)


def test_tooltip_payloads_render_as_text(browser, hostile, tmp_path):
    """Each unit tooltip holds its payload as text (table builder escapes id, name, values)."""
    m = maps.region_map(hostile, "hispanic", normalize="pop_total", offline=True, border=None)
    path = maps.save_map(m, tmp_path / "tips.html")
    page, _ = _open(browser, path)
    try:
        units = page.locator("path.bn-unit")
        seen = []
        for i in range(units.count()):
            units.nth(i).dispatch_event("mouseover")
            units.nth(i).dispatch_event("mousemove")
            tip = page.locator(".leaflet-tooltip")
            if tip.count():
                seen.append(tip.last.inner_text())
            units.nth(i).dispatch_event("mouseout")
        ports = page.locator("path.bn-port")
        for i in range(ports.count()):
            ports.nth(i).dispatch_event("mouseover")
            tip = page.locator(".leaflet-tooltip")
            if tip.count():
                seen.append(tip.last.inner_text())
            ports.nth(i).dispatch_event("mouseout")
        ran = _ran(page)
    finally:
        page.close()
    assert ran == [0]
    assert len(seen) >= len(hostile.units)
    assert any("uid" in s and "<img src=x" in s for s in seen)
    assert any("name" in s and "</script>" in s for s in seen)
    assert any(s.startswith("port") and ("<" in s) for s in seen)


def test_no_payload_runs_in_report(browser, hostile, tmp_path):
    from binational.pipeline import write_report

    catch = binational.catchments(hostile, minutes=[30, 60], wait_fallback="zero")
    path = write_report(hostile, tmp_path, catchments=catch, permutations=9)
    html = path.read_text(encoding="utf-8")
    assert 'sandbox="allow-scripts"' in html
    page, dialogs = _open(browser, path)
    try:
        frames = [f for f in page.frames if f != page.main_frame]
        assert len(frames) == 1
        opened, _text = _attack(frames[0])
        page_text = page.evaluate("() => document.body.innerText")
        ran = _ran(page)
    finally:
        page.close()
    assert opened > 0
    assert ran == [0] * len(ran), f"injected script ran: {ran}"
    assert dialogs == []
    assert "title<img src=x onerror" in page_text
