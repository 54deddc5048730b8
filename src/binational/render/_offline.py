"""Self-contained HTML: Leaflet's JavaScript and CSS inlined, nothing fetched from a CDN.

Where Leaflet comes from without internet
-----------------------------------------
folium itself does not vendor Leaflet (it links ``cdn.jsdelivr.net``). binational takes the
files from the PyPI package **XStatic-Leaflet** (``pip install xstatic-leaflet``; module
``xstatic.pkg.leaflet``), which ships ``leaflet.js``, ``leaflet.css`` and the control images
of Leaflet 1.9.3 — the same Leaflet version folium 0.20 links — and has no dependencies. It
is an ordinary pip dependency, so CI gets it from PyPI at install time. Alternatives searched
for in order: ``django-js-lib-leaflet`` (Leaflet 1.9.4, module ``js_lib_leaflet``), and a
folder named by the ``BINATIONAL_LEAFLET_DIR`` environment variable holding ``leaflet.js``
and ``leaflet.css`` (e.g. unpacked from ``npm pack leaflet@1.9.4``).

The CSS's ``url(images/*.png)`` references become ``data:`` URIs. folium's other default
assets (jQuery, Bootstrap, Font Awesome, Leaflet.awesome-markers) are dropped: binational's
maps draw no icon markers and use no Bootstrap. Any other external ``<script src>`` or
stylesheet (e.g. from a folium plugin a user added) raises :class:`RenderError` rather than
leaving a page that silently needs the network.
"""

from __future__ import annotations

import base64
import importlib
import os
import re
from functools import cache
from pathlib import Path

from ..errors import RenderError

__all__ = ["inline_assets", "leaflet_assets", "leaflet_dir"]

# folium defaults that binational maps do not need (no icon markers, no Bootstrap).
_DROPPABLE = (
    "jquery",
    "bootstrap",
    "awesome-markers",
    "Leaflet.awesome-markers",
    "font-awesome",
    "fontawesome",
    "leaflet.awesome.rotate",
)

_SCRIPT_RE = re.compile(r"<script\s+src=\"(?P<url>[^\"]+)\"\s*>\s*</script>", re.I)
_LINK_RE = re.compile(r"<link\s+[^>]*href=\"(?P<url>[^\"]+)\"[^>]*/?>", re.I)


def _candidates() -> list[Path]:
    found: list[Path] = []
    env = os.environ.get("BINATIONAL_LEAFLET_DIR")
    if env:
        found.append(Path(env))
    for module, sub in (
        ("xstatic.pkg.leaflet", "data"),
        ("js_lib_leaflet", "static/js_lib_leaflet"),
    ):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        found.append(Path(mod.__file__).parent / sub)
    return found


@cache
def leaflet_dir() -> Path:
    """Folder holding ``leaflet.js`` and ``leaflet.css`` (see the module notes)."""
    tried = _candidates()
    for folder in tried:
        if (folder / "leaflet.js").is_file() and (folder / "leaflet.css").is_file():
            return folder
    raise RenderError(
        "self-contained maps need Leaflet's files: pip install xstatic-leaflet (or set "
        "BINATIONAL_LEAFLET_DIR to a folder with leaflet.js and leaflet.css); tried "
        + (", ".join(str(p) for p in tried) or "no candidate")
    )


@cache
def leaflet_assets() -> tuple[str, str]:
    """(JavaScript, CSS) of Leaflet, with the CSS images as ``data:`` URIs."""
    folder = leaflet_dir()
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def to_data_uri(match: re.Match) -> str:
        path = folder / match.group("path")
        if not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((?P<path>images/[^)]+\.png)\)", to_data_uri, css)
    # The source-map comment would make devtools fetch leaflet.js.map.
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    return js, css


def _is_leaflet(url: str, ext: str) -> bool:
    name = url.rsplit("/", 1)[-1].split("?")[0]
    return "leaflet" in url and name in (
        f"leaflet.{ext}",
        f"leaflet.min.{ext}",
        f"leaflet-src.{ext}",
    )


def _droppable(url: str) -> bool:
    return any(token.lower() in url.lower() for token in _DROPPABLE)


def inline_assets(html: str) -> str:
    """Replace CDN Leaflet links in a folium page with inline copies; drop unused defaults.

    Raises
    ------
    RenderError
        If the page links any other external script or stylesheet.
    """
    js, css = leaflet_assets()

    def script(match: re.Match) -> str:
        url = match.group("url")
        if not re.match(r"(https?:)?//", url):
            return match.group(0)
        if _is_leaflet(url, "js"):
            return "<script>" + js.replace("</script", "<\\/script") + "</script>"
        if _droppable(url):
            return ""
        raise RenderError(f"offline map: cannot inline external script {url}")

    def link(match: re.Match) -> str:
        tag, url = match.group(0), match.group("url")
        if "stylesheet" not in tag.lower() or not re.match(r"(https?:)?//", url):
            return tag
        if _is_leaflet(url, "css"):
            return "<style>" + css + "</style>"
        if _droppable(url):
            return ""
        raise RenderError(f"offline map: cannot inline external stylesheet {url}")

    html = _SCRIPT_RE.sub(script, html)
    html = _LINK_RE.sub(link, html)
    return html
