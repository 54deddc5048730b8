"""Speed rules (synthetic edges, for the formulas) and bad input (files built from real data)."""

from __future__ import annotations

import gzip
import tomllib

import networkx as nx
import pytest
import shapely

from binational._data import manifest
from binational.errors import CRSError, DataSourceError, NetworkError
from binational.io import roads
from binational.network import prepare as network
from binational.network import speeds


def _graph(*edges: dict, crs: str = "EPSG:4326", countries=("US", "US")) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs=crs)
    G.add_node(1, x=-117.0, y=32.6, country=countries[0])
    G.add_node(2, x=-117.01, y=32.6, country=countries[1])
    for d in edges:
        G.add_edge(1, 2, **d)
    return G


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("45 mph", 45 * 1.609344),
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("50;60", 55.0),
        (["40", "30 mph"], (40 + 30 * 1.609344) / 2),
        (70, 70.0),
        ("none", None),
        ("signals", None),
        ("MX:urban", None),
        (None, None),
        ("", None),
    ],
)
def test_parse_maxspeed(value, kph):
    got = speeds.parse_maxspeed(value)
    assert got == (pytest.approx(kph) if kph is not None else None)


def test_precedence_and_sources():
    defaults = speeds.read_speed_defaults()
    with open(manifest("speeds.toml"), "rb") as fh:
        raw = tomllib.load(fh)
    G = _graph(
        {"length": 100.0, "poe": "San Ysidro", "maxspeed": "50"},
        {
            "length": 100.0,
            "maxspeed": "30 mph",
            "highway": "primary",
            "sandag_fwy_posted_mph": 65.0,
        },
        {"length": 100.0, "sandag_fwy_posted_mph": 65.0, "highway": "primary"},
        {"length": 100.0, "highway": ["unknown_class", "residential"]},
        {"length": 100.0},
        {"length": 1000.0},
        {"length": 5000.0, "country": "MX"},
    )
    speeds.impute_speeds(G)
    got = [(d["speed_source"], d["speed_kph"]) for *_, d in G.edges(data=True)]
    assert got == [
        ("poe", raw["poe"]["speed_kph"]),
        ("maxspeed", pytest.approx(30 * 1.609344)),
        ("sandag_posted", pytest.approx(65 * 1.609344)),
        ("highway_default", raw["highway"]["US"]["residential"]),
        ("length_default", raw["length_default"]["US"][0]),
        ("length_default", raw["length_default"]["US"][2]),
        ("length_default", raw["length_default"]["MX"][3]),
    ]
    assert defaults["fallback_country"] == "US"
    for *_, d in G.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] * 1000 / 3600))
    assert sum(G.graph["speed_sources"].values()) == 7


def test_country_from_first_node_and_custom_defaults(tmp_path):
    G = _graph({"length": 100.0, "highway": "residential"}, countries=("MX", "MX"))
    speeds.impute_speeds(G)
    assert G.edges[1, 2, 0]["speed_kph"] == 30.0
    custom = tmp_path / "speeds.toml"
    custom.write_text(
        'fallback_country = "US"\n[poe]\nspeed_kph = 5\n[highway.US]\nresidential = 33\n'
        "[length_default]\nbounds_m = [100.0]\nUS = [20.0, 60.0]\n"
    )
    G = _graph({"length": 100.0, "highway": "residential"}, {"length": 150.0})
    speeds.impute_speeds(G, defaults=custom)
    assert [d["speed_kph"] for *_, d in G.edges(data=True)] == [33, 60.0]


@pytest.mark.parametrize(
    ("defaults", "match"),
    [
        ({"poe": {"speed_kph": 10}, "highway": {"US": {}}}, r"length_default"),
        (
            {
                "poe": {"speed_kph": 10},
                "highway": {"US": {"primary": -5}},
                "length_default": {"bounds_m": [], "US": [40]},
            },
            r"primary.*-5",
        ),
        (
            {
                "poe": {"speed_kph": 10},
                "highway": {"US": {}},
                "length_default": {"bounds_m": [100], "US": [40]},
            },
            r"needs 2 speeds",
        ),
    ],
)
def test_bad_speed_defaults(defaults, match):
    with pytest.raises(NetworkError, match=match):
        speeds.impute_speeds(_graph({"length": 1.0}), defaults=defaults)


def test_edge_without_length():
    with pytest.raises(NetworkError, match=r"\(1, 2, 0\).*length"):
        speeds.impute_speeds(_graph({"highway": "primary"}))


def test_require_projected():
    with pytest.raises(CRSError, match="no 'crs'"):
        network.require_projected(nx.MultiDiGraph())
    with pytest.raises(CRSError, match="geographic"):
        network.require_projected(_graph())
    with pytest.raises(CRSError, match="not a valid CRS"):
        network.require_projected(nx.MultiDiGraph(crs="EPSG:nonsense"))
    assert network.require_projected(_graph(crs="EPSG:32611")).to_epsg() == 32611


def test_border_line_side_and_bad_border():
    line = shapely.LineString([(-117.1, 32.55), (-117.0, 32.54), (-116.9, 32.56)])
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=-117.05, y=32.60)  # north: US
    G.add_node(2, x=-117.05, y=32.50)  # south: MX
    G.add_edge(1, 2, length=11_000.0)
    G.add_edge(1, 1, length=10.0, geometry=shapely.LineString([(-117.05, 32.60), (-117.04, 32.61)]))
    network.mark_border_edges(
        G, border=shapely.reverse(line)
    )  # direction of the line is irrelevant
    assert (G.nodes[1]["country"], G.nodes[2]["country"]) == ("US", "MX")
    assert G.edges[1, 2, 0]["crosses_border"] and G.edges[1, 2, 0]["port_code"] is None
    assert not G.edges[1, 1, 0]["crosses_border"]
    with pytest.raises(NetworkError, match="LineString"):
        network.mark_border_edges(G, border=shapely.box(0, 0, 1, 1))
    with pytest.raises(NetworkError, match="port_code"):
        import geopandas as gpd

        network.mark_border_edges(
            G, ports=gpd.GeoDataFrame(geometry=[shapely.Point(-117, 32.5)], crs=4326)
        )


# ------------------------------------------------------------------------------- bad files


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(DataSourceError, match=r"nope\.graphml.*does not exist"):
        roads.load_network(tmp_path / "nope.graphml")
    odd = tmp_path / "roads.shp"
    odd.write_bytes(b"x")
    with pytest.raises(DataSourceError, match=r"roads\.shp.*unknown road network file type"):
        roads.load_network(odd)


def test_exactly_one_source(tmp_path):
    with pytest.raises(NetworkError, match="exactly one"):
        roads.load_network()
    with pytest.raises(NetworkError, match="exactly one"):
        roads.load_network(tmp_path / "x.graphml", bbox=(0, 0, 1, 1))
    with pytest.raises(NetworkError, match="west, south, east, north"):
        roads.load_network(bbox=(1, 1, 0, 0))


def test_html_saved_as_graphml(tmp_path):
    page = tmp_path / "network.graphml.gz"
    page.write_bytes(gzip.compress(b"<!DOCTYPE html><html><body>Rate limited</body></html>"))
    with pytest.raises(DataSourceError, match=r"network\.graphml\.gz: not a GraphML.*HTML page"):
        roads.load_network(page, cache=False)
    osm = tmp_path / "city.osm"
    osm.write_text("<html><body>404</body></html>")
    with pytest.raises(DataSourceError, match=r"city\.osm: not an OSM XML.*HTML"):
        roads.load_network(osm, cache=False)


def test_truncated_gzip_of_the_real_graphml(graphml_path, tmp_path):
    cut = tmp_path / "cut.graphml.gz"
    cut.write_bytes(graphml_path.read_bytes()[:200_000])
    with pytest.raises(DataSourceError, match=r"cut\.graphml\.gz: cannot parse GraphML"):
        roads.load_network(cut, cache=False)


def test_empty_and_badly_typed_graphml(graphml_path, tmp_path):
    # the real file's header with its first few elements, then closed properly
    text = gzip.decompress(graphml_path.read_bytes()).decode()
    head = text[: text.index("<node ")]
    empty = tmp_path / "empty.graphml"
    empty.write_text(head + "</graph></graphml>")
    with pytest.raises(NetworkError, match=r"empty.graphml: road network is empty"):
        roads.load_network(empty, cache=False)
    first_edge_end = text.index("</edge>") + len("</edge>")
    first_edge = text[text.index("<edge ") : first_edge_end]
    source, target = (first_edge.split(f'{k}="')[1].split('"')[0] for k in ("source", "target"))
    nodes = [text[text.index(f'<node id="{n}"') :] for n in (source, target)]
    nodes = [n[: n.index("</node>") + len("</node>")] for n in nodes]
    crs = text[text.rindex('<data key="d0">') : text.rindex("</graph>")]  # the graph's crs
    good = head + "".join(nodes) + first_edge + crs + "</graph></graphml>"
    ok = tmp_path / "one_edge.graphml"
    ok.write_text(good)
    G = roads.load_network(ok, cache=False)
    assert G.number_of_edges() == 1 and isinstance(
        G.edges[int(source), int(target), 0]["link_id"], int
    )
    bad = tmp_path / "bad_link.graphml"
    bad.write_text(good.replace('<data key="d8">12765</data>', '<data key="d8">link-x</data>'))
    with pytest.raises(NetworkError, match=r"bad_link.graphml: edge .*'link_id' = 'link-x'"):
        roads.load_network(bad, cache=False)


def test_cache_tables_roundtrip_keeps_types():
    """Lists, mixed numbers, numpy scalars, NaN and missing values survive the Parquet cache."""
    import math

    import numpy as np

    G = nx.MultiDiGraph(crs="EPSG:4326", simplified=True)
    G.add_node(1, x=0.0, y=0.0, street_count=np.int64(3), highway="traffic_signals")
    G.add_node(2, x=1.0, y=1.0)
    G.add_edge(1, 2, osmid=[5, 6], highway=["primary", "road"], length=1.5, oneway=True, lanes="2")
    G.add_edge(1, 2, osmid=7, length=float("nan"), oneway=False, width=3)
    G.add_edge(2, 1, osmid=8, length=2.0, width=2.5, geometry=shapely.LineString([(1, 1), (0, 0)]))
    H = roads._graph_from_tables(roads._tables_from_graph(G))
    assert H.graph == G.graph
    assert list(H.nodes(data=True)) == [
        (1, {"x": 0.0, "y": 0.0, "street_count": 3, "highway": "traffic_signals"}),
        (2, {"x": 1.0, "y": 1.0}),
    ]
    assert type(H.nodes[1]["street_count"]) is int
    e = list(H.edges(keys=True, data=True))
    assert e[0] == (
        1,
        2,
        0,
        {
            "osmid": [5, 6],
            "highway": ["primary", "road"],
            "length": 1.5,
            "oneway": True,
            "lanes": "2",
        },
    )
    assert math.isnan(e[1][3].pop("length")) and e[1][3] == {
        "osmid": 7,
        "oneway": False,
        "width": 3,
    }
    assert type(e[1][3]["width"]) is int and type(e[2][3]["width"]) is float
    assert e[2][3]["geometry"].equals_exact(G.edges[2, 1, 0]["geometry"], 0)
    G.add_edge(2, 2, length=1.0, odd=object())
    with pytest.raises(roads._Uncacheable, match="odd"):
        roads._tables_from_graph(G)
