"""Fault injection: road networks (GraphML / OSM XML) and compressed archives."""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile
import zipfile

import pytest

from binational import settings
from binational._bounded import DecompressionBombError
from binational.errors import CRSError, DataSourceError, NetworkError, UnsafeArchiveError
from binational.io import roads
from binational.io._vector import read_bytes
from binational.network import speeds
from binational.sources import archive, download

from .conftest import GRAPHML


@pytest.fixture(scope="module")
def graphml_text(data_dir) -> str:
    return gzip.decompress((data_dir / GRAPHML).read_bytes()).decode()


def _small(text: str, *, crs: bool = True, xy: bool = True, nodes: bool = True) -> str:
    """The real file's header, its first edge with both nodes, and (optionally) its crs."""
    head = text[: text.index("<node ")]
    edge = text[text.index("<edge ") : text.index("</edge>") + len("</edge>")]
    ends = [edge.split(f'{k}="')[1].split('"')[0] for k in ("source", "target")]
    parts = []
    for n in ends:
        block = text[text.index(f'<node id="{n}"') :]
        block = block[: block.index("</node>") + len("</node>")]
        if not xy:
            block = "\n".join(
                ln for ln in block.splitlines() if 'key="d2"' not in ln and 'key="d3"' not in ln
            )
        parts.append(block)
    tail = text[text.rindex('<data key="d0">') : text.rindex("</graph>")] if crs else ""
    body = "".join(parts) + edge if nodes else ""
    return head + body + tail + "</graph></graphml>"


def test_r01_graphml_without_crs(graphml_text, tmp_path):
    path = tmp_path / "net_nocrs.graphml"
    path.write_text(_small(graphml_text, crs=False))
    with pytest.raises(CRSError, match=r"net_nocrs\.graphml.*no 'crs' graph attribute"):
        roads.load_network(path, cache=False)


def test_r02_graphml_without_node_xy(graphml_text, tmp_path):
    path = tmp_path / "net_noxy.graphml"
    path.write_text(_small(graphml_text, xy=False))
    with pytest.raises(NetworkError, match=r"net_noxy\.graphml: 2 of 2 node\(s\) lack x/y"):
        roads.load_network(path, cache=False)


def test_r03_graphml_without_nodes(graphml_text, tmp_path):
    path = tmp_path / "net_empty.graphml"
    path.write_text(_small(graphml_text, nodes=False))
    with pytest.raises(NetworkError, match=r"net_empty\.graphml: road network is empty"):
        roads.load_network(path, cache=False)


def test_r04_graphml_with_typed_attributes(tmp_path):
    import networkx as nx

    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=-117.0, y=32.5)
    G.add_node(2, x=-117.01, y=32.51)
    G.add_edge(1, 2, length=120.0, highway="primary")
    path = tmp_path / "net_typed.graphml"
    nx.write_graphml(G, path)  # attr.type="double": not what osmnx.save_graphml writes
    with pytest.raises(DataSourceError, match=r"net_typed\.graphml: osmnx cannot load"):
        roads.load_network(path, cache=False)


def test_r05_html_saved_as_graphml(tmp_path):
    path = tmp_path / "net.graphml"
    path.write_text("<!DOCTYPE html><html><body>Too many requests</body></html>")
    with pytest.raises(DataSourceError, match=r"net\.graphml: not a GraphML file.*HTML"):
        roads.load_network(path, cache=False)


def test_r06_truncated_graphml_gz(data_dir, tmp_path):
    raw = (data_dir / GRAPHML).read_bytes()
    path = tmp_path / "net_cut.graphml.gz"
    path.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(DataSourceError, match=r"net_cut\.graphml\.gz"):
        roads.load_network(path, cache=False)


def test_r07_graphml_gzip_bomb(graphml_text, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "max_decompressed_bytes", 1_000_000)
    small = _small(graphml_text)
    pad = "<!--" + " " * 5_000_000 + "-->"
    path = tmp_path / "net_bomb.graphml.gz"
    path.write_bytes(gzip.compress((small.replace("<graph ", pad + "<graph ", 1)).encode()))
    with pytest.raises(DecompressionBombError, match=r"net_bomb\.graphml\.gz"):
        roads.load_network(path, cache=False)


def test_r08_network_without_border_edges_speaks_to_cli_users(graphml_text, tmp_path):
    from binational.catchments.graph import sparse_graph

    path = tmp_path / "net_one_side.graphml"
    path.write_text(_small(graphml_text))
    G = roads.load_network(path, crs="EPSG:32611", cache=False)
    G = speeds.impute_speeds(G)
    for _, d in G.nodes(data=True):
        d["country"] = "US"
    with pytest.raises(NetworkError, match=r"--method straight-line") as exc:
        sparse_graph(G, crs="EPSG:32611")
    assert "first (binational" not in str(exc.value)


# ------------------------------------------------------------------------------------- archives


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a01_zip_path_traversal(tmp_path):
    path = tmp_path / "evil.zip"
    path.write_bytes(_zip({"../../escape.csv": b"a,b\n1,2\n"}))
    with pytest.raises(UnsafeArchiveError, match=r"evil\.zip"):
        archive.extract(path, dest=tmp_path / "out")
    assert not (tmp_path / "escape.csv").exists()


def test_a02_zip_bomb_ratio(tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(_zip({"big.csv": b"0" * 50_000_000}))
    with pytest.raises(UnsafeArchiveError, match=r"bomb\.zip"):
        archive.extract(path, dest=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a03_tar_symlink(tmp_path):
    path = tmp_path / "links.tar"
    with tarfile.open(path, "w") as tf:
        info = tarfile.TarInfo("passwd")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tf.addfile(info)
    with pytest.raises(UnsafeArchiveError, match=r"links\.tar"):
        archive.extract(path, dest=tmp_path / "out")


def test_a04_local_zip_member_bomb_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "max_decompressed_bytes", 1_000_000)
    path = tmp_path / "table.zip"
    path.write_bytes(_zip({"table.csv": b"a,b\n" + b"1,2\n" * 1_000_000}))
    with pytest.raises(DecompressionBombError, match=r"table\.zip"):
        read_bytes(path)


def test_a05_local_bz2_bomb_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "max_decompressed_bytes", 1_000_000)
    path = tmp_path / "table.csv.bz2"
    path.write_bytes(bz2.compress(b"a,b\n" + b"1,2\n" * 1_000_000))
    with pytest.raises(DecompressionBombError, match=r"table\.csv\.bz2"):
        read_bytes(path)


def test_a06_truncated_zip(tmp_path):
    raw = _zip({"table.csv": b"a,b\n" + b"1,2\n" * 10_000})
    path = tmp_path / "cut.zip"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataSourceError, match=r"cut\.zip"):
        read_bytes(path)


def test_a07_bound_never_above_download_bound(monkeypatch):
    from binational import _bounded

    monkeypatch.setattr(settings, "max_download_bytes", 5_000)
    monkeypatch.setattr(settings, "max_decompressed_bytes", 10**9)
    assert _bounded.limit() == 5_000


def test_a08_redirect_to_unlisted_host_is_refused(monkeypatch):
    import requests

    calls = []

    class Resp:
        is_redirect = True

        def __init__(self):
            self.headers = {"Location": "https://evil.example.net/file.zip"}

        def close(self):
            pass

    def fake_get(url, **kw):
        calls.append(url)
        assert kw.get("allow_redirects") is False
        return Resp()

    monkeypatch.setattr(requests, "get", fake_get)
    with pytest.raises(download.DownloadError, match=r"another host 'evil\.example\.net'"):
        download._get_checked_redirects("https://www2.census.gov/geo/x.zip", headers={})
    assert calls == ["https://www2.census.gov/geo/x.zip"]  # the other host is never contacted


def test_a09_redirect_to_catalogue_host_is_followed(monkeypatch):
    import requests

    class Redirect:
        is_redirect = True

        def __init__(self):
            self.headers = {"Location": "https://api.census.gov/data/x"}

        def close(self):
            pass

    class Final:
        is_redirect = False

        def __init__(self):
            self.headers: dict = {}

    answers = iter([Redirect(), Final()])
    monkeypatch.setattr(requests, "get", lambda url, **kw: next(answers))
    out = download._get_checked_redirects("https://www2.census.gov/geo/x.zip", headers={})
    assert isinstance(out, Final)


def test_a10_local_geojson_gz_bomb_is_bounded(data_dir, tmp_path, monkeypatch):
    from binational.io import us_census

    from .conftest import EP

    monkeypatch.setattr(settings, "max_decompressed_bytes", 1_000_000)
    text = (data_dir / EP["us_tracts"]).read_text()
    path = tmp_path / "tracts.geojson.gz"
    padded = text[:1] + " " * 3_000_000 + text[1:]
    path.write_bytes(gzip.compress(padded.encode()))
    with pytest.raises(DecompressionBombError, match=r"tracts\.geojson\.gz"):
        us_census.read_tracts(path)


def test_a11_zip_declaring_more_than_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "max_decompressed_bytes", 1_000_000)
    path = tmp_path / "tracts.zip"
    path.write_bytes(_zip({"tracts.geojson": b"{" + b" " * 3_000_000 + b"}"}))
    with pytest.raises(DecompressionBombError, match=r"tracts\.zip: members expand"):
        read_bytes(path, member_suffixes=(".geojson",))
