"""Fixtures for the road-network tests: the real SANDAG GraphML (parsed once per session), a
small OSM extract built from the real SANDAG GeoPackage, and a local Overpass/Nominatim server.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import binational
from binational.drops import DropReport
from binational.io import roads

GRAPHML = "osm/tijuana_sandiego_sr11_2017_drive.graphml.gz"
GPKG = "osm/tijuana_sandiego_sr11_2017_network.gpkg"
PORTS = "crossings/bts_us_mexico_ports_from_entry_data.csv"
MUNICIPIOS = "mx/municipios_bc_AGEM_02.geojson"
# Around the San Ysidro port of entry, both sides of the line.
PIECE_BBOX = (-117.06, 32.52, -117.00, 32.565)
SHAPE_ID0 = 9_000_000_000  # ids for shape points turned into OSM nodes


@contextlib.contextmanager
def cache_at(folder: Path):
    """Temporarily send binational's cache to ``folder``."""
    old = binational.settings.cache_dir
    binational.settings.cache_dir = str(folder)
    try:
        yield folder
    finally:
        binational.settings.cache_dir = old


@pytest.fixture(scope="session")
def use_cache():
    """The context manager :func:`cache_at`, for tests that need their own cache folder."""
    return cache_at


@pytest.fixture(scope="session")
def graphml_path(data_dir: Path) -> Path:
    return data_dir / GRAPHML


@pytest.fixture(scope="session")
def reference_graph(graphml_path: Path):
    """The shared GraphML read by plain osmnx (the reference)."""
    import osmnx as ox

    return ox.load_graphml(graphml_path)


@pytest.fixture(scope="session")
def roads_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("roads-cache")


@pytest.fixture(scope="session")
def cold_network(graphml_path: Path, roads_cache: Path):
    """Our loader on an empty cache: a parse, which also writes the cache entry."""
    with cache_at(roads_cache):
        assert not (roads_cache / "networks").exists()
        report = DropReport()
        G = roads.load_network(graphml_path, report=report)
    return G, report


@pytest.fixture(scope="session")
def warm_network(cold_network, graphml_path: Path, roads_cache: Path):
    """Our loader again on the same cache: a cache hit."""
    with cache_at(roads_cache):
        entries = sorted((roads_cache / "networks").glob("*.json"))
        assert len(entries) == 1, entries
        parse = roads._readers._read_graphml  # the reader _parse actually calls

        def no_parse(path):
            raise AssertionError(f"warm load parsed {path} instead of using the cache")

        roads._readers._read_graphml = no_parse
        try:
            return roads.load_network(graphml_path)
        finally:
            roads._readers._read_graphml = parse


@pytest.fixture(scope="session")
def ports_gdf(data_dir: Path) -> gpd.GeoDataFrame:
    """BTS port points (a plain pandas read; not the crossings module)."""
    df = pd.read_csv(data_dir / PORTS)
    return gpd.GeoDataFrame(
        {"port_code": df["Port Code"].astype(int), "name": df["Port Name"]},
        geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]),
        crs="EPSG:4326",
    )


@pytest.fixture(scope="session")
def mx_polygons(data_dir: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(data_dir / MUNICIPIOS)
    return gdf.assign(country="MX")[["country", "geometry"]]


# ---------------------------------------------------------------- small OSM piece of real data


@pytest.fixture(scope="session")
def sandag_piece(data_dir: Path):
    """SANDAG nodes and links (no centroids/connectors) lying inside PIECE_BBOX."""
    path = data_dir / GPKG
    nodes = gpd.read_file(path, layer="nodes", bbox=PIECE_BBOX)
    links = gpd.read_file(path, layer="links", bbox=PIECE_BBOX)
    nodes = nodes[~nodes["is_centroid"].astype(bool)]
    box = shapely.box(*PIECE_BBOX)
    links = links[~links["centroid_connector"].astype(bool) & links.geometry.within(box)]
    links = links[links["a_node"].isin(nodes["osmid"]) & links["b_node"].isin(nodes["osmid"])]
    return nodes.set_index("osmid"), links.reset_index(drop=True)


@pytest.fixture(scope="session")
def osm_elements(sandag_piece):
    """Overpass-JSON ``elements`` for the piece: one OSM way per SANDAG link.

    Shape points become untagged nodes; freeway-matched links are tagged ``highway=motorway``
    with their SANDAG posted speed as ``maxspeed``, the others ``highway=road`` (OSM's tag for a
    road of unknown class, which is what the SANDAG network gives us); one-way links get
    ``oneway=yes`` with the nodes in travel order.
    """
    nodes, links = sandag_piece
    elements = [
        {"type": "node", "id": int(i), "lat": float(r.geometry.y), "lon": float(r.geometry.x)}
        for i, r in nodes.iterrows()
    ]
    next_id = SHAPE_ID0
    for r in links.itertuples():
        coords = list(r.geometry.coords)
        a, b = nodes.geometry[r.a_node], nodes.geometry[r.b_node]
        if shapely.Point(coords[0]).distance(a) > shapely.Point(coords[-1]).distance(a):
            coords.reverse()
        ids = [int(r.a_node)]
        for x, y in coords[1:-1]:
            elements.append({"type": "node", "id": next_id, "lat": y, "lon": x})
            ids.append(next_id)
            next_id += 1
        ids.append(int(r.b_node))
        assert shapely.Point(coords[-1]).distance(b) < 1e-6
        tags = {"highway": "road"}
        if pd.notna(r.sandag_fwy_posted_mph):
            tags = {"highway": "motorway", "maxspeed": f"{int(r.sandag_fwy_posted_mph)} mph"}
        if r.tc_dir != 0:
            tags["oneway"] = "yes"
            if r.tc_dir == -1:
                ids.reverse()
        elements.append({"type": "way", "id": int(r.link_id), "nodes": ids, "tags": tags})
    return elements


def write_osm_xml(elements: list[dict], path: Path) -> Path:
    root = ET.Element("osm", version="0.6", generator="binational-tests")
    for e in elements:
        if e["type"] == "node":
            ET.SubElement(
                root, "node", id=str(e["id"]), lat=repr(e["lat"]), lon=repr(e["lon"]), version="1"
            )
    for e in elements:
        if e["type"] == "way":
            way = ET.SubElement(root, "way", id=str(e["id"]), version="1")
            for ref in e["nodes"]:
                ET.SubElement(way, "nd", ref=str(ref))
            for k, v in e["tags"].items():
                ET.SubElement(way, "tag", k=k, v=v)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


@pytest.fixture(scope="session")
def osm_tools():
    """Constants and helpers of this conftest (test modules cannot import it)."""
    return SimpleNamespace(bbox=PIECE_BBOX, shape_id0=SHAPE_ID0, write_xml=write_osm_xml)


@pytest.fixture(scope="session")
def osm_file(osm_elements, tmp_path_factory) -> Path:
    return write_osm_xml(osm_elements, tmp_path_factory.mktemp("osm") / "san_ysidro.osm")


# ---------------------------------------------------------------- local Overpass / Nominatim


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        srv.log.append(("GET", self.path, ""))
        if self.path.startswith("/api/status"):
            text = (
                "Connected as: 1\nCurrent time: 2026-01-01T00:00:00Z\nAnnounced endpoint: none\n"
                "Rate limit: 2\n2 slots available now.\n"
            )
            self._send(200, text.encode(), "text/plain")
        elif self.path.startswith("/nominatim/search"):
            self._send(200, json.dumps(srv.nominatim).encode(), "application/json")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self):
        srv = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        srv.log.append(("POST", self.path, body))
        if srv.mode == "html":
            self._send(500, b"<html><body>Internal error</body></html>", "text/html")
        else:
            self._send(200, json.dumps(srv.overpass).encode(), "application/json")


@pytest.fixture
def osm_server(osm_elements):
    """A local HTTP server on 127.0.0.1 answering like Overpass (/api) and Nominatim (/nominatim)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.log = []
    server.mode = "ok"
    server.overpass = {
        "version": 0.6,
        "generator": "binational-tests (from SANDAG SR-11 network)",
        "elements": osm_elements,
    }
    w, s, e, n = PIECE_BBOX
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    server.nominatim = [
        {
            "place_id": 1,
            "osm_type": "relation",
            "osm_id": 1,
            "boundingbox": [str(s), str(n), str(w), str(e)],
            "lat": str((s + n) / 2),
            "lon": str((w + e) / 2),
            "display_name": "San Ysidro test area",
            "class": "boundary",
            "type": "administrative",
            "importance": 0.5,
            "geojson": {"type": "Polygon", "coordinates": [ring]},
        }
    ]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    old = dict(binational.settings.base_urls)
    binational.settings.base_urls.update(overpass=f"{base}/api", nominatim=f"{base}/nominatim/")
    try:
        yield server
    finally:
        binational.settings.base_urls.clear()
        binational.settings.base_urls.update(old)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
